/**
 * Routes of a namespace's objects and properties: `GET/POST/DELETE …/{ns}/objects`,
 * `GET/PUT/DELETE …/{ns}/objects/{name}`, and the same pattern for `properties`. The collection
 * DELETEs remove every object (or property) of the namespace.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefServices } from '../../services/metadef-services.js';
import { sendNoContent } from '../no-content.js';
import { rejectBody } from './images.js';

// The query string, as the controllers read it.
const queryOf = (request: FastifyRequest) => new URLSearchParams(request.url.split('?')[1] ?? '');

type NsParams = { namespace: string };
type ItemParams = { namespace: string; name: string };

/** Adds the object and property routes to `app` (called by `metadefsRoutes`). */
export function metadefObjectPropertyRoutes(app: FastifyInstance, services: MetadefServices): void {
  const noBody = { onRequest: rejectBody };
  const ns = '/v2/metadefs/namespaces/:namespace';

  app.get<{ Params: NsParams }>(`${ns}/properties`, noBody, async (request) =>
    services.properties.list(request.ctx, request.params.namespace));
  app.post<{ Params: NsParams }>(`${ns}/properties`, async (request, reply) => {
    const created = await services.properties.create(request.ctx, request.params.namespace, request.body);
    reply.code(201);
    return created;
  });
  app.delete<{ Params: NsParams }>(`${ns}/properties`, async (request, reply) => {
    await services.namespaces.deleteContent(request.ctx, request.params.namespace, 'properties');
    return sendNoContent(reply);
  });
  app.get<{ Params: ItemParams }>(`${ns}/properties/:name`, async (request) =>
    services.properties.show(request.ctx, request.params.namespace, request.params.name, queryOf(request)));
  app.put<{ Params: ItemParams }>(`${ns}/properties/:name`, async (request) =>
    services.properties.update(request.ctx, request.params.namespace, request.params.name, request.body));
  app.delete<{ Params: ItemParams }>(`${ns}/properties/:name`, async (request, reply) => {
    await services.properties.delete(request.ctx, request.params.namespace, request.params.name);
    return sendNoContent(reply);
  });

  app.get<{ Params: NsParams }>(`${ns}/objects`, async (request) =>
    services.objects.list(request.ctx, request.params.namespace, queryOf(request)));
  app.post<{ Params: NsParams }>(`${ns}/objects`, async (request, reply) => {
    const created = await services.objects.create(request.ctx, request.params.namespace, request.body);
    reply.code(201);
    return created;
  });
  app.delete<{ Params: NsParams }>(`${ns}/objects`, async (request, reply) => {
    await services.namespaces.deleteContent(request.ctx, request.params.namespace, 'objects');
    return sendNoContent(reply);
  });
  app.get<{ Params: ItemParams }>(`${ns}/objects/:name`, noBody, async (request) =>
    services.objects.show(request.ctx, request.params.namespace, request.params.name));
  app.put<{ Params: ItemParams }>(`${ns}/objects/:name`, async (request) =>
    services.objects.update(request.ctx, request.params.namespace, request.params.name, request.body));
  app.delete<{ Params: ItemParams }>(`${ns}/objects/:name`, noBody, async (request, reply) => {
    await services.objects.delete(request.ctx, request.params.namespace, request.params.name);
    return sendNoContent(reply);
  });
}

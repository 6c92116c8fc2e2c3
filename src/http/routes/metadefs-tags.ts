/**
 * Routes of a namespace's tags: `GET/POST/DELETE …/{ns}/tags` (the POST creates several at once,
 * replacing the existing ones unless `X-Openstack-Append: True`; the DELETE removes all) and
 * `GET/POST/PUT/DELETE …/{ns}/tags/{name}`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefServices } from '../../services/metadef-services.js';
import { sendNoContent } from '../no-content.js';
import { rejectBody } from './images.js';

// The query string, as the controllers read it.
const queryOf = (request: FastifyRequest) => new URLSearchParams(request.url.split('?')[1] ?? '');

type NsParams = { namespace: string };
type TagParams = { namespace: string; name: string };

/** Adds the tag routes to `app` (called by `metadefsRoutes`). */
export function metadefTagRoutes(app: FastifyInstance, services: MetadefServices): void {
  const noBody = { onRequest: rejectBody };
  const tags = '/v2/metadefs/namespaces/:namespace/tags';

  app.get<{ Params: NsParams }>(tags, async (request) =>
    services.tags.list(request.ctx, request.params.namespace, queryOf(request)));
  app.post<{ Params: NsParams }>(tags, async (request, reply) => {
    const append = request.headers['x-openstack-append'];
    const created = await services.tags.createMany(request.ctx, request.params.namespace, request.body,
      Array.isArray(append) ? append[0] : append);
    reply.code(201);
    return created;
  });
  app.delete<{ Params: NsParams }>(tags, async (request, reply) => {
    await services.namespaces.deleteContent(request.ctx, request.params.namespace, 'tags');
    return sendNoContent(reply);
  });

  app.get<{ Params: TagParams }>(`${tags}/:name`, noBody, async (request) =>
    services.tags.show(request.ctx, request.params.namespace, request.params.name));
  app.post<{ Params: TagParams }>(`${tags}/:name`, noBody, async (request, reply) => {
    const created = await services.tags.create(request.ctx, request.params.namespace, request.params.name);
    reply.code(201);
    return created;
  });
  app.put<{ Params: TagParams }>(`${tags}/:name`, async (request) =>
    services.tags.update(request.ctx, request.params.namespace, request.params.name, request.body));
  app.delete<{ Params: TagParams }>(`${tags}/:name`, noBody, async (request, reply) => {
    await services.tags.delete(request.ctx, request.params.namespace, request.params.name);
    return sendNoContent(reply);
  });
}

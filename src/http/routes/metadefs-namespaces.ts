/**
 * Routes of metadef namespaces and resource types: `GET/POST /v2/metadefs/namespaces`,
 * `GET/PUT/DELETE /v2/metadefs/namespaces/{ns}`, `GET /v2/metadefs/resource_types` and a
 * namespace's resource-type associations; `metadefsRoutes` also registers the objects,
 * properties and tags routes. Handlers only translate HTTP to the metadef use cases.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefServices } from '../../services/metadef-services.js';
import { sendNoContent } from '../no-content.js';
import type { RouteRegistrar } from '../server.js';
import { rejectBody } from './images.js';
import { metadefObjectPropertyRoutes } from './metadefs-objects-properties.js';
import { metadefTagRoutes } from './metadefs-tags.js';

type NsParams = { namespace: string };
type RtParams = { namespace: string; resource_type: string };

// The query string as ordered key/value pairs, repeats kept.
function queryPairs(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  return q === -1 ? [] : [...new URLSearchParams(request.url.slice(q + 1))];
}

function queryOf(request: FastifyRequest): URLSearchParams {
  return new URLSearchParams(queryPairs(request));
}

/** Registers every metadefs route (namespaces, resource types, objects, properties, tags). */
export function metadefsRoutes(services: MetadefServices): RouteRegistrar {
  const noBody = { onRequest: rejectBody };
  return (app: FastifyInstance) => {
    const base = '/v2/metadefs/namespaces';
    // Registration order is the order of the methods in a 405's Allow header (Glance's router).
    app.get(base, async (request) => {
      const page = await services.namespaceReader.list(request.ctx, queryPairs(request));
      const body: Record<string, unknown> = { namespaces: page.namespaces };
      if (page.next !== undefined) body.next = page.next;
      body.schema = '/v2/schemas/metadefs/namespaces';
      body.first = page.first;
      return body;
    });
    app.post(base, async (request, reply) => {
      const { name, view } = await services.namespaces.create(request.ctx, request.body);
      // A relative Location, as Glance's serializer sets it.
      reply.code(201).header('location', `${base}/${name}`);
      return view;
    });

    app.get<{ Params: NsParams }>(`${base}/:namespace`, noBody, async (request) =>
      services.namespaceReader.show(request.ctx, request.params.namespace, queryOf(request)));
    app.put<{ Params: NsParams }>(`${base}/:namespace`, async (request) =>
      services.namespaces.update(request.ctx, request.params.namespace, request.body));
    app.delete<{ Params: NsParams }>(`${base}/:namespace`, noBody, async (request, reply) => {
      await services.namespaces.delete(request.ctx, request.params.namespace);
      return sendNoContent(reply);
    });

    app.get('/v2/metadefs/resource_types', noBody, async (request) => services.resourceTypes.listAll(request.ctx));
    app.get<{ Params: NsParams }>(`${base}/:namespace/resource_types`, noBody, async (request) =>
      services.resourceTypes.listFor(request.ctx, request.params.namespace));
    app.post<{ Params: NsParams }>(`${base}/:namespace/resource_types`, async (request, reply) => {
      const created = await services.resourceTypes.associate(request.ctx, request.params.namespace, request.body);
      reply.code(201);
      return created;
    });
    app.delete<{ Params: RtParams }>(`${base}/:namespace/resource_types/:resource_type`, noBody, async (request, reply) => {
      await services.resourceTypes.dissociate(request.ctx, request.params.namespace, request.params.resource_type);
      return sendNoContent(reply);
    });

    metadefObjectPropertyRoutes(app, services);
    metadefTagRoutes(app, services);
  };
}

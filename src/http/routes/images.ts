/**
 * Routes of the image records: `POST/GET /v2/images`, `GET/PATCH/DELETE /v2/images/{id}`, the
 * deactivate/reactivate actions and the tag endpoints. Each handler only translates HTTP to an
 * ImageService call and the result back to Glance's response shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Image } from '../../domain/image.js';
import { imageView, type ImageViewOptions } from '../../domain/image-view.js';
import type { ImageService } from '../../services/image-service.js';
import type { RouteRegistrar } from '../server.js';
import { requestBaseUrl } from './versions.js';
import { sendNoContent } from '../no-content.js';

/** What the image routes need. */
export interface ImageRoutesDeps {
  images: ImageService;
  view: ImageViewOptions;
  publicEndpoint: string | null;
  /** `enabled_import_methods`, advertised on create when non-empty. */
  importMethods: string[];
  /** Store ids (with the reserved ones) advertised on create when multistore is on. */
  storeIds: string[];
}

type IdParams = { id: string };
type TagParams = { id: string; tag: string };

/** The query string as ordered key/value pairs, repeats kept (Glance reads it that way). */
function queryPairs(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  return q === -1 ? [] : [...new URLSearchParams(request.url.slice(q + 1))];
}

/** Registers the image routes. */
export function imageRoutes(deps: ImageRoutesDeps): RouteRegistrar {
  const view = (image: Image) => imageView(image, deps.view);
  return (app: FastifyInstance) => {
    app.post('/v2/images', async (request, reply) => {
      const image = await deps.images.create(request.ctx, request.body);
      reply.code(201).header('location', `${requestBaseUrl(request, deps.publicEndpoint)}/v2/images/${image.id}`);
      if (deps.importMethods.length > 0) reply.header('openstack-image-import-methods', deps.importMethods.join(','));
      if (deps.storeIds.length > 0) reply.header('openstack-image-store-ids', deps.storeIds.join(','));
      return view(image);
    });

    app.get('/v2/images', async (request) => {
      const page = await deps.images.list(request.ctx, queryPairs(request));
      const body: Record<string, unknown> = { images: page.images.map(view), first: page.links.first };
      body.schema = '/v2/schemas/images';
      if (page.links.next !== undefined) body.next = page.links.next;
      return body;
    });

    app.get<{ Params: IdParams }>('/v2/images/:id', async (request) => view(await deps.images.show(request.ctx, request.params.id)));

    app.patch<{ Params: IdParams }>('/v2/images/:id', async (request) =>
      view(await deps.images.update(request.ctx, request.params.id, request.headers['content-type'], request.body)));

    app.delete<{ Params: IdParams }>('/v2/images/:id', async (request, reply) => {
      await deps.images.delete(request.ctx, request.params.id);
      return sendNoContent(reply);
    });

    app.post<{ Params: IdParams }>('/v2/images/:id/actions/deactivate', async (request, reply: FastifyReply) => {
      await deps.images.deactivate(request.ctx, request.params.id);
      return sendNoContent(reply);
    });

    app.post<{ Params: IdParams }>('/v2/images/:id/actions/reactivate', async (request, reply) => {
      await deps.images.reactivate(request.ctx, request.params.id);
      return sendNoContent(reply);
    });

    app.put<{ Params: TagParams }>('/v2/images/:id/tags/:tag', async (request, reply) => {
      await deps.images.addTag(request.ctx, request.params.id, request.params.tag);
      return sendNoContent(reply);
    });

    app.delete<{ Params: TagParams }>('/v2/images/:id/tags/:tag', async (request, reply) => {
      await deps.images.deleteTag(request.ctx, request.params.id, request.params.tag);
      return sendNoContent(reply);
    });
  };
}

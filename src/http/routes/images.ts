/**
 * Routes of the image records: `POST/GET /v2/images`, `GET/PATCH/DELETE /v2/images/{id}`, the
 * deactivate/reactivate actions and the tag endpoints. Each handler only translates HTTP to an
 * ImageService call and the result back to Glance's response shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../auth/request-context.js';
import { BadRequest, GlanceError, StagedElsewhere } from '../../domain/errors.js';
import { statusOf } from '../errors.js';
import { proxyToStageHost } from '../stage-host-proxy.js';
import type { Image } from '../../domain/image.js';
import { imageView, type ImageViewOptions } from '../../domain/image-view.js';
import type { PropertyProtections } from '../../policy/property-protections.js';
import { presentedImage } from '../../services/image-access.js';
import { patchDialect } from '../../services/image-patch.js';
import type { ImageService } from '../../services/image-service.js';
import type { RouteRegistrar } from '../server.js';
import { requestBaseUrl } from './versions.js';
import { sendNoContent } from '../no-content.js';

/** What the image routes need. */
export interface ImageRoutesDeps {
  images: ImageService;
  view: ImageViewOptions;
  /** Property protections: extra properties the caller may not read are left out of responses. */
  protections?: PropertyProtections | null;
  publicEndpoint: string | null;
  /** `enabled_import_methods`, advertised on create when non-empty. */
  importMethods: string[];
  /** Store ids (with the reserved ones) advertised on create when multistore is on. */
  storeIds: string[];
  /** `get_image_location`: callers it refuses see no locations (nor `direct_url`, `stores`). */
  canSeeLocations(ctx: RequestContext, image: Image): boolean;
}

type IdParams = { id: string };
type TagParams = { id: string; tag: string };

// Transfer codings WebOb treats as announcing a body.
const BODY_CODINGS = new Set(['chunked', 'compress', 'deflate', 'gzip', 'identity']);

/**
 * Route `onRequest` hook for the routes Glance's router marks `body_reject`: a request that
 * carries a body (a known Transfer-Encoding, or Content-Length above 0) gets 400 "A body is not
 * expected with this request." before anything else, the body unread.
 */
export async function rejectBody(request: FastifyRequest): Promise<void> {
  const coding = String(request.headers['transfer-encoding'] ?? '').trim().toLowerCase();
  const length = Number(request.headers['content-length'] ?? 0);
  if (BODY_CODINGS.has(coding) || length > 0) throw new BadRequest('A body is not expected with this request.');
}

/** The query string as ordered key/value pairs, repeats kept (Glance reads it that way). */
function queryPairs(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  return q === -1 ? [] : [...new URLSearchParams(request.url.slice(q + 1))];
}

/** Registers the image routes. */
export function imageRoutes(deps: ImageRoutesDeps): RouteRegistrar {
  const readable = (ctx: RequestContext, image: Image) => deps.protections?.readableImage(ctx, image) ?? image;
  // As Glance's view, which reads the locations through the policy layer and shows [] when
  // `get_image_location` refuses (a member of a shared image, say).
  const located = (ctx: RequestContext, image: Image) =>
    image.locations.length === 0 || deps.canSeeLocations(ctx, image) ? image : { ...image, locations: [] };
  const view = (ctx: RequestContext, image: Image) => imageView(readable(ctx, located(ctx, presentedImage(ctx, image))), deps.view);
  const noBody = { onRequest: rejectBody };
  return (app: FastifyInstance) => {
    // Registration order is the order of the methods in a 405's Allow header (Glance: GET, POST).
    app.get('/v2/images', async (request) => {
      const page = await deps.images.list(request.ctx, queryPairs(request));
      const body: Record<string, unknown> = { images: page.images.map((i) => view(request.ctx, i)), first: page.links.first };
      body.schema = '/v2/schemas/images';
      if (page.links.next !== undefined) body.next = page.links.next;
      return body;
    });

    app.post('/v2/images', async (request, reply) => {
      const image = await deps.images.create(request.ctx, request.body);
      reply.code(201).header('location', `${requestBaseUrl(request, deps.publicEndpoint)}/v2/images/${image.id}`);
      if (deps.importMethods.length > 0) reply.header('openstack-image-import-methods', deps.importMethods.join(','));
      if (deps.storeIds.length > 0) reply.header('openstack-image-store-ids', deps.storeIds.join(','));
      return view(request.ctx, image);
    });

    app.get<{ Params: IdParams }>('/v2/images/:id', noBody, async (request) =>
      view(request.ctx, await deps.images.show(request.ctx, request.params.id)));

    // The media type is checked before the body is read, so a wrong type wins over bad JSON.
    const patchMediaType = { onRequest: async (request: FastifyRequest) => { patchDialect(request.headers['content-type']); } };
    app.patch<{ Params: IdParams }>('/v2/images/:id', patchMediaType, async (request) =>
      view(request.ctx, await deps.images.update(request.ctx, request.params.id, request.headers['content-type'], request.body)));

    app.delete<{ Params: IdParams }>('/v2/images/:id', noBody, async (request, reply) => {
      try {
        await deps.images.delete(request.ctx, request.params.id);
      } catch (err) {
        if (!(err instanceof StagedElsewhere)) throw err;
        // As Glance: when the staging node cannot do it, the delete goes on here (its staged
        // data is left behind there); a refusal from that node is the answer.
        await proxyToStageHost(err.host, request, reply).catch(async (proxyErr: unknown) => {
          if (!(proxyErr instanceof GlanceError) || statusOf(proxyErr.kind) < 500) throw proxyErr;
          await deps.images.delete(request.ctx, request.params.id, { local: true });
        });
      }
      return sendNoContent(reply);
    });

    app.post<{ Params: IdParams }>('/v2/images/:id/actions/deactivate', noBody, async (request, reply: FastifyReply) => {
      await deps.images.deactivate(request.ctx, request.params.id);
      return sendNoContent(reply);
    });

    app.post<{ Params: IdParams }>('/v2/images/:id/actions/reactivate', noBody, async (request, reply) => {
      await deps.images.reactivate(request.ctx, request.params.id);
      return sendNoContent(reply);
    });

    app.put<{ Params: TagParams }>('/v2/images/:id/tags/:tag', noBody, async (request, reply) => {
      await deps.images.addTag(request.ctx, request.params.id, request.params.tag);
      return sendNoContent(reply);
    });

    app.delete<{ Params: TagParams }>('/v2/images/:id/tags/:tag', noBody, async (request, reply) => {
      await deps.images.deleteTag(request.ctx, request.params.id, request.params.tag);
      return sendNoContent(reply);
    });
  };
}

/**
 * The cache management routes (Image API 2.14; `PUT` answers 202 since 2.16): `GET /v2/cache`,
 * `DELETE /v2/cache` (`x-image-cache-clear-target`), `PUT` and `DELETE /v2/cache/{image_id}`.
 * They always exist: without `image_cache_dir` they answer Glance's 404 "Caching via API is not
 * supported at this site." (ref 042) once the policy check passed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CacheService } from '../../services/cache-service.js';
import { sendNoContent } from '../no-content.js';
import type { RouteRegistrar } from '../server.js';

type IdParams = { id: string };

// Glance's serializer only sets the status: WebOb's empty text/html body goes with it.
function sendAccepted(reply: FastifyReply): FastifyReply {
  return reply.code(202).header('content-type', 'text/html; charset=UTF-8').header('content-length', '0').send();
}

/** Registers the cache routes. */
export function cacheRoutes(deps: { cache: CacheService }): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/v2/cache', async (request) => deps.cache.state(request.ctx));

    app.delete('/v2/cache', async (request, reply) => {
      const target = request.headers['x-image-cache-clear-target'];
      await deps.cache.clear(request.ctx, Array.isArray(target) ? target.join(',') : target);
      return sendNoContent(reply);
    });

    app.put<{ Params: IdParams }>('/v2/cache/:id', async (request, reply) => {
      await deps.cache.queue(request.ctx, request.params.id);
      return sendAccepted(reply);
    });

    app.delete<{ Params: IdParams }>('/v2/cache/:id', async (request, reply) => {
      await deps.cache.delete(request.ctx, request.params.id);
      return sendNoContent(reply);
    });
  };
}

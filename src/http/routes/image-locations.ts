/**
 * The locations API of Images API 2.17: `POST /v2/images/{id}/locations` (202, empty body: the
 * location is added by a background `location_import` task) and `GET /v2/images/{id}/locations`
 * (200, a bare JSON array of `{url, metadata}`). As in Glance, the routes answer whatever the
 * versions document advertises.
 */
import type { FastifyInstance } from 'fastify';
import type { LocationService } from '../../services/image-locations.js';
import type { RouteRegistrar } from '../server.js';
import { rejectBody } from './images.js';

/** Registers the locations routes. */
export function imageLocationRoutes(deps: { locations: LocationService }): RouteRegistrar {
  return (app: FastifyInstance) => {
    // Registration order is the order of the methods in a 405's Allow header.
    app.get<{ Params: { id: string } }>('/v2/images/:id/locations', { onRequest: rejectBody }, async (request) =>
      deps.locations.list(request.ctx, request.params.id));

    app.post<{ Params: { id: string } }>('/v2/images/:id/locations', async (request, reply) => {
      await deps.locations.add(request.ctx, request.params.id, request.body);
      // WebOb's defaults on an empty 202, as for the import call.
      reply.code(202).header('content-type', 'text/html; charset=UTF-8').header('content-length', '0');
      return reply.send();
    });
  };
}

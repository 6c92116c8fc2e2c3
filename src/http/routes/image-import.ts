/**
 * Interoperable image import: `POST /v2/images/{id}/import` (202, refs 204, 211–217) and the
 * discovery document `GET /v2/info/import` (ref 010).
 */
import type { FastifyInstance } from 'fastify';
import { StagedElsewhere } from '../../domain/errors.js';
import { proxyToStageHost } from '../stage-host-proxy.js';
import type { ImportService } from '../../import/import-service.js';
import type { RouteRegistrar } from '../server.js';

/** Registers the import routes. */
export function imageImportRoutes(deps: { imports: ImportService; enabledMethods: string[] }): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/v2/info/import', async () => ({
      'import-methods': { description: 'Import methods available.', type: 'array', value: deps.enabledMethods },
    }));
    app.post<{ Params: { id: string } }>('/v2/images/:id/import', async (request, reply) => {
      const header = request.headers['x-image-meta-store'];
      try {
        await deps.imports.import(request.ctx, request.params.id, request.body, typeof header === 'string' ? header : undefined);
      } catch (err) {
        if (!(err instanceof StagedElsewhere)) throw err;
        await proxyToStageHost(err.host, request, reply);
      }
      // WebOb's defaults on Glance's empty 202 (ref 204).
      reply.code(202).header('content-type', 'text/html; charset=UTF-8').header('content-length', '0');
      return reply.send();
    });
  };
}

/**
 * `GET /v2/info/usage` (refs 014, 015, 350, 357): the caller's project usage and limit for each
 * unified-limit resource, `{"usage": {}}` when `use_keystone_limits` is off. No policy rule
 * guards it in Glance; any authenticated caller sees its own project's figures.
 */
import type { FastifyInstance } from 'fastify';
import type { QuotaChecker } from '../../quota/quota-checker.js';
import type { RouteRegistrar } from '../server.js';

/** Registers the usage route over `quota`. */
export function infoUsageRoutes(quota: Pick<QuotaChecker, 'usage'>): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/v2/info/usage', async (request) => ({ usage: await quota.usage(request.ctx) }));
  };
}

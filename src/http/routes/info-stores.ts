/**
 * Store discovery: `GET /v2/info/stores` (refs 011) and `GET /v2/info/stores/detail` (refs 012,
 * 013). Both answer 404 when multi-store is off (no `enabled_backends`), as Glance does; the
 * detail view is for administrators only (Glance's `stores_info_detail` rule, `role:admin`).
 */
import type { FastifyInstance } from 'fastify';
import { Forbidden, NotFound } from '../../domain/errors.js';
import type { StoreRegistry } from '../../store/registry.js';
import type { RouteRegistrar } from '../server.js';

/** What the routes read from the registry. */
export type InfoStoresSource = Pick<StoreRegistry, 'multistore' | 'infoStores' | 'infoStoresDetail'>;

/** Registers the two discovery routes over `stores`. */
export function infoStoresRoutes(stores: InfoStoresSource): RouteRegistrar {
  const requireMultistore = () => {
    if (!stores.multistore) throw new NotFound('Multi backend is not supported at this site.');
  };
  return (app: FastifyInstance) => {
    app.get('/v2/info/stores', async () => {
      requireMultistore();
      return stores.infoStores();
    });

    app.get('/v2/info/stores/detail', async (request) => {
      // Glance lists the stores (404 without multi-store) before it checks the policy.
      requireMultistore();
      if (!request.ctx.isAdmin) throw new Forbidden('You are not authorized to complete stores_info_detail action.');
      return stores.infoStoresDetail();
    });
  };
}

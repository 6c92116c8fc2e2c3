/**
 * The body of `POST /v2/images/{id}/import`, checked as Glance's request deserializer checks it
 * (method and name present, the method enabled, boolean flags), and the target stores chosen
 * from `all_stores`, `stores` or the `X-Image-Meta-Store` header as Glance's
 * `get_stores_from_request` does.
 */
import { BadRequest, Conflict } from '../domain/errors.js';

/** The import methods glance-ts runs. */
export type ImportMethod = 'glance-direct' | 'web-download' | 'copy-image' | 'glance-download';

/** A checked import request. */
export interface ImportRequest {
  method: ImportMethod;
  /** `method.uri` for web-download. */
  uri: string | null;
  allStores: boolean;
  allStoresMustSucceed: boolean;
  /** `stores` as sent, when sent. */
  stores: string[] | null;
  /** The body as received, recorded in the task's input (`import_req`). */
  body: Record<string, unknown>;
}

const RUNNABLE: readonly string[] = ['glance-direct', 'web-download', 'copy-image', 'glance-download'];

/** Checks the body; `enabledMethods` is `[DEFAULT] enabled_import_methods`. */
export function parseImportRequest(body: unknown, enabledMethods: readonly string[]): ImportRequest {
  const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const method = b.method as Record<string, unknown> | undefined;
  if (method === undefined) throw new BadRequest("Import request requires a 'method' field.");
  if (method === null || typeof method !== 'object' || !('name' in method)) throw new BadRequest("Import request requires a 'name' field.");
  const name = method.name;
  if (typeof name !== 'string' || !enabledMethods.includes(name) || !RUNNABLE.includes(name)) {
    throw new BadRequest(`Unknown import method name '${String(name)}'.`);
  }
  const allStoresMustSucceed = b.all_stores_must_succeed ?? true;
  if (typeof allStoresMustSucceed !== 'boolean') throw new BadRequest("'all_stores_must_succeed' must be boolean value only");
  const allStores = b.all_stores ?? false;
  if (typeof allStores !== 'boolean') throw new BadRequest("'all_stores' must be boolean value only");
  let stores: string[] | null = null;
  if ('stores' in b) {
    if (!Array.isArray(b.stores) || b.stores.some((s) => typeof s !== 'string')) throw new BadRequest("'stores' must be a list of store identifiers");
    stores = b.stores as string[];
  }
  const uri = typeof method.uri === 'string' ? method.uri : null;
  if (name === 'web-download' && uri === null) throw new BadRequest("Import method 'web-download' requires a 'uri'.");
  return { method: name as ImportMethod, uri, allStores, allStoresMustSucceed, stores, body: b };
}

/** What choosing stores needs from the store registry. */
export interface StoreChoice {
  multistore: boolean;
  defaultStoreId: string;
  /** Operator stores that accept writes, in configuration order (what `all_stores` means). */
  writableStoreIds: string[];
  /** Whether `id` names an operator store. */
  isOperatorStore(id: string): boolean;
}

/**
 * The stores an import writes to. Without multi-store, the one default store. Unknown ids are a
 * 409 "Store for identifier … not found" (ref 213d), as in Glance.
 */
export function chooseStores(req: ImportRequest, headerStore: string | undefined, s: StoreChoice): string[] {
  if (!s.multistore) return [s.defaultStoreId];
  let stores: string[];
  if (req.allStores) {
    if (req.stores !== null || headerStore !== undefined) {
      throw new BadRequest("All_stores parameter can't be used with x-image-meta-store header or stores parameter");
    }
    stores = [...s.writableStoreIds];
  } else if (req.stores !== null) {
    if (headerStore !== undefined) throw new BadRequest("Stores parameter and x-image-meta-store header can't be both specified");
    stores = [...req.stores];
  } else {
    stores = [headerStore ?? s.defaultStoreId];
  }
  for (const id of stores) if (!s.isOperatorStore(id)) throw new Conflict(`Store for identifier ${id} not found`);
  return stores;
}

/**
 * The real application with the image cache on, listening on a real socket (data-harness.ts),
 * plus what the cache tests look at: the cache directory, this node's `cached_images` rows, and
 * helpers to make active raw images of random bytes and download them whole.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startDataApi, type DataApi, type IniSections } from '../data/data-harness.js';

/** A node identity for the tests' single node. */
export const NODE_URL = 'http://127.0.0.1:9292';

/** A cached_images row as stored. */
export interface CacheRow {
  image_id: string;
  size: number;
  hits: number;
  checksum: string | null;
}

/** The running app with cache helpers. */
export interface CacheApi extends DataApi {
  cacheDir: string;
  /** Path of the cached copy of `id`; `incomplete/` and `queue/` under `cacheDir`. */
  cached(id: string): string;
  /** This node's rows, by image id. */
  rows(): Promise<Map<string, CacheRow>>;
  /** Creates an active raw image of `size` random bytes (owned by `demo`). */
  makeImage(size: number, fields?: Record<string, unknown>): Promise<{ id: string; data: Buffer }>;
  /** `GET /v2/images/{id}/file` as admin, body read whole. */
  download(id: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }>;
}

/**
 * Starts the app with `image_cache_dir = <dir>/cache`, `worker_self_reference_url` set and,
 * unless `flavor` says otherwise, the unauthenticated `caching` flavor (downloads use the cache).
 */
export async function startCacheApi(opts: { defaults?: Record<string, string>; flavor?: string | null; ini?: IniSections } = {}): Promise<CacheApi> {
  const flavor = opts.flavor === undefined ? 'caching' : opts.flavor;
  const api = await startDataApi({
    ini: {
      DEFAULT: { enabled_backends: 'fs:file', image_cache_dir: '{dir}/cache', worker_self_reference_url: NODE_URL, ...opts.defaults },
      ...(flavor === null ? {} : { paste_deploy: { flavor } }),
      ...opts.ini,
    },
  });
  const cacheDir = join(api.dir, 'cache');
  return Object.assign(api, {
    cacheDir,
    cached: (id: string) => join(cacheDir, id),
    async rows() {
      const result = await sql<CacheRow>`SELECT c.image_id, c.size, c.hits, c.checksum FROM cached_images c
        JOIN node_reference n ON n.node_reference_id = c.node_reference_id WHERE n.node_reference_url = ${NODE_URL}`
        .execute(api.app.database.db);
      return new Map(result.rows.map((r) => [r.image_id, { ...r, size: Number(r.size), hits: Number(r.hits) }]));
    },
    async makeImage(size: number, fields: Record<string, unknown> = {}) {
      const data = randomBytes(size);
      const id = await api.create('demo', { disk_format: 'raw', container_format: 'bare', ...fields });
      const res = await api.upload('demo', id, data);
      if (res.status !== 204) throw new Error(`upload: ${res.status} ${res.text}`);
      return { id, data };
    },
    async download(id: string, headers: Record<string, string> = {}) {
      const res = await api.call('admin', 'GET', `/v2/images/${id}/file`, { headers: { accept: '*/*', ...headers } });
      return { status: res.status, headers: res.headers, body: res.body };
    },
  });
}

/**
 * The image cache slice: `[DEFAULT] image_cache_dir` and its companions, plus whether the paste
 * flavor puts Glance's `cache` filter in front of the API (transparent caching of downloads).
 * The cache API (`/v2/cache`) exists whenever `image_cache_dir` is set; downloads are served from
 * and teed into the cache only with a caching flavor as well, as in Glance's paste pipelines.
 */
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';

/** The paste flavors whose pipeline has Glance's `cache` filter. */
const CACHING_FLAVORS = ['caching', 'cachemanagement', 'keystone+caching', 'keystone+cachemanagement'];

/** What the image cache needs. */
export interface ImageCacheConfig {
  /** `image_cache_dir`: cached files directly under it, `incomplete/` and `queue/` inside. */
  dir: string;
  /** `image_cache_max_size` in bytes: the cache is pruned back to it (least recently used first). */
  maxSize: number;
  /** `image_cache_stall_time` in seconds: an incomplete file not written for this long is removed. */
  stallTimeSeconds: number;
  /** `worker_self_reference_url`: this node's identity in `node_reference`. */
  nodeUrl: string;
  /** `image_cache_driver` as configured, lower-cased (only `centralized_db` is implemented). */
  driver: string;
  /** True when `[paste_deploy] flavor` has the cache filter: downloads use the cache. */
  transparent: boolean;
}

/** True when `flavor` (`[paste_deploy] flavor`) is one of Glance's flavors with the cache filter. */
export function isCachingFlavor(flavor: string | null): boolean {
  return flavor !== null && CACHING_FLAVORS.includes(flavor.trim().toLowerCase());
}

/**
 * Builds the slice, or null when `image_cache_dir` is unset (no cache, and the cache API answers
 * 404). Throws ConfigError when the cache is on but `worker_self_reference_url` is not set: the
 * centralized_db bookkeeping is keyed by it, as Glance requires it for that driver.
 */
export function imageCacheSlice(c: Config): ImageCacheConfig | null {
  const dir = (c.get<string | null>('DEFAULT', 'image_cache_dir') ?? '').trim();
  if (dir === '') return null;
  const nodeUrl = (c.get<string | null>('DEFAULT', 'worker_self_reference_url') ?? '').trim();
  if (nodeUrl === '') {
    throw new ConfigError(
      '[DEFAULT] worker_self_reference_url needs to be set when image_cache_dir is set: the image cache ' +
        "records this node's cached images in the database under that URL (centralized_db driver)",
    );
  }
  return {
    dir,
    maxSize: c.get<number>('DEFAULT', 'image_cache_max_size'),
    stallTimeSeconds: c.get<number>('DEFAULT', 'image_cache_stall_time'),
    nodeUrl,
    driver: c.get<string>('DEFAULT', 'image_cache_driver').toLowerCase(),
    transparent: isCachingFlavor(c.get<string | null>('paste_deploy', 'flavor')),
  };
}

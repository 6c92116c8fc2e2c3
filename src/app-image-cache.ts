/**
 * Composition of the image cache (part of the composition root, beside `app-image-api.ts`):
 * with `image_cache_dir` set, the cache of this node, its maintenance timer and queue prefetcher;
 * always, the cache API's use cases and routes (which answer 404 without a cache). Downloads go
 * through the cache only with a caching paste flavor, as in Glance.
 */
import type { Logger } from 'pino';
import { CacheMaintenance } from './cache/cache-maintenance.js';
import { CachePrefetcher } from './cache/cache-prefetcher.js';
import { ImageCache } from './cache/image-cache.js';
import type { ImageCacheConfig } from './config/image-cache-slice.js';
import type { Database } from './db/database.js';
import { CacheRepo } from './db/repos/cache-repo.js';
import type { ImageRepo } from './db/repos/image-repo.js';
import { cacheRoutes } from './http/routes/cache.js';
import type { RouteRegistrar } from './http/server.js';
import type { PolicyChecker } from './policy/policy-checker.js';
import { CacheService } from './services/cache-service.js';
import type { DownloadCache } from './services/image-download.js';
import type { StoreRegistry } from './store/registry.js';
import type { HasherPool } from './stream/hasher-pool.js';

/** The built cache pieces the rest of the Image API is wired with. */
export interface ImageCacheComponent {
  /** For the download use case; null when downloads do not use the cache. */
  downloads: DownloadCache | null;
  /** For the image use cases (eviction on delete/deactivate); null without a cache. */
  eviction: { evict(imageId: string): Promise<void> } | null;
  routes: RouteRegistrar;
  /** Stops the timer and the prefetcher (waiting for an image being cached). */
  close(): Promise<void>;
}

/** Logs how the configured cache will run; call at plan time. */
export function describeImageCache(config: ImageCacheConfig | null, logger: Logger): void {
  if (config === null) return;
  if (config.driver !== 'centralized_db') {
    logger.warn({ image_cache_driver: config.driver },
      'glance-ts implements the centralized_db image cache driver only; the cache is recorded in the database as with centralized_db');
  }
  if (!config.transparent) {
    logger.info('image_cache_dir is set but the [paste_deploy] flavor has no cache filter: downloads are not cached; the cache API works');
  }
}

/** Builds the cache component (opening the cache directory and recording this node when configured). */
export async function buildImageCache(config: ImageCacheConfig | null, deps: {
  database: Database;
  images: ImageRepo;
  stores: StoreRegistry;
  hashers: HasherPool;
  policy: PolicyChecker;
  logger: Logger;
}): Promise<ImageCacheComponent> {
  if (config === null) {
    const service = new CacheService({ images: deps.images, policy: deps.policy, cache: null, prefetcher: null });
    return { downloads: null, eviction: null, routes: cacheRoutes({ cache: service }), close: async () => undefined };
  }
  const log = deps.logger.child({ component: 'image-cache' });
  const repo = new CacheRepo(deps.database);
  const cache = await ImageCache.open({ config, repo, hashers: deps.hashers, log });
  const prefetcher = new CachePrefetcher({ cache, images: deps.images, stores: deps.stores, log });
  const maintenance = new CacheMaintenance({ cache, repo, images: deps.images, log, afterTick: () => { void prefetcher.resubmit(); } });
  cache.onPublished(() => { void maintenance.run(); });
  await maintenance.run();
  maintenance.start();
  await prefetcher.start();
  log.info({ image_cache_dir: config.dir, max_size: config.maxSize, node: config.nodeUrl, transparent: config.transparent }, 'image cache enabled');
  const service = new CacheService({ images: deps.images, policy: deps.policy, cache, prefetcher });
  return {
    downloads: config.transparent ? cache : null,
    eviction: cache,
    routes: cacheRoutes({ cache: service }),
    async close() {
      await maintenance.stop();
      await prefetcher.close();
    },
  };
}

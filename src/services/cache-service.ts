/**
 * The cache management API (`/v2/cache`, Image API 2.14/2.16) with Glance's order of checks:
 * the image lookup (404 "Image … not found."), the policy rule (`cache_list`, `cache_image`,
 * `cache_delete`: bare 403), then "Caching via API is not supported at this site." (404) when
 * `image_cache_dir` is unset, then the request's own checks.
 */
import type { RequestContext } from '../auth/request-context.js';
import type { CachePrefetcher } from '../cache/cache-prefetcher.js';
import type { ImageCache } from '../cache/image-cache.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { loadVisibleImage } from './visible-image.js';

/** One entry of `cached_images` in `GET /v2/cache`, as Glance's sample shows it. */
export interface CachedImageView {
  image_id: string;
  hits: number;
  /** Seconds since the epoch. */
  last_accessed: number;
  last_modified: number;
  size: number;
}

/** The body of `GET /v2/cache`. */
export interface CacheState {
  cached_images: CachedImageView[];
  queued_images: string[];
}

/** What `DELETE /v2/cache` empties (`x-image-cache-clear-target`). */
export type ClearTarget = 'cache' | 'queue' | 'both';

/** Collaborators; `cache` and `prefetcher` are null when `image_cache_dir` is unset. */
export interface CacheServiceDeps {
  images: ImageRepo;
  policy: PolicyChecker;
  cache: ImageCache | null;
  prefetcher: CachePrefetcher | null;
}

/** The cache API use cases. */
export class CacheService {
  constructor(private readonly deps: CacheServiceDeps) {}

  /** `GET /v2/cache`: this node's cached images and queue. */
  async state(ctx: RequestContext): Promise<CacheState> {
    const cache = this.enabled(ctx, 'cache_list', null);
    const { cached, queued } = await cache.state();
    return {
      cached_images: cached.map((r) => ({
        image_id: r.imageId,
        hits: r.hits,
        last_accessed: r.lastAccessed.getTime() / 1000,
        last_modified: r.lastModified.getTime() / 1000,
        size: r.size,
      })),
      queued_images: queued,
    };
  }

  /**
   * `PUT /v2/cache/{id}`: queues an active image; the prefetcher caches it in the background.
   * An image already cached, queued or being cached is left as it is.
   */
  async queue(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.lookup(ctx, id);
    if (image === null) throw notFound(id);
    const cache = this.enabled(ctx, 'cache_image', image);
    if (image.status !== 'active') throw new BadRequest('Only images with status active can be targeted for queueing');
    if (await cache.busy(id)) return;
    await cache.files.enqueue(id);
    this.deps.prefetcher?.submit(id);
  }

  /**
   * `DELETE /v2/cache/{id}`: removes the image from the cache and the queue. An image that no
   * longer exists may still be removed while it is cached or queued.
   */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.lookup(ctx, id);
    if (image === null && !(await this.deps.cache?.holds(id))) throw notFound(id);
    const cache = this.enabled(ctx, 'cache_delete', image);
    await cache.remove(id);
    await cache.files.dequeue(id);
  }

  /**
   * `DELETE /v2/cache`: empties the cache, the queue or both. `target` is the raw header value
   * (absent or empty: both); anything but `cache` or `queue` (any case) is a 400.
   */
  async clear(ctx: RequestContext, target: string | undefined): Promise<void> {
    const cache = this.enabled(ctx, 'cache_delete', null);
    const which = parseTarget(target);
    if (which !== 'queue') await cache.clearCached();
    if (which !== 'cache') await cache.files.clear('queue');
  }

  // The image as the caller may see it; a hidden image is as missing as an unknown one.
  private async lookup(ctx: RequestContext, id: string): Promise<Image | null> {
    try {
      return await loadVisibleImage(this.deps.images, ctx, id);
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }

  private enabled(ctx: RequestContext, action: 'cache_list' | 'cache_image' | 'cache_delete', image: Image | null): ImageCache {
    this.deps.policy.manageImageCache(ctx, action, image);
    if (this.deps.cache === null) throw new NotFound('Caching via API is not supported at this site.');
    return this.deps.cache;
  }
}

function notFound(id: string): NotFound {
  return new NotFound(`Image ${id} not found.`);
}

function parseTarget(value: string | undefined): ClearTarget {
  const target = (value ?? '').toLowerCase();
  if (target === '') return 'both';
  if (target === 'cache' || target === 'queue') return target;
  throw new BadRequest("If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.", { forcePlain: true });
}

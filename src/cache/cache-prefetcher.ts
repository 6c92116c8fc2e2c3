/**
 * Caches queued images in the background (Glance's cache worker thread and prefetcher): one
 * image at a time, in queue order, read from the image's first readable location and written
 * through the verifying cache write. The queue itself is the `queue/` directory, so it survives
 * restarts: `start()` picks up what is queued on disk, and maintenance calls `resubmit()` so an
 * image whose store was unreachable is tried again later.
 *
 * A queued image starts caching about a second after it was queued (`startDelayMs`), so a
 * client that queues an image and lists the cache right away sees it queued first, then cached
 * (the order Glance's API reference and Tempest's caching test rely on).
 *
 * An image that is gone or not active is dropped from the queue (Glance leaves it queued for
 * ever); a store failure leaves it queued for the next try.
 */
import type { Logger } from 'pino';
import type { Image } from '../domain/image.js';
import type { StoreRegistry } from '../store/registry.js';
import type { ImageCache } from './image-cache.js';

const DEFAULT_START_DELAY_MS = 1_000;

/** What the prefetcher needs. */
export interface CachePrefetcherDeps {
  cache: ImageCache;
  images: { get(id: string): Promise<Image | null> };
  stores: Pick<StoreRegistry, 'forLocation'>;
  log: Pick<Logger, 'info' | 'warn'>;
  startDelayMs?: number;
}

/** The background caching of queued images. */
export class CachePrefetcher {
  private readonly pending = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly startDelayMs: number;

  constructor(private readonly deps: CachePrefetcherDeps) {
    this.startDelayMs = deps.startDelayMs ?? DEFAULT_START_DELAY_MS;
  }

  /** Submits everything queued on disk (at start-up). */
  async start(): Promise<void> {
    await this.resubmit();
  }

  /** Submits every queued image that is not already waiting. Never rejects (failures are logged). */
  async resubmit(): Promise<void> {
    if (this.closed) return;
    try {
      for (const id of await this.deps.cache.files.queued()) this.submit(id);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not read the image cache queue');
    }
  }

  /** Schedules `imageId` for caching (a no-op when it is already waiting). */
  submit(imageId: string): void {
    if (this.closed || this.pending.has(imageId)) return;
    this.pending.set(imageId, Date.now() + this.startDelayMs);
    this.wake?.();
    this.loop ??= this.drain().finally(() => { this.loop = null; });
  }

  /** Stops taking work and waits for the image being cached, if any. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    this.wake?.();
    await this.loop;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.pending.size > 0) {
      const [id, notBefore] = this.pending.entries().next().value as [string, number];
      const wait = notBefore - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          this.wake = () => { clearTimeout(t); resolve(); };
        });
        this.wake = null;
        continue;
      }
      this.pending.delete(id);
      try {
        await this.fetch(id);
      } catch (err) {
        this.deps.log.warn({ err, image_id: id }, 'caching a queued image failed; it stays queued');
      }
    }
  }

  private async fetch(id: string): Promise<void> {
    const { cache, log } = this.deps;
    // Dequeued meanwhile, or another process of this node is caching it (its publish dequeues).
    if (!(await cache.files.isQueued(id)) || (await cache.files.beingWritten(id))) return;
    const image = await this.deps.images.get(id);
    if (image === null || !cache.cacheable(image)) {
      await cache.files.dequeue(id);
      log.warn({ image_id: id, status: image?.status ?? 'missing' }, 'queued image cannot be cached; removed from the queue');
      return;
    }
    let lastError: unknown = new Error('the image has no readable location');
    for (const location of image.locations.filter((l) => l.status === 'active')) {
      try {
        const driver = this.deps.stores.forLocation(location.url, location.metadata);
        const stream = await driver.read({ url: location.url, metadata: location.metadata });
        if (await cache.cacheFrom(image, stream)) {
          // Cached by this write or by a concurrent one (a download's tee): either way, done.
          await cache.files.dequeue(id);
          return;
        }
        lastError = new Error('the data read did not verify against the image');
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }
}

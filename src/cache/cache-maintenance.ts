/**
 * Keeps the cache within bounds without any cron job (Glance needs `glance-cache-pruner` and
 * `glance-cache-cleaner` runs for this). One pass, run after every image published into the
 * cache and on a timer:
 *
 * - prune: while the node's cached bytes exceed `image_cache_max_size`, the least recently
 *   accessed copy is evicted;
 * - clean: incomplete files not written for `image_cache_stall_time` are removed (never a write
 *   of this process in progress), as are Glance's `invalid/` leftovers, files without a record
 *   and records without a file (after a grace period covering a publish in progress), and copies
 *   of images that are no longer active (deleted or deactivated through another node).
 *
 * The timer fires every `image_cache_stall_time` / 2, at least every second and at most every
 * five minutes. Passes never overlap; a pass asked for during one runs right after it.
 */
import type { Logger } from 'pino';
import type { CacheRepo } from '../db/repos/cache-repo.js';
import type { Image } from '../domain/image.js';
import type { ImageCache } from './image-cache.js';

// A published file gets its record a moment after its rename; neither is an orphan that young.
const ORPHAN_GRACE_MS = 60_000;
const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 300_000;

/** What maintenance needs. */
export interface CacheMaintenanceDeps {
  cache: ImageCache;
  repo: CacheRepo;
  /** Reads image records (to find copies of images that are gone or not active). */
  images: { get(id: string): Promise<Image | null> };
  log: Pick<Logger, 'info' | 'warn'>;
  /** Called at the end of each timed pass (the prefetcher retries what is still queued). */
  afterTick?: () => void;
  now?: () => number;
}

/** The outcome of one pass. */
export interface MaintenanceReport {
  prunedFiles: number;
  prunedBytes: number;
  cleaned: number;
}

/** Pruning and cleaning of one node's cache. */
export class CacheMaintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MaintenanceReport> | null = null;
  private again = false;
  private readonly now: () => number;

  constructor(private readonly deps: CacheMaintenanceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts the timer (it does not keep the process alive). */
  start(): void {
    const half = (this.deps.cache.config.stallTimeSeconds * 1000) / 2;
    const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, half));
    this.timer = setInterval(() => {
      void this.run().then(() => this.deps.afterTick?.());
    }, interval);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await this.running?.catch(() => undefined);
  }

  /** Runs one pass (or joins the one running, then runs again); never rejects. */
  run(): Promise<MaintenanceReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let report: MaintenanceReport = { prunedFiles: 0, prunedBytes: 0, cleaned: 0 };
      do {
        this.again = false;
        try {
          const cleaned = await this.clean();
          report = { ...(await this.prune()), cleaned };
        } catch (err) {
          this.deps.log.warn({ err }, 'image cache maintenance failed; retrying on the next pass');
        }
      } while (this.again);
      this.running = null;
      return report;
    })();
    return this.running;
  }

  /** Evicts least recently accessed copies until the node's cache fits `image_cache_max_size`. */
  private async prune(): Promise<{ prunedFiles: number; prunedBytes: number }> {
    const { cache, repo } = this.deps;
    const rows = await repo.list(cache.nodeId);
    let total = rows.reduce((sum, r) => sum + r.size, 0);
    const max = cache.config.maxSize;
    let prunedFiles = 0;
    let prunedBytes = 0;
    for (const row of rows) {
      if (total <= max) break;
      await cache.remove(row.imageId);
      total -= row.size;
      prunedFiles++;
      prunedBytes += row.size;
    }
    if (prunedFiles > 0) {
      this.deps.log.info({ pruned_files: prunedFiles, pruned_bytes: prunedBytes, max_size: max }, 'image cache pruned to its maximum size');
    }
    return { prunedFiles, prunedBytes };
  }

  /** Removes stalled, invalid and orphaned entries and copies of inactive images; returns how many. */
  private async clean(): Promise<number> {
    const { cache, repo, log } = this.deps;
    const files = cache.files;
    const now = this.now();
    let n = 0;
    const active = cache.activeWrites();
    const stallMs = cache.config.stallTimeSeconds * 1000;
    for (const e of await files.entries('incomplete')) {
      if (active.has(e.imageId) || e.stats.mtimeMs >= now - stallMs) continue;
      if (await files.removeEntry('incomplete', e.imageId)) {
        log.info({ image_id: e.imageId }, 'removed a stalled incomplete cache file');
        n++;
      }
    }
    for (const e of await files.entries('invalid')) if (await files.removeEntry('invalid', e.imageId)) n++;

    const rows = await repo.list(cache.nodeId);
    const recorded = new Set(rows.map((r) => r.imageId));
    const present = new Set<string>();
    for (const e of await files.entries('cached')) {
      present.add(e.imageId);
      if (recorded.has(e.imageId) || e.stats.mtimeMs >= now - ORPHAN_GRACE_MS) continue;
      if (await files.remove(e.imageId)) {
        log.info({ image_id: e.imageId }, 'removed a cache file without a record');
        n++;
      }
    }
    for (const row of rows) {
      if (!present.has(row.imageId) && row.lastModified.getTime() < now - ORPHAN_GRACE_MS) {
        if (await repo.delete(cache.nodeId, row.imageId)) n++;
        continue;
      }
      const image = await this.deps.images.get(row.imageId);
      if (image === null || image.status !== 'active') {
        await cache.remove(row.imageId);
        log.info({ image_id: row.imageId, status: image?.status ?? 'missing' }, 'evicted the cached copy of an image that is no longer active');
        n++;
      }
    }
    return n;
  }
}

/**
 * One scrubber pass, as Glance's glance-scrubber runs it: every `pending_delete` image whose
 * `deleted_at` + `scrub_time` has passed gets the data of its `pending_delete` locations deleted
 * from the stores, `scrub_pool_size` images at a time; each location whose data is gone is marked
 * `deleted`, and an image all of whose data is gone becomes `deleted`. An image with a location
 * that could not be deleted stays `pending_delete` for the next pass.
 */
import type { Logger } from 'pino';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { PendingDeleteRepo } from '../db/repos/pending-delete-repo.js';
import type { ImageDataRemover } from '../services/image-data-remover.js';

/** The options a pass reads (see `ScrubberConfig`). */
export interface ScrubPassConfig {
  /** Seconds after `deleted_at` before an image's data is deleted. */
  scrubTime: number;
  /** Images scrubbed in parallel. */
  scrubPoolSize: number;
}

/** Collaborators of the scrubber. */
export interface ScrubberDeps {
  images: ImageRepo;
  pending: PendingDeleteRepo;
  /** Deletes one location's data (missing data and read-only stores count as deleted). */
  data: ImageDataRemover;
  config: ScrubPassConfig;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
}

/** What one pass did, by image id. */
export interface ScrubReport {
  /** Images whose data is gone, now `deleted`. */
  scrubbed: string[];
  /** Images left `pending_delete` because some data could not be deleted. */
  failed: string[];
}

/** How long a scrubber holds an image before another may take it over (renewed per location). */
export const SCRUB_LEASE_MS = 10 * 60_000;
// Glance's REASONABLE_DB_PAGE_SIZE: due images are read a page at a time.
const PAGE_SIZE = 1000;

/** Runs scrubber passes; one instance may run passes one after another (never two at once). */
export class Scrubber {
  private readonly now: () => Date;

  constructor(private readonly deps: ScrubberDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * One pass over the images due now. Per-image failures are logged and reported, never thrown;
   * a failure to read the due images (database down) is thrown.
   */
  async run(): Promise<ScrubReport> {
    const report: ScrubReport = { scrubbed: [], failed: [] };
    const cutoff = new Date(this.now().getTime() - this.deps.config.scrubTime * 1000);
    let after: string | null = null;
    for (;;) {
      const ids = await this.deps.pending.dueIds(cutoff, after, PAGE_SIZE);
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      await inParallel(ids, Math.max(1, this.deps.config.scrubPoolSize), async (id) => {
        const outcome = await this.scrubImage(id);
        if (outcome !== 'skipped') report[outcome].push(id);
      });
    }
    return report;
  }

  private async scrubImage(id: string): Promise<'scrubbed' | 'failed' | 'skipped'> {
    const { images, pending, data, log } = this.deps;
    try {
      // Another scrubber (an API process, a daemon on another node) may hold it: leave it to that one.
      if (!(await pending.lease(id, this.now(), this.leaseEnd()))) return 'skipped';
      const image = await images.get(id, { includeDeleted: true });
      if (image === null || image.status !== 'pending_delete') return 'skipped';
      const targets = image.locations.filter((l) => l.status === 'pending_delete');
      log.info({ image_id: id, locations: targets.length }, `Scrubbing image ${id} from ${targets.length} locations.`);
      let failures = 0;
      for (const location of targets) {
        try {
          await data.deleteLocation(image, location);
          await pending.markLocationScrubbed(id, location.url);
          await pending.lease(id, this.now(), this.leaseEnd(), true);
          log.info({ image_id: id }, `Image ${id} is scrubbed from a location.`);
        } catch (err) {
          failures += 1;
          log.error({ err, image_id: id }, `Unable to scrub image ${id} from a location. Reason: ${(err as Error).message}`);
        }
      }
      if (failures > 0) {
        await pending.release(id);
        log.warn({ image_id: id }, `One or more image locations couldn't be scrubbed from backend. Leaving image '${id}' in 'pending_delete' status`);
        return 'failed';
      }
      await pending.markScrubbed(id);
      log.info({ image_id: id }, `Image ${id} has been scrubbed successfully`);
      return 'scrubbed';
    } catch (err) {
      // A database error on one image must not stop the pass; the lease expires on its own.
      log.error({ err, image_id: id }, `Unable to scrub image ${id}: ${(err as Error).message}`);
      return 'failed';
    }
  }

  private leaseEnd(): Date {
    return new Date(this.now().getTime() + SCRUB_LEASE_MS);
  }
}

// Runs `work` over `items` with at most `width` running at once (Glance's green thread pool).
async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

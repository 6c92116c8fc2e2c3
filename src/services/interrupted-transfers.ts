/**
 * Finds uploads and stagings that died with their process (kill -9, crash, power loss) and puts
 * their images back to `queued`, so no image stays `saving` or half-staged. A live transfer
 * refreshes its image's `updated_at` every heartbeat (see `UploadService`); one silent for
 * three heartbeats is dead, whichever node ran it, so every node may run this safely.
 */
import type { Logger } from 'pino';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { transition } from '../domain/image-status.js';
import type { StoreRegistry } from '../store/registry.js';

/** Requeues the images of dead transfers. */
export class InterruptedTransfers {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly images: ImageRepo,
    private readonly stores: StoreRegistry,
    private readonly heartbeatMs: number,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /**
   * One pass: images `saving` with no heartbeat for three intervals go back to `queued`; so do
   * images `uploading` whose staged data is missing (a staging that died; a finished staging
   * keeps its data and its status until the import). Returns the requeued ids.
   */
  async requeueStale(now = new Date()): Promise<string[]> {
    const before = new Date(now.getTime() - 3 * this.heartbeatMs);
    const requeued: string[] = [];
    for (const status of ['saving', 'uploading'] as const) {
      for (const id of await this.images.staleIds(status, before)) {
        if (status === 'uploading' && (await this.stores.staging.locate(id)) !== null) continue;
        const image = await this.images.get(id);
        if (image === null || image.status !== status) continue;
        const saved = await this.images.save(transition(image, 'queued'), { expectedStatus: status });
        if (saved !== null) requeued.push(id);
      }
    }
    if (requeued.length > 0) this.log.warn({ image_ids: requeued }, 'images of interrupted uploads put back to queued');
    return requeued;
  }

  /** Runs `requeueStale` now and then every heartbeat interval until `stop()`. */
  start(): void {
    const run = () => {
      this.requeueStale().catch((err: unknown) => this.log.warn({ err }, 'checking for interrupted uploads failed'));
    };
    run();
    this.timer = setInterval(run, this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the periodic check. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

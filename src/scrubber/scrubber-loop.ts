/**
 * Periodic scrubber passes: `glance-scrubber --daemon` and glance-api's in-process scrubber
 * (`scrubber_in_api`). The first pass runs at start, each next one `wakeup_time` seconds after
 * the previous one ended, so passes never overlap (Glance spawns one every `wakeup_time`, even
 * while the last still runs).
 */
import type { Logger } from 'pino';
import type { ScrubReport } from './scrubber.js';

/** What the loop runs: one scrubber pass. */
export interface ScrubPass {
  run(): Promise<ScrubReport>;
}

/** Runs scrubber passes until stopped. */
export class ScrubberLoop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = true;

  /**
   * @param wakeupSeconds pause between the end of a pass and the start of the next; 0 runs
   *   passes back to back, at most one per second.
   */
  constructor(
    private readonly scrubber: ScrubPass,
    private readonly wakeupSeconds: number,
    private readonly log: Pick<Logger, 'info' | 'error'>,
  ) {}

  /** Starts the loop: a pass now, then one every wakeup time. Calling it again does nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.log.info({ wakeup_time: this.wakeupSeconds }, `Starting scrubber: wakeup_time=${this.wakeupSeconds}`);
    this.schedule(0);
  }

  /** Stops the loop, waiting for a pass in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.pass().finally(() => {
        this.current = null;
        this.schedule(Math.max(1000, this.wakeupSeconds * 1000));
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    try {
      const report = await this.scrubber.run();
      if (report.scrubbed.length > 0 || report.failed.length > 0) {
        this.log.info({ scrubbed: report.scrubbed.length, failed: report.failed.length }, 'scrubber pass finished');
      }
    } catch (err) {
      // A daemon outlives a failed pass (database briefly away); the next pass tries again.
      this.log.error({ err }, `Can not get scrub jobs from queue: ${(err as Error).message}`);
    }
  }
}

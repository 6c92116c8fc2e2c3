/**
 * The scrubber slice: Glance's delayed-delete options (`[DEFAULT] delayed_delete`, `scrub_time`,
 * `scrub_pool_size`, and glance-scrubber's `wakeup_time` and `daemon`) plus glance-ts's
 * `scrubber_in_api`, which runs the scrubber inside glance-api so no separate daemon is needed.
 */

import type { Config } from './config.js';

/** What the delayed delete and the scrubber need. */
export interface ScrubberConfig {
  /** DELETE leaves an image with data `pending_delete` for the scrubber instead of deleting its data. */
  delayedDelete: boolean;
  /** Seconds an image stays `pending_delete` before a scrubber pass deletes its data. */
  scrubTime: number;
  /** Images scrubbed in parallel within one pass (at least 1). */
  scrubPoolSize: number;
  /** Seconds between passes of a daemon (glance-scrubber --daemon, or the in-API scrubber). */
  wakeupTime: number;
  /** `[DEFAULT] daemon`: glance-scrubber runs as a daemon even without `--daemon`. */
  daemon: boolean;
  /** glance-ts: glance-api runs scrubber passes itself every `wakeupTime` seconds. */
  inApi: boolean;
}

/** Builds the scrubber slice. */
export function scrubberSlice(c: Config): ScrubberConfig {
  return {
    delayedDelete: c.get<boolean>('DEFAULT', 'delayed_delete'),
    scrubTime: c.get<number>('DEFAULT', 'scrub_time'),
    scrubPoolSize: c.get<number>('DEFAULT', 'scrub_pool_size'),
    wakeupTime: c.get<number>('DEFAULT', 'wakeup_time'),
    daemon: c.get<boolean>('DEFAULT', 'daemon'),
    inApi: c.get<boolean>('DEFAULT', 'scrubber_in_api'),
  };
}

/**
 * Writes image data into a store through Glance's checks, as one streaming pipeline with
 * backpressure end to end: size cap → md5 + `hashing_algorithm` on the worker pool → (optionally)
 * format inspection → the store's write. Nothing is kept unless every check passed: on any
 * failure the write is cancelled and its partial data removed. Used by uploads, staging and the
 * import flows.
 */
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GlanceError } from '../domain/errors.js';
import { FormatInspector } from '../format/format-inspector.js';
import type { FormatVerdictOptions } from '../format/format-verdict.js';
import type { StoreDriver, StoreLocation } from '../store/driver.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import { SizeLimit } from '../stream/size-limit.js';

/** One write of image data. */
export interface DataWrite {
  imageId: string;
  source: Readable;
  store: StoreDriver;
  /** The most bytes accepted (`image_size_cap`, or less). */
  limit: number;
  /** Error for going past `limit`; default Glance's `image_size_cap` 413. */
  tooLarge?: (limit: number) => GlanceError;
  /** Declared size, passed to the store as a hint. */
  sizeHint?: number;
  /** `os_hash_algo` already recorded on the image, if any. */
  hashingAlgorithm?: string;
  /** Inspect the data and check it against these formats (uploads and imports; not staging). */
  inspect?: { diskFormat: string | null; containerFormat: string | null; options: FormatVerdictOptions };
  /** Extra pass-through stages after the size cap (progress counters). */
  observers?: Transform[];
  /** A last check with the final size before the data is kept; throwing cancels the write. */
  beforeCommit?: (size: number) => Promise<void>;
  signal?: AbortSignal;
}

/** What a successful write produced. */
export interface WrittenData {
  location: StoreLocation;
  size: number;
  checksum: string;
  hash: string;
  algo: string;
  /** From the format inspector; null when not inspected or not known. */
  virtualSize: number | null;
  /** Non-fatal findings of the inspector, for the log. */
  warnings: string[];
}

/** Runs one write; see the module comment. */
export async function writeImageData(hashers: HasherPool, w: DataWrite): Promise<WrittenData> {
  const write = await w.store.write(w.imageId, { sizeHint: w.sizeHint, signal: w.signal });
  try {
    const limit = new SizeLimit({ limit: w.limit, ...(w.tooLarge ? { tooLarge: w.tooLarge } : {}) });
    const hash = hashers.session({ hashingAlgorithm: w.hashingAlgorithm });
    const inspector = w.inspect ? new FormatInspector() : null;
    const stages = [limit, ...(w.observers ?? []), hash, ...(inspector ? [inspector] : [])];
    await pipeline([w.source, ...stages, write.stream], w.signal ? { signal: w.signal } : {});
    // Empty data has no format to check: Glance stores it (Nova snapshots of empty volumes and
    // clients piping /dev/null do this) and the image becomes active with size 0.
    const verdict = limit.bytes === 0 || !w.inspect
      ? undefined
      : inspector?.verdict(w.inspect.diskFormat, w.inspect.containerFormat, w.inspect.options);
    const digests = await hash.digests();
    await w.beforeCommit?.(limit.bytes);
    const location = await write.commit();
    return { location, size: limit.bytes, ...digests, virtualSize: verdict?.virtualSize ?? null, warnings: verdict?.warnings ?? [] };
  } catch (err) {
    await write.cancel();
    throw err;
  }
}

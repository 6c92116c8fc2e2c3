/**
 * The tee between a store read and a client download: every chunk goes to the client unchanged
 * and into a CacheWrite. When the download completes, the write is verified and published in the
 * background (the client does not wait for it); when the download is cut short (client gone,
 * store error), the write is abandoned and its incomplete file removed. A failing cache write
 * never disturbs the download: from then on the tee only passes data through.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { CacheWrite } from './cache-write.js';

/** A pass-through stream that also fills the cache. */
export class CacheTee extends Transform {
  private ended = false;

  constructor(private readonly cacheWrite: CacheWrite) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.cacheWrite.failed) {
      cb(null, chunk);
      return;
    }
    // The client's chunk waits for the cache's backpressure only, never for its failures.
    this.cacheWrite.write(chunk).then(() => cb(null, chunk), () => cb(null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    this.ended = true;
    cb();
    // CacheWrite logs its own failures; the outcome concerns nobody here.
    void this.cacheWrite.finish();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.ended) void this.cacheWrite.abandon();
    cb(err);
  }
}

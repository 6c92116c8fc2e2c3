/**
 * The size checks of an upload as a pass-through Transform: the `image_size_cap` (or a quota's
 * remaining room) as an upper bound, and optionally the size the client declared
 * (`Content-Length` / `x-openstack-image-size`), which the data must match exactly.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { BadRequest, TooLarge, type GlanceError } from '../domain/errors.js';

/** What to enforce. Both are optional; with neither, the stage only counts bytes. */
export interface SizeLimitOptions {
  /** The most bytes allowed through; one byte more fails the stream. */
  limit?: number;
  /** The exact byte count the client declared; fewer or more bytes fail the stream with BadRequest. */
  expectedSize?: number;
  /**
   * Builds the error for going past `limit`. Default: Glance's 413 for `image_size_cap`. A quota
   * check passes its own (Glance reports the storage quota differently).
   */
  tooLarge?: (limit: number) => GlanceError;
}

/**
 * Glance's text for the size cap: the API wraps its "image too large" exception in this
 * sentence, so the 413 body reads both.
 */
export const IMAGE_SIZE_CAP_MESSAGE = 'The incoming image is too large: The provided image is too large.';

/**
 * Counts the bytes of a stream and fails it as soon as they break a bound: more than `limit`
 * → `tooLarge(limit)` (default TooLarge with Glance's text); more than `expectedSize` →
 * BadRequest at that chunk; fewer than `expectedSize` at the end → BadRequest. The chunk that
 * crosses a bound is not forwarded, so nothing downstream ever sees a byte past it.
 */
export class SizeLimit extends Transform {
  private readonly limit: number;
  private readonly expectedSize: number | undefined;
  private readonly tooLarge: (limit: number) => GlanceError;
  private total = 0;

  constructor(options: SizeLimitOptions = {}) {
    super();
    this.limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.expectedSize = options.expectedSize;
    this.tooLarge = options.tooLarge ?? (() => new TooLarge(IMAGE_SIZE_CAP_MESSAGE));
    if (!(this.limit >= 0)) throw new RangeError(`size limit must be a non-negative number, got ${options.limit}`);
    const e = this.expectedSize;
    if (e !== undefined && !(Number.isSafeInteger(e) && e >= 0)) {
      throw new RangeError(`expected size must be a non-negative integer, got ${e}`);
    }
  }

  /** Bytes forwarded so far. */
  get bytes(): number {
    return this.total;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const next = this.total + chunk.length;
    if (next > this.limit) {
      cb(this.tooLarge(this.limit));
      return;
    }
    if (this.expectedSize !== undefined && next > this.expectedSize) {
      cb(new BadRequest(
        `The image data is larger than the declared size of ${this.expectedSize} bytes`,
      ));
      return;
    }
    this.total = next;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expectedSize !== undefined && this.total !== this.expectedSize) {
      cb(new BadRequest(
        `The image data ended after ${this.total} bytes, but ${this.expectedSize} bytes were declared`,
      ));
      return;
    }
    cb();
  }
}

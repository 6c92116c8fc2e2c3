/**
 * Bounded captures of a byte stream. A disk-format inspector sees an image only as a sequence of
 * chunks of arbitrary size; these classes keep exactly the bytes it asked for (a header, a
 * descriptor, the last few sectors) whatever the chunk boundaries are, and nothing else.
 */

/**
 * The bytes `[offset, offset + length)` of a stream, collected from the chunks that overlap it.
 * Bytes must arrive in stream order: once the stream has moved past a byte the region still
 * needed, the region is `missed` and can never complete. The buffer grows with the data received
 * (doubling, capped at `length`), so a large cap such as a 1 MiB descriptor limit costs memory only
 * when the stream really carries that much.
 */
export class ByteRegion {
  readonly offset: number;
  readonly length: number;
  /** At end of stream, a region holding at least this many bytes counts as satisfied. */
  readonly minLength: number;
  private buf: Buffer;
  private filled = 0;
  private lost = false;

  /**
   * @param offset absolute stream position of the first byte wanted
   * @param length number of bytes wanted (0 is allowed: complete at once)
   * @param minLength bytes enough when the stream ends early (default: all of `length`)
   */
  constructor(offset: number, length: number, minLength = length) {
    this.offset = offset;
    this.length = length;
    this.minLength = Math.min(minLength, length);
    this.buf = Buffer.alloc(0);
  }

  /** True when all `length` bytes are held. */
  get complete(): boolean {
    return this.filled === this.length;
  }

  /** True when the stream went past bytes this region never received. */
  get missed(): boolean {
    return this.lost;
  }

  /** Bytes of memory this region holds. */
  get heldBytes(): number {
    return this.buf.length;
  }

  /** The bytes received so far (a view, not a copy; do not keep it across pushes). */
  get data(): Buffer {
    return this.buf.subarray(0, this.filled);
  }

  /** True if, the stream having ended, the bytes held are enough. */
  satisfiedAtEnd(): boolean {
    return !this.lost && this.filled >= this.minLength;
  }

  /**
   * Pre-loads bytes already seen by another region starting at the same offset, so a region
   * created late (after its first bytes went by) can still be whole.
   */
  seed(bytes: Buffer): void {
    const n = Math.min(bytes.length, this.length);
    this.ensure(n);
    bytes.copy(this.buf, 0, 0, n);
    this.filled = n;
  }

  /**
   * Offers a chunk that starts at absolute position `start`. Copies the part of it this region
   * still needs; returns true when this call made the region complete.
   */
  capture(chunk: Buffer, start: number): boolean {
    if (this.filled === this.length || this.lost) return false;
    const want = this.offset + this.filled;
    const end = start + chunk.length;
    if (end <= want) return false;
    if (start > want) {
      // The bytes between `want` and `start` went by before this region existed or was offered
      // them: its content can no longer be trusted to be contiguous.
      this.lost = true;
      return false;
    }
    const from = want - start;
    const n = Math.min(end - want, this.length - this.filled);
    this.ensure(this.filled + n);
    chunk.copy(this.buf, this.filled, from, from + n);
    this.filled += n;
    return this.filled === this.length;
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    let cap = Math.max(this.buf.length * 2, 512);
    while (cap < size) cap *= 2;
    const next = Buffer.alloc(Math.min(cap, this.length));
    this.buf.copy(next, 0, 0, this.filled);
    this.buf = next;
  }
}

/**
 * The last `length` bytes of a stream, kept in a fixed ring: each chunk costs a copy of at most
 * `length` bytes, whatever the chunk size, and memory stays `length` bytes.
 */
export class TailRegion {
  readonly length: number;
  private readonly ring: Buffer;
  private seen = 0;

  constructor(length: number) {
    this.length = length;
    this.ring = Buffer.alloc(length);
  }

  /** True once at least `length` bytes went through. */
  get complete(): boolean {
    return this.seen >= this.length;
  }

  /** Records a chunk. */
  push(chunk: Buffer): void {
    const len = this.length;
    const take = Math.min(chunk.length, len);
    const src = chunk.length - take;
    let at = (this.seen + src) % len;
    let done = 0;
    while (done < take) {
      const n = Math.min(take - done, len - at);
      chunk.copy(this.ring, at, src + done, src + done + n);
      done += n;
      at = (at + n) % len;
    }
    this.seen += chunk.length;
  }

  /** The last bytes in stream order (fewer than `length` if the stream was shorter). */
  data(): Buffer {
    const len = this.length;
    if (this.seen < len) return Buffer.from(this.ring.subarray(0, this.seen));
    const at = this.seen % len;
    return Buffer.concat([this.ring.subarray(at), this.ring.subarray(0, at)]);
  }
}

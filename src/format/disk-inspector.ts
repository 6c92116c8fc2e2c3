/**
 * The common machinery of every disk-format inspector: stream position, the bounded regions the
 * format asked for, giving up on content that is not this format, and the safety-check contract.
 * A concrete inspector declares its regions, reacts when one is complete, and answers `matches`,
 * `virtualSize` and its own checks; it never sees more of the image than its regions hold.
 */
import { ByteRegion, TailRegion } from './byte-region.js';

/** One failed safety check: a stable check name (as `gpt_safety_checks_nonfatal` lists) and why. */
export interface SafetyFailure {
  readonly check: string;
  readonly reason: string;
}

/**
 * Base class of the inspectors. Feed it with `push(chunk)` in stream order, then `finish()`;
 * afterwards `matches()`, `virtualSize()` and `safetyCheck()` give the answers. While streaming,
 * `wantsData` turns false once the inspector needs no further bytes; a caller may then stop
 * pushing and pass the stream's total length to `finish(total)` instead.
 */
export abstract class DiskInspector {
  /** The format's name as Glance spells it (`disk_format` values: qcow2, vhd, vmdk, ...). */
  abstract readonly name: string;
  private readonly regions: ByteRegion[] = [];
  private tail: TailRegion | null = null;
  private position = 0;
  private abandonedFor: string | null = null;
  private ended = false;

  /** Bytes of the stream accounted for: pushed, or the total given to `finish`. */
  protected get size(): number {
    return this.position;
  }

  /** True once `finish()` was called. */
  protected get isFinished(): boolean {
    return this.ended;
  }

  /** True while the inspector still has a use for the stream's bytes. */
  get wantsData(): boolean {
    if (this.abandonedFor !== null || this.ended) return false;
    if (this.tail !== null) return true;
    return this.regions.some((r) => !r.complete && !r.missed);
  }

  /** Bytes of image data this inspector holds in memory (bounded by its format's regions). */
  get heldBytes(): number {
    return this.regions.reduce((n, r) => n + r.heldBytes, this.tail === null ? 0 : this.tail.length);
  }

  /** Why the inspector decided the content is not its format (null if it has not). */
  get abandonReason(): string | null {
    return this.abandonedFor;
  }

  /** Presents the next chunk of the stream. Never throws: a parse error means "not my format". */
  push(chunk: Buffer): void {
    const start = this.position;
    this.position = start + chunk.length;
    if (this.abandonedFor !== null || this.ended) return;
    try {
      // Indexed loop on purpose: a completed region may add new regions, and those must see
      // this same chunk, which may already hold their first bytes.
      for (let i = 0; i < this.regions.length && this.abandonedFor === null; i++) {
        const region = this.regions[i]!;
        if (region.capture(chunk, start)) this.regionComplete(region);
        // Metadata pointing back at bytes already streamed cannot be read without buffering the
        // image; a streaming parser treats that layout as not its format.
        else if (region.missed) this.abandon(`region at ${region.offset} lies before ${start}`);
      }
      if (this.tail !== null && this.abandonedFor === null) this.tail.push(chunk);
    } catch (err) {
      this.abandon(`parse error: ${(err as Error).message}`);
    }
  }

  /**
   * Declares the end of the stream. `total` is the stream's full length when the caller stopped
   * pushing once `wantsData` was false; it must not be smaller than what was pushed.
   */
  finish(total?: number): void {
    if (this.ended) return;
    if (total !== undefined && total > this.position) this.position = total;
    this.ended = true;
    if (this.abandonedFor !== null) return;
    try {
      this.streamEnded();
    } catch (err) {
      this.abandon(`parse error: ${(err as Error).message}`);
    }
  }

  /** True when the content is this format (meaningful after `finish`). */
  matches(): boolean {
    return this.abandonedFor === null && this.formatMatch();
  }

  /** The disk's virtual size in bytes as the header states it; null when unknown. */
  abstract virtualSize(): number | null;

  /**
   * Runs the safety checks on content that matched. Returns the failures; an empty list means
   * safe. Content that does not match, or whose regions could not all be read, fails.
   */
  safetyFailures(): SafetyFailure[] {
    if (!this.ended) return [{ check: 'complete', reason: 'Inspection has not finished' }];
    if (!this.matches()) return [{ check: 'format', reason: `Content is not ${this.name}` }];
    const incomplete = this.regions.some((r) => !r.complete && !r.satisfiedAtEnd());
    if (incomplete || (this.tail !== null && !this.tail.complete)) {
      return [{ check: 'complete', reason: 'Image is truncated: its metadata could not be read whole' }];
    }
    const failures = this.checks();
    const size = this.virtualSize();
    // A size past 2^53 cannot be represented exactly, and past 2^63 not stored in a BIGINT.
    if (size !== null && !Number.isSafeInteger(size)) {
      failures.push({ check: 'virtual_size', reason: 'Virtual size is out of range' });
    }
    return failures;
  }

  /** The reasons of `safetyFailures()`; empty means safe. */
  safetyCheck(): string[] {
    return this.safetyFailures().map((f) => f.reason);
  }

  /** Whether the captured bytes identify this format (abandonment is handled by the base). */
  protected abstract formatMatch(): boolean;

  /** The format's own safety checks, run only on matching, fully read content. */
  protected abstract checks(): SafetyFailure[];

  /** Called once when a region has all its bytes. */
  protected regionComplete(_region: ByteRegion): void {}

  /** Called once at end of stream (not after abandonment). */
  protected streamEnded(): void {}

  /** Asks for the bytes `[offset, offset + length)`; they must not have gone by already. */
  protected addRegion(offset: number, length: number, minLength?: number): ByteRegion {
    const region = new ByteRegion(offset, length, minLength);
    this.regions.push(region);
    return region;
  }

  /** Keeps the last `length` bytes of the stream from now on. */
  protected keepTail(length: number): void {
    this.tail ??= new TailRegion(length);
  }

  /** The tail bytes kept by `keepTail` (empty if none). */
  protected tailData(): Buffer {
    return this.tail === null ? Buffer.alloc(0) : this.tail.data();
  }

  /** Gives up: the content is not this format. Stops all capture and frees what was held. */
  protected abandon(reason: string): void {
    if (this.abandonedFor !== null) return;
    this.abandonedFor = reason;
    this.regions.length = 0;
    this.tail = null;
  }
}

/** Reads an unsigned 64-bit big-endian integer as a number (exact up to 2^53). */
export function u64be(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64BE(at));
}

/** Reads an unsigned 64-bit little-endian integer as a number (exact up to 2^53). */
export function u64le(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64LE(at));
}

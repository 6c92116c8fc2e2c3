/**
 * The shared-memory layout between an upload's stream (one producer, on the main thread) and
 * its two hash lanes (two consumers, each in a pool worker): a single-producer, two-consumer
 * byte ring in a SharedArrayBuffer, plus each worker's doorbell. Every byte of an upload is
 * copied exactly once, into the ring, and both workers hash it in place.
 *
 * Rings are pooled and reused across uploads rather than allocated per upload: a worker isolate
 * that allocates little seldom runs a GC, so SharedArrayBuffers it has seen would otherwise stay
 * alive there long after the upload (measured: ~0.8 MB resident per upload, never returned).
 *
 * Positions are cumulative byte counts kept modulo 2^32 in Int32 slots; `(a - b) >>> 0` gives the
 * distance between two of them as long as the ring is smaller than 2 GiB. The producer publishes
 * with an Atomics store after copying; a consumer publishes its read position the same way after
 * hashing, and notifies, so a producer waiting for room (Atomics.waitAsync) wakes up.
 */

/** Bytes before the data area; each counter sits on its own 64-byte line to avoid false sharing. */
export const RING_HEADER_BYTES = 256;
/** Int32 index of the producer's cumulative write position. */
export const WRITE_SLOT = 0;
/** Int32 index of each lane's cumulative read position: lane 0 is md5, lane 1 the configured hash. */
export const READ_SLOTS = [16, 32] as const;
/** Int32 index of the session state (one of the STATE_* values). */
export const STATE_SLOT = 48;

/** The producer may still write. */
export const STATE_OPEN = 0;
/** The producer wrote its last byte: a lane that has read everything emits its digest. */
export const STATE_ENDED = 1;
/** The upload was cancelled: lanes drop their hash state and report release. */
export const STATE_ABORTED = 2;

/** Lane numbers: md5 for `checksum`, and the configured algorithm for `os_hash_value`. */
export type Lane = 0 | 1;

/** Int32 index of a worker doorbell's counter, bumped by the producer after each publish. */
export const BELL_COUNT = 0;
/** Int32 index of the flag a worker raises just before it blocks on the doorbell. */
export const BELL_SLEEPING = 1;

/**
 * One session's ring, viewed from either side. `size` is a power of two so that positions map
 * to offsets with a mask.
 */
export class HashRing {
  /** Header counters (see the *_SLOT constants). */
  readonly header: Int32Array;
  /** The data area. */
  readonly data: Uint8Array;
  /** Capacity of the data area in bytes. */
  readonly size: number;
  private readonly mask: number;

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, RING_HEADER_BYTES / 4);
    this.data = new Uint8Array(buffer, RING_HEADER_BYTES);
    this.size = this.data.byteLength;
    this.mask = this.size - 1;
  }

  /** Allocates a ring of `size` data bytes; `size` must be a power of two between 4 KiB and 1 GiB. */
  static allocate(size: number): HashRing {
    HashRing.checkSize(size);
    return new HashRing(new SharedArrayBuffer(RING_HEADER_BYTES + size));
  }

  /** Throws RangeError unless `size` is a power of two between 4 KiB and 1 GiB. */
  static checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 4096 || size > 2 ** 30 || (size & (size - 1)) !== 0) {
      throw new RangeError(`hash ring size must be a power of two between 4 KiB and 1 GiB, got ${size}`);
    }
  }

  /** Views a ring allocated by another thread. */
  static attach(buffer: SharedArrayBuffer): HashRing {
    return new HashRing(buffer);
  }

  /**
   * Producer side: clears the counters and state for the next upload. Only valid once both lanes
   * have reported, when no worker reads the ring any more.
   */
  reset(): void {
    for (const slot of [WRITE_SLOT, READ_SLOTS[0], READ_SLOTS[1], STATE_SLOT]) Atomics.store(this.header, slot, 0);
  }

  /** Offset in `data` of cumulative position `pos`. */
  offset(pos: number): number {
    return pos & this.mask;
  }

  /** Bytes between two cumulative positions (`ahead` ≥ `behind` modulo 2^32). */
  static distance(ahead: number, behind: number): number {
    return (ahead - behind) >>> 0;
  }
}

/**
 * One upload's hashing stage: a pass-through Transform that forwards every chunk downstream at
 * once (so the store write runs concurrently with hashing) and copies it into the session's
 * shared ring, where two pool workers compute md5 (`checksum`) and the configured algorithm
 * (`os_hash_value`). The ring bounds the bytes in flight: when the workers lag by a full ring,
 * the chunk's callback waits, which is the stream's backpressure. Memory per upload is the ring,
 * whatever the image size.
 */
import { Transform, addAbortSignal, type TransformCallback } from 'node:stream';
import { GlanceError } from '../domain/errors.js';
import type { HashAlgorithm } from './hash-algorithm.js';
import { HashRing, READ_SLOTS, STATE_ABORTED, STATE_ENDED, STATE_SLOT, WRITE_SLOT, type Lane } from './hash-ring.js';
import type { LaneReport } from './hash-worker.js';

/** The three values an upload records. */
export interface HashDigests {
  /** Hex md5 of the data: the image's `checksum`. */
  checksum: string;
  /** The algorithm name as configured: the image's `os_hash_algo`. */
  algo: string;
  /** Hex digest under `algo`: the image's `os_hash_value`. */
  hash: string;
}

/** What a session needs from the pool that opened it; built by HasherPool only. */
export interface HashSessionBinding {
  ring: HashRing;
  algorithm: HashAlgorithm;
  /** Rings the doorbells of both lanes' workers, after a publish that they must see. */
  wake(): void;
  /** Called exactly once, when both lanes have reported (digest, released or failed). */
  settled(): void;
}

type WaitResult = { async: false; value: string } | { async: true; value: Promise<string> };
// Node 20 has Atomics.waitAsync; TypeScript declares it only from lib es2024.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitResult }).waitAsync;

type LaneStatus = 'pending' | LaneReport['t'];

/**
 * A pass-through hashing stage for one upload. Obtain it from `HasherPool.session()`; pipe the
 * data through it; after the stream finishes, `digests()` resolves. Destroying the stream (an
 * error elsewhere in the pipeline, or the `signal` given to the pool) cancels both lanes;
 * `released` resolves once the workers have dropped them.
 */
export class HashSession extends Transform {
  /** Resolves once both workers have let go of this session, whatever the outcome; never rejects. */
  readonly released: Promise<void>;
  private readonly ring: HashRing;
  private readonly binding: HashSessionBinding;
  private readonly result: Promise<HashDigests>;
  private resolveResult!: (d: HashDigests) => void;
  private rejectResult!: (e: unknown) => void;
  private resolveReleased!: () => void;
  private readonly lanes: [LaneStatus, LaneStatus] = ['pending', 'pending'];
  private readonly hex: [string, string] = ['', ''];
  private writePos = 0;
  /** The write position the workers were last woken for. */
  private announced = 0;
  /** Publish this much before waking the workers (see copyIn). */
  private readonly wakeBytes: number;
  private total = 0;
  private outcome: 'open' | 'resolved' | 'rejected' = 'open';

  /** Built by HasherPool; `signal` aborts the upload's hashing (the stream is destroyed). */
  constructor(binding: HashSessionBinding, options: { signal?: AbortSignal } = {}) {
    super();
    this.binding = binding;
    this.ring = binding.ring;
    this.wakeBytes = this.ring.size / 2;
    this.result = new Promise<HashDigests>((res, rej) => {
      this.resolveResult = res;
      this.rejectResult = rej;
    });
    // A cancelled upload may never ask for its digests; that rejection is not unhandled.
    this.result.catch(() => undefined);
    this.released = new Promise<void>((res) => { this.resolveReleased = res; });
    // Attached last: an already-aborted signal destroys the stream at once, and _destroy needs
    // the fields above.
    if (options.signal !== undefined) addAbortSignal(options.signal, this);
  }

  /** Bytes that have passed through so far. */
  get bytes(): number {
    return this.total;
  }

  /** The digests, once the stream has ended; rejects if the session was destroyed or a lane failed. */
  digests(): Promise<HashDigests> {
    return this.result;
  }

  /** Pool-only: a worker's terminal report for one lane. Later reports for a lane are ignored. */
  laneReport(report: LaneReport): void {
    if (this.lanes[report.lane] !== 'pending') return;
    this.lanes[report.lane] = report.t;
    if (report.t === 'digest') this.hex[report.lane] = report.hex;
    if (report.t === 'failed') {
      this.destroy(new GlanceError('internal', 'Hashing the image data failed', { cause: new Error(report.message) }));
    }
    if (this.lanes[0] === 'digest' && this.lanes[1] === 'digest' && this.outcome === 'open') {
      this.outcome = 'resolved';
      this.resolveResult({ checksum: this.hex[0], algo: this.binding.algorithm.name, hash: this.hex[1] });
    }
    if (this.lanes[0] !== 'pending' && this.lanes[1] !== 'pending') {
      this.binding.settled();
      this.resolveReleased();
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    // Downstream (the store write) gets the chunk now; only our callback waits for ring room.
    this.push(chunk);
    const done = this.copyIn(chunk, 0);
    if (done === chunk.length) {
      cb();
      return;
    }
    this.copyRest(chunk, done).then((finished) => { if (finished) cb(); }, cb);
  }

  override _flush(cb: TransformCallback): void {
    Atomics.store(this.ring.header, STATE_SLOT, STATE_ENDED);
    this.binding.wake();
    // Holding the end back until both digests exist makes the pipeline's completion mean
    // "stored and hashed", and carries a worker failure into the pipeline's error.
    this.result.then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    const h = this.ring.header;
    if (this.lanes[0] === 'pending' || this.lanes[1] === 'pending') {
      Atomics.store(h, STATE_SLOT, STATE_ABORTED);
      this.binding.wake();
      // Wake our own copyRest if it is waiting for room, so it sees `destroyed` and stops.
      Atomics.notify(h, READ_SLOTS[0]);
      Atomics.notify(h, READ_SLOTS[1]);
    }
    if (this.outcome === 'open') {
      this.outcome = 'rejected';
      this.rejectResult(err ?? new GlanceError('internal', 'The upload ended before its data was hashed'));
    }
    cb(err);
  }

  /** Copies as much of `chunk[from..]` as fits into the ring, publishes it, and returns the new offset. */
  private copyIn(chunk: Buffer, from: number): number {
    const { ring } = this;
    const h = ring.header;
    const lag = Math.max(
      HashRing.distance(this.writePos, Atomics.load(h, READ_SLOTS[0])),
      HashRing.distance(this.writePos, Atomics.load(h, READ_SLOTS[1])),
    );
    let room = Math.min(ring.size - lag, chunk.length - from);
    if (room === 0) return from;
    while (room > 0) {
      const off = ring.offset(this.writePos);
      const len = Math.min(room, ring.size - off);
      ring.data.set(chunk.subarray(from, from + len), off);
      from += len;
      room -= len;
      this.writePos = (this.writePos + len) | 0;
    }
    Atomics.store(h, WRITE_SLOT, this.writePos);
    // A lane that has caught up sleeps; waking it for every small chunk costs a futex wake on
    // this thread and a context switch on the worker per chunk. Waking per half ring is enough:
    // less than half a ring is ever unannounced, so when the ring is full the slow lane still
    // has announced bytes to hash and will make room; _flush and _destroy wake unconditionally.
    if (HashRing.distance(this.writePos, this.announced) >= this.wakeBytes) this.announce();
    return from;
  }

  private announce(): void {
    this.announced = this.writePos;
    this.binding.wake();
  }

  /** Finishes copying a chunk that did not fit; resolves false if the session was destroyed meanwhile. */
  private async copyRest(chunk: Buffer, from: number): Promise<boolean> {
    const h = this.ring.header;
    while (from < chunk.length) {
      if (this.destroyed) return false;
      const r0 = Atomics.load(h, READ_SLOTS[0]);
      const r1 = Atomics.load(h, READ_SLOTS[1]);
      const lag0 = HashRing.distance(this.writePos, r0);
      const lag1 = HashRing.distance(this.writePos, r1);
      if (Math.max(lag0, lag1) >= this.ring.size) {
        // Wait on the slower lane's read position: only its progress makes room.
        const slow: Lane = lag0 >= lag1 ? 0 : 1;
        const waited = waitAsync(h, READ_SLOTS[slow], slow === 0 ? r0 : r1);
        if (waited.async) await waited.value;
        continue;
      }
      from = this.copyIn(chunk, from);
    }
    return !this.destroyed;
  }
}

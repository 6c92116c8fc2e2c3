/**
 * The long-lived pool of hash worker threads. The composition root creates one at start-up and
 * passes it to the upload path; each upload opens a {@link HashSession} whose md5 lane and
 * configured-hash lane run on two different workers, so one upload uses two cores and the
 * request's own thread only copies bytes once into a shared ring.
 *
 * Workers serve many lanes at once, so the pool needs no more workers than cores to keep every
 * core busy under any number of concurrent uploads; a new lane goes to the least-loaded worker.
 * Idle workers are unref'd: an idle pool never keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { ConfigError } from '../config/config-error.js';
import { GlanceError, ServiceUnavailable } from '../domain/errors.js';
import { EXAMPLE_HASHLIB_NAMES, resolveHashAlgorithm, type HashAlgorithm } from './hash-algorithm.js';
import { BELL_COUNT, BELL_SLEEPING, HashRing } from './hash-ring.js';
import { HashSession } from './hash-session.js';
import type { HashWorkerData, LaneReport, OpenLaneMessage } from './hash-worker.js';

/** How to build a pool. */
export interface HasherPoolOptions {
  /** `[DEFAULT] hashing_algorithm`, a Python hashlib name (sha512, sha3_256, blake2b, …). */
  hashingAlgorithm: string;
  /** Worker threads; default: the machine's available parallelism, at least 2. */
  workers?: number;
  /**
   * Bytes each upload may have in flight between its stream and its workers (a power of two);
   * default 2 MiB. This is the per-upload memory of hashing.
   */
  ringBytes?: number;
}

/** Per-upload options. */
export interface HashSessionOptions {
  /** Cancels the upload's hashing: the session stream is destroyed with an AbortError. */
  signal?: AbortSignal;
  /** Overrides the configured algorithm (an image that already records `os_hash_algo`). */
  hashingAlgorithm?: string;
}

/** A snapshot of the pool's load. */
export interface HasherPoolStats {
  workers: number;
  /** Sessions whose lanes are not all released. */
  sessions: number;
  /** Lanes each worker currently serves. */
  lanesPerWorker: number[];
  /** Shared rings allocated so far: the peak number of concurrent sessions. */
  rings: number;
}

interface PoolWorker {
  worker: Worker;
  bell: Int32Array;
  control: MessagePort;
  lanes: number;
}

interface PooledRing {
  id: number;
  ring: HashRing;
  /** Workers that already hold a view of this ring (the buffer is sent once per worker). */
  knownBy: Set<PoolWorker>;
}

interface SessionEntry {
  session: HashSession;
  owners: [PoolWorker, PoolWorker];
  ring: PooledRing;
}

const DEFAULT_RING_BYTES = 2 * 1024 * 1024;

/**
 * A fixed set of hash workers shared by all uploads. Create it once with {@link HasherPool.create};
 * call {@link HasherPool.close} at shutdown.
 */
export class HasherPool {
  /** The configured algorithm, validated at creation. */
  readonly algorithm: HashAlgorithm;
  private readonly workerUrl = new URL('./hash-worker.js', import.meta.url);
  private readonly workers: PoolWorker[] = [];
  private readonly sessions = new Map<number, SessionEntry>();
  // Rings are reused, never freed: memory is (peak concurrent uploads) × ringBytes. See hash-ring.ts.
  private readonly idleRings: PooledRing[] = [];
  private ringCount = 0;
  private readonly ringBytes: number;
  private nextSid = 1;
  private rotation = 0;
  private closing = false;

  private constructor(algorithm: HashAlgorithm, workers: number, ringBytes: number) {
    this.algorithm = algorithm;
    this.ringBytes = ringBytes;
    for (let i = 0; i < workers; i++) this.workers.push(this.spawn(i));
  }

  /**
   * Validates the algorithm and starts the workers. Throws ConfigError, naming the option, when
   * `hashingAlgorithm` is not a hash this process can compute, and RangeError on a bad size.
   */
  static create(options: HasherPoolOptions): HasherPool {
    const algorithm = resolveHashAlgorithm(options.hashingAlgorithm);
    if (algorithm === undefined) {
      throw new ConfigError(
        `[DEFAULT] hashing_algorithm: expected a fixed-length hashlib algorithm available here ` +
          `(e.g. ${EXAMPLE_HASHLIB_NAMES.join(', ')}), got ${JSON.stringify(options.hashingAlgorithm)}`,
      );
    }
    const workers = options.workers ?? Math.max(2, availableParallelism());
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`hasher pool needs at least one worker, got ${workers}`);
    const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
    HashRing.checkSize(ringBytes);
    return new HasherPool(algorithm, workers, ringBytes);
  }

  /**
   * Opens one upload's hashing stage. Throws GlanceError of kind 'internal' if `hashingAlgorithm`
   * is given and unusable here, and ServiceUnavailable once the pool is closing.
   */
  session(options: HashSessionOptions = {}): HashSession {
    if (this.closing) throw new ServiceUnavailable('The image service is shutting down');
    const algorithm = options.hashingAlgorithm === undefined ? this.algorithm : resolveHashAlgorithm(options.hashingAlgorithm);
    if (algorithm === undefined) {
      throw new GlanceError('internal', `Hash algorithm ${JSON.stringify(options.hashingAlgorithm)} is not available`);
    }
    const sid = this.nextSid++;
    const pooled = this.idleRings.pop() ?? { id: this.ringCount++, ring: HashRing.allocate(this.ringBytes), knownBy: new Set() };
    const { ring } = pooled;
    const owners = this.pickOwners();
    const entry: SessionEntry = {
      owners,
      ring: pooled,
      session: new HashSession(
        {
          ring,
          algorithm,
          wake: () => { ringBell(owners[0]); if (owners[1] !== owners[0]) ringBell(owners[1]); },
          settled: () => this.settle(sid),
        },
        { signal: options.signal },
      ),
    };
    this.sessions.set(sid, entry);
    const algos: [string, string] = ['md5', algorithm.nodeName];
    for (const lane of [0, 1] as const) {
      const owner = owners[lane];
      if (owner.lanes++ === 0) owner.worker.ref();
      const msg: OpenLaneMessage = { t: 'open', sid, lane, algo: algos[lane], ringId: pooled.id };
      if (!pooled.knownBy.has(owner)) {
        msg.ring = ring.buffer;
        pooled.knownBy.add(owner);
      }
      owner.control.postMessage(msg);
      ringBell(owner);
    }
    return entry.session;
  }

  /** The current load; a pool with no upload in progress shows 0 sessions and 0 lanes everywhere. */
  stats(): HasherPoolStats {
    return {
      workers: this.workers.length,
      sessions: this.sessions.size,
      lanesPerWorker: this.workers.map((w) => w.lanes),
      rings: this.ringCount,
    };
  }

  /** Destroys sessions still open (ServiceUnavailable), stops every worker, and resolves when they exited. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { session } of this.sessions.values()) {
      session.destroy(new ServiceUnavailable('The image service is shutting down'));
    }
    await Promise.all(
      this.workers.map((w) => new Promise<void>((resolve) => {
        w.worker.once('exit', () => resolve());
        w.worker.ref(); // an idle worker is unref'd; the process must wait for its exit now
        w.control.postMessage({ t: 'exit' });
        ringBell(w);
      })),
    );
  }

  private spawn(index: number): PoolWorker {
    const bell = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const data: HashWorkerData = { bell, control: port2 };
    const worker = new Worker(this.workerUrl, {
      name: `glance-hash-${index}`,
      workerData: { hashWorker: data },
      transferList: [port2],
    });
    const pw: PoolWorker = { worker, bell: new Int32Array(bell), control: port1, lanes: 0 };
    worker.unref();
    worker.on('message', (r: LaneReport) => this.sessions.get(r.sid)?.session.laneReport(r));
    let failure = 'exited';
    worker.on('error', (err) => { failure = String(err); });
    worker.on('exit', (code) => {
      port1.close();
      if (this.closing) return;
      // A worker died under its lanes: fail them, and put a fresh worker in its place so the
      // pool keeps its size.
      this.workers[index] = this.spawn(index);
      for (const pooled of this.idleRings) pooled.knownBy.delete(pw);
      for (const [sid, { session, owners, ring }] of this.sessions) {
        ring.knownBy.delete(pw);
        for (const lane of [0, 1] as const) {
          if (owners[lane] === pw) session.laneReport({ t: 'failed', sid, lane, message: `hash worker ${failure} (code ${code})` });
        }
      }
    });
    return pw;
  }

  /** The two least-loaded workers (distinct when the pool has two), rotating among equals. */
  private pickOwners(): [PoolWorker, PoolWorker] {
    const n = this.workers.length;
    const start = this.rotation++ % n;
    const order = Array.from({ length: n }, (_, i) => this.workers[(start + i) % n]!);
    order.sort((a, b) => a.lanes - b.lanes); // stable: ties keep the rotated order
    return [order[0]!, order[1] ?? order[0]!];
  }

  private settle(sid: number): void {
    const entry = this.sessions.get(sid);
    if (entry === undefined) return;
    this.sessions.delete(sid);
    for (const owner of entry.owners as PoolWorker[]) {
      if (--owner.lanes === 0) owner.worker.unref();
    }
    entry.ring.ring.reset();
    this.idleRings.push(entry.ring);
  }
}

/** Rings a worker's doorbell; the futex wake is only paid when the worker is actually asleep. */
function ringBell(w: PoolWorker): void {
  Atomics.add(w.bell, BELL_COUNT, 1);
  if (Atomics.load(w.bell, BELL_SLEEPING) !== 0) Atomics.notify(w.bell, BELL_COUNT, 1);
}

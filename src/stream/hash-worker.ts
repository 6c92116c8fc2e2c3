/**
 * Entry point of a hasher-pool worker thread. It serves many hash lanes at once (one lane is one
 * upload's md5 or configured hash), hashing each lane's bytes in place from the session's shared
 * ring and reporting exactly one terminal message per lane: `digest`, `released` or `failed`.
 *
 * The loop is synchronous on purpose: it blocks on the doorbell with Atomics.wait when idle and
 * drains control messages with receiveMessageOnPort, so no event-loop turn sits between a
 * producer's publish and the hashing of those bytes.
 *
 * Protocol. Control port (main → worker): {@link OpenLaneMessage} | `{ t: 'exit' }`.
 * parentPort (worker → main): {@link LaneReport}.
 */
import { createHash, type Hash } from 'node:crypto';
import { isMainThread, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  BELL_COUNT, BELL_SLEEPING, HashRing, READ_SLOTS, STATE_ABORTED, STATE_ENDED, STATE_SLOT, WRITE_SLOT,
  type Lane,
} from './hash-ring.js';

/**
 * Start a lane: hash session `sid`'s data, in pooled ring `ringId`, as lane `lane` with node:crypto
 * algorithm `algo`. `ring` is sent the first time this worker meets the ring, then omitted.
 */
export interface OpenLaneMessage {
  t: 'open';
  sid: number;
  lane: Lane;
  algo: string;
  ringId: number;
  ring?: SharedArrayBuffer;
}

/** What a worker reports about a lane; each lane gets exactly one. */
export type LaneReport =
  | { t: 'digest'; sid: number; lane: Lane; hex: string }
  | { t: 'released'; sid: number; lane: Lane }
  | { t: 'failed'; sid: number; lane: Lane; message: string };

/** The data a worker is started with. */
export interface HashWorkerData {
  /** This worker's doorbell (Int32 slots BELL_COUNT and BELL_SLEEPING). */
  bell: SharedArrayBuffer;
  /** The control port the pool posts {@link OpenLaneMessage}s and `exit` on. */
  control: MessagePort;
}

// Hash at most this much of one lane before publishing progress and looking at the other lanes:
// it bounds how long a producer waits for room and keeps concurrent uploads fair.
const QUANTUM = 512 * 1024;

interface LaneState {
  sid: number;
  lane: Lane;
  ring: HashRing;
  hash: Hash;
  read: number;
}

/** Runs the worker loop until an `exit` message; exported for the entry guard below only. */
export function runHashWorker(data: HashWorkerData): void {
  const port = parentPort;
  if (port === null) throw new Error('hash-worker must run in a worker thread');
  const bell = new Int32Array(data.bell);
  const lanes = new Map<string, LaneState>();
  const rings = new Map<number, HashRing>();
  const report = (msg: LaneReport): void => port.postMessage(msg);

  for (;;) {
    // Read the doorbell before draining messages: a message posted after this read also bumps
    // the bell, so the wait below cannot sleep through it.
    const seen = Atomics.load(bell, BELL_COUNT);
    for (let m = receiveMessageOnPort(data.control); m !== undefined; m = receiveMessageOnPort(data.control)) {
      const msg = m.message as OpenLaneMessage | { t: 'exit' };
      if (msg.t === 'exit') {
        data.control.close();
        return;
      }
      try {
        if (msg.ring !== undefined) rings.set(msg.ringId, HashRing.attach(msg.ring));
        const ring = rings.get(msg.ringId);
        if (ring === undefined) throw new Error(`ring ${msg.ringId} was never sent to this worker`);
        lanes.set(`${msg.sid}:${msg.lane}`, { sid: msg.sid, lane: msg.lane, ring, hash: createHash(msg.algo), read: 0 });
      } catch (err) {
        report({ t: 'failed', sid: msg.sid, lane: msg.lane, message: String(err) });
      }
    }

    let worked = false;
    for (const [key, st] of lanes) {
      const outcome = step(st);
      if (outcome === 'progress') worked = true;
      else if (outcome !== 'idle') {
        lanes.delete(key);
        report(outcome);
      }
    }
    if (worked) continue;

    Atomics.store(bell, BELL_SLEEPING, 1);
    Atomics.wait(bell, BELL_COUNT, seen);
    Atomics.store(bell, BELL_SLEEPING, 0);
  }
}

/** Hashes up to one quantum of a lane, or finishes it. */
function step(st: LaneState): 'progress' | 'idle' | LaneReport {
  const { ring } = st;
  const h = ring.header;
  // A cancelled upload stops hashing at once, even with bytes left in the ring.
  const state = Atomics.load(h, STATE_SLOT);
  if (state === STATE_ABORTED) return { t: 'released', sid: st.sid, lane: st.lane };
  // The producer stores its last position before STATE_ENDED and the state was read first, so
  // once ENDED is seen this position is final.
  const avail = HashRing.distance(Atomics.load(h, WRITE_SLOT), st.read);
  if (avail === 0) {
    if (state !== STATE_ENDED) return 'idle';
    return { t: 'digest', sid: st.sid, lane: st.lane, hex: st.hash.digest('hex') };
  }
  let n = Math.min(avail, QUANTUM);
  try {
    while (n > 0) {
      const off = ring.offset(st.read);
      const len = Math.min(n, ring.size - off);
      st.hash.update(ring.data.subarray(off, off + len));
      st.read = (st.read + len) | 0;
      n -= len;
    }
  } catch (err) {
    return { t: 'failed', sid: st.sid, lane: st.lane, message: String(err) };
  }
  Atomics.store(h, READ_SLOTS[st.lane], st.read);
  Atomics.notify(h, READ_SLOTS[st.lane]);
  return 'progress';
}

if (!isMainThread && (workerData as { hashWorker?: HashWorkerData } | null)?.hashWorker) {
  runHashWorker((workerData as { hashWorker: HashWorkerData }).hashWorker);
}

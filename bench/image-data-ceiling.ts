/**
 * The machine's own ceilings for the image-data benchmark, measured with nothing of glance-ts in
 * the way:
 *  - hashing: md5 and sha512 of the same file computed concurrently by plain worker threads
 *    (one md5 + one sha512 thread per pair), each thread reading the file itself with blocking
 *    reads into one reused buffer — as fast as this machine can read and hash those bytes;
 *  - reading: the file streamed with `fs.createReadStream` into a null sink, at a given block size.
 *
 * This module is also the hashing threads' entry point (see the guard at the bottom).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

interface HashJob {
  imageDataCeiling: true;
  file: string;
  algo: string;
  block: number;
}

/** What a hashing-ceiling run measured. */
export interface HashCeiling {
  /** Wall-clock seconds from the start signal to the last digest. */
  seconds: number;
  /** Bytes hashed by each algorithm, over all pairs (file size × pairs). */
  bytes: number;
  md5: string;
  sha512: string;
}

function hashThread(job: HashJob): void {
  const buf = Buffer.allocUnsafe(job.block);
  parentPort!.once('message', () => {
    const fd = openSync(job.file, 'r');
    const hash = createHash(job.algo);
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
    }
    closeSync(fd);
    parentPort!.postMessage(hash.digest('hex'));
  });
  parentPort!.postMessage('ready');
}

/**
 * Hashes `file` with `pairs` × (md5 thread + sha512 thread), all started together once every
 * thread is up; `bytes / seconds` is the aggregate hashing ceiling.
 */
export async function hashCeiling(file: string, size: number, pairs: number, block: number): Promise<HashCeiling> {
  const workers = Array.from({ length: pairs * 2 }, (_, k) => new Worker(new URL(import.meta.url), {
    workerData: { imageDataCeiling: true, file, algo: k % 2 === 0 ? 'md5' : 'sha512', block } satisfies HashJob,
  }));
  try {
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    })));
    const done = workers.map((w) => new Promise<string>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }));
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const digests = await Promise.all(done);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, bytes: size * pairs, md5: digests[0]!, sha512: digests[1]! };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** A Writable that drops everything: the sink of every read and download measurement. */
export function nullSink(): Writable & { bytes: number } {
  const sink = new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _enc, cb) {
      sink.bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

/** Streams `file` into a null sink in `block`-byte reads; resolves the seconds it took. */
export async function readCeiling(file: string, block: number): Promise<number> {
  const t0 = performance.now();
  await pipeline(createReadStream(file, { highWaterMark: block }), nullSink());
  return (performance.now() - t0) / 1000;
}

if (!isMainThread && (workerData as Partial<HashJob> | null)?.imageDataCeiling === true) {
  hashThread(workerData as HashJob);
}

const MIB = 1024 * 1024;

/**
 * Writes `size` bytes of random-looking data (a raw image, no format's magic): windows of a
 * random 2 MiB block at varying offsets, each 1 MiB stamped with its index so no two are equal.
 */
export function generateImage(path: string, size: number): void {
  const base = Buffer.allocUnsafe(2 * MIB);
  let x = 0x9e3779b9;
  for (let i = 0; i < base.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    base.writeInt32LE(x | 0, i);
  }
  const chunk = Buffer.allocUnsafe(MIB);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0, done = 0; done < size; i++) {
      const n = Math.min(MIB, size - done);
      const off = (i * 40_961) % MIB;
      base.copy(chunk, 0, off, off + MIB);
      chunk.writeUInt32LE(i ^ 0x5a5a5a5a, 0);
      writeSync(fd, chunk, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

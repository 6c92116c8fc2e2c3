/**
 * The benchmark's HTTP load generator: N keep-alive connections (one undici Client each, one
 * request in flight per connection, closed loop), a warm-up, then a fixed measuring window whose
 * completions and latencies are counted. It runs in a worker thread so it never shares an event
 * loop with the caller; this module is both the caller's API and the worker's entry point.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Client } from 'undici';
import { LatencyHistogram } from './latency-histogram.js';

/** What to send, to whom, for how long. */
export interface LoadSpec {
  origin: string;
  connections: number;
  /** Request paths; each request picks one uniformly at random. */
  paths: string[];
  warmupMs: number;
  durationMs: number;
}

/** The figures of one load run. */
export interface LoadFigures {
  /** Responses completed inside the measuring window. */
  requests: number;
  /** Of those, responses with a status other than 200, plus transport errors. */
  errors: number;
  perSecond: number;
  /** Latencies in milliseconds. */
  p50: number;
  p99: number;
}

/** Called on the caller's thread when the measuring window opens and closes. */
export interface WindowHooks {
  onOpen?(): void;
  onClose?(): void;
}

/** What the worker posts back (plain data, so it crosses the thread boundary). */
interface LoadReport {
  requests: number;
  errors: number;
  windowMs: number;
  /** LatencyHistogram counts (µs) of the counted requests. */
  histogram: number[];
}

/** The worker's loop: runs `spec` in the current thread. */
async function drive(spec: LoadSpec): Promise<LoadReport> {
  const hist = new LatencyHistogram();
  const measureFrom = performance.now() + spec.warmupMs;
  const measureTo = measureFrom + spec.durationMs;
  // Window edges go to the caller as they happen, so it can sample the server's CPU time then.
  const opened = setTimeout(() => parentPort?.postMessage({ window: 'open' }), spec.warmupMs);
  const closed = setTimeout(() => parentPort?.postMessage({ window: 'close' }), spec.warmupMs + spec.durationMs);
  let requests = 0;
  let errors = 0;
  const clients = Array.from({ length: spec.connections }, () =>
    new Client(spec.origin, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 }));
  const loop = async (client: Client): Promise<void> => {
    // Bounded by the clock: no request starts after the window closes.
    while (performance.now() < measureTo) {
      const path = spec.paths[Math.floor(Math.random() * spec.paths.length)]!;
      const start = performance.now();
      let ok = true;
      try {
        const res = await client.request({ method: 'GET', path });
        await res.body.arrayBuffer();
        ok = res.statusCode === 200;
      } catch {
        ok = false;
      }
      const end = performance.now();
      // A request counts when it completes inside the window, wherever it started.
      if (end >= measureFrom && end <= measureTo) {
        requests++;
        if (!ok) errors++;
        hist.record((end - start) * 1000);
      }
    }
  };
  try {
    await Promise.all(clients.map(loop));
  } finally {
    clearTimeout(opened);
    clearTimeout(closed);
    await Promise.all(clients.map((c) => c.close()));
  }
  return { requests, errors, windowMs: spec.durationMs, histogram: Array.from(hist.counts) };
}

/**
 * Drives `spec` from a new worker thread and resolves with its figures; `hooks` hear the window
 * open and close. Rejects if the worker fails; the worker stops by itself when the window closes.
 */
export async function loadGenerator(spec: LoadSpec, hooks: WindowHooks = {}): Promise<LoadFigures> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { imageApiLoad: spec } });
  const report = await new Promise<LoadReport>((resolve, reject) => {
    worker.on('message', (msg: LoadReport | { window: 'open' | 'close' }) => {
      if (!('window' in msg)) resolve(msg);
      else if (msg.window === 'open') hooks.onOpen?.();
      else hooks.onClose?.();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited with ${code} before reporting`)));
  });
  await worker.terminate();
  const hist = new LatencyHistogram(report.histogram);
  return {
    requests: report.requests,
    errors: report.errors,
    perSecond: report.requests / (report.windowMs / 1000),
    p50: hist.percentile(50) / 1000,
    p99: hist.percentile(99) / 1000,
  };
}

if (!isMainThread && (workerData as { imageApiLoad?: LoadSpec } | null)?.imageApiLoad) {
  drive((workerData as { imageApiLoad: LoadSpec }).imageApiLoad).then((report) => parentPort!.postMessage(report));
}

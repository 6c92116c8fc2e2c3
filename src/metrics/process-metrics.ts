/**
 * Process metrics under the names Prometheus' client libraries use, so standard dashboards
 * work: CPU seconds, resident memory, start time, V8 heap, and the event loop's delay as
 * measured by `perf_hooks.monitorEventLoopDelay` (mean, p99 and max since the previous scrape).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricsRegistry } from './registry.js';

// Sampling every 20 ms costs next to nothing and still sees any stall worth alerting on.
const EVENT_LOOP_RESOLUTION_MS = 20;

/** The process collectors; `stop()` ends the event-loop sampling timer. */
export interface ProcessMetrics {
  stop(): void;
}

/** Registers the process metrics on `registry` and starts sampling the event loop. */
export function registerProcessMetrics(registry: MetricsRegistry): ProcessMetrics {
  const startTime = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  registry.collectedCounter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    collect: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
  });
  registry.collectedGauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: () => process.memoryUsage.rss(),
  });
  registry.collectedGauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    collect: () => startTime,
  });
  registry.collectedGauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use, in bytes.',
    collect: () => process.memoryUsage().heapUsed,
  });
  registry.collectedGauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'V8 heap allocated, in bytes.',
    collect: () => process.memoryUsage().heapTotal,
  });

  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  loop.enable();
  // The sampler records whole timer intervals, so the delay is what exceeds the resolution. The
  // three gauges are read in this order at each scrape; the last one resets the window.
  const seconds = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS) / 1000 : 0);
  registry.collectedGauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Mean event loop delay since the previous scrape, in seconds.',
    collect: () => seconds(loop.mean),
  });
  registry.collectedGauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: '99th percentile of the event loop delay since the previous scrape, in seconds.',
    collect: () => seconds(loop.percentile(99)),
  });
  registry.collectedGauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'Largest event loop delay since the previous scrape, in seconds.',
    collect: () => {
      const max = seconds(loop.max);
      loop.reset();
      return max;
    },
  });
  return { stop: () => loop.disable() };
}

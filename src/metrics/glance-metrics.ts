/**
 * The metrics glance-ts exposes, one `Metrics` object per process, built by `app.ts` when the
 * metrics endpoint is enabled and handed to the components that count: the HTTP server (one
 * observation per completed request), the image-data routes (bytes, uploads in flight), the
 * store registry (driver failures) and, later, the task runner. Every method is cheap and
 * synchronous; nothing here does I/O.
 */
import { registerProcessMetrics, type ProcessMetrics } from './process-metrics.js';
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from './registry.js';

/** Upper bounds of the request-duration histogram, in seconds: API calls up to long uploads. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

/** The route label of a request no route matched (404, 405, 501 answers). */
export const UNMATCHED_ROUTE = 'unmatched';

/** What the HTTP server records for each completed request. */
export interface RequestMetrics {
  /**
   * One finished (or aborted) request. `route` is the route pattern (`/v2/images/:id`), or
   * UNMATCHED_ROUTE, never the raw URL, so the number of series stays bounded.
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/** What the image-data routes record. */
export interface TransferMetrics {
  /** `n` bytes of image data received (upload or stage). */
  uploadBytes(n: number): void;
  /** `n` bytes of image data sent to a client. */
  downloadBytes(n: number): void;
  /** An upload (or stage) started; call the returned function once when it ends, however it ends. */
  uploadStarted(): () => void;
}

/** What the store registry records. */
export interface StoreMetrics {
  /** A store driver operation (`write`, `read`, `delete`, …) of store `store` failed. */
  storeError(store: string, operation: string): void;
}

/** What the task runner records. */
export interface TaskMetrics {
  /** A task of `type` (`import`, `api_image_import`, …) reached `status` (`success`, `failure`). */
  taskFinished(type: string, status: string): void;
}

// HTTP methods outside this set are folded into one label value: the method is client input.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** See the module comment. `close()` stops the event-loop sampler. */
export class Metrics implements RequestMetrics, TransferMetrics, StoreMetrics, TaskMetrics {
  readonly registry = new MetricsRegistry();
  private readonly requests: Counter;
  private readonly durations: Histogram;
  private readonly uploaded: Counter;
  private readonly downloaded: Counter;
  private readonly inFlight: Gauge;
  private readonly storeErrors: Counter;
  private readonly tasks: Counter;
  private readonly process: ProcessMetrics;

  constructor() {
    const r = this.registry;
    this.requests = r.counter({
      name: 'glance_http_requests_total',
      help: 'HTTP requests completed, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
    });
    this.durations = r.histogram({
      name: 'glance_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: REQUEST_DURATION_BUCKETS,
    });
    this.uploaded = r.counter({ name: 'glance_image_upload_bytes_total', help: 'Image data bytes received by upload and stage requests.' });
    this.downloaded = r.counter({ name: 'glance_image_download_bytes_total', help: 'Image data bytes sent by download requests.' });
    this.inFlight = r.gauge({ name: 'glance_uploads_in_flight', help: 'Upload and stage requests currently receiving data.' });
    this.inFlight.set(undefined, 0);
    this.storeErrors = r.counter({
      name: 'glance_store_errors_total',
      help: 'Failed store driver operations, by store id and operation.',
      labelNames: ['store', 'operation'],
    });
    this.tasks = r.counter({
      name: 'glance_tasks_total',
      help: 'Tasks that reached a final status, by task type and status.',
      labelNames: ['type', 'status'],
    });
    // Zero-valued series from the start, so rate() sees the first increments.
    this.uploaded.inc(undefined, 0);
    this.downloaded.inc(undefined, 0);
    this.process = registerProcessMetrics(r);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : 'other';
    this.requests.inc({ method: m, route, status: String(status) });
    this.durations.observe({ method: m, route }, seconds);
  }

  uploadBytes(n: number): void {
    this.uploaded.inc(undefined, n);
  }

  downloadBytes(n: number): void {
    this.downloaded.inc(undefined, n);
  }

  uploadStarted(): () => void {
    this.inFlight.inc();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight.inc(undefined, -1);
    };
  }

  storeError(store: string, operation: string): void {
    this.storeErrors.inc({ store, operation });
  }

  taskFinished(type: string, status: string): void {
    this.tasks.inc({ type, status });
  }

  /** The exposition text of every metric. */
  expose(): string {
    return this.registry.expose();
  }

  /** Stops background sampling; counting still works afterwards. */
  close(): void {
    this.process.stop();
  }
}

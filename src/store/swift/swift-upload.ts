/**
 * One object PUT whose body is fed piece by piece, with backpressure: `push` resolves once the
 * HTTP client has taken the piece and asked for the next (the socket accepted it), so at most one
 * piece per upload waits in memory. The request is sent with `Content-Length` when the size is
 * known, chunked otherwise; the object exists in Swift only once `finish` has sent the end of the
 * body and Swift answered. `abort` (or a stall longer than `idleTimeoutMs` while a piece waits)
 * drops the connection, and Swift discards the incomplete object.
 */
import type { Dispatcher } from 'undici';
import { StoreError } from '../errors.js';
import type { SwiftAuth } from './swift-auth.js';
import { connectionError, statusError, type SwiftCall, type SwiftHttp } from './swift-http.js';

interface Waiting {
  chunk: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** See the module comment. Start with `ObjectUpload.start`. */
export class ObjectUpload {
  /** Bytes the HTTP client has taken so far. */
  sent = 0;
  private waiting: Waiting | null = null;
  private wake: (() => void) | null = null;
  private ended = false;
  private failure: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly controller = new AbortController();
  private response!: Promise<Dispatcher.ResponseData>;

  private constructor(private readonly http: SwiftHttp, private readonly what: string, private readonly idleTimeoutMs: number) {}

  /**
   * Opens the PUT of `call` (its headers are sent at once). `contentLength` null: chunked.
   * Rejects if no token can be had.
   */
  static async start(http: SwiftHttp, auth: SwiftAuth, call: SwiftCall, contentLength: number | null, what: string, idleTimeoutMs: number): Promise<ObjectUpload> {
    const up = new ObjectUpload(http, what, idleTimeoutMs);
    const token = await auth.token();
    const extra: Record<string, string> = contentLength === null ? {} : { 'content-length': String(contentLength) };
    up.response = http.send(token, { ...call, signal: up.controller.signal }, up.body(), extra);
    up.response.then((res) => {
      // An answer before the body was complete is a refusal (401, 412, 413 …): stop feeding.
      if (!up.ended || up.waiting) up.fail(up.mapStatus(res.statusCode));
      if (res.statusCode === 401) auth.invalidate(token.token);
    }, (err: unknown) => up.fail(connectionError(http.opts.store, err, what)));
    return up;
  }

  /** Hands `chunk` to the request; resolves when it is taken, rejects if the upload failed. */
  push(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new StoreError(this.http.opts.store, 'io', `${this.what}: data after the end`));
    if (chunk.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting = { chunk, resolve, reject };
      this.timer = setTimeout(() => {
        this.abort(new StoreError(this.http.opts.store, 'unavailable', `${this.what}: Swift accepted no data for ${this.idleTimeoutMs / 1000} s`));
      }, this.idleTimeoutMs);
      this.wakeUp();
    });
  }

  /** Sends the end of the body and waits for Swift's answer; rejects with a StoreError unless 2xx. */
  async finish(): Promise<Dispatcher.ResponseData> {
    if (this.failure) throw this.failure;
    this.ended = true;
    this.wakeUp();
    let res: Dispatcher.ResponseData;
    try {
      res = await this.response;
    } catch (err) {
      throw this.failure ?? connectionError(this.http.opts.store, err, this.what);
    }
    await res.body.dump().catch(() => undefined);
    if (res.statusCode >= 300) throw this.failure ?? this.mapStatus(res.statusCode);
    if (this.failure) throw this.failure;
    return res;
  }

  /** Drops the connection (Swift keeps nothing) and fails pending and later calls with `reason`. */
  abort(reason: Error): void {
    this.fail(reason);
    // The failing body makes undici destroy the socket (Swift then drops the object at once);
    // aborting the request first would leave the socket open until Swift's client_timeout.
    // The signal is for a request whose body is not being read (not sent yet, or all sent).
    setImmediate(() => this.controller.abort(reason));
    this.response.catch(() => undefined);
  }

  private mapStatus(status: number): StoreError {
    return statusError(this.http.opts.store, status, this.what);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.clearTimer();
    this.waiting?.reject(err);
    this.waiting = null;
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // The request body: yields each pushed piece; resuming after a yield means the piece was taken.
  private async *body(): AsyncGenerator<Buffer> {
    for (;;) {
      while (!this.waiting && !this.ended && !this.failure) await new Promise<void>((r) => { this.wake = r; });
      if (this.failure) throw this.failure;
      const item = this.waiting;
      if (!item) return;
      yield item.chunk;
      this.sent += item.chunk.length;
      this.waiting = null;
      this.clearTimer();
      item.resolve();
    }
  }
}

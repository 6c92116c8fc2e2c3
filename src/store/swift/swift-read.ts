/**
 * Reading an object (a plain object or a DLO manifest: Swift joins the segments, and serves
 * Range across them). Failures before the first byte are retried as any replayable request;
 * when the body breaks off, the read resumes with `Range: bytes=<next>-<end>` up to
 * `swift_store_retry_get_count` times (glance_store's `swift_retry_iter`), so a reader sees one
 * unbroken stream. Memory is bounded by the stream's buffer: the response is paused whenever the
 * consumer is behind.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ByteRange } from '../driver.js';
import { StoreError, invalidRange } from '../errors.js';
import type { SwiftAuth } from './swift-auth.js';
import { header, statusError, type SwiftHttp } from './swift-http.js';

/** What to read. */
export interface SwiftReadSpec {
  http: SwiftHttp;
  auth: SwiftAuth;
  container: string;
  object: string;
  range?: ByteRange;
  /** `swift_store_retry_get_count`. */
  retries: number;
}

interface Opened {
  body: Dispatcher.ResponseData['body'];
  /** Bytes this response will deliver. */
  length: number;
  /** Leading bytes to drop (a server that ignored Range). */
  skip: number;
}

/** Opens the object for reading; rejects with not_found, invalid_range, or the Swift failure. */
export async function openSwiftRead(spec: SwiftReadSpec): Promise<Readable> {
  const first = await fetchFrom(spec, spec.range?.start ?? 0);
  return new ResumingRead(spec, first);
}

async function fetchFrom(spec: SwiftReadSpec, from: number): Promise<Opened> {
  const { http, auth, container, object, range } = spec;
  const store = http.opts.store;
  const ranged = range !== undefined || from > 0;
  const end = range ? String(range.end) : '';
  const res = await http.call(auth, {
    method: 'GET', container, object, ...(ranged ? { headers: { range: `bytes=${from}-${end}` } } : {}),
  }, `Reading ${container}/${object}`);
  const length = Number(header(res, 'content-length'));
  if (res.statusCode === 200 || res.statusCode === 206) {
    if (!Number.isSafeInteger(length)) {
      discard(res.body);
      throw new StoreError(store, 'io', `Reading ${container}/${object}: no Content-Length in Swift's answer`);
    }
    if (res.statusCode === 200 && ranged) {
      // Swift ignored the Range: take the wanted bytes from the whole object.
      const last = range ? range.end : length - 1;
      if (last >= length) { discard(res.body); throw invalidRange(store, range!, length); }
      return { body: res.body, length: last - from + 1, skip: from };
    }
    if (range && res.statusCode === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
      if (!m || Number(m[1]) !== from) { discard(res.body); throw new StoreError(store, 'io', `Reading ${container}/${object}: unexpected Content-Range`); }
      if (Number(m[2]) < range.end) { discard(res.body); throw invalidRange(store, range, Number(m[2]) + 1); }
    }
    return { body: res.body, length, skip: 0 };
  }
  await res.body.dump().catch(() => undefined);
  if (res.statusCode === 404) throw new StoreError(store, 'not_found', `Swift could not find object ${object}.`);
  if (res.statusCode === 416 && range) {
    const size = Number(/\/(\d+)$/.exec(header(res, 'content-range') ?? '')?.[1] ?? NaN);
    throw invalidRange(store, range, Number.isSafeInteger(size) ? size : 0);
  }
  throw statusError(store, res.statusCode, `Reading ${container}/${object}`);
}

// Drops a response body without reading it (destroying an unread undici body emits an error).
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

// The body of one or more responses as one stream (see the module comment).
class ResumingRead extends Readable {
  private current: Opened;
  private delivered = 0;
  private readonly total: number;
  private readonly start: number;
  private retriesLeft: number;
  private resuming = false;
  private finished = false;

  constructor(private readonly spec: SwiftReadSpec, first: Opened) {
    super({ highWaterMark: 1024 * 1024 });
    this.current = first;
    this.total = first.length;
    this.start = spec.range?.start ?? 0;
    this.retriesLeft = spec.retries;
    this.attach(first);
  }

  override _read(): void {
    if (this.delivered < this.total) this.current.body.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.current.body.readableEnded) this.current.body.destroy();
    cb(err);
  }

  private attach(opened: Opened): void {
    let skip = opened.skip;
    const body = opened.body;
    body.on('data', (chunk: Buffer) => {
      if (body !== this.current.body || this.destroyed) return;
      let piece = chunk;
      if (skip > 0) {
        const drop = Math.min(skip, piece.length);
        skip -= drop;
        piece = piece.subarray(drop);
      }
      piece = piece.subarray(0, this.total - this.delivered);
      if (piece.length === 0) return;
      this.delivered += piece.length;
      const more = this.push(piece);
      // Done: let the response run to its end, so its connection can be reused.
      if (this.delivered === this.total) { this.done(); body.resume(); } else if (!more) body.pause();
    });
    body.on('end', () => {
      if (body !== this.current.body) return;
      if (this.delivered < this.total) this.broken(new Error('the answer ended early'));
      else this.done();
    });
    body.on('error', (err: Error) => {
      if (body === this.current.body && this.delivered < this.total) this.broken(err);
    });
    body.pause();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    this.push(null);
  }

  private broken(err: Error): void {
    if (this.resuming || this.destroyed) return;
    const { http, container, object } = this.spec;
    if (this.retriesLeft <= 0) {
      this.destroy(new StoreError(http.opts.store, 'io', `Reading ${container}/${object} broke off after ${this.delivered} of ${this.total} bytes: ${err.message}`, { cause: err }));
      return;
    }
    this.retriesLeft--;
    this.resuming = true;
    fetchFrom(this.spec, this.start + this.delivered).then((next) => {
      this.resuming = false;
      if (this.destroyed) { discard(next.body); return; }
      this.current = next;
      this.attach(next);
      this.current.body.resume();
    }, (e: unknown) => {
      this.resuming = false;
      this.destroy(e as Error);
    });
  }
}

/**
 * Requests to a Swift account with a token from `SwiftAuth`: replayable requests (HEAD, GET,
 * DELETE, body-less PUT, listings) are retried on transient failures with backoff and replayed
 * once with a fresh token after a 401; every exchange is bounded by connect, response-header and
 * body-idle timeouts. Streamed uploads are `ObjectUpload`s (see swift-upload.ts).
 */
import { request, type Dispatcher } from 'undici';
import { StoreError, type StoreErrorReason } from '../errors.js';
import type { SwiftAuth, SwiftToken } from './swift-auth.js';
import { errorCode, isTransientStatus, withRetries, type RetryPolicy } from './swift-retry.js';

/** Timeouts and retries of one store's requests. */
export interface SwiftHttpOptions {
  store: string;
  dispatcher: Dispatcher;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  retry: RetryPolicy;
}

/** One replayable request. */
export interface SwiftCall {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  container?: string;
  object?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A body made anew for each attempt (a re-readable file); the caller sets its Content-Length. */
  body?: () => AsyncIterable<Buffer>;
  signal?: AbortSignal;
}

/** An object of a container listing. */
export interface SwiftListed {
  name: string;
  bytes: number;
  last_modified: string;
}

/** The URL path of `container[/object]` under the account, each name percent-encoded (object `/` kept). */
export function objectPath(container?: string, object?: string): string {
  if (container === undefined) return '';
  const c = `/${encodeURIComponent(container)}`;
  return object === undefined ? c : `${c}/${encodeURIComponent(object).replace(/%2F/g, '/')}`;
}

/** Header `name` of a response as one string. */
export function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The StoreError for an unexpected Swift status; `what` names the operation (no credentials). */
export function statusError(store: string, status: number, what: string): StoreError {
  let reason: StoreErrorReason = 'io';
  if (status === 404) reason = 'not_found';
  else if (status === 413 || status === 507) reason = 'storage_full';
  else if (status === 401 || status === 403) reason = 'write_denied';
  else if (status === 416) reason = 'invalid_range';
  // Only sent for `If-None-Match: *` on PUT: the object exists.
  else if (status === 412) reason = 'duplicate';
  else if (isTransientStatus(status)) reason = 'unavailable';
  return new StoreError(store, reason, `${what}: Swift answered ${status}`);
}

/** The StoreError for a request that got no answer. */
export function connectionError(store: string, err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = errorCode(err);
  return new StoreError(store, 'unavailable', `${what}: Swift did not answer (${code ?? (err as Error).message})`,
    { cause: err, ...(code ? { errno: code } : {}) });
}

/** The request layer of one swift store (see the module comment). */
export class SwiftHttp {
  constructor(readonly opts: SwiftHttpOptions) {}

  /**
   * Sends `call` as the identity of `auth`; resolves with the final answer whatever its status
   * (the caller reads or dumps the body). Rejects only when Swift never answered.
   */
  async call(auth: SwiftAuth, call: SwiftCall, what: string): Promise<Dispatcher.ResponseData> {
    let renewed = false;
    for (;;) {
      const token = await auth.token();
      let res: Dispatcher.ResponseData;
      try {
        res = await withRetries(this.opts.retry, () => this.send(token, call), (r) => {
          if (!isTransientStatus(r.statusCode)) return false;
          r.body.dump().catch(() => undefined);
          return true;
        }, call.signal ? { signal: call.signal } : {});
      } catch (err) {
        throw connectionError(this.opts.store, err, what);
      }
      if (res.statusCode !== 401 || renewed) return res;
      // The token expired or was revoked early: authenticate again, once.
      await res.body.dump().catch(() => undefined);
      auth.invalidate(token.token);
      renewed = true;
    }
  }

  /** `call` that must succeed with a 2xx; its body is dumped. */
  async expectOk(auth: SwiftAuth, call: SwiftCall, what: string): Promise<Dispatcher.ResponseData> {
    const res = await this.call(auth, call, what);
    await res.body.dump().catch(() => undefined);
    if (res.statusCode >= 300) throw statusError(this.opts.store, res.statusCode, what);
    return res;
  }

  /** Every object of `container` whose name starts with `prefix`, page by page ([] for a missing container). */
  async *list(auth: SwiftAuth, container: string, prefix = ''): AsyncGenerator<SwiftListed> {
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { format: 'json', prefix, ...(marker ? { marker } : {}) };
      const res = await this.call(auth, { method: 'GET', container, query }, `Listing container ${container}`);
      if (res.statusCode === 404) { await res.body.dump(); return; }
      if (res.statusCode === 204) { await res.body.dump(); return; }
      if (res.statusCode >= 300) { await res.body.dump(); throw statusError(this.opts.store, res.statusCode, `Listing container ${container}`); }
      const page = (await res.body.json()) as SwiftListed[];
      if (page.length === 0) return;
      yield* page;
      marker = page[page.length - 1]!.name;
    }
  }

  /** Names of the account's containers starting with `prefix`. */
  async containers(auth: SwiftAuth, prefix: string): Promise<string[]> {
    const names: string[] = [];
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { format: 'json', prefix, ...(marker ? { marker } : {}) };
      const res = await this.call(auth, { method: 'GET', query }, 'Listing containers');
      if (res.statusCode === 204 || res.statusCode === 404) { await res.body.dump(); return names; }
      if (res.statusCode >= 300) { await res.body.dump(); throw statusError(this.opts.store, res.statusCode, 'Listing containers'); }
      const page = (await res.body.json()) as { name: string }[];
      if (page.length === 0) return names;
      names.push(...page.map((p) => p.name));
      marker = page[page.length - 1]!.name;
    }
  }

  /** One attempt of `call` with `token`. */
  send(token: SwiftToken, call: SwiftCall, stream?: AsyncIterable<Buffer>, extra: Record<string, string> = {}): Promise<Dispatcher.ResponseData> {
    // undici streams async iterables as request bodies; its typings only list Readable.
    const body = (stream ?? call.body?.()) as Dispatcher.DispatchOptions['body'] | undefined;
    const qs = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return request(`${token.storageUrl}${objectPath(call.container, call.object)}${qs}`, {
      method: call.method,
      headers: { 'x-auth-token': token.token, ...(call.method === 'PUT' && body == null ? { 'content-length': '0' } : {}), ...call.headers, ...extra },
      body: body ?? null,
      dispatcher: this.opts.dispatcher,
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.bodyTimeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
    });
  }
}

/**
 * The data source of the `web-download` import method: an HTTP(S) GET of the user's URI,
 * hardened against server-side request forgery.
 *
 * - Every hop is checked by `checkImportUri` (the first URI and each redirect target), and the
 *   connection goes to the addresses that check resolved, never to a fresh DNS answer, so a
 *   host cannot pass the check and then rebind to an internal address.
 * - Redirects (301, 302, 303, 307, 308) are followed by hand, at most `maxRedirects`.
 * - Connect, response and body-silence timeouts bound every exchange; `maxBytes` bounds the
 *   data (refused up front when Content-Length already says more); an AbortSignal cancels.
 * - Failures are GlanceErrors whose messages name the URI: the import task records them.
 */

import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { BadRequest, GlanceError, ServiceUnavailable, TooLarge } from '../domain/errors.js';
import type { ImportFilteringConfig } from '../config/import-filtering-slice.js';
import { checkImportUri, type HostResolver, type ImportTarget } from './uri-filter.js';

/** How to download. */
export interface WebDownloadOptions {
  /** The `[import_filtering_opts]` slice every hop must pass. */
  filtering: ImportFilteringConfig;
  /** The most bytes accepted; one more fails the stream with TooLarge. Default: no bound. */
  maxBytes?: number;
  /** Builds the error for going past `maxBytes` (default: a TooLarge naming the URI and bound). */
  tooLarge?: (maxBytes: number, uri: string) => GlanceError;
  /** TCP (+TLS) connect timeout per hop, all resolved addresses included. Default 30 s. */
  connectTimeoutMs?: number;
  /** Longest wait for the response headers, and longest silence inside the body. Default 60 s. */
  idleTimeoutMs?: number;
  /** Redirects followed before giving up. Default 10. */
  maxRedirects?: number;
  /** Cancels the download, before or during the body. */
  signal?: AbortSignal;
  /** Replaces the system resolver (tests). */
  resolve?: HostResolver;
  /**
   * Extra request headers (a token for glance-download), sent to the URI's own origin only:
   * a redirect to another origin never gets them.
   */
  headers?: Record<string, string>;
}

/** An open download: the body (bounded, errors as GlanceErrors) and its announced size. */
export interface WebDownload {
  stream: Readable;
  /** Content-Length of the final response, or null when the server did not send one. */
  size: number | null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Opens `uri` for reading. Resolves once a 2xx response's headers arrived; rejects with
 * BadRequest when the URI or a redirect target does not pass filtering (the message names the
 * refused URI), on a non-2xx answer or too many redirects; TooLarge when Content-Length
 * exceeds `maxBytes`; a `gateway_timeout` GlanceError on a timeout; ServiceUnavailable when the
 * server cannot be reached or the download was cancelled (a cancel whose `signal.reason` is a
 * GlanceError rejects with that reason). The stream fails with the same kinds of error;
 * destroying it closes the connection.
 */
export async function openWebDownload(uri: string, opts: WebDownloadOptions): Promise<WebDownload> {
  const maxRedirects = opts.maxRedirects ?? 10;
  let target = await checkImportUri(uri, opts.filtering, opts.resolve);
  const origin = target.url.origin;
  for (let redirects = 0; ; redirects++) {
    if (target.scheme !== 'http' && target.scheme !== 'https') {
      throw new BadRequest(`web-download supports only http and https URIs: ${target.uri}`);
    }
    const agent = pinnedAgent(target, opts);
    let res: Dispatcher.ResponseData;
    try {
      res = await agent.request({
        origin: target.url.origin,
        path: `${target.url.pathname}${target.url.search}`,
        method: 'GET',
        headers: { 'user-agent': 'glance-ts web-download', accept: '*/*', ...(target.url.origin === origin ? opts.headers : {}) },
        signal: opts.signal,
      });
    } catch (err) {
      agent.destroy().catch(() => {});
      throw translate(err, target.uri, opts);
    }
    const { statusCode, headers, body } = res;

    if (REDIRECTS.has(statusCode)) {
      discard(body, agent);
      if (redirects >= maxRedirects) {
        throw new BadRequest(`web-download of ${uri} failed: more than ${maxRedirects} redirects`);
      }
      const location = headerValue(headers.location);
      if (location === null) {
        throw new BadRequest(`web-download of ${target.uri} failed: HTTP ${statusCode} redirect without a Location`);
      }
      target = await followRedirect(target, location, opts);
      continue;
    }
    if (statusCode < 200 || statusCode >= 300) {
      discard(body, agent);
      throw new BadRequest(`web-download of ${target.uri} failed: the server answered HTTP ${statusCode}`);
    }

    const length = headerValue(headers['content-length']);
    const size = length !== null && /^\d+$/.test(length) ? Number(length) : null;
    if (opts.maxBytes !== undefined && size !== null && size > opts.maxBytes) {
      discard(body, agent);
      throw tooLarge(opts, target.uri);
    }
    const stream = Readable.from(bounded(body, target.uri, opts), { objectMode: false });
    // The pool exists for this one response: once the stream is done, for whatever reason, so is it.
    stream.once('close', () => {
      discard(body, agent);
    });
    return { stream, size };
  }
}

/** Re-validates a redirect target; a refusal names the target. */
async function followRedirect(from: ImportTarget, location: string, opts: WebDownloadOptions): Promise<ImportTarget> {
  const next = redirectUri(from, location);
  try {
    return await checkImportUri(next, opts.filtering, opts.resolve);
  } catch (err) {
    if (err instanceof GlanceError) throw new BadRequest(`Redirect from ${from.uri} refused: ${err.message}`);
    throw err;
  }
}

/**
 * The next URI of a redirect. Absolute and network-path references are returned as written so
 * the filter sees the host the server named (resolving them through WHATWG would first turn
 * `0x7f000001` into `127.0.0.1`); path references keep the current origin.
 */
function redirectUri(from: ImportTarget, location: string): string {
  const loc = location.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) return loc;
  if (loc.startsWith('//')) return `${from.scheme}:${loc}`;
  // WHATWG reads `\` as `/` in http(s) URLs, so `\\evil/` or `/\evil/` would change the host.
  if (loc.includes('\\')) return loc;
  return new URL(loc, from.url).href;
}

/** A connection pool for one hop whose sockets can only reach the addresses checked. */
function pinnedAgent(target: ImportTarget, opts: WebDownloadOptions): Agent {
  const idle = opts.idleTimeoutMs ?? 60_000;
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (hostname.toLowerCase().replace(/\.$/, '') !== target.host) {
      callback(new Error(`refusing to resolve ${hostname}: only ${target.host} was checked`), '', 0);
    } else if (options.all) {
      (callback as (e: null, a: LookupAddress[]) => void)(null, target.addresses.map((a) => ({ address: a.address, family: a.family })));
    } else {
      const first = target.addresses.find((a) => !options.family || a.family === options.family) ?? target.addresses[0]!;
      callback(null, first.address, first.family);
    }
  };
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs ?? 30_000, lookup },
    headersTimeout: idle,
    bodyTimeout: idle,
    connections: 1,
  });
}

/** The body, counted against `maxBytes`, with its errors turned into GlanceErrors. */
async function* bounded(body: Dispatcher.ResponseData['body'], uri: string, opts: WebDownloadOptions): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (opts.maxBytes !== undefined && total > opts.maxBytes) throw tooLarge(opts, uri);
      yield buf;
    }
  } catch (err) {
    throw translate(err, uri, opts);
  }
}

function tooLarge(opts: WebDownloadOptions, uri: string): GlanceError {
  const max = opts.maxBytes!;
  return opts.tooLarge ? opts.tooLarge(max, uri) : new TooLarge(`web-download of ${uri} exceeds the ${max} bytes allowed`);
}

/** Maps a network, timeout or abort failure to a GlanceError naming the URI. */
function translate(err: unknown, uri: string, opts: WebDownloadOptions): GlanceError {
  if (err instanceof GlanceError) return err;
  if (opts.signal?.aborted) {
    const reason: unknown = opts.signal.reason;
    return reason instanceof GlanceError ? reason : new ServiceUnavailable(`web-download of ${uri} was cancelled`, { cause: err });
  }
  const code = (err as { code?: string } | null)?.code;
  const seconds = (ms: number) => `${ms / 1000} s`;
  const idle = seconds(opts.idleTimeoutMs ?? 60_000);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GlanceError('gateway_timeout', `web-download of ${uri} failed: no connection within ${seconds(opts.connectTimeoutMs ?? 30_000)}`, { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GlanceError('gateway_timeout', `web-download of ${uri} failed: no response within ${idle}`, { cause: err });
    case 'UND_ERR_BODY_TIMEOUT':
      return new GlanceError('gateway_timeout', `web-download of ${uri} failed: no data received for ${idle}`, { cause: err });
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new ServiceUnavailable(`web-download of ${uri} failed: the body did not match its Content-Length`, { cause: err });
    default: {
      const detail = err instanceof Error ? (code && !err.message.includes(code) ? `${err.message} (${code})` : err.message) : String(err);
      return new ServiceUnavailable(`web-download of ${uri} failed: ${detail}`, { cause: err });
    }
  }
}

/** Drops a response and its pool; undici reports a destroyed body as an error nobody needs. */
function discard(body: Dispatcher.ResponseData['body'], agent: Agent): void {
  body.on('error', () => {});
  body.destroy();
  agent.destroy().catch(() => {});
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

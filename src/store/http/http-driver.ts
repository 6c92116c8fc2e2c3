/**
 * The read-only `http` store: image data at `http(s)://` locations (added by operators or by
 * `web-download`), fetched with undici over keep-alive pools. Like glance_store it follows at
 * most 5 redirects (301/302 only), answers 404 as `not_found` and other error statuses as
 * `bad_uri`, takes the size from a HEAD's Content-Length (0 when absent), and honours
 * `https_insecure`, `https_ca_certificates_file` and `http_proxy_information`.
 *
 * Beyond glance_store: ranged reads send `Range`; a server that ignores it (200) is sliced
 * locally, so ranges work against any server. Connect, response-header and body-idle timeouts
 * bound every exchange; an unreachable server is `unavailable` (503).
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { ByteRange, StoreCapabilities, StoreDriver, StoreLocation, StoreWrite } from '../driver.js';
import { StoreError, checkRangeShape, invalidRange } from '../errors.js';

/** Configuration of one http store. */
export interface HttpDriverOptions {
  id: string;
  /** `https_ca_certificates_file`: verify servers against this bundle (overrides `insecure`). */
  caCertificatesFile?: string | null;
  /** `https_insecure` (Glance's default: true, i.e. certificates are not verified). */
  insecure?: boolean;
  /** `http_proxy_information`: scheme → proxy (`http:10.0.0.1:3128`). */
  proxyInformation?: Readonly<Record<string, string>>;
  /** TCP+TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Time to the response headers (default 60 s). */
  headersTimeoutMs?: number;
  /** Longest silence while reading a body (default 60 s). */
  idleTimeoutMs?: number;
  /** Keep-alive of idle pooled connections (default 30 s). */
  keepAliveMs?: number;
}

const MAX_REDIRECTS = 5;

/** The http driver (see the module comment). Build it with `HttpDriver.open`. */
export class HttpDriver implements StoreDriver {
  readonly type = 'http';
  readonly capabilities: StoreCapabilities = { read: true, write: false, randomRead: true };

  private constructor(
    readonly id: string,
    private readonly direct: Dispatcher,
    private readonly proxies: ReadonlyMap<string, Dispatcher>,
    private readonly opts: HttpDriverOptions,
  ) {}

  /** Builds the connection pools; rejects if the CA file cannot be read. */
  static async open(opts: HttpDriverOptions): Promise<HttpDriver> {
    const ca = opts.caCertificatesFile ? await readFile(opts.caCertificatesFile, 'utf8') : undefined;
    const tls = { rejectUnauthorized: ca !== undefined || opts.insecure === false, ...(ca ? { ca } : {}) };
    const timeouts = { keepAliveTimeout: opts.keepAliveMs ?? 30_000 };
    const connect = { timeout: opts.connectTimeoutMs ?? 10_000, ...tls };
    const direct = new Agent({ connect, ...timeouts });
    const proxies = new Map<string, Dispatcher>();
    for (const [scheme, proxy] of Object.entries(opts.proxyInformation ?? {})) {
      const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
      proxies.set(scheme.toLowerCase(), new ProxyAgent({ uri, requestTls: tls, proxyTls: { timeout: connect.timeout }, ...timeouts }));
    }
    return new HttpDriver(opts.id, direct, proxies, opts);
  }

  /** True for `http://` and `https://` URLs. */
  owns(url: string): boolean {
    return /^https?:\/\//i.test(url);
  }

  async write(): Promise<StoreWrite> {
    throw new StoreError(this.id, 'add_disabled');
  }

  async delete(): Promise<void> {
    throw new StoreError(this.id, 'delete_not_supported');
  }

  /** An http store holds no objects of its own: its locations are recorded URLs. */
  async locate(): Promise<StoreLocation | null> {
    return null;
  }

  async stat(location: StoreLocation): Promise<{ size: number }> {
    const res = await this.query(location.url, 'HEAD', {});
    await res.body.dump();
    return { size: contentLength(res) ?? 0 };
  }

  async read(location: StoreLocation, range?: ByteRange): Promise<Readable> {
    if (range) checkRangeShape(this.id, range);
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    const res = await this.query(location.url, 'GET', headers);
    if (!range) return res.body;
    if (res.statusCode === 206) {
      const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      const [first, last] = cr ? [Number(cr[1]), Number(cr[2])] : [NaN, NaN];
      if (first !== range.start || !(last >= range.start)) {
        await res.body.dump();
        throw new StoreError(this.id, 'io', `Unexpected Content-Range ${String(res.headers['content-range'])} for bytes ${range.start}-${range.end}`);
      }
      if (last < range.end) {
        await res.body.dump();
        throw invalidRange(this.id, range, cr?.[3] === '*' ? last + 1 : Number(cr?.[3]));
      }
      return last === range.end ? res.body : this.slice(res.body, 0, range.end - range.start + 1, range);
    }
    // The server ignored Range (200): skip and cut locally.
    const size = contentLength(res);
    if (size !== null && range.end >= size) {
      res.body.destroy();
      throw invalidRange(this.id, range, size);
    }
    return this.slice(res.body, range.start, range.end - range.start + 1, range);
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.proxies.values()].map((p) => p.close())]);
  }

  // Bytes [skip, skip+take) of `body`; stops (and closes the connection) once they are read.
  private slice(body: Readable, skip: number, take: number, range: ByteRange): Readable {
    const store = this.id;
    async function* pieces(): AsyncGenerator<Buffer> {
      let pos = 0;
      const end = skip + take;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const from = Math.max(skip - pos, 0);
        const to = Math.min(end - pos, chunk.length);
        if (from < to) yield chunk.subarray(from, to);
        pos += chunk.length;
        if (pos >= end) return;
      }
      throw invalidRange(store, range, pos);
    }
    return Readable.from(pieces(), { objectMode: false });
  }

  private dispatcherFor(url: URL): Dispatcher {
    return this.proxies.get(url.protocol.slice(0, -1).toLowerCase()) ?? this.direct;
  }

  // One exchange, following up to MAX_REDIRECTS redirects, as glance_store's _query.
  private async query(rawUrl: string, method: 'GET' | 'HEAD', extra: Record<string, string>): Promise<Dispatcher.ResponseData> {
    let url = this.parse(rawUrl);
    for (let followed = 0; followed < MAX_REDIRECTS; followed++) {
      const headers: Record<string, string> = { ...extra };
      if (url.username !== '') {
        const user = decodeURIComponent(url.username);
        const pass = decodeURIComponent(url.password);
        headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
        url.username = '';
        url.password = '';
      }
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method, headers,
          dispatcher: this.dispatcherFor(url),
          headersTimeout: this.opts.headersTimeoutMs ?? 60_000,
          bodyTimeout: this.opts.idleTimeoutMs ?? 60_000,
        });
      } catch (err) {
        throw new StoreError(this.id, 'unavailable', undefined, { cause: err, ...(codeOf(err) ? { errno: codeOf(err)! } : {}) });
      }
      if (res.statusCode < 300) return res;
      await res.body.dump();
      if (res.statusCode === 404) throw new StoreError(this.id, 'not_found', 'HTTP datastore could not find image at URI.');
      if (res.statusCode === 416) throw new StoreError(this.id, 'invalid_range', `HTTP URL ${url.pathname} cannot serve ${extra.range ?? 'that range'}`);
      if (res.statusCode >= 400) throw new StoreError(this.id, 'bad_uri', `HTTP URL ${url.pathname} returned a ${res.statusCode} status code.`);
      const target = res.headers.location;
      if ((res.statusCode !== 301 && res.statusCode !== 302) || typeof target !== 'string') {
        throw new StoreError(this.id, 'bad_uri', `The HTTP URL ${url.pathname} attempted to redirect with an invalid ${res.statusCode} status code.`);
      }
      url = this.parse(new URL(target, url).href);
    }
    throw new StoreError(this.id, 'bad_uri', `The HTTP URL exceeded ${MAX_REDIRECTS} maximum redirects.`);
  }

  private parse(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new StoreError(this.id, 'bad_uri', `The Store URI was malformed: ${raw}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StoreError(this.id, 'bad_uri', `The Store URI was malformed: ${raw}`);
    return url;
  }
}

function contentLength(res: Dispatcher.ResponseData): number | null {
  const v = res.headers['content-length'];
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

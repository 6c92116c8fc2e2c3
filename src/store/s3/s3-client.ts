/**
 * A small S3 REST client over undici, signing every request with SigV4 (`sigv4.ts`): the
 * operations the s3 store needs and nothing more. One keep-alive pool per client; connect,
 * response-header and body-idle timeouts on every exchange.
 *
 * Retries: a request whose body can be sent again (none, or a Buffer) is retried on connection
 * failures and on 500/502/503/504 (S3's InternalError / SlowDown / ServiceUnavailable), up to
 * `retries` times with exponential backoff and full jitter. A streamed body is sent once.
 *
 * Payloads: small XML bodies are signed with their SHA-256; object and part bodies are sent as
 * UNSIGNED-PAYLOAD (accepted by AWS and Swift's s3api), so bytes never need a second pass.
 *
 * Errors are `S3Error`s: the HTTP status (0 when no response came) and S3's error `Code`.
 * Credentials never appear in messages.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, amzDate, authorization, canonicalQuery, encodePath } from './sigv4.js';
import { xmlAll, xmlText } from './s3-xml.js';

/** An S3 access key pair. */
export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

/** Client settings. */
export interface S3ClientOptions {
  /** Base URL of the service, `http(s)://host[:port][/path]`. */
  endpoint: string;
  /** SigV4 region. */
  region: string;
  /** `path`: `/bucket/key`; `virtual`: `bucket.host/key`. */
  addressing: 'path' | 'virtual';
  /** PEM CA bundle for https (default: Node's bundled roots). */
  ca?: string;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  keepAliveMs?: number;
  /** Retries of a replayable request (default 3). */
  retries?: number;
  /** First backoff step in ms (default 200; then ×4 each retry, with full jitter). */
  retryBaseMs?: number;
}

/** One request. */
export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  query?: readonly (readonly [string, string])[];
  headers?: Record<string, string>;
  /** A Buffer/string is signed (XML) unless `unsignedBody`; a stream needs `content-length` in headers. */
  body?: Buffer | string | Readable | AsyncIterable<Buffer>;
  /** Send a Buffer body as UNSIGNED-PAYLOAD (object data). */
  unsignedBody?: boolean;
  /** Retries of this request, instead of the client's. */
  retries?: number;
  signal?: AbortSignal;
}

/** An S3 failure: `status` 0 means no HTTP answer (connection or timeout). */
export class S3Error extends Error {
  constructor(readonly status: number, readonly code: string, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'S3Error';
  }
}

const RETRY_STATUS = new Set([500, 502, 503, 504]);

/** The client (see the module comment). */
export class S3Client {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly opts: S3ClientOptions) {
    this.base = new URL(opts.endpoint);
    this.agent = new Agent({
      connect: { timeout: opts.connectTimeoutMs ?? 10_000, ...(opts.ca ? { ca: opts.ca } : {}) },
      keepAliveTimeout: opts.keepAliveMs ?? 30_000,
    });
  }

  /**
   * Sends one signed request and returns the response when its status is below 300 (the body
   * unread). Other statuses are thrown as S3Error (the error body read for its Code).
   */
  async send(req: S3Request, creds: S3Credentials): Promise<Dispatcher.ResponseData> {
    const replayable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    const attempts = replayable ? (req.retries ?? this.opts.retries ?? 3) + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(req, creds);
      } catch (err) {
        const transient = err instanceof S3Error && (err.status === 0 || RETRY_STATUS.has(err.status));
        if (!transient || attempt >= attempts || req.signal?.aborted) throw err;
        const cap = (this.opts.retryBaseMs ?? 200) * 4 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, Math.random() * cap));
      }
    }
  }

  /** Sends a request and reads its whole (small, XML) body as text. */
  async sendText(req: S3Request, creds: S3Credentials): Promise<string> {
    const res = await this.send(req, creds);
    return res.body.text();
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private target(bucket: string, key?: string): { url: string; host: string; path: string } {
    const prefix = this.base.pathname.replace(/\/+$/, '').split('/').filter((s) => s !== '').map(decodeURIComponent);
    const virtual = this.opts.addressing === 'virtual';
    const segments = virtual ? [...prefix, ...(key !== undefined ? [key] : [''])] : [...prefix, bucket, ...(key !== undefined ? [key] : [])];
    const host = virtual ? `${bucket}.${this.base.host}` : this.base.host;
    const path = encodePath(segments);
    return { url: `${this.base.protocol}//${host}${path}`, host, path };
  }

  private async once(req: S3Request, creds: S3Credentials): Promise<Dispatcher.ResponseData> {
    const { url, host, path } = this.target(req.bucket, req.key);
    const body = req.body;
    const payloadHash = body === undefined ? EMPTY_SHA256
      : (typeof body === 'string' || Buffer.isBuffer(body)) && !req.unsignedBody ? createHash('sha256').update(body).digest('hex')
        : UNSIGNED_PAYLOAD;
    const headers: Record<string, string> = {
      ...req.headers,
      host,
      'x-amz-date': amzDate(new Date()),
      'x-amz-content-sha256': payloadHash,
    };
    if (typeof body === 'string' || Buffer.isBuffer(body)) headers['content-length'] = String(Buffer.byteLength(body));
    headers.authorization = authorization(
      { method: req.method, path, query: req.query ?? [], headers, payloadHash },
      { accessKey: creds.accessKey, secretKey: creds.secretKey, region: this.opts.region, service: 's3' },
    );
    const query = canonicalQuery(req.query);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(query === '' ? url : `${url}?${query}`, {
        method: req.method,
        headers,
        body: body as Dispatcher.RequestOptions['body'],
        dispatcher: this.agent,
        headersTimeout: this.opts.headersTimeoutMs ?? 60_000,
        bodyTimeout: this.opts.idleTimeoutMs ?? 60_000,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      throw new S3Error(0, 'NetworkError', `${req.method} ${describe(req)}: ${(err as Error).message}`, { cause: err });
    }
    if (res.statusCode < 300) return res;
    const text = req.method === 'HEAD' ? '' : await res.body.text().catch(() => '');
    if (req.method === 'HEAD') await res.body.dump().catch(() => undefined);
    const code = xmlText(text, 'Code') ?? `HTTP${res.statusCode}`;
    const message = xmlText(text, 'Message') ?? '';
    throw new S3Error(res.statusCode, code, `${req.method} ${describe(req)}: ${res.statusCode} ${code}${message ? ` (${message})` : ''}`);
  }
}

function describe(req: S3Request): string {
  return `${req.bucket}${req.key !== undefined ? `/${req.key}` : ''}`;
}

/** An in-progress multipart upload as ListMultipartUploads reports it. */
export interface S3Upload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** Parses a ListMultipartUploads answer; `next` is set when the listing is truncated. */
export function parseUploads(xml: string): { uploads: S3Upload[]; next: { key: string; uploadId: string } | null } {
  const uploads = xmlAll(xml, 'Upload').map((u) => ({
    key: xmlText(u, 'Key') ?? '',
    uploadId: xmlText(u, 'UploadId') ?? '',
    initiated: new Date(xmlText(u, 'Initiated') ?? 0),
  }));
  const truncated = xmlText(xml, 'IsTruncated') === 'true';
  const next = truncated ? { key: xmlText(xml, 'NextKeyMarker') ?? '', uploadId: xmlText(xml, 'NextUploadIdMarker') ?? '' } : null;
  return { uploads, next };
}

/** Parses a ListObjectsV2 answer: keys with sizes, and the continuation token when truncated. */
export function parseObjects(xml: string): { objects: { key: string; size: number }[]; next: string | null } {
  const objects = xmlAll(xml, 'Contents').map((c) => ({ key: xmlText(c, 'Key') ?? '', size: Number(xmlText(c, 'Size') ?? 0) }));
  return { objects, next: xmlText(xml, 'IsTruncated') === 'true' ? (xmlText(xml, 'NextContinuationToken') ?? null) : null };
}

/** Parses a ListParts answer: part numbers with their last-modified times. */
export function parseParts(xml: string): { partNumber: number; lastModified: Date }[] {
  return xmlAll(xml, 'Part').map((p) => ({ partNumber: Number(xmlText(p, 'PartNumber')), lastModified: new Date(xmlText(p, 'LastModified') ?? 0) }));
}

/**
 * The image-data benchmark's client side: create an image, upload its data streamed from a file,
 * show it, download it into a null sink — over loopback HTTP with undici — and watch the server
 * process through Linux /proc (resident memory, CPU time).
 */
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { nullSink } from './image-data-ceiling.js';

// Uploads are answered only after the last byte is stored and fsynced: allow far longer than any
// bounded run takes, but never wait forever.
const TIMEOUT_MS = 15 * 60_000;
const MIB = 1024 * 1024;

/** A noauth identity (see src/http/plugins/noauth.ts). */
const IDENTITY = { 'x-project-id': 'bench-project', 'x-user-id': 'bench-user', 'x-roles': 'admin,member,reader' };

/** The image fields the benchmark checks. */
export interface ImageRecord {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  disk_format: string | null;
}

/** Writes `size` bytes of `fh` into `req` through two reused buffers, then ends it. */
async function sendFile(req: ClientRequest, fh: FileHandle, size: number): Promise<void> {
  const bufs = [Buffer.allocUnsafe(MIB), Buffer.allocUnsafe(MIB)] as const;
  const flushed: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  for (let off = 0, i: 0 | 1 = 0; off < size; i = i === 0 ? 1 : 0) {
    await flushed[i];
    const buf = bufs[i];
    const { bytesRead } = await fh.read(buf, 0, Math.min(MIB, size - off), off);
    if (bytesRead === 0) throw new Error(`source file ended at ${off} of ${size} bytes`);
    off += bytesRead;
    flushed[i] = new Promise((resolveW, rejectW) => {
      req.write(buf.subarray(0, bytesRead), (err) => (err ? rejectW(err) : resolveW()));
    });
  }
  await Promise.all(flushed);
  req.end();
}

/** A client bound to one server origin, one keep-alive pool for all its requests. */
export class ImageDataClient {
  private readonly agent = new Agent({ connections: 16, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  private readonly httpAgent = new HttpAgent({ keepAlive: true });

  constructor(private readonly origin: string) {}

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.origin}${path}`, {
      method,
      dispatcher: this.agent,
      headers: { ...IDENTITY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Creates a queued raw/bare image. */
  create(name: string): Promise<ImageRecord> {
    return this.json('POST', '/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
  }

  show(id: string): Promise<ImageRecord> {
    return this.json('GET', `/v2/images/${id}`);
  }

  /**
   * `PUT /v2/images/{id}/file` with node:http, streaming the first `size` bytes of `file` through
   * two reused 1 MiB buffers (a buffer is refilled once its previous write has been handed to the
   * kernel), so the client allocates nothing per chunk and its garbage collector stays out of the
   * measurement. Resolves the seconds until the 204.
   */
  async upload(id: string, file: string, size: number): Promise<number> {
    const t0 = performance.now();
    const fh = await open(file, 'r');
    try {
      const res = await new Promise<IncomingMessage>((resolveRes, reject) => {
        const req = httpRequest(`${this.origin}/v2/images/${id}/file`, {
          method: 'PUT',
          agent: this.httpAgent,
          headers: { ...IDENTITY, 'content-type': 'application/octet-stream', 'content-length': String(size) },
        }, resolveRes);
        req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`upload of ${id} timed out`)));
        req.on('error', reject);
        // An early answer (an error status) ends the request; a failed pump is then moot.
        sendFile(req, fh, size).catch((err: Error) => req.destroy(err));
      });
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const seconds = (performance.now() - t0) / 1000;
      if (res.statusCode !== 204) throw new Error(`upload of ${id}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`);
      return seconds;
    } finally {
      await fh.close();
    }
  }

  /**
   * `GET /v2/images/{id}/file` with the thinnest client Node has: one socket whose reads land in a
   * single reused buffer (net's `onread`), the response head parsed by hand, the body counted and
   * dropped — Node's `curl -o /dev/null`, so the figure is the server's rather than a JS HTTP
   * client's. Throws unless the status is 200, `Content-MD5` is `checksum` and exactly
   * Content-Length bytes arrive.
   */
  rawDownload(id: string, checksum: string): Promise<{ seconds: number; bytes: number }> {
    const { hostname, port } = new URL(this.origin);
    const head = [
      `GET /v2/images/${id}/file HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close',
      ...Object.entries(IDENTITY).map(([k, v]) => `${k}: ${v}`), '', '',
    ].join('\r\n');
    return new Promise((resolveDl, reject) => {
      const t0 = performance.now();
      let headBytes: Buffer | null = Buffer.alloc(0);
      let expected = -1;
      let bytes = 0;
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (err) reject(err);
        else resolveDl({ seconds: (performance.now() - t0) / 1000, bytes });
      };
      const body = (n: number): void => {
        bytes += n;
        if (bytes > expected) settle(new Error(`download of ${id}: more than the ${expected} bytes announced`));
        else if (bytes === expected) settle(null);
      };
      const onHead = (text: string): void => {
        const [status, ...lines] = text.split('\r\n');
        const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        if (!/^HTTP\/1\.1 200 /.test(status ?? '')) throw new Error(`download of ${id}: ${status}`);
        if (headers.get('content-md5') !== checksum) throw new Error(`download of ${id}: Content-MD5 ${headers.get('content-md5')}, expected ${checksum}`);
        expected = Number(headers.get('content-length'));
        if (!Number.isSafeInteger(expected)) throw new Error(`download of ${id}: no Content-Length`);
      };
      const socket = connect({
        host: hostname,
        port: Number(port),
        onread: {
          buffer: Buffer.allocUnsafe(256 * 1024),
          callback: (n: number, buf: Uint8Array): boolean => {
            if (settled) return false;
            if (headBytes === null) {
              body(n);
              return true;
            }
            headBytes = Buffer.concat([headBytes, buf.subarray(0, n)]);
            const end = headBytes.indexOf('\r\n\r\n');
            if (end < 0) return true;
            try {
              onHead(headBytes.subarray(0, end).toString('latin1'));
            } catch (err) {
              settle(err as Error);
              return false;
            }
            const rest = headBytes.length - end - 4;
            headBytes = null;
            if (rest > 0 || expected === 0) body(rest);
            return true;
          },
        },
      });
      socket.setTimeout(TIMEOUT_MS, () => settle(new Error(`download of ${id} timed out`)));
      socket.on('error', (err) => settle(err));
      socket.on('end', () => settle(new Error(`download of ${id}: connection closed after ${bytes} of ${expected} bytes`)));
      socket.write(head);
    });
  }

  /**
   * `GET /v2/images/{id}/file` with undici into a null sink (a typical JS client); resolves the seconds until the last byte and the
   * byte count. Throws unless the status is 200 and `Content-MD5` is `checksum`.
   */
  async download(id: string, checksum: string): Promise<{ seconds: number; bytes: number }> {
    const t0 = performance.now();
    const res = await request(`${this.origin}/v2/images/${id}/file`, { method: 'GET', dispatcher: this.agent, headers: IDENTITY });
    if (res.statusCode !== 200) throw new Error(`download of ${id}: ${res.statusCode} ${await res.body.text()}`);
    if (res.headers['content-md5'] !== checksum) throw new Error(`download of ${id}: Content-MD5 ${String(res.headers['content-md5'])}, expected ${checksum}`);
    const sink = nullSink();
    await pipeline(res.body, sink);
    return { seconds: (performance.now() - t0) / 1000, bytes: sink.bytes };
  }

  /** Deletes the image (and its data). */
  async delete(id: string): Promise<void> {
    const res = await request(`${this.origin}/v2/images/${id}`, { method: 'DELETE', dispatcher: this.agent, headers: IDENTITY });
    await res.body.dump();
    if (res.statusCode !== 204) throw new Error(`DELETE ${id}: ${res.statusCode}`);
  }

  close(): Promise<void> {
    this.httpAgent.destroy();
    return this.agent.close();
  }
}

function procStatusKiB(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` now, MiB (NaN off Linux). */
export function rssMiB(pid: number): number {
  return procStatusKiB(pid, 'VmRSS') / 1024;
}

/** Peak resident set size of `pid` over its whole life (VmHWM), MiB (NaN off Linux). */
export function peakRssMiB(pid: number): number {
  return procStatusKiB(pid, 'VmHWM') / 1024;
}

/** CPU seconds (user + system, all threads) `pid` has used so far (NaN off Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

/** Polls `pid`'s VmRSS every `everyMs` until stopped; `stop()` returns the peak seen, MiB. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    const now = rssMiB(pid);
    if (now > peak) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB(pid));
    },
  };
}

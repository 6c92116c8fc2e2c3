/**
 * A real local HTTP server for the http store tests: serves the files of a directory (GET and
 * HEAD, single `Range: bytes=a-b`, 206/416), and a few special paths:
 * `/redirect/<n>/<name>` (302 chains), `/status/<code>`, `/basic/<name>` (requires
 * `Authorization: Basic dXNlcjpwYXNz`, i.e. user:pass). With `ignoreRange` it answers every
 * request with 200 and the whole file, like servers that do not support ranges.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A running file server. */
export interface FileServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Request lines and Range headers seen, in order. */
  log: Array<{ method: string; url: string; range: string | undefined }>;
  close(): Promise<void>;
}

async function serveFile(dir: string, name: string, req: IncomingMessage, res: ServerResponse, ignoreRange: boolean): Promise<void> {
  const path = join(dir, name);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = req.headers.range;
  if (range !== undefined && !ignoreRange) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const s = m ? Number(m[1]) : NaN;
    const e = m && m[2] !== '' ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (!m || s >= size || s > e) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    [start, end, status] = [s, e, 206];
  }
  const headers: Record<string, string | number> = { 'content-length': size === 0 ? 0 : end - start + 1, 'accept-ranges': ignoreRange ? 'none' : 'bytes' };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) { res.end(); return; }
  createReadStream(path, { start, end }).pipe(res);
}

/** Starts the server on an ephemeral port of 127.0.0.1. */
export async function startFileServer(dir: string, opts: { ignoreRange?: boolean } = {}): Promise<FileServer> {
  const log: FileServer['log'] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    log.push({ method: req.method ?? '', url, range: req.headers.range });
    let m: RegExpExecArray | null;
    if ((m = /^\/redirect\/(\d+)\/(.+)$/.exec(url))) {
      const n = Number(m[1]);
      res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}/${m[2]}` : `/${m[2]}` }).end();
    } else if ((m = /^\/status\/(\d+)$/.exec(url))) {
      res.writeHead(Number(m[1]), { 'content-type': 'text/plain' }).end('status page');
    } else if ((m = /^\/basic\/(.+)$/.exec(url))) {
      if (req.headers.authorization !== `Basic ${Buffer.from('user:pass').toString('base64')}`) res.writeHead(401).end();
      else void serveFile(dir, m[1]!, req, res, opts.ignoreRange ?? false);
    } else {
      void serveFile(dir, decodeURIComponent(url.slice(1)), req, res, opts.ignoreRange ?? false);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

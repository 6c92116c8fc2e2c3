/**
 * A local web server holding the image data the location tests point at (the `http` store reads
 * it): `/small.img` (16 KiB), `/big.img` (HEAD only: a 2 MiB Content-Length, for storage-quota
 * refusals), `/flaky.img` (its first GET is cut mid-body, later ones succeed: the hashing
 * retries), and 404 for anything else. It counts requests by method and path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The running server. */
export interface WebImages {
  url(path: string): string;
  port: number;
  small: Buffer;
  flaky: Buffer;
  /** Requests seen, as `METHOD /path`. */
  seen: string[];
  close(): Promise<void>;
}

/** Hex digest of `data` under a node:crypto algorithm name. */
export const digest = (algo: string, data: Buffer): string => createHash(algo).update(data).digest('hex');

/** Starts the server on a free port of 127.0.0.1. */
export async function startWebImages(): Promise<WebImages> {
  const small = randomBytes(16 * 1024);
  const flaky = randomBytes(64 * 1024);
  const seen: string[] = [];
  let flakyGets = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    seen.push(`${req.method} ${path}`);
    const send = (data: Buffer) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(req.method === 'HEAD' ? undefined : data);
    };
    if (path === '/small.img') return send(small);
    if (path === '/big.img') {
      res.writeHead(200, { 'content-length': 2 * 1024 * 1024 });
      return res.end();
    }
    if (path === '/flaky.img') {
      if (req.method === 'GET' && flakyGets++ === 0) {
        res.writeHead(200, { 'content-length': flaky.length });
        res.write(flaky.subarray(0, 1000));
        setTimeout(() => res.destroy(), 20);
        return undefined;
      }
      return send(flaky);
    }
    res.writeHead(404, { 'content-length': 0 });
    return res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    port,
    small,
    flaky,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

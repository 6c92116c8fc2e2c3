/**
 * A fault-injecting HTTP proxy in front of a real server, for the failures a remote store must
 * survive or clean up after: an error status instead of the server's answer, or a connection
 * reset. Requests go through unchanged (the Host header included, so SigV4 signatures stay
 * valid); a `decide` hook picks, per request, what happens instead.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type Fault = 'pass' | 'reset' | { status: number; code: string };

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request seen, as `METHOD path?query`, with the fault applied. */
  seen: { line: string; fault: Fault }[];
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port`); `decide` sees each request line in turn. */
export async function startFaultProxy(target: { host: string; port: number }, decide: (method: string, url: string) => Fault): Promise<FaultProxy> {
  const seen: FaultProxy['seen'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const fault = decide(req.method ?? 'GET', req.url ?? '/');
    seen.push({ line: `${req.method} ${req.url}`, fault });
    if (fault === 'reset') { req.socket.destroy(); return; }
    if (fault !== 'pass') {
      // Read the body first, so the client sees an answer rather than a broken pipe.
      req.resume();
      req.on('end', () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`;
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      });
      return;
    }
    // One connection per request: s3api answers some HEADs with a body, which would poison a
    // kept-alive connection (undici closes after every HEAD for the same reason).
    const upstream = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false, insecureHTTPParser: true }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (req.method === 'HEAD') { res.end(); up.destroy(); return; }
      up.pipe(res);
    });
    upstream.on('error', () => { if (!res.headersSent) res.destroy(); });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

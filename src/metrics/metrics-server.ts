/**
 * The Prometheus scrape endpoint: a plain `node:http` server on its own address (never the API
 * port, no authentication, no fastify hooks), answering `GET`/`HEAD <path>` with the exposition
 * text, 404 on any other path and 405 on other methods.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/** Where the endpoint listens and what it serves. */
export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The scrape path, e.g. `/metrics`; the query string is ignored. */
  path: string;
  /** Produces the exposition text at each scrape. */
  expose: () => string;
  logger: Logger;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A listening metrics endpoint. */
export class MetricsServer {
  private constructor(private readonly server: Server, readonly host: string, readonly port: number) {}

  /**
   * Starts listening; rejects with the listen error (EADDRINUSE, EACCES) so a misconfigured
   * endpoint stops start-up. The socket is the process's own even in a cluster worker
   * (`exclusive`), so each worker answers for itself on its own port.
   */
  static async start(opts: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => answer(req, res, opts));
    // A scraper holds at most one idle connection; do not let it linger past a typical interval.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.host, port: opts.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    opts.logger.info({ host: opts.host, port, path: opts.path }, 'metrics endpoint listening');
    return new MetricsServer(server, opts.host, port);
  }

  /** The scrape URL (for logs and tests). */
  url(path: string): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}${path}`;
  }

  /** Stops listening and closes idle and open scrape connections. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function answer(req: IncomingMessage, res: ServerResponse, opts: MetricsServerOptions): void {
  const path = (req.url ?? '/').split('?')[0];
  // A scrape has no body; anything sent is read and dropped so the connection stays usable.
  req.resume();
  if (path !== opts.path) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
    return;
  }
  let body: string;
  try {
    body = opts.expose();
  } catch (err) {
    opts.logger.error({ err }, 'rendering metrics failed');
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error\n');
    return;
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Shared fixtures of the HTTP tests: a server built from literal config slices with a silent
 * logger, and a reader for the recorded Glance exchanges in `../shared/ref` beside the checkout.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { ServerConfig, VersionsConfig } from '../../src/config/slices.js';
import { buildServer, type RouteRegistrar } from '../../src/http/server.js';
import { repoPath } from '../support/repo-root.js';

/** Where the recorded exchanges live (overridable for other checkouts). */
export const REF_DIR = process.env.GLANCE_REF_DIR ?? repoPath('..', 'shared', 'ref');

/** Glance's defaults for the server slice, embedded-style. */
export function serverConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    bindHost: '127.0.0.1', bindPort: 0, workers: 0, backlog: 4096, clientSocketTimeout: 900,
    maxHeaderLine: 16384, httpKeepalive: true, tcpKeepidle: 600, publicEndpoint: null,
    maxRequestIdLength: 64, pasteFlavor: null, shutdownTimeout: 60, ...overrides,
  };
}

/** Builds a ready (not listening) server with the given routes and slice overrides. */
export async function testServer(opts: {
  routes?: RouteRegistrar[];
  server?: Partial<ServerConfig>;
  versions?: Partial<VersionsConfig>;
  bodyLimit?: number;
} = {}): Promise<FastifyInstance> {
  return buildServer({
    server: serverConfig(opts.server),
    versions: { multistore: false, cacheEnabled: false, publicEndpoint: null, ...opts.versions },
    logger: pino({ level: 'silent' }),
    routes: opts.routes ?? [],
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
  });
}

/** One recorded exchange: request line and headers, response status, headers and exact body. */
export interface RefExchange {
  method: string;
  path: string;
  requestHeaders: Record<string, string>;
  status: number;
  headers: Record<string, string>;
  body: string;
}

function headerBlock(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return out;
}

/**
 * Parses `<REF_DIR>/<name>`. The response body is cut to its Content-Length (the recorder
 * appends a newline after it), so it is byte-exact.
 */
export function readRef(name: string): RefExchange {
  const text = readFileSync(`${REF_DIR}/${name}`, 'utf8');
  const [reqPart, resPart] = text.split('### RESPONSE\n') as [string, string];
  const reqLines = reqPart.replace('### REQUEST\n', '').split('\n');
  const [method, path] = reqLines[0]!.split(' ') as [string, string];
  const reqEnd = reqLines.indexOf('');
  const sep = resPart.indexOf('\n\n');
  const head = resPart.slice(0, sep).split('\n');
  const headers = headerBlock(head.slice(1));
  const bodyBytes = Buffer.from(resPart.slice(sep + 2), 'utf8');
  const length = Number(headers['content-length'] ?? bodyBytes.length);
  return {
    method, path,
    requestHeaders: headerBlock(reqLines.slice(1, reqEnd === -1 ? undefined : reqEnd)),
    status: Number(head[0]!.split(' ')[1]),
    headers,
    body: bodyBytes.subarray(0, length).toString('utf8'),
  };
}

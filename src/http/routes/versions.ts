/**
 * The versions document (`GET /`, `GET /versions`, any unknown version prefix). Glance answers it
 * from its negotiation middleware, before routing and authentication, for every method; so does
 * this hook, using the outcome recorded by `plugins/version-negotiation.ts`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VersionsConfig } from '../../config/slices.js';
import type { VersionNegotiator } from '../plugins/version-negotiation.js';
import { pyJson } from '../py-json.js';

/** One entry of the versions document. */
export interface VersionEntry {
  id: string;
  status: 'CURRENT' | 'SUPPORTED';
  links: Array<{ rel: 'self'; href: string }>;
}

/**
 * The version list in Glance Zed's construction order (not sorted): with the cache 2.16 CURRENT,
 * 2.15, 2.14, else 2.15 CURRENT; then 2.13–2.8 with multistore, else 2.9; then 2.7 … 2.0.
 * `baseUrl` is the service root; every link is `<baseUrl>/v2/`.
 */
export function buildVersionsDocument(cfg: Pick<VersionsConfig, 'multistore' | 'cacheEnabled'>, baseUrl: string): { versions: VersionEntry[] } {
  const href = `${baseUrl.replace(/\/+$/, '')}/v2/`;
  const entry = (id: string, status: VersionEntry['status'] = 'SUPPORTED'): VersionEntry =>
    ({ id: `v${id}`, status, links: [{ rel: 'self', href }] });
  const versions = cfg.cacheEnabled
    ? [entry('2.16', 'CURRENT'), entry('2.15'), entry('2.14')]
    : [entry('2.15', 'CURRENT')];
  if (cfg.multistore) versions.push(...['2.13', '2.12', '2.11', '2.10', '2.9', '2.8'].map((v) => entry(v)));
  else versions.push(entry('2.9'));
  versions.push(...['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v) => entry(v)));
  return { versions };
}

/** The service root as the client reached it: `public_endpoint`, else scheme and Host header. */
export function requestBaseUrl(request: FastifyRequest, publicEndpoint: string | null): string {
  if (publicEndpoint) return publicEndpoint;
  let host = request.headers.host;
  if (!host) {
    // HTTP/1.0 without Host: WebOb falls back to the server's own address.
    const sock = request.raw.socket;
    const addr = sock.localAddress ?? '127.0.0.1';
    host = `${addr.includes(':') ? `[${addr}]` : addr}:${sock.localPort ?? 80}`;
  }
  return `${request.protocol}://${host}`;
}

/**
 * Registers the hook that answers versions outcomes: 200 for `/versions`, 300 Multiple Choices
 * otherwise, `application/json` in Python's JSON layout. Runs as an `onRequest` hook so that no
 * body is parsed and no authentication is required, as in Glance.
 */
export function versionsRoutes(app: FastifyInstance, deps: { config: VersionsConfig; negotiator: VersionNegotiator }): void {
  app.addHook('onRequest', async (request, reply) => {
    const outcome = deps.negotiator.outcomeOf(request.raw);
    if (outcome.kind !== 'versions') return;
    const doc = buildVersionsDocument(deps.config, requestBaseUrl(request, deps.config.publicEndpoint));
    reply.code(outcome.explicit ? 200 : 300).header('content-type', 'application/json').send(pyJson(doc));
    return reply;
  });
}

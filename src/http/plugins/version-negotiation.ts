/**
 * Glance's version negotiation, done before routing: a request names an API version either with
 * a path prefix (`/v2.3/images`) or with `Accept: application/vnd.openstack.images-v2.3`. A known
 * version is rewritten to the single internal router under `/v2`; `/versions` and anything with
 * an unknown or missing version are answered with the versions document instead (see
 * `routes/versions.ts`). Which prefixes are known depends on multistore and the image cache.
 */
import type { IncomingMessage } from 'node:http';
import type { VersionsConfig } from '../../config/slices.js';

/** What negotiation decided for one request. */
export type NegotiationOutcome =
  | { kind: 'route' }
  | { kind: 'versions'; explicit: boolean };

const VENDOR_MEDIA_TYPE = 'application/vnd.openstack.images-';

/**
 * The version tokens accepted as a path prefix or vendor media type suffix: `v2`, `v2.0`–`v2.7`,
 * `v2.9`, `v2.15` always; `v2.8`, `v2.10`–`v2.13` with multistore; `v2.14`, `v2.16` with the cache.
 */
export function acceptedVersions(cfg: Pick<VersionsConfig, 'multistore' | 'cacheEnabled'>): Set<string> {
  const out = ['v2', 'v2.0', 'v2.1', 'v2.2', 'v2.3', 'v2.4', 'v2.5', 'v2.6', 'v2.7', 'v2.9', 'v2.15'];
  if (cfg.cacheEnabled) out.push('v2.14', 'v2.16');
  if (cfg.multistore) out.push('v2.8', 'v2.10', 'v2.11', 'v2.12', 'v2.13');
  return new Set(out);
}

/**
 * Decides one request. `url` is the raw request target (path and query), `accept` the raw
 * Accept header. Returns the URL to route (`/v2/...`, query kept) or a versions outcome:
 * explicit (200) for a first path segment of `versions`, choices (300) otherwise.
 */
export function negotiate(url: string, accept: string | undefined, accepted: Set<string>): { url: string; outcome: NegotiationOutcome } {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const first = slash === -1 ? trimmed : trimmed.slice(0, slash);
  if (first === 'versions') return { url, outcome: { kind: 'versions', explicit: true } };

  // Glance compares the whole Accept value after the vendor prefix, so a list never matches.
  if (accept !== undefined && accept.startsWith(VENDOR_MEDIA_TYPE)) {
    const version = accept.slice(VENDOR_MEDIA_TYPE.length);
    if (accepted.has(version)) return { url: `/v2${path}${query}`, outcome: { kind: 'route' } };
    return { url, outcome: { kind: 'versions', explicit: false } };
  }
  if (accepted.has(first)) {
    const rest = slash === -1 ? '' : trimmed.slice(slash);
    return { url: `/v2${rest}${query}`, outcome: { kind: 'route' } };
  }
  return { url, outcome: { kind: 'versions', explicit: false } };
}

/** Per-server negotiation state: the fastify `rewriteUrl` hook and a lookup of its outcomes. */
export interface VersionNegotiator {
  /** For fastify's `rewriteUrl` option: returns the URL to route and remembers the outcome. */
  rewriteUrl(req: IncomingMessage): string;
  /** The outcome recorded for `req` by `rewriteUrl` (`route` when none was recorded). */
  outcomeOf(req: IncomingMessage): NegotiationOutcome;
}

/** Builds the negotiator for one server from its versions slice. */
export function createVersionNegotiator(cfg: VersionsConfig): VersionNegotiator {
  const accepted = acceptedVersions(cfg);
  // Keyed by the raw request so nothing outlives it and no module state is shared between servers.
  const outcomes = new WeakMap<IncomingMessage, NegotiationOutcome>();
  return {
    rewriteUrl(req) {
      const accept = req.headers.accept;
      const { url, outcome } = negotiate(req.url ?? '/', accept, accepted);
      if (outcome.kind !== 'route') outcomes.set(req, outcome);
      return url;
    },
    outcomeOf(req) {
      return outcomes.get(req) ?? { kind: 'route' };
    },
  };
}

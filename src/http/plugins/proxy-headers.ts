/**
 * oslo.middleware's `http_proxy_to_wsgi`: with `[oslo_middleware] enable_proxy_headers_parsing`
 * the scheme and host a TLS-terminating proxy received are taken from its headers, so the
 * absolute URLs the API builds (versions links, the `Location` of a created image) point at the
 * proxy instead of the backend. The RFC 7239 `Forwarded` header wins (its first element, i.e.
 * the proxy nearest the client); without it `X-Forwarded-Proto` and `X-Forwarded-Host` are used.
 * `[DEFAULT] public_endpoint` still overrides both, since URL building prefers it.
 *
 * Off by default: otherwise any client could make the API hand out links to a host it chose.
 * Values that are not a plain scheme or `host[:port]` are ignored rather than echoed into URLs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProxyHeadersConfig } from '../../config/middleware-slice.js';

/** The scheme and host a proxy reports; each null when it reports none (or an unusable one). */
export interface ForwardedTarget {
  proto: string | null;
  host: string | null;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// A DNS name or IPv4 address, or a bracketed IPv6 literal, optionally with a port.
const HOST = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// Several proxies append to one header: the first entry is the one facing the client.
function firstEntry(value: string | undefined): string | undefined {
  return value?.split(',')[0]?.trim();
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/**
 * Parses the first element of an RFC 7239 `Forwarded` value into its lower-cased parameters
 * (`for`, `by`, `host`, `proto`), quotes removed.
 */
export function parseForwarded(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Commas separate proxies; a quoted value may contain one, so split outside quotes only.
  const first = /^(?:[^,"]|"(?:[^"\\]|\\.)*")*/.exec(value)?.[0] ?? '';
  for (const pair of first.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    out[pair.slice(0, eq).trim().toLowerCase()] = unquote(pair.slice(eq + 1).trim());
  }
  return out;
}

/** What the proxy headers of `request` say, validated; `Forwarded` (when present) replaces the X- headers. */
export function forwardedTarget(request: FastifyRequest): ForwardedTarget {
  const forwarded = header(request, 'forwarded');
  let proto: string | undefined;
  let host: string | undefined;
  if (forwarded) {
    const params = parseForwarded(forwarded);
    proto = params.proto;
    host = params.host;
  } else {
    proto = firstEntry(header(request, 'x-forwarded-proto'));
    host = firstEntry(header(request, 'x-forwarded-host'));
  }
  return {
    proto: proto && SCHEME.test(proto) ? proto.toLowerCase() : null,
    host: host && HOST.test(host) ? host : null,
  };
}

/**
 * Registers the `onRequest` hook (after the healthcheck, before URL-building code runs) that
 * rewrites the request's Host header and `protocol` from the proxy headers. Does nothing
 * when disabled.
 */
export function proxyHeadersPlugin(app: FastifyInstance, cfg: ProxyHeadersConfig): void {
  if (!cfg.enabled) return;
  app.addHook('onRequest', async (request) => {
    const { proto, host } = forwardedTarget(request);
    // As the WSGI middleware rewrites HTTP_HOST and wsgi.url_scheme for everything behind it.
    if (host !== null) request.raw.headers.host = host;
    // `protocol` is a getter on fastify's Request prototype; an own property shadows it for this request only.
    if (proto !== null) Object.defineProperty(request, 'protocol', { value: proto, configurable: true, enumerable: true });
  });
}

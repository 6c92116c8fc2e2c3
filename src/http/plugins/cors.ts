/**
 * oslo.middleware's CORS filter, the outermost filter of Glance's pipeline. For an `Origin` in
 * `allowed_origin` (or any origin when it lists `*`):
 * - an actual request's response (errors included) gets `Vary: Origin` (appended to an existing
 *   Vary), `Access-Control-Allow-Origin`, `Access-Control-Allow-Credentials: true` when allowed,
 *   and `Access-Control-Expose-Headers` when any are configured;
 * - a preflight (`OPTIONS` with `Access-Control-Request-Method` among `allow_methods`, every
 *   `Access-Control-Request-Headers` entry among `allow_headers` or the simple headers,
 *   compared case-insensitively) gets `Vary`, `-Allow-Origin`, `-Allow-Credentials`,
 *   `-Max-Age` (when non-zero), `-Allow-Methods` (the requested method) and `-Allow-Headers`
 *   (the requested headers as sent).
 * Anything else gets no CORS header at all.
 *
 * In Glance every OPTIONS request is passed to the API, whose non-2xx answer (401, 404, 405,
 * 501) the filter replaces with an empty 200. The API never answers OPTIONS with a 2xx, so here
 * OPTIONS is answered with that empty 200 at once, before authentication; only an earlier
 * answerer (the healthcheck) is kept, unless it failed. This holds whether or not any origin is
 * configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CorsConfig } from '../../config/middleware-slice.js';

// oslo's CORS.simple_headers: always allowed in a preflight.
const SIMPLE_HEADERS = ['Accept', 'Accept-Language', 'Content-Type', 'Cache-Control', 'Content-Language', 'Expires', 'Last-Modified', 'Pragma'];

function firstHeader(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function splitValues(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/** The origin to echo for `origin` (`*` when only the wildcard admits it), or null when refused. */
function matchOrigin(cfg: CorsConfig, origin: string | undefined): string | null {
  if (origin === undefined) return null;
  if (cfg.allowedOrigins.includes(origin)) return origin;
  return cfg.allowedOrigins.includes('*') ? '*' : null;
}

function preflightHeaders(cfg: CorsConfig, request: FastifyRequest, reply: FastifyReply): void {
  const origin = matchOrigin(cfg, firstHeader(request, 'origin'));
  const method = firstHeader(request, 'access-control-request-method');
  if (origin === null || method === undefined) return;
  if (!cfg.allowMethods.includes(method)) return;
  const requested = splitValues(firstHeader(request, 'access-control-request-headers'));
  const permitted = new Set([...cfg.allowHeaders, ...SIMPLE_HEADERS].map((h) => h.toUpperCase()));
  if (requested.some((h) => !permitted.has(h.toUpperCase()))) return;
  reply.header('vary', 'Origin');
  reply.header('access-control-allow-origin', origin);
  if (cfg.allowCredentials) reply.header('access-control-allow-credentials', 'true');
  if (cfg.maxAge) reply.header('access-control-max-age', String(cfg.maxAge));
  reply.header('access-control-allow-methods', method);
  if (requested.length > 0) reply.header('access-control-allow-headers', requested.join(','));
}

function requestHeaders(cfg: CorsConfig, request: FastifyRequest, reply: FastifyReply): void {
  const origin = matchOrigin(cfg, firstHeader(request, 'origin'));
  if (origin === null) return;
  const vary = reply.getHeader('vary');
  reply.header('vary', vary === undefined ? 'Origin' : `${String(vary)},Origin`);
  reply.header('access-control-allow-origin', origin);
  if (cfg.allowCredentials) reply.header('access-control-allow-credentials', 'true');
  if (cfg.exposeHeaders.length > 0) reply.header('access-control-expose-headers', cfg.exposeHeaders.join(','));
}

/**
 * Registers the OPTIONS answer (`onRequest`; register it after the healthcheck and before every
 * other hook) and the header decoration (`onSend`).
 */
export function corsPlugin(app: FastifyInstance, cfg: CorsConfig): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS') return;
    reply.code(200).header('content-length', '0');
    return reply.send();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'OPTIONS' && (reply.statusCode < 200 || reply.statusCode >= 300)) {
      // oslo replaces the failed answer with a fresh, empty one.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      reply.code(200).header('content-length', '0');
      reply.raw.statusMessage = 'OK';
      payload = '';
    }
    // Something closer to the API already answered for CORS: it knows better (oslo's precheck).
    if (cfg.allowedOrigins.length === 0 || reply.hasHeader('access-control-allow-origin')) return payload;
    if (request.method === 'OPTIONS') preflightHeaders(cfg, request, reply);
    else requestHeaders(cfg, request, reply);
    return payload;
  });
}

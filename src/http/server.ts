/**
 * Builds the fastify server of the Image API: socket and body limits from the server slice,
 * WebOb-compatible errors, request ids, version negotiation, authentication, the unrouted-request
 * answers (404/405/501) and the route files. No listening happens here (see `main.ts`).
 */
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { RequestMetrics } from '../metrics/glance-metrics.js';
import type { ServerConfig, VersionsConfig } from '../config/slices.js';
import { isKeystoneFlavor } from '../config/keystone-auth-slice.js';
import { isCachingFlavor } from '../config/image-cache-slice.js';
import { registerBodyParsers } from './body-parsers.js';
import { clientErrorResponse, installErrorHandler } from './errors.js';
import type { CorsConfig, ProxyHeadersConfig } from '../config/middleware-slice.js';
import { corsPlugin } from './plugins/cors.js';
import { healthcheckPlugin, type HealthcheckDeps } from './plugins/healthcheck.js';
import { proxyHeadersPlugin } from './plugins/proxy-headers.js';
import { keystoneAuthPlugin, type KeystoneAuthPluginDeps } from './plugins/keystone-auth.js';
import { noauthPlugin } from './plugins/noauth.js';
import { notFoundPlugin } from './plugins/not-found.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { createRequestIdGenerator, requestIdPlugin } from './plugins/request-id.js';
import { createVersionNegotiator } from './plugins/version-negotiation.js';
import { pyJson } from './py-json.js';
import { versionsRoutes } from './routes/versions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The identity the request runs as, set by the auth plugin before any route runs. */
    ctx: RequestContext;
  }
}

/** A route file's entry point: adds its routes (and scoped hooks) to the given instance. */
export type RouteRegistrar = (app: FastifyInstance) => void | Promise<void>;

/** Everything `buildServer` needs; built by `app.ts`. */
export interface ServerDeps {
  server: ServerConfig;
  versions: VersionsConfig;
  logger: Logger;
  /** Route files, registered in order after every plugin; each gets its own encapsulated scope. */
  routes?: RouteRegistrar[];
  /** Largest non-streamed (JSON) request body in bytes; default 8 MiB. */
  bodyLimit?: number;
  /** Keystone authentication; required when `[paste_deploy] flavor` is a keystone flavor. */
  keystoneAuth?: KeystoneAuthPluginDeps;
  /** HTTP request metrics; absent when the metrics endpoint is disabled. */
  metrics?: RequestMetrics;
  /** `[healthcheck]` and its detailed-mode probes; absent: no health endpoint. */
  healthcheck?: Omit<HealthcheckDeps, 'logger'>;
  /** `[cors]`; absent: no CORS filter (OPTIONS then gets the router's 405/501). */
  cors?: CorsConfig;
  /** `[oslo_middleware] enable_proxy_headers_parsing`; absent: proxy headers ignored. */
  proxyHeaders?: ProxyHeadersConfig;
}

/** Raised for configurations the server refuses to start with. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * Throws StartupError for server settings glance-ts cannot honour; `buildServer` calls it, and
 * callers may call it earlier to fail before opening the database or forking workers.
 * Today: a `[paste_deploy] flavor` other than Glance's `keystone`, `keystone+caching`,
 * `keystone+cachemanagement`, `caching` or `cachemanagement` (the last two unauthenticated with
 * the image cache); silently running unauthenticated instead of an unknown flavor would be worse.
 */
export function checkServerConfig(cfg: ServerConfig): void {
  const flavor = cfg.pasteFlavor;
  if (flavor !== null && flavor.trim() !== '' && !isKeystoneFlavor(flavor) && !isCachingFlavor(flavor)) {
    throw new StartupError(
      `[paste_deploy] flavor = ${flavor}: glance-ts supports the flavors keystone, keystone+caching, ` +
      'keystone+cachemanagement, caching and cachemanagement. Use flavor = keystone, or remove the option to run the API ' +
      'unauthenticated (trusted networks only).',
    );
  }
}

/**
 * Creates and readies the server (not listening). Throws StartupError as `checkServerConfig`.
 * HEAD is not derived from GET routes (Glance answers 405 to HEAD on GET-only paths); JSON
 * objects sent by routes are serialised as Python's `json.dumps` with `application/json`.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const cfg = deps.server;
  checkServerConfig(cfg);
  const negotiator = createVersionNegotiator(deps.versions);
  const socketTimeoutMs = cfg.clientSocketTimeout > 0 ? cfg.clientSocketTimeout * 1000 : 0;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: createRequestIdGenerator(cfg.maxRequestIdLength),
    rewriteUrl: (req) => negotiator.rewriteUrl(req),
    // Uploads may take hours: no whole-request deadline, only an idle-socket one.
    requestTimeout: 0,
    connectionTimeout: socketTimeoutMs,
    // eventlet keeps an idle keep-alive connection until client_socket_timeout.
    keepAliveTimeout: socketTimeoutMs > 0 ? socketTimeoutMs : 72_000,
    // Node limits the whole header block, not each line; the per-line option is the closest knob.
    http: { maxHeaderSize: Math.max(cfg.maxHeaderLine, 1024) },
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    exposeHeadRoutes: false,
    // Path segments such as a tag (up to 255 characters, percent-encoded up to 3x) must not hit
    // fastify's 100-character default (414); eventlet bounds the whole request line at 8 KiB.
    routerOptions: { maxParamLength: 8192 },
    // Requests already on an open connection during shutdown are still served (then closed).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(err.code));
      socket.destroy(err);
    },
  });

  app.server.on('connection', (socket: Socket) => {
    if (cfg.tcpKeepidle > 0) socket.setKeepAlive(true, cfg.tcpKeepidle * 1000);
  });
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.setReplySerializer((payload) => pyJson(payload));

  installErrorHandler(app);
  registerBodyParsers(app, { bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT });
  // onRequest hooks run in this order: completion log, 431 check, versions document, identity,
  // unrouted answers.
  requestLogPlugin(app, deps.metrics ? { metrics: deps.metrics } : {});
  // Glance's paste filters, before everything of the API: the healthcheck answers its path (for
  // OPTIONS too; Glance's outer cors filter keeps that answer), cors every other OPTIONS, then
  // http_proxy_to_wsgi rewrites scheme and host.
  if (deps.healthcheck) healthcheckPlugin(app, { ...deps.healthcheck, logger: deps.logger });
  if (deps.cors) corsPlugin(app, deps.cors);
  if (deps.proxyHeaders) proxyHeadersPlugin(app, deps.proxyHeaders);
  requestIdPlugin(app, { maxRequestIdLength: cfg.maxRequestIdLength });
  versionsRoutes(app, { config: deps.versions, negotiator });
  if (isKeystoneFlavor(cfg.pasteFlavor)) {
    if (deps.keystoneAuth === undefined) throw new StartupError(`[paste_deploy] flavor = ${cfg.pasteFlavor}: no Keystone authentication was given to the server`);
    keystoneAuthPlugin(app, deps.keystoneAuth);
  } else {
    noauthPlugin(app);
  }
  notFoundPlugin(app);

  // Once shutdown starts, finished responses close their connection so the drain can complete.
  let draining = false;
  app.addHook('preClose', async () => { draining = true; });
  app.addHook('onSend', async (_request, reply, payload) => {
    // Glance's JSON has no charset parameter. (A bare 204 gets no Content-Type from fastify;
    // routes that must mimic WebOb's `text/html` on 204, refs 110/120/400, set it themselves.)
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') reply.header('content-type', 'application/json');
    if (!cfg.httpKeepalive || draining) reply.header('connection', 'close');
    return payload;
  });
  for (const routes of deps.routes ?? []) {
    await app.register(async (scope) => { await routes(scope); });
  }
  await app.ready();
  return app;
}

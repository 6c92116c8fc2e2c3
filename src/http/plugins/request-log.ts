/**
 * Request completion: every request that reaches fastify is logged exactly once, when its
 * response ends or its connection goes away first, and is counted in the HTTP metrics when
 * they are enabled. The log line (`request completed`) carries the method, the path as
 * requested (query string included: Glance URLs carry no secrets), the route pattern, the
 * status, body bytes sent and received, the duration, and the caller's user and project ids
 * (null when authentication did not get that far); `request_id` comes from the per-request
 * logger. Headers are never logged, so no token can reach the log from here.
 *
 * Completion is taken from the response's `close` event rather than fastify's `onResponse`
 * hook: `onResponse` runs only for responses that finish, so a download cut short by the
 * client would otherwise go unlogged and uncounted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../auth/request-context.js';
import { UNMATCHED_ROUTE, type RequestMetrics } from '../../metrics/glance-metrics.js';

/** Body bytes a streaming route moved, kept on the request for the completion log. */
export interface TransferCount {
  received: number;
  sent: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by routes that stream bodies (image data); null for everything else. */
    transfer: TransferCount | null;
  }
}

// nginx's code for "client closed the connection before a response was sent": the client
// never saw a status, and 200 (the reply's default) would be a lie.
const CLIENT_CLOSED = 499;

/** What the completion hook needs. */
export interface RequestLogDeps {
  /** The HTTP metrics; absent when the metrics endpoint is disabled. */
  metrics?: RequestMetrics;
}

/**
 * Registers the completion hook. Call it before any other `onRequest` hook so that requests
 * those hooks refuse (431, 401, 404) are logged too.
 */
export function requestLogPlugin(app: FastifyInstance, deps: RequestLogDeps): void {
  app.decorateRequest('transfer', null);
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () => complete(request, reply, performance.now() - started, deps));
    done();
  });
}

function complete(request: FastifyRequest, reply: FastifyReply, elapsedMs: number, deps: RequestLogDeps): void {
  const res = reply.raw;
  const finished = res.writableFinished;
  const status = res.headersSent ? reply.statusCode : CLIENT_CLOSED;
  const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
  const ctx = request.ctx as RequestContext | null;
  const t = request.transfer;
  const sent = t !== null ? t.sent : finished ? Number(reply.getHeader('content-length')) || 0 : 0;
  const received = t !== null ? t.received : Number(request.headers['content-length']) || 0;
  deps.metrics?.observeRequest(request.method, route, status, elapsedMs / 1000);
  request.log.info({
    method: request.method,
    path: request.originalUrl,
    route,
    status,
    bytes_sent: sent,
    bytes_received: received,
    duration_ms: Math.round(elapsedMs * 10) / 10,
    // Once authenticated, `request.log` already carries user_id and project_id (the auth plugins
    // bind them); repeating them would write each key twice in the JSON line.
    ...(ctx ? {} : { user_id: null, project_id: null }),
    ...(finished ? {} : { aborted: true }),
  }, 'request completed');
}

/**
 * oslo.middleware's healthcheck filter as Glance's paste pipeline places it: in front of version
 * negotiation and authentication, so `[healthcheck] path` (exact path, any method, any Accept)
 * is answered without a token. GET and the other methods get 200 or 503 with a body chosen from
 * `Accept` (text/plain by default, application/json, text/html); HEAD gets 204 or 503 and no
 * body. The backends: `disable_by_file` (503 "DISABLED BY FILE" while `disable_by_file_path`
 * exists) and `disable_by_files_ports` (the same per listening port). In detailed mode the
 * probes given by the composition root (database `SELECT 1`, each store) are run as well; any
 * failing check makes the answer 503.
 *
 * As in oslo, a request from outside `allowed_source_ranges`, or carrying X-Forwarded headers
 * with `ignore_proxied_requests`, is not answered here and goes on to the API.
 */
import { BlockList, isIPv4 } from 'node:net';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HealthcheckConfig } from '../../config/middleware-slice.js';
import { preferredOffer } from '../accept.js';
import { statusOf } from '../errors.js';
import { renderHtml, renderJson, renderText, type CheckResult } from './healthcheck-render.js';

/** A detailed-mode check supplied by the composition root; it must not change anything. */
export interface HealthProbe {
  /** Names the checked component in the details (`database`, `store fs`). */
  name: string;
  /** The reason reported when the probe fails, e.g. `DATABASE UNAVAILABLE`. */
  failure: string;
  /** Resolves with what was verified when healthy; rejects (or times out) when not. */
  run(): Promise<string>;
}

/** Everything the healthcheck needs. */
export interface HealthcheckDeps {
  config: HealthcheckConfig;
  /** Run in detailed mode only, after the backends, in this order. */
  probes: readonly HealthProbe[];
  /** Receives the warning about backends glance-ts does not implement. */
  logger: Logger;
}

/** How long one probe may take before it counts as failed (a hung database pool, a dead NFS mount). */
export const PROBE_TIMEOUT_MS = 5000;

const KNOWN_BACKENDS = new Set(['disable_by_file', 'disable_by_files_ports']);
const OFFERS = ['text/plain', 'text/html', 'application/json'] as const;
const PROXY_HEADERS = ['x-forwarded', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-for', 'x-forwarded-prefix'];

// os.path.exists: false for anything that cannot be stat'ed.
const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

async function backendResult(name: string, cfg: HealthcheckConfig, port: number | undefined): Promise<CheckResult> {
  if (name === 'disable_by_file') {
    const path = cfg.disableByFilePath;
    if (path === null) return { available: true, reason: 'OK', details: "No 'disable_by_file_path' configuration value specified" };
    if (await exists(path)) return { available: false, reason: 'DISABLED BY FILE', details: `Path '${path}' was found` };
    return { available: true, reason: 'OK', details: `Path '${path}' was not found` };
  }
  const path = cfg.disableByFilePaths.find((p) => p.port === port)?.path;
  if (path !== undefined && await exists(path)) return { available: false, reason: 'DISABLED BY FILE', details: '' };
  return { available: true, reason: 'OK', details: '' };
}

async function probeResult(probe: HealthProbe): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  try {
    const details = await Promise.race([probe.run(), timeout]);
    return { available: true, reason: 'OK', details: `${probe.name}: ${details}` };
  } catch (err) {
    return { available: false, reason: probe.failure, details: `${probe.name}: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function sourceFilter(cfg: HealthcheckConfig): ((addr: string | undefined) => boolean) | null {
  if (cfg.allowedSourceRanges.length === 0) return null;
  const list = new BlockList();
  for (const r of cfg.allowedSourceRanges) list.addSubnet(r.address, r.prefix, r.family);
  return (addr) => {
    if (addr === undefined) return false;
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; ranges are written as IPv4.
    const plain = addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  };
}

function requestPath(request: FastifyRequest): string {
  const url = request.originalUrl;
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Registers the `onRequest` hook answering `[healthcheck] path`; call before other hooks. */
export function healthcheckPlugin(app: FastifyInstance, deps: HealthcheckDeps): void {
  const cfg = deps.config;
  const unknown = cfg.backends.filter((b) => !KNOWN_BACKENDS.has(b));
  if (unknown.length > 0) deps.logger.warn({ backends: unknown }, 'healthcheck backends not implemented by glance-ts; ignored');
  const backends = cfg.backends.filter((b) => KNOWN_BACKENDS.has(b));
  const allowedSource = sourceFilter(cfg);

  app.addHook('onRequest', async (request, reply) => {
    if (requestPath(request) !== cfg.path) return;
    if (allowedSource && !allowedSource(request.raw.socket.remoteAddress)) return;
    if (cfg.ignoreProxiedRequests && PROXY_HEADERS.some((h) => request.headers[h])) return;

    const results: CheckResult[] = [];
    for (const b of backends) results.push(await backendResult(b, cfg, request.raw.socket.localPort));
    if (cfg.detailed) results.push(...await Promise.all(deps.probes.map(probeResult)));
    const healthy = results.every((r) => r.available);
    const unhealthy = statusOf('service_unavailable');

    if (request.method === 'HEAD') {
      reply.code(healthy ? 204 : unhealthy).header('content-type', 'text/plain; charset=UTF-8').header('content-length', '0');
      return reply.send();
    }
    const accept = request.headers.accept;
    const offer = preferredOffer(accept, OFFERS) ?? 'text/plain';
    reply.code(healthy ? 200 : unhealthy);
    if (offer === 'application/json') reply.header('content-type', 'application/json').send(renderJson(results, cfg.detailed));
    else if (offer === 'text/html') reply.header('content-type', 'text/html; charset=UTF-8').send(renderHtml(results, cfg.detailed));
    else reply.header('content-type', 'text/plain; charset=UTF-8').send(renderText(results));
    return reply;
  });
}

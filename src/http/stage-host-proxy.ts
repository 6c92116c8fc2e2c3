/**
 * Replays a request on the API node that holds an image's staged data (its
 * `os_glance_stage_host`, that node's `worker_self_reference_url`), as Glance does for a
 * glance-direct import or a delete that reached another node: same method, path and JSON body,
 * with the caller's credentials (the token, or the unauthenticated identity headers), a 60 s
 * deadline. The remote node's request id becomes this response's. A remote error comes back
 * with its status; an unreachable node is a 504 and any other failure a 502 ("Stage host is
 * unavailable").
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { request as httpRequest } from 'undici';
import { GlanceError } from '../domain/errors.js';
import { errorForStatus } from './errors.js';

/** Headers that carry the caller's identity to the other node. */
const FORWARDED = ['x-auth-token', 'x-service-token', 'x-project-id', 'x-tenant-id', 'x-user-id', 'x-roles', 'x-identity-status'];
const TIMEOUT_MS = 60_000;
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Sends `request` to `host` and copies the remote request id onto `reply`. Resolves when the
 * remote node answered 2xx; throws the GlanceError to answer with otherwise.
 */
export async function proxyToStageHost(host: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const name of FORWARDED) {
    const v = request.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  let body: string | undefined;
  if (request.body !== undefined && request.body !== null) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  const url = `${host.replace(/\/+$/, '')}${request.url}`;
  request.log.info({ stage_host: host, method: request.method }, 'proxying the request to the node that staged the image');
  let res;
  try {
    res = await httpRequest(url, { method: request.method as 'POST' | 'DELETE', headers, body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    request.log.error({ stage_host: host, code, reason: (err as Error).message }, 'proxying to the stage host failed');
    throw new GlanceError(UNREACHABLE.has(code) ? 'gateway_timeout' : 'bad_gateway', 'Stage host is unavailable');
  }
  await res.body.dump();
  const remoteId = res.headers['x-openstack-request-id'];
  if (typeof remoteId === 'string') reply.header('x-openstack-request-id', remoteId);
  if (res.statusCode >= 300) throw errorForStatus(res.statusCode, reasonPhrase(res.statusCode));
}

// Glance re-raises the remote status with its reason phrase as the explanation.
function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    410: 'Gone', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error',
    502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  };
  return phrases[status] ?? `HTTP ${status}`;
}

/**
 * Request ids: every response carries `x-openstack-request-id: req-<id>`. An inbound
 * `X-Openstack-Request-ID` is reused (prefixed with `req-` when it lacks it), otherwise a fresh
 * `req-<uuid4>` is generated; an inbound id longer than `max_request_id_length` (0 = no limit)
 * is answered with 431. The id is fastify's `request.id`, so the per-request logger carries it
 * as `request_id`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { RequestIdTooLong } from '../errors.js';

/** The request and response header, in the spelling Glance's WSGI server puts on the wire. */
export const REQUEST_ID_HEADER = 'x-openstack-request-id';

/** True when an inbound request id exceeds the limit (a limit of 0 disables the check). */
export function requestIdTooLong(value: string | undefined, maxLength: number): boolean {
  return value !== undefined && value !== '' && maxLength > 0 && value.length > maxLength;
}

function inboundId(req: IncomingMessage): string | undefined {
  const v = req.headers[REQUEST_ID_HEADER];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * fastify `genReqId`: the inbound id when present and acceptable (with `req-` ensured), else a
 * fresh `req-<uuid4>` (also for an over-long one, which the hook below rejects with 431).
 */
export function createRequestIdGenerator(maxLength: number): (req: IncomingMessage) => string {
  return (req) => {
    const inbound = inboundId(req);
    if (inbound === undefined || inbound === '' || requestIdTooLong(inbound, maxLength)) return `req-${randomUUID()}`;
    return inbound.startsWith('req-') ? inbound : `req-${inbound}`;
  };
}

/**
 * Registers the hooks: reject an over-long inbound id (431) before anything else runs, and stamp
 * every response, errors included, with the request id.
 */
export function requestIdPlugin(app: FastifyInstance, opts: { maxRequestIdLength: number }): void {
  app.addHook('onRequest', async (request) => {
    if (requestIdTooLong(inboundId(request.raw), opts.maxRequestIdLength)) {
      throw new RequestIdTooLong(opts.maxRequestIdLength);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    return payload;
  });
}

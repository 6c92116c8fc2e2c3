import type { FastifyReply } from 'fastify';

/**
 * Ends a request with 204. Glance's WSGI stack leaves WebOb's default `Content-Type:
 * text/html; charset=UTF-8` and `Content-Length: 0` on most of its 204s (refs 110, 120, 150,
 * 400), so these are sent as recorded; `bare` answers without them (refs 102, 140).
 */
export function sendNoContent(reply: FastifyReply, opts: { bare?: boolean } = {}): FastifyReply {
  reply.code(204);
  if (!opts.bare) reply.header('content-type', 'text/html; charset=UTF-8').header('content-length', '0');
  return reply.send();
}

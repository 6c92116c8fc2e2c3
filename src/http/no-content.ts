import type { FastifyReply } from 'fastify';

/**
 * Ends a request with 204. Glance's WSGI stack leaves WebOb's default `Content-Type:
 * text/html; charset=UTF-8` and `Content-Length: 0` on most of its 204s (refs 110, 120, 150,
 * 400), so these are sent as recorded; `bare` answers with `Content-Length: 0` only (refs 102,
 * 140).
 */
export function sendNoContent(reply: FastifyReply, opts: { bare?: boolean } = {}): FastifyReply {
  reply.code(204);
  if (!opts.bare) reply.header('content-type', 'text/html; charset=UTF-8');
  // fastify sends explicit headers of a body-less 204 as they are, so this reaches the socket.
  reply.header('content-length', '0');
  return reply.send();
}

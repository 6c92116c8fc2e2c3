/**
 * Request body handling. Glance parses any request body as JSON whatever its Content-Type
 * (routes that need a specific type check it themselves and answer 415), except image data,
 * which must never be buffered: `application/octet-stream` bodies are left unread so upload
 * routes can stream `request.raw`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../domain/errors.js';

/**
 * Parses a JSON request body. An empty body gives `undefined` (the route decides whether a body
 * was required); malformed JSON is Glance's 400 "Malformed JSON in request body.".
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest('Malformed JSON in request body.');
  }
}

/**
 * Replaces fastify's default parsers on `app`: every content type is read (up to `bodyLimit`
 * bytes, else 413) and parsed as JSON, and `application/octet-stream` passes through untouched
 * (`request.body` stays undefined; read `request.raw`).
 */
export function registerBodyParsers(app: FastifyInstance, opts: { bodyLimit: number }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: opts.bodyLimit }, (_req: FastifyRequest, body: string | Buffer, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Leave the stream unconsumed: the handler owns it (upload routes pipe it to a store).
  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => {
    done(null, undefined);
  });
}

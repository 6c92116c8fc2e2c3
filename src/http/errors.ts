/**
 * The only place that knows HTTP status codes and error-body formats. A thrown `GlanceError`
 * (or anything else) becomes the response WebOb would have produced for Glance: status line,
 * body in HTML, JSON or plain text chosen from `Accept` (see `accept.ts`), byte-identical to the
 * recorded exchanges of the reference Glance (shared/ref 306–309).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GlanceError, type ErrorKind } from '../domain/errors.js';
import { errorFormatFor } from './accept.js';
import { pyJson } from './py-json.js';

/** Status, WebOb title and WebOb stock explanation of each error kind. */
const STATUS: Record<ErrorKind, { code: number; title: string; explanation: string }> = {
  bad_request: { code: 400, title: 'Bad Request', explanation: 'The server could not comply with the request since it is either malformed or otherwise incorrect.' },
  unauthorized: { code: 401, title: 'Unauthorized', explanation: 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.' },
  forbidden: { code: 403, title: 'Forbidden', explanation: 'Access was denied to this resource.' },
  not_found: { code: 404, title: 'Not Found', explanation: 'The resource could not be found.' },
  method_not_allowed: { code: 405, title: 'Method Not Allowed', explanation: '' },
  conflict: { code: 409, title: 'Conflict', explanation: 'There was a conflict when trying to complete your request.' },
  gone: { code: 410, title: 'Gone', explanation: 'This resource is no longer available. No forwarding address is given.' },
  too_large: { code: 413, title: 'Request Entity Too Large', explanation: 'The body of your request was too large for this server.' },
  unsupported_media_type: { code: 415, title: 'Unsupported Media Type', explanation: '' },
  range_not_satisfiable: { code: 416, title: 'Request Range Not Satisfiable', explanation: 'The Range requested is not available.' },
  internal: { code: 500, title: 'Internal Server Error', explanation: 'The server has either erred or is incapable of performing the requested operation.' },
  not_implemented: { code: 501, title: 'Not Implemented', explanation: '' },
  service_unavailable: { code: 503, title: 'Service Unavailable', explanation: 'The server is currently unavailable. Please try again at a later time.' },
  bad_gateway: { code: 502, title: 'Bad Gateway', explanation: 'Bad gateway.' },
  gateway_timeout: { code: 504, title: 'Gateway Timeout', explanation: 'The gateway has timed out.' },
};

/**
 * 431 for an over-long `X-Openstack-Request-ID`. ErrorKind has no 431, so this is a dedicated
 * error recognised only here; it renders like WebOb's HTTPRequestHeaderFieldsTooLarge with the
 * reason as an HTML comment, as Glance's context middleware builds it.
 */
export class RequestIdTooLong extends Error {
  constructor(readonly maxLength: number) {
    super(`x-openstack-request-id is too long, max size ${maxLength}`);
    this.name = 'RequestIdTooLong';
  }
}

/** The HTTP status a kind maps to. */
export function statusOf(kind: ErrorKind): number {
  return STATUS[kind].code;
}

/** What `renderError` needs from the request. */
export interface ErrorRequestInfo {
  method: string;
  accept: string | undefined;
  /** The request's Content-Type; eventlet reports `text/plain` when it is absent. */
  contentType: string | undefined;
}

/** A fully rendered error response. */
export interface RenderedError {
  status: number;
  /** WebOb's reason phrase for the status line (`413 Request Entity Too Large`). */
  reason: string;
  contentType: string;
  headers: Record<string, string>;
  body: string;
}

function htmlEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&#x27;';
    else if (cp > 0x7f) out += `&#${cp};`;
    else out += ch;
  }
  return out;
}

// WebOb's plain-text conversion: newlines fold to spaces, <br> becomes a newline, tags vanish.
function stripTags(s: string): string {
  return s.replace(/\n/g, ' ').replace(/\r/g, '').replace(/<br[\s\S]*?>/gi, '\n')
    .replace(/<!--|-->/g, '').replace(/<[\s\S]*?>/g, '');
}

interface BodyParts {
  kind: ErrorKind;
  explanation: string;
  /** WebOb's `detail` (the error's `detail` option), shown after the explanation. */
  detail: string;
  comment: string;
  method: string;
  contentType: string;
}

// WebOb's per-class body templates; 405/415/501 interpolate the request instead of the message.
function makeBody(p: BodyParts, esc: (s: string) => string): string {
  switch (p.kind) {
    case 'method_not_allowed':
      // Glance passes a custom `${explanation}` template when it has its own text (tasks DELETE).
      return p.explanation !== ''
        ? esc(p.explanation)
        : `The method ${esc(p.method)} is not allowed for this resource. <br /><br />\n`;
    case 'unsupported_media_type':
      return `The request media type ${esc(p.contentType)} is not supported by this server.\n<br /><br />\n`;
    case 'not_implemented':
      return `\nThe request method ${esc(p.method)} is not implemented for this server. <br /><br />\n`;
    default: {
      const comment = p.comment === '' ? '' : `<!-- ${esc(p.comment)} -->`;
      return `${esc(p.explanation)}<br /><br />\n${esc(p.detail)}\n${comment}\n`;
    }
  }
}

/**
 * Renders `err` as WebOb would for a request described by `req`. The message is WebOb's
 * `explanation` (the stock text when empty); 405 (unless a message is given), 415 and 501 use
 * WebOb's own templates, which name the request method or media type and ignore the message.
 * `headers` of the error (Allow, Accept-Patch) are copied. `forcePlain` does not change the
 * format: WebOb regenerates the body from `Accept` even when Glance passes
 * `content_type='text/plain'` (recorded sample 356 shows JSON), so neither do we.
 */
export function renderError(err: GlanceError | RequestIdTooLong, req: ErrorRequestInfo): RenderedError {
  let parts: BodyParts;
  let code: number;
  let title: string;
  let headers: Record<string, string> = {};
  const common = { method: req.method, contentType: req.contentType ?? 'text/plain' };
  if (err instanceof RequestIdTooLong) {
    code = 431;
    title = 'Request Header Fields Too Large';
    parts = { ...common, kind: 'bad_request', explanation: 'The request header fields were too large', detail: '', comment: err.message };
  } else {
    const s = STATUS[err.kind];
    code = s.code;
    title = s.title;
    headers = { ...err.headers };
    parts = { ...common, kind: err.kind, explanation: err.message !== '' ? err.message : s.explanation, detail: err.detail ?? '', comment: '' };
  }
  const status = `${code} ${title}`;
  switch (errorFormatFor(req.accept)) {
    case 'html':
      return {
        status: code, reason: title, headers, contentType: 'text/html; charset=UTF-8',
        body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${makeBody(parts, htmlEscape)}\n </body>\n</html>`,
      };
    case 'json':
      return {
        status: code, reason: title, headers, contentType: 'application/json',
        body: pyJson({ message: makeBody(parts, (s) => s), code: status, title }),
      };
    default:
      return {
        status: code, reason: title, headers, contentType: 'text/plain; charset=UTF-8',
        body: `${status}\n\n${stripTags(makeBody(parts, (s) => s))}`,
      };
  }
}

// Fastify's own error codes that deserve a specific Glance message.
const FASTIFY_ERRORS: Record<string, () => GlanceError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new GlanceError('bad_request', 'Malformed JSON in request body.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new GlanceError('bad_request', 'Malformed JSON in request body.'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new GlanceError('too_large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new GlanceError('unsupported_media_type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new GlanceError('bad_request', 'Request body size did not match Content-Length.'),
};

// Any other 4xx/5xx fastify raises (validation, bad URL...) maps by status onto the nearest kind.
const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  409: 'conflict', 410: 'gone', 413: 'too_large', 415: 'unsupported_media_type', 416: 'range_not_satisfiable',
  501: 'not_implemented', 502: 'bad_gateway', 503: 'service_unavailable', 504: 'gateway_timeout',
};

/**
 * The error for an HTTP status another API node answered with (a proxied request): the kind of
 * that status (500 for one with no kind) with `message` as explanation, as Glance re-raises a
 * stage host's error.
 */
export function errorForStatus(status: number, message: string): GlanceError {
  return new GlanceError(KIND_BY_STATUS[status] ?? 'internal', message);
}

/**
 * Turns whatever was thrown into something `renderError` accepts. GlanceErrors pass through;
 * fastify's own client errors keep their meaning; anything else is an unexpected failure and
 * becomes a 500 with WebOb's stock text (the caller logs the original), never leaking internals.
 */
export function toGlanceError(err: unknown): { error: GlanceError | RequestIdTooLong; unexpected: boolean } {
  if (err instanceof GlanceError || err instanceof RequestIdTooLong) return { error: err, unexpected: false };
  const fe = err as Partial<FastifyError> | null;
  const known = fe?.code !== undefined ? FASTIFY_ERRORS[fe.code] : undefined;
  if (known) return { error: known(), unexpected: false };
  if (typeof fe?.code === 'string' && fe.code.startsWith('FST_') && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    return { error: new GlanceError(KIND_BY_STATUS[fe.statusCode] ?? 'bad_request', fe.message ?? ''), unexpected: false };
  }
  return { error: new GlanceError('internal'), unexpected: true };
}

/** Writes a rendered error onto `reply` (status, copied headers, Content-Type, body). */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: GlanceError | RequestIdTooLong): FastifyReply {
  const r = renderError(err, {
    method: request.method,
    accept: request.headers.accept,
    contentType: request.headers['content-type'],
  });
  // The status line carries WebOb's phrases too (clients log them): "416 Request Range Not Satisfiable".
  reply.raw.statusMessage = r.reason;
  return reply.code(r.status).headers(r.headers).header('content-type', r.contentType).send(r.body);
}

/**
 * Installs the fastify error handler: every thrown error goes through `toGlanceError` and
 * `renderError`; unexpected ones are logged with their stack at error level, 5xx GlanceErrors
 * at warn, client errors at debug.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const { error, unexpected } = toGlanceError(err);
    if (unexpected) request.log.error({ err }, 'Unhandled error while processing the request');
    else if (error instanceof GlanceError && statusOf(error.kind) >= 500) request.log.warn({ err: error }, error.message || error.kind);
    else request.log.debug({ kind: error instanceof GlanceError ? error.kind : 'request_id_too_long' }, error.message || 'client error');
    return sendError(request, reply, error);
  });
}

/**
 * The raw HTTP response written to a socket whose request could not even be parsed (fastify's
 * `clientErrorHandler`): 431 for an oversized header block, else 400, as WebOb plain text.
 */
export function clientErrorResponse(code: string | undefined): string {
  const [status, explanation] = code === 'HPE_HEADER_OVERFLOW'
    ? ['431 Request Header Fields Too Large', 'The request header fields were too large']
    : ['400 Bad Request', STATUS.bad_request.explanation];
  const body = `${status}\n\n${explanation}\n\n   `;
  return `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

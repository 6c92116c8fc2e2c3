/**
 * The error tree of glance-ts. Every failure the API can report is a GlanceError with a stable
 * `kind`; only `src/http/errors.ts` knows which HTTP status and body format a kind becomes.
 * Domain code and services throw these, never strings and never HTTP statuses.
 */

/** The stable kinds of failure; each maps to exactly one HTTP status in `http/errors.ts`. */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'internal'
  | 'not_implemented'
  | 'service_unavailable'
  | 'bad_gateway'
  | 'gateway_timeout';

/** Options shared by every GlanceError. */
export interface GlanceErrorOptions {
  /** Extra response headers (e.g. `Allow` for 405, `Accept-Patch` for 415). */
  headers?: Record<string, string>;
  /**
   * Glance builds some errors with an explicit `text/plain` content type whatever the
   * request's `Accept` (store header errors, quota on create/update, 410 on upload).
   */
  forcePlain?: boolean;
  /**
   * WebOb's `detail`: a second text shown after the explanation. Glance sets it when it raises
   * an HTTP error with a positional argument, and the body then shows the stock explanation for
   * the status followed by this text (ref 109).
   */
  detail?: string;
  /** The underlying cause, kept for logs only. */
  cause?: unknown;
}

/**
 * Base error. `message` is the user-facing explanation (WebOb's `explanation`); an empty
 * message means "use the stock text for this status", as WebOb does.
 */
export class GlanceError extends Error {
  readonly kind: ErrorKind;
  readonly headers: Record<string, string>;
  readonly forcePlain: boolean;
  readonly detail: string | undefined;

  constructor(kind: ErrorKind, message = '', opts: GlanceErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GlanceError';
    this.kind = kind;
    this.headers = opts.headers ?? {};
    this.forcePlain = opts.forcePlain ?? false;
    this.detail = opts.detail;
  }
}

/** 400: the request is malformed or fails validation. */
export class BadRequest extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('bad_request', message, opts); }
}
/** 401: no or invalid credentials. */
export class Unauthorized extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('unauthorized', message, opts); }
}
/** 403: policy, read-only/reserved attribute, protected image. */
export class Forbidden extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('forbidden', message, opts); }
}
/** 404: no such resource, or not visible to the caller. */
export class NotFound extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('not_found', message, opts); }
}
/** 405: known path, wrong method; carries the `Allow` header. */
export class MethodNotAllowed extends GlanceError {
  constructor(allowed: string[], message = '', opts?: GlanceErrorOptions) {
    super('method_not_allowed', message, { ...opts, headers: { ...opts?.headers, Allow: allowed.join(', ') } });
  }
}
/** 409: the resource's state forbids the operation, or a duplicate. */
export class Conflict extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('conflict', message, opts); }
}
/** 410: the resource went away during the operation (image deleted during upload). */
export class Gone extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('gone', message, opts); }
}
/** 413: size cap, quota or storage full. */
export class TooLarge extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('too_large', message, opts); }
}
/** 415: wrong media type or a disk image that fails format inspection. */
export class UnsupportedMediaType extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('unsupported_media_type', message, opts); }
}
/** 416: a Range that cannot be satisfied. */
export class RangeNotSatisfiable extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('range_not_satisfiable', message, opts); }
}
/** 501: a method outside GET/HEAD/POST/PUT/DELETE/PATCH. */
export class NotImplemented extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('not_implemented', message, opts); }
}
/** 503: a dependency (Keystone, a store) is unavailable. */
export class ServiceUnavailable extends GlanceError {
  constructor(message = '', opts?: GlanceErrorOptions) { super('service_unavailable', message, opts); }
}

/**
 * Not an error for the caller: the image's staged data is on another API node (its
 * `os_glance_stage_host`), so the request must be replayed there, as Glance proxies it. Thrown
 * by the use cases; the route forwards the request to `host`.
 */
export class StagedElsewhere extends Error {
  constructor(readonly host: string) {
    super(`image data is staged on ${host}`);
    this.name = 'StagedElsewhere';
  }
}


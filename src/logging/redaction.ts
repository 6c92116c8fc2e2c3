/**
 * What the process logger hides, in two layers. Structured fields known to hold secrets (token
 * headers, passwords, connection strings, the request context's raw token) are replaced by
 * pino's path redaction. Independently, any `scheme://user:password@` credentials inside a
 * logged string (the message, a top-level field, or a list of strings such as a configuration
 * dump) have the password masked, whatever the field is called: transport URLs and database
 * connections carry their passwords that way.
 */

/** Replacement text of a redacted value. */
export const CENSOR = '***';

// Header names that carry credentials (Keystone tokens, HTTP auth, cookies).
const SECRET_HEADERS = ['x-auth-token', 'x-subject-token', 'x-service-token', 'x-storage-token', 'authorization', 'cookie'];
// Field names whose values are secrets (oslo's `secret=True` options among them).
const SECRET_KEYS = [
  'authToken', 'auth_token', 'token', 'password', 'secret', 'secret_key', 'memcache_secret_key', 'hmac_keys',
  'transport_url', 'connection', 'slave_connection', 'connection_string',
];

/** pino `redact.paths`: secret headers wherever a `headers` object is logged, secret keys at two levels. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`]),
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
];

// `scheme://user:pass@` or, in a multi-host URL (`rabbit://u:p@h1,u2:p2@h2/`), `,user:pass@`.
// The password may hold `/` (AWS secret keys in s3 store locations do): masking a port and path
// that happen to precede an `@` is the price of never printing such a key.
const CREDENTIALS = /((?:[a-z][a-z0-9+.-]*:\/\/|,)[^:/?#@\s,]*):([^@?#\s]*)@/gi;
const HAS_CREDENTIALS = /(?:[a-z][a-z0-9+.-]*:\/\/|,)[^:/?#@\s,]*:[^@?#\s]*@/i;

/** `text` with the password of every URL credential replaced by `***`. */
export function maskUrlCredentials(text: string): string {
  return HAS_CREDENTIALS.test(text) ? text.replace(CREDENTIALS, `$1:${CENSOR}@`) : text;
}

function scrubValue(v: unknown): unknown {
  if (typeof v === 'string') return maskUrlCredentials(v);
  if (Array.isArray(v) && v.some((x) => typeof x === 'string' && HAS_CREDENTIALS.test(x))) {
    return v.map((x: unknown) => (typeof x === 'string' ? maskUrlCredentials(x) : x));
  }
  return v;
}

/**
 * One argument of a log call with URL credentials masked: a string, or a plain object's
 * top-level string (and string-list) fields. Objects are copied only when something changes;
 * errors pass as they are (their serializer runs later).
 */
export function scrubLogArgument(arg: unknown): unknown {
  if (typeof arg === 'string') return maskUrlCredentials(arg);
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || arg instanceof Error) return arg;
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(arg as Record<string, unknown>)) {
    const scrubbed = scrubValue(v);
    if (scrubbed !== v) {
      copy ??= { ...(arg as Record<string, unknown>) };
      copy[k] = scrubbed;
    }
  }
  return copy ?? arg;
}

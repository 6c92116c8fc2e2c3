/**
 * AWS Signature Version 4 for S3 requests, by hand (no SDK): the canonical request, the string
 * to sign, the signing key and the `Authorization` header. Only the header form is implemented
 * (no presigned URLs, no chunked `aws-chunked` signing): glance-ts signs each request as a whole.
 *
 * S3's variant: the path is signed as sent (each segment RFC 3986-encoded once, never
 * normalised or encoded twice), and the payload is named by `x-amz-content-sha256` (the hex
 * SHA-256 of the body, or `UNSIGNED-PAYLOAD`), which the caller puts among the headers.
 */
import { createHash, createHmac } from 'node:crypto';

/** `x-amz-content-sha256` of a body that is not hashed (streamed, or already integrity-checked). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SHA-256 of the empty body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The key pair and scope a request is signed for. */
export interface SigningScope {
  accessKey: string;
  secretKey: string;
  region: string;
  /** `s3` for S3; the test vectors use other names. */
  service: string;
}

/** What is signed of one request. */
export interface SignInput {
  method: string;
  /** The path exactly as sent, already encoded (see `encodePath`). */
  path: string;
  /** Query parameters, not encoded; a parameter without value is `[name, '']`. */
  query?: readonly (readonly [string, string])[];
  /** Headers to sign (`host` and `x-amz-date` included); names in any case. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or UNSIGNED_PAYLOAD. */
  payloadHash: string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` as %XX of UTF-8. */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/seg1/seg2`: each segment of `segments` encoded once (an object key's `/` stays a separator). */
export function encodePath(segments: readonly string[]): string {
  return '/' + segments.map((s) => s.split('/').map(encodeRfc3986).join('/')).join('/');
}

/** The query string as signed and as sent: pairs encoded, sorted by name then value, `name=value`. */
export function canonicalQuery(query: readonly (readonly [string, string])[] = []): string {
  return query
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `20150830T123600Z` for `date`. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

// Header names lowercased and sorted; values trimmed with inner runs of spaces folded to one.
function canonicalHeaders(headers: Readonly<Record<string, string>>): { text: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signed: entries.map(([k]) => k).join(';'),
  };
}

/** The canonical request of `input` (the first step of SigV4). */
export function canonicalRequest(input: SignInput): string {
  return canonicalParts(input).text;
}

function canonicalParts(input: SignInput): { text: string; signed: string } {
  const h = canonicalHeaders(input.headers);
  return { text: [input.method.toUpperCase(), input.path, canonicalQuery(input.query), h.text, h.signed, input.payloadHash].join('\n'), signed: h.signed };
}

/** The string to sign for `canonical` at `amzDateTime` (`YYYYMMDDTHHMMSSZ`). */
export function stringToSign(canonical: string, amzDateTime: string, scope: SigningScope): string {
  const credentialScope = `${amzDateTime.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
  return ['AWS4-HMAC-SHA256', amzDateTime, credentialScope, sha256Hex(canonical)].join('\n');
}

/** The day's signing key: HMAC chain over date, region, service and `aws4_request`. */
export function signingKey(secretKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day), region), service), 'aws4_request');
}

/**
 * The `Authorization` header value of `input`. The request's time is taken from its
 * `x-amz-date` header, which must be among the signed headers.
 */
export function authorization(input: SignInput, scope: SigningScope): string {
  const dateHeader = Object.entries(input.headers).find(([k]) => k.toLowerCase() === 'x-amz-date')?.[1];
  if (dateHeader === undefined) throw new Error('SigV4: the x-amz-date header must be signed');
  const canonical = canonicalParts(input);
  const toSign = stringToSign(canonical.text, dateHeader, scope);
  const signature = createHmac('sha256', signingKey(scope.secretKey, dateHeader.slice(0, 8), scope.region, scope.service))
    .update(toSign, 'utf8').digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${scope.accessKey}/${dateHeader.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${canonical.signed}, Signature=${signature}`;
}

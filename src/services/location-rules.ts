/**
 * The pure rules of image locations, shared by the PATCH location operations and the 2.17
 * locations API: which URLs may become locations, the checks on validation data, positions in
 * the location list, duplicates and the `image_location_quota`. No I/O here; the location use
 * case (`image-locations.ts`) adds the store lookups, HEAD requests and saves.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { BadRequest, Conflict, TooLarge, type GlanceError } from '../domain/errors.js';
import type { Image, ImageLocation } from '../domain/image.js';
import { resolveHashAlgorithm } from '../stream/hash-algorithm.js';

/** The task type of an add-location task (`POST /v2/images/{id}/locations`). */
export const LOCATION_IMPORT = 'location_import';

/** The property naming the node hashing an added location's data (hidden from image views). */
export const HASH_OP_HOST = 'os_glance_hash_op_host';

/** Glance's answer (BadStoreUri) for any URL that cannot become a location. */
export const INVALID_LOCATION = 'Invalid location';

// glance's RESTRICTED_URI_SCHEMAS: local paths are never accepted from callers (LP #942118).
const RESTRICTED_SCHEMES = new Set(['file', 'filesystem', 'swift+config']);

/** True when `url`'s scheme may never be given by a caller (file paths on the API node). */
export function isRestrictedScheme(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return RESTRICTED_SCHEMES.has(scheme);
}

/** The hash values a caller vouches for (`validation_data`). */
export interface ValidationValues {
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
}

const VALIDATION_KEYS = ['checksum', 'os_hash_algo', 'os_hash_value'] as const;

/** Digest length in bytes of a hashlib algorithm name, or null when it is not usable here. */
export function digestSize(algo: string): number | null {
  const resolved = resolveHashAlgorithm(algo);
  return resolved === undefined ? null : createHash(resolved.nodeName).digest().length;
}

/**
 * Throws unless `value` is a hex digest of `algo`'s length, with Glance's texts; `make`
 * chooses the error kind (409 on the PATCH path, 400 on the locations API).
 */
export function checkHashValue(algo: string, value: string, make: (message: string) => GlanceError): void {
  if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw make(`os_hash_value (${value}) is not a valid hexadecimal value`);
  const want = digestSize(algo);
  if (want !== null && value.length !== want * 2) {
    throw make(`os_hash_value (${value}) is not the correct size for ${algo} (should be ${want} bytes)`);
  }
}

/**
 * Glance's `_validate_validation_data` for PATCH add/replace: the `validation_data` of all
 * `locations` must agree with each other and with values the image already has (409 otherwise),
 * and new values are accepted only while the image is queued, with `os_hash_algo` equal to the
 * configured `hashing_algorithm`. Returns the values to set on the image (possibly none).
 */
export function newValidationValues(image: Image, locations: unknown[], hashingAlgorithm: string): ValidationValues {
  const given: Record<string, string> = {};
  for (const loc of locations) {
    const data = (loc as { validation_data?: Record<string, unknown> }).validation_data;
    if (data === undefined) continue;
    for (const [k, v] of Object.entries(data)) {
      if (k in given && given[k] !== v) throw new Conflict(`Conflicting values for ${k}`);
      given[k] = String(v);
    }
  }
  const fresh: ValidationValues = {};
  for (const key of VALIDATION_KEYS) {
    const v = given[key];
    if (v === undefined || v === image[key]) continue;
    if (image[key]) throw new Conflict(`${key} is already set with a different value`);
    fresh[key] = v;
  }
  const keys = Object.keys(fresh);
  if (keys.length === 0) return fresh;
  if (image.status !== 'queued') {
    throw new Conflict(`New value(s) for ${keys.join(', ')} may only be provided when image status is 'queued'`);
  }
  if (fresh.checksum !== undefined) {
    if (!/^([0-9a-fA-F]{2})*$/.test(fresh.checksum)) throw new Conflict(`checksum (${fresh.checksum}) is not a valid hexadecimal value`);
    if (fresh.checksum.length !== 32) throw new Conflict(`checksum (${fresh.checksum}) is not the correct size for md5 (should be 16 bytes)`);
  }
  const algo = fresh.os_hash_algo;
  if (algo !== hashingAlgorithm) throw new Conflict(`os_hash_algo must be ${hashingAlgorithm}, not ${algo ?? 'None'}`);
  checkHashValue(algo, fresh.os_hash_value ?? '', (m) => new Conflict(m));
  return fresh;
}

/** The body of `POST /v2/images/{id}/locations`, checked. */
export interface AddLocationRequest {
  url: string;
  /** Hash the caller vouches for; verified against the data when `do_secure_hash` is on. */
  validation: { os_hash_algo: string; os_hash_value: string } | null;
}

// The hash algorithms the 2.17 request schema lists.
const ADD_LOCATION_ALGOS = ['sha1', 'sha256', 'sha512', 'md5'];

/**
 * Checks the 2.17 add-location body: `{"url": <string ≤ 255>, "validation_data":
 * {"os_hash_algo": sha1|sha256|sha512|md5, "os_hash_value": <hex of that length>}}`, both
 * validation fields required together, nothing else. 400 for anything else.
 */
export function parseAddLocationBody(body: unknown): AddLocationRequest {
  const fail = (why: string): never => { throw new BadRequest(`Provided object does not match schema 'location': ${why}`); };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'url' && k !== 'validation_data') fail(`Additional properties are not allowed ('${k}' was unexpected)`);
  if (typeof b.url !== 'string' || b.url === '') return fail("'url' is a required property and must be a non-empty string");
  if (b.url.length > 255) fail(`'${b.url}' is too long`);
  if (b.validation_data === undefined) return { url: b.url, validation: null };
  const v = b.validation_data;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail("'validation_data' must be an object");
  const data = v as Record<string, unknown>;
  for (const k of Object.keys(data)) if (k !== 'os_hash_algo' && k !== 'os_hash_value') fail(`Additional properties are not allowed ('${k}' was unexpected)`);
  for (const k of ['os_hash_algo', 'os_hash_value']) if (typeof data[k] !== 'string') fail(`'${k}' is a required property of 'validation_data'`);
  const algo = data.os_hash_algo as string;
  if (!ADD_LOCATION_ALGOS.includes(algo)) fail(`'${algo}' is not one of ${ADD_LOCATION_ALGOS.map((a) => `'${a}'`).join(', ')}`);
  checkHashValue(algo, data.os_hash_value as string, (m) => new BadRequest(m));
  return { url: b.url, validation: { os_hash_algo: algo, os_hash_value: data.os_hash_value as string } };
}

/**
 * Position of `add /locations/<token>`: `-` appends, digits insert there (0-based; past the
 * end appends, as Python's `list.insert` does). 400 otherwise.
 */
export function addPosition(token: string | undefined, length: number): number {
  if (token === '-') return length;
  if (token !== undefined && /^\d+$/.test(token)) return Math.min(Number(token), length);
  throw new BadRequest('Invalid position for adding a location.');
}

/** Position of `remove /locations/<token>`: `-` is the last one, digits must name one. 400 otherwise. */
export function removePosition(token: string | undefined, length: number): number {
  const pos = token === '-' ? length - 1 : token !== undefined && /^\d+$/.test(token) ? Number(token) : -1;
  if (pos < 0 || pos >= length) throw new BadRequest('Invalid position for removing a location.');
  return pos;
}

/** Glance's duplicate rule: same URL and same metadata. */
export function sameLocation(a: Pick<ImageLocation, 'url' | 'metadata'>, b: Pick<ImageLocation, 'url' | 'metadata'>): boolean {
  return a.url === b.url && isDeepStrictEqual(a.metadata, b.metadata);
}

/** 400 (Glance's DuplicateLocation, reported as a bad request) when `loc` is already in `locations`. */
export function assertNotDuplicate(locations: Array<Pick<ImageLocation, 'url' | 'metadata'>>, loc: Pick<ImageLocation, 'url' | 'metadata'>): void {
  if (locations.some((l) => sameLocation(l, loc))) throw new BadRequest(`The location ${loc.url} already exists`);
}

/** 413 (plain text) when an image would carry `attempted` locations and `quota` (≥ 0) allows fewer. */
export function assertLocationQuota(attempted: number, quota: number): void {
  if (quota >= 0 && attempted > quota) {
    throw new TooLarge(
      `The limit has been exceeded on the number of allowed image locations. Attempted: ${attempted}, Maximum: ${quota}`,
      { forcePlain: true },
    );
  }
}

/**
 * glance_store's `check_location_metadata`: location metadata may nest objects and lists, but
 * its leaves must be strings. 400 otherwise.
 */
export function checkLocationMetadata(value: unknown, key = ''): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value)) {
    value.forEach((v) => checkLocationMetadata(v, key));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkLocationMetadata(v, k);
    return;
  }
  const type = value === null ? 'NoneType' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'boolean' ? 'bool' : typeof value;
  throw new BadRequest(`The image metadata key ${key} has an invalid type of ${type}. Only dict, list, and unicode are supported.`);
}

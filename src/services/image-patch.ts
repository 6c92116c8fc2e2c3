/**
 * Parses a `PATCH /v2/images/{id}` request into a list of changes, following Glance's
 * JSON-patch subset (inventory §2.4): two media types, `add`/`remove`/`replace` only, a
 * restricted JSON pointer, path depth 1 except `/locations/<n|->`, read-only and reserved
 * attributes refused, and each value validated against the image schema. Pure: no I/O.
 */
import { BadRequest, Forbidden, UnsupportedMediaType } from '../domain/errors.js';
import { isReservedNamespace } from '../domain/image.js';
import { pyRepr } from '../schemas/python-format.js';
import type { JsonValue } from '../schemas/python-format.js';

/** The current media type (RFC 6902 shape) and the deprecated draft-04 one. */
export const PATCH_MEDIA_TYPES = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
} as const;

/** Which JSON-patch dialect a request used: 4 (`{"add": "/p"}`) or 10 (`{"op": "add", "path": "/p"}`). */
export type PatchDialect = 4 | 10;

/** A patch operation name. */
export type PatchOp = 'add' | 'remove' | 'replace';

/** One parsed change: `path` is the decoded pointer (`['name']`, `['locations', '-']`). */
export interface PatchChange {
  op: PatchOp;
  path: string[];
  /** Absent for `remove`. */
  value?: unknown;
  dialect: PatchDialect;
}

/** The image schema check used on each value (see `ImageValidator.validate`). */
export interface PatchValueValidator {
  validate(partialImage: Record<string, unknown>): void;
}

const OPS: readonly PatchOp[] = ['add', 'remove', 'replace'];
const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self',
  'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
// Base properties whose schema type is an array: a depth-2 value is one element of it.
const ARRAY_PROPERTIES = ['tags', 'locations'];
const DEPTH: Record<string, Partial<Record<PatchOp, number>>> = { locations: { add: 2, remove: 2, replace: 1 } };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Python's `'%s' % x`: strings verbatim, anything else as its repr.
const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v as JsonValue));

/**
 * Returns the dialect for a request `Content-Type` (parameters ignored), or throws 415 with
 * the `Accept-Patch` header listing both media types.
 */
export function patchDialect(contentType: string | undefined): PatchDialect {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const dialect = (PATCH_MEDIA_TYPES as Record<string, PatchDialect>)[media];
  if (dialect === undefined) {
    throw new UnsupportedMediaType('', { headers: { 'Accept-Patch': Object.keys(PATCH_MEDIA_TYPES).sort().join(', ') } });
  }
  return dialect;
}

function operationOf(raw: Record<string, unknown>, dialect: PatchDialect): PatchOp {
  if (dialect === 10) {
    const op = raw.op;
    if (op === undefined || op === null) {
      throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
    }
    if (!OPS.includes(op as PatchOp)) {
      throw new BadRequest(`Invalid operation: \`${pyStr(op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
    }
    return op as PatchOp;
  }
  const present = OPS.filter((k) => k in raw);
  if (present.length > 1) {
    throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  }
  if (present.length === 0) {
    throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  }
  return present[0] as PatchOp;
}

/** Checks Glance's restrictions on a JSON pointer and decodes it into path segments. */
export function decodePointer(pointer: unknown): string[] {
  const p = pyStr(pointer);
  if (typeof pointer !== 'string' || !p.startsWith('/')) throw new BadRequest(`Pointer \`${p}\` does not start with "/".`);
  if (/\/\s*?\//.test(p.slice(1))) throw new BadRequest(`Pointer \`${p}\` contains adjacent "/".`);
  if (p.length > 1 && p.endsWith('/')) throw new BadRequest(`Pointer \`${p}\` end with "/".`);
  if (p.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${p}\` does not contains valid token.`);
  if (/~[^01]/.test(p) || p.endsWith('~')) {
    throw new BadRequest(`Pointer \`${p}\` contains "~" not part of a recognized escape sequence.`);
  }
  return p.replace(/^\/+/, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function checkChange(change: PatchChange, validator: PatchValueValidator): void {
  const root = change.path[0] ?? '';
  if (READ_ONLY.includes(root)) throw new Forbidden(`Attribute '${root}' is read-only.`);
  if (RESERVED.includes(root) || isReservedNamespace(root)) throw new Forbidden(`Attribute '${root}' is reserved.`);
  if (change.op === 'remove') return;
  if (change.path.length === 1) validator.validate({ [root]: change.value });
  else if (ARRAY_PROPERTIES.includes(root)) validator.validate({ [root]: [change.value] });
}

/**
 * Parses an already JSON-decoded PATCH body (`undefined` when the request had none) sent with
 * `contentType`. Errors, in Glance's order and words: 415 media type; 400 missing body, not an
 * array, element not an object, bad/missing op, bad pointer, wrong path depth ("Invalid JSON
 * pointer for this resource: '/tags/-'"), missing value; 403 read-only or reserved attribute;
 * 400 schema violation of the value.
 */
export function parseImagePatch(
  contentType: string | undefined, body: unknown, validator: PatchValueValidator,
): PatchChange[] {
  const dialect = patchDialect(contentType);
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  const changes: PatchChange[] = [];
  for (const raw of body as unknown[]) {
    if (!isObject(raw)) throw new BadRequest('Operations must be JSON objects.');
    const op = operationOf(raw, dialect);
    if (dialect === 10 && !('path' in raw)) throw new BadRequest("Unable to find 'path' in JSON Schema change");
    const path = decodePointer(dialect === 10 ? raw.path : raw[op]);
    const root = path[0] ?? '';
    if (path.length !== (DEPTH[root]?.[op] ?? 1)) {
      throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    }
    const change: PatchChange = { op, path, dialect };
    if (op !== 'remove') {
      if (!('value' in raw)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
      change.value = raw.value;
    }
    checkChange(change, validator);
    changes.push(change);
  }
  return changes;
}

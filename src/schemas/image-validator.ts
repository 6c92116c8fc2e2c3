/**
 * Validates image documents against the image schema (JSON-Schema draft 4 via Ajv) and parses
 * `POST /v2/images` bodies the way Glance's request deserializer and image factory do, with
 * Glance's error texts.
 */
import Ajv04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import { BadRequest, Forbidden } from '../domain/errors.js';
import { isReservedNamespace } from '../domain/image.js';
import type { JsonSchema } from './image-schema.js';
import type { JsonValue } from './python-format.js';
import { bestMatch, describeFailure, toFailures } from './schema-error-message.js';

/** A create body split into base attributes, extra properties and tags. */
export interface ParsedCreateBody {
  /** Base attributes given by the caller (`id`, `name`, `visibility`, formats, minimums, …). */
  image: Record<string, unknown>;
  /** Extra properties (string values; schema-declared nullable ones may be null). */
  properties: Record<string, string | null>;
  tags: string[];
}

// Keys the deserializer refuses outright on create, before schema validation.
const DISALLOWED_ON_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores'];
// Keys lifted out of the body as base attributes.
const BASE_ON_CREATE = ['checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram',
  'name', 'size', 'virtual_size', 'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
// The image factory's read-only list, checked in this order.
const FACTORY_READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size',
  'virtual_size'];
const FACTORY_RESERVED = ['owner', 'locations', 'deleted', 'deleted_at', 'direct_url', 'self', 'file', 'schema'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validator bound to one image schema document (the one served at `/v2/schemas/image`). */
export class ImageValidator {
  private readonly check: ValidateFunction;
  /** The names of the properties the schema declares (base and custom). */
  readonly declared: ReadonlySet<string>;

  constructor(schema: JsonSchema) {
    // Glance runs Python jsonschema without a format checker, hence validateFormats: false.
    const ajv = new Ajv04.default({ strict: false, allErrors: true, verbose: true, validateFormats: false });
    this.check = ajv.compile(schema);
    this.declared = new Set(Object.keys((schema.properties ?? {}) as object));
  }

  /**
   * Throws `BadRequest` ("Provided object does not match schema 'image': …" followed by the
   * jsonschema description of the most relevant failure) when `obj` does not validate.
   */
  validate(obj: unknown): void {
    if (this.check(obj)) return;
    const best = bestMatch(toFailures(this.check.errors ?? [], obj as JsonValue));
    const reason = best === undefined ? 'invalid' : describeFailure(best);
    throw new BadRequest(`Provided object does not match schema 'image': ${reason}`);
  }

  /**
   * Parses a create body (already JSON-decoded) in Glance's order: refused keys (403 read-only),
   * schema validation (400), custom key length (400), reserved keys and `os_glance*` (403,
   * WebOb detail form), then the image factory's read-only (403) and reserved (403) checks.
   */
  parseCreateBody(body: unknown): ParsedCreateBody {
    if (!isObject(body)) throw new BadRequest('Malformed JSON in request body.');
    for (const key of DISALLOWED_ON_CREATE) {
      if (key in body) throw new Forbidden(`Attribute '${key}' is read-only.`);
    }
    this.validate(body);
    const rest: Record<string, unknown> = { ...body };
    const tags = Array.isArray(rest.tags) ? (rest.tags as string[]) : [];
    delete rest.tags;
    const image: Record<string, unknown> = {};
    for (const key of BASE_ON_CREATE) {
      if (key !== 'tags' && key in rest) {
        image[key] = rest[key];
        delete rest[key];
      }
    }
    for (const key of Object.keys(rest)) {
      if ([...key].length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
      if (RESERVED.includes(key) || isReservedNamespace(key)) {
        throw new Forbidden('', { detail: `Attribute '${key}' is reserved.` });
      }
    }
    for (const key of FACTORY_READONLY) {
      if (key in image) throw new Forbidden(`Attribute '${key}' is read-only.`);
    }
    for (const key of FACTORY_RESERVED) {
      if (key in rest) throw new Forbidden(`Attribute '${key}' is reserved.`);
    }
    return { image, properties: rest as Record<string, string | null>, tags: [...new Set(tags)] };
  }
}

/**
 * Request-body checks of the metadefs API, in the order of Glance's request deserializers: a body
 * is required (400 "Body expected in request."), read-only keys are refused (403), then the body
 * must match the resource's schema document (400 "Provided object does not match schema …",
 * with jsonschema's description of the most relevant failure).
 */
import Ajv04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import { BadRequest, Forbidden } from '../domain/errors.js';
import type { JsonSchema } from './image-schema.js';
import { metadefsSchemas } from './metadefs-schemas.js';
import type { JsonValue } from './python-format.js';
import { bestMatch, describeFailure, toFailures } from './schema-error-message.js';

/** The metadef bodies the API accepts. */
export type MetadefBodyKind = 'namespace' | 'object' | 'property' | 'resource_type' | 'tag' | 'tags';

// The keys each deserializer refuses before validating (Glance's `_disallowed_properties`).
const READ_ONLY: Record<MetadefBodyKind, string[]> = {
  namespace: ['self', 'schema', 'created_at', 'updated_at'],
  object: ['self', 'schema', 'created_at', 'updated_at'],
  property: ['created_at', 'updated_at'],
  resource_type: ['created_at', 'updated_at'],
  tag: ['created_at', 'updated_at'],
  tags: ['created_at', 'updated_at'],
};

// The bulk tag-creation body: a list of `{name}` objects and nothing else.
const TAGS_SCHEMA: JsonSchema = {
  name: 'tags',
  properties: {
    tags: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
    },
  },
  additionalProperties: false,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compiled validators of the metadef schema documents; build one per process. */
export class MetadefValidator {
  private readonly checks = new Map<MetadefBodyKind, { name: string; check: ValidateFunction }>();

  constructor() {
    // Glance runs Python jsonschema without a format checker, hence validateFormats: false.
    const ajv = new Ajv04.default({ strict: false, allErrors: true, verbose: true, validateFormats: false });
    const docs = metadefsSchemas();
    const sources: Record<MetadefBodyKind, JsonSchema> = {
      namespace: docs['metadefs/namespace']!,
      object: docs['metadefs/object']!,
      property: docs['metadefs/property']!,
      resource_type: docs['metadefs/resource_type']!,
      tag: docs['metadefs/tag']!,
      tags: TAGS_SCHEMA,
    };
    for (const [kind, schema] of Object.entries(sources) as [MetadefBodyKind, JsonSchema][]) {
      this.checks.set(kind, { name: String(schema.name), check: ajv.compile(schema) });
    }
  }

  /**
   * Returns `body` as an object once it passes the checks of `kind` (see the module comment).
   * Throws BadRequest or Forbidden with Glance's texts otherwise.
   */
  body(kind: MetadefBodyKind, body: unknown): Record<string, unknown> {
    if (body === undefined) throw new BadRequest('Body expected in request.');
    if (isObject(body)) {
      for (const key of READ_ONLY[kind]) {
        if (key in body) throw new Forbidden(`Attribute '${key}' is read-only.`);
      }
    }
    this.validate(kind, body);
    return body as Record<string, unknown>;
  }

  /** Validates `obj` against the schema of `kind` (400 with jsonschema's reason when it fails). */
  validate(kind: MetadefBodyKind, obj: unknown): void {
    const { name, check } = this.checks.get(kind)!;
    if (check(obj)) return;
    const best = bestMatch(toFailures(check.errors ?? [], obj as JsonValue));
    const reason = best === undefined ? 'invalid' : describeFailure(best);
    throw new BadRequest(`Provided object does not match schema '${name}': ${reason}`);
  }
}

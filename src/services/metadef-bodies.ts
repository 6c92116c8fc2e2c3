/**
 * Request bodies of the metadefs API (already checked against their schema documents) turned
 * into the fields the repositories store, keeping what Glance's WSME models keep: unknown keys
 * are dropped, absent optional fields are null.
 */
import { BadRequest } from '../domain/errors.js';
import { propertyType, propertyTypes, type AssociationFields, type ObjectFields, type PropertyDefinition } from '../domain/metadef.js';

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The list under `key` of a validated body (empty when absent). */
export function listOf(body: Body, key: string): Body[] {
  const v = body[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** The property map under `key` of a validated body (empty when absent). */
export function propertiesOf(body: Body, key = 'properties'): Record<string, PropertyDefinition> {
  const v = body[key];
  return isObject(v) ? propertyTypes(v as Record<string, PropertyDefinition>) : {};
}

// Glance's models mark `name` mandatory; a nested item without one cannot be stored.
function nameOf(item: Body, schema: string): string {
  if (typeof item.name !== 'string') throw new BadRequest(`Provided object does not match schema '${schema}': 'name' is a required property`);
  return item.name;
}

/** An object body (or an object nested in a namespace body). */
export function objectFields(body: Body): ObjectFields {
  return {
    name: nameOf(body, 'object'),
    description: text(body.description),
    required: Array.isArray(body.required) ? body.required.map(String) : null,
    properties: isObject(body.properties) ? propertiesOf(body) : null,
  };
}

/** A resource-type association body (or one nested in a namespace body). */
export function associationFields(body: Body): AssociationFields {
  return { name: nameOf(body, 'resource_type_association'), prefix: text(body.prefix), properties_target: text(body.properties_target) };
}

/** A tag nested in a namespace body. */
export function tagName(body: Body): string {
  return nameOf(body, 'tag');
}

/** A property body as stored: its definition, `name` included (Glance keeps it in the schema). */
export function propertyDefinition(body: Body): PropertyDefinition {
  return propertyType(body);
}

/** The object of a create response, as the request gave it (no links or times). */
export function givenObjectView(fields: ObjectFields, given: Body): Body {
  const out: Body = { name: fields.name };
  if ('required' in given) out.required = given.required;
  if ('description' in given) out.description = given.description;
  if ('properties' in given) out.properties = fields.properties ?? given.properties;
  return out;
}

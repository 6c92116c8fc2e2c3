/**
 * The ten metadata-definition schema documents (`/v2/schemas/metadefs/*`). They share one
 * property-definition body (a JSON-Schema subset) and a few `definitions`, built once here.
 */
import { collectionSchema } from './collection-schema.js';
import type { JsonSchema } from './image-schema.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', null];

// The fields a metadef property may declare, in upstream order.
function propertyBody(): Record<string, JsonSchema> {
  return {
    name: { type: 'string', maxLength: 80 },
    title: { type: 'string' },
    description: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    type: { type: 'string', enum: [...TYPES] },
    required: { $ref: '#/definitions/stringArray' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    maxLength: { $ref: '#/definitions/positiveInteger' },
    minLength: { $ref: '#/definitions/positiveIntegerDefault0' },
    pattern: { type: 'string', format: 'regex' },
    enum: { type: 'array' },
    readonly: { type: 'boolean' },
    default: {},
    items: {
      type: 'object',
      properties: { type: { type: 'string', enum: [...TYPES] }, enum: { type: 'array' } },
    },
    maxItems: { $ref: '#/definitions/positiveInteger' },
    minItems: { $ref: '#/definitions/positiveIntegerDefault0' },
    uniqueItems: { type: 'boolean', default: false },
    additionalItems: { type: 'boolean' },
  };
}

// `stringArray` requires at least one element only in the property documents.
function definitions(opts: { nonEmptyStringArray: boolean; property: boolean }): JsonSchema {
  const stringArray: JsonSchema = { type: 'array', items: { type: 'string' } };
  if (opts.nonEmptyStringArray) stringArray.minItems = 1;
  stringArray.uniqueItems = true;
  const defs: JsonSchema = {
    positiveInteger: { type: 'integer', minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
    stringArray,
  };
  if (opts.property) {
    defs.property = {
      type: 'object',
      additionalProperties: { type: 'object', required: ['title', 'type'], properties: propertyBody() },
    };
  }
  return defs;
}

const timestamp = (description: string): JsonSchema => ({ type: 'string', readOnly: true, description, format: 'date-time' });
const readOnlyString = (): JsonSchema => ({ readOnly: true, type: 'string' });

/** `/v2/schemas/metadefs/namespace`. */
export function metadefNamespaceSchema(): JsonSchema {
  return {
    name: 'namespace',
    properties: {
      namespace: { type: 'string', description: 'The unique namespace text.', maxLength: 80 },
      display_name: {
        type: 'string', description: 'The user friendly name for the namespace. Used by UI if available.', maxLength: 80,
      },
      description: {
        type: 'string', description: 'Provides a user friendly description of the namespace.', maxLength: 500,
      },
      visibility: { type: 'string', description: 'Scope of namespace accessibility.', enum: ['public', 'private'] },
      protected: { type: 'boolean', description: 'If true, namespace will not be deletable.' },
      owner: { type: 'string', description: 'Owner of the namespace.', maxLength: 255 },
      created_at: timestamp('Date and time of namespace creation'),
      updated_at: timestamp('Date and time of the last namespace modification'),
      schema: readOnlyString(),
      self: readOnlyString(),
      resource_type_associations: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } },
        },
      },
      properties: { $ref: '#/definitions/property' },
      objects: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            description: { type: 'string' },
            required: { $ref: '#/definitions/stringArray' },
            properties: { $ref: '#/definitions/property' },
          },
        },
      },
      tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
    },
    additionalProperties: false,
    definitions: definitions({ nonEmptyStringArray: false, property: true }),
    required: ['namespace'],
  };
}

/** `/v2/schemas/metadefs/resource_type` (named `resource_type_association` upstream). */
export function metadefResourceTypeSchema(): JsonSchema {
  return {
    name: 'resource_type_association',
    properties: {
      name: {
        type: 'string',
        description: 'Resource type names should be aligned with Heat resource types whenever possible: '
          + 'https://docs.openstack.org/heat/latest/template_guide/openstack.html',
        maxLength: 80,
      },
      prefix: {
        type: 'string',
        description: 'Specifies the prefix to use for the given resource type. Any properties in the namespace '
          + 'should be prefixed with this prefix when being applied to the specified resource type. Must include '
          + 'prefix separator (e.g. a colon :).',
        maxLength: 80,
      },
      properties_target: {
        type: 'string',
        description: 'Some resource types allow more than one key / value pair per instance.  For example, Cinder '
          + 'allows user and image metadata on volumes. Only the image properties metadata is evaluated by Nova '
          + '(scheduling or drivers). This property allows a namespace target to remove the ambiguity.',
        maxLength: 80,
      },
      created_at: timestamp('Date and time of resource type association'),
      updated_at: timestamp('Date and time of the last resource type association modification'),
    },
    additionalProperties: false,
    required: ['name'],
  };
}

/** `/v2/schemas/metadefs/property`. */
export function metadefPropertySchema(): JsonSchema {
  return {
    name: 'property',
    properties: propertyBody(),
    additionalProperties: false,
    definitions: definitions({ nonEmptyStringArray: true, property: false }),
    required: ['type', 'title', 'name'],
  };
}

/** `/v2/schemas/metadefs/object`. */
export function metadefObjectSchema(): JsonSchema {
  return {
    name: 'object',
    properties: {
      name: { type: 'string', maxLength: 80 },
      description: { type: 'string' },
      required: { $ref: '#/definitions/stringArray' },
      properties: { $ref: '#/definitions/property' },
      schema: readOnlyString(),
      self: readOnlyString(),
      created_at: timestamp('Date and time of object creation'),
      updated_at: timestamp('Date and time of the last object modification'),
    },
    additionalProperties: false,
    definitions: definitions({ nonEmptyStringArray: false, property: true }),
    required: ['name'],
  };
}

/** `/v2/schemas/metadefs/tag`. */
export function metadefTagSchema(): JsonSchema {
  return {
    name: 'tag',
    properties: {
      name: { type: 'string', maxLength: 80 },
      created_at: timestamp('Date and time of tag creation'),
      updated_at: timestamp('Date and time of the last tag modification'),
    },
    additionalProperties: false,
    required: ['name'],
  };
}

/** The ten metadefs documents keyed by their path under `/v2/schemas/`. */
export function metadefsSchemas(): Record<string, JsonSchema> {
  // The property list item drops `name` from `required`: in a map the key is the name.
  const { name: _n, definitions: defs, ...propertyItem } = metadefPropertySchema();
  void _n;
  const properties = collectionSchema(
    'properties',
    { name: 'property', ...propertyItem, required: ['type', 'title'], definitions: defs },
    { paginated: true, asMap: true },
  );
  return {
    'metadefs/namespace': metadefNamespaceSchema(),
    'metadefs/namespaces': collectionSchema('namespaces', metadefNamespaceSchema(), { paginated: true }),
    'metadefs/resource_type': metadefResourceTypeSchema(),
    'metadefs/resource_types': collectionSchema(
      'resource_type_associations', metadefResourceTypeSchema(), { paginated: true },
    ),
    'metadefs/property': metadefPropertySchema(),
    'metadefs/properties': properties,
    'metadefs/object': metadefObjectSchema(),
    'metadefs/objects': collectionSchema('objects', metadefObjectSchema(), { paginated: true }),
    'metadefs/tag': metadefTagSchema(),
    'metadefs/tags': collectionSchema('tags', metadefTagSchema(), { paginated: true }),
  };
}

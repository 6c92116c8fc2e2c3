/**
 * The operator's `schema-image.json`: extra image properties a deployment declares so clients
 * (and Glance's own validation) know their types. Two file shapes exist: the flat
 * `{"prop": {…}, …}` and the extended `{"properties": {…}, "required": [...]}`.
 */
import type { JsonSchema } from './image-schema.js';

/** Parsed custom properties: each tagged `is_base: false`, plus an optional `required` list. */
export interface CustomProperties {
  properties: Record<string, JsonSchema>;
  required?: string[];
}

/** A `schema-image.json` that cannot be used; start-up must fail with this message. */
export class SchemaLoadError extends Error {
  constructor(reason: string) {
    super(`Unable to load schema: ${reason}`);
    this.name = 'SchemaLoadError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// The extended shape is recognised by a `properties` member that is itself a map of schemas
// and no other member besides `required`; a flat file that happens to declare a custom property
// literally named "properties" keeps its meaning.
function isExtendedShape(doc: Record<string, unknown>): boolean {
  if (!isObject(doc.properties)) return false;
  if (!Object.keys(doc).every((k) => k === 'properties' || k === 'required')) return false;
  return Object.values(doc.properties).every(isObject);
}

/**
 * Parses the JSON document of `schema-image.json` and checks it against the base properties.
 * Every custom property gets `is_base: false` appended. A custom property whose definition
 * differs from a base property of the same name is an error naming the clashing keys (which,
 * with `is_base` added, means any redefinition of a base property).
 */
export function mergeCustomProperties(doc: unknown, base: Record<string, JsonSchema>): CustomProperties {
  if (!isObject(doc)) throw new SchemaLoadError('schema-image.json must contain a JSON object');
  let props: Record<string, unknown>;
  let required: string[] | undefined;
  if (isExtendedShape(doc)) {
    props = doc.properties as Record<string, unknown>;
    if (doc.required !== undefined) {
      if (!Array.isArray(doc.required) || !doc.required.every((r) => typeof r === 'string')) {
        throw new SchemaLoadError('"required" must be a list of property names');
      }
      required = [...(doc.required as string[])];
    }
  } else {
    props = doc;
  }
  const properties: Record<string, JsonSchema> = {};
  for (const [key, value] of Object.entries(props)) {
    if (!isObject(value)) throw new SchemaLoadError(`custom property ${key} must be a JSON object`);
    properties[key] = { ...value, is_base: false };
  }
  const clashing = Object.keys(properties).filter(
    (k) => k in base && JSON.stringify(base[k]) !== JSON.stringify(properties[k]),
  );
  if (clashing.length > 0) {
    throw new SchemaLoadError(`custom properties (${clashing.join(', ')}) conflict with base properties`);
  }
  return required === undefined ? { properties } : { properties, required };
}

/**
 * The custom properties Debian and Glance ship in `etc/schema-image.json`, already in merged
 * form; used when the operator's file is the stock one and by tests (ref 020 shows them).
 */
export function stockCustomProperties(): CustomProperties {
  const uuid = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
  const keys = 'as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html';
  return {
    properties: {
      kernel_id: {
        type: ['null', 'string'], pattern: uuid,
        description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
        is_base: false,
      },
      ramdisk_id: {
        type: ['null', 'string'], pattern: uuid,
        description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.',
        is_base: false,
      },
      instance_uuid: {
        type: 'string',
        description: 'Metadata which can be used to record which instance this image is associated with. '
          + '(Informational only, does not create an instance snapshot.)',
        is_base: false,
      },
      architecture: { description: `Operating system architecture ${keys}`, type: 'string', is_base: false },
      os_distro: {
        description: `Common name of operating system distribution ${keys}`, type: 'string', is_base: false,
      },
      os_version: {
        description: 'Operating system version as specified by the distributor.', type: 'string', is_base: false,
      },
      description: { description: 'A human-readable string describing this image.', type: 'string', is_base: false },
      cinder_encryption_key_id: {
        description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block '
          + 'Storage Service to use when mounting a volume created from this image',
        type: 'string', is_base: false,
      },
      cinder_encryption_key_deletion_policy: {
        description: 'States the condition under which the Image Service will delete the object associated with '
          + "the 'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will "
          + 'take no action',
        type: 'string', enum: ['on_image_deletion', 'do_not_delete'], is_base: false,
      },
    },
  };
}

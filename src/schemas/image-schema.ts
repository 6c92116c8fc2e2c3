/**
 * The `/v2/schemas/image` document: Glance's base image properties (formats taken from
 * `[image_format]`), merged with the operator's custom properties, plus the image links.
 * Key order follows the recorded server output (ref 020), so serving the object with
 * `JSON.stringify` reproduces the upstream document byte order too.
 */
import type { CustomProperties } from './custom-properties.js';

/** A JSON-Schema fragment as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** The `[image_format]` options the schema depends on. */
export interface ImageSchemaConfig {
  diskFormats: string[];
  containerFormats: string[];
}

/** The pattern Glance uses for image ids (and custom `kernel_id`/`ramdisk_id`). */
export const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

const nullableString = (): string[] => ['null', 'string'];

/** The base (`is_base` implied) image properties, in upstream order. */
export function baseImageProperties(cfg: ImageSchemaConfig): Record<string, JsonSchema> {
  return {
    id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
    name: { type: nullableString(), description: 'Descriptive name for the image', maxLength: 255 },
    status: {
      type: 'string', readOnly: true, description: 'Status of the image',
      enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'],
    },
    visibility: {
      type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'],
    },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: { type: nullableString(), readOnly: true, description: 'md5 hash of image contents.', maxLength: 32 },
    os_hash_algo: {
      type: nullableString(), readOnly: true, description: 'Algorithm to calculate the os_hash_value', maxLength: 64,
    },
    os_hash_value: {
      type: nullableString(), readOnly: true,
      description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', maxLength: 128,
    },
    owner: { type: nullableString(), description: 'Owner of the image', maxLength: 255 },
    size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
    virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
    container_format: {
      type: nullableString(), description: 'Format of the container', enum: [null, ...cfg.containerFormats],
    },
    disk_format: { type: nullableString(), description: 'Format of the disk', enum: [null, ...cfg.diskFormats] },
    created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
    updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
    tags: {
      type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 },
    },
    direct_url: {
      type: 'string', readOnly: true, description: 'URL to access the image file kept in external store',
    },
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: { type: 'string', readOnly: true, description: 'An image self url' },
    file: { type: 'string', readOnly: true, description: 'An image file url' },
    // Present whatever the store configuration: Glance declares it unconditionally (ref 020 was
    // recorded on a multistore server, and Glance's code has no switch for it).
    stores: {
      type: 'string', readOnly: true,
      description: 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  '
        + 'May be a comma-separated list of store identifiers.',
    },
    schema: { type: 'string', readOnly: true, description: 'An image schema url' },
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string', maxLength: 255 },
          metadata: { type: 'object' },
          validation_data: {
            description: 'Values to be used to populate the corresponding image properties. If the image status is '
              + "not 'queued', values must exactly match those already contained in the image properties.",
            type: 'object',
            writeOnly: true,
            additionalProperties: false,
            properties: {
              checksum: { type: 'string', minLength: 32, maxLength: 32 },
              os_hash_algo: { type: 'string', maxLength: 64 },
              os_hash_value: { type: 'string', maxLength: 128 },
            },
            required: ['os_hash_algo', 'os_hash_value'],
          },
        },
        required: ['url', 'metadata'],
      },
      description: 'A set of URLs to access the image file kept in external store',
    },
  };
}

/** The links of an image document, as URI templates. */
export function imageLinks(): JsonSchema[] {
  return [
    { rel: 'self', href: '{self}' },
    { rel: 'enclosure', href: '{file}' },
    { rel: 'describedby', href: '{schema}' },
  ];
}

/**
 * The full ("raw") image schema: base properties, then the custom ones (already tagged
 * `is_base: false` by `mergeCustomProperties`), string-valued additional properties, links, and
 * `required` only when the operator's file declared one.
 */
export function buildImageSchema(cfg: ImageSchemaConfig, custom?: CustomProperties): JsonSchema {
  const schema: JsonSchema = {
    name: 'image',
    properties: { ...baseImageProperties(cfg), ...(custom?.properties ?? {}) },
    additionalProperties: { type: 'string' },
  };
  // Glance emits `required` between `additionalProperties` and `links`.
  if (custom?.required !== undefined && custom.required.length > 0) schema.required = [...custom.required];
  schema.links = imageLinks();
  return schema;
}

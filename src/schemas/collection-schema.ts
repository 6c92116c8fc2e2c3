/**
 * Glance's collection schemas (`images`, `members`, `tasks`, the metadefs lists): the item
 * schema nested under an array property, with the item's `definitions` hoisted to the top.
 */
import type { JsonSchema } from './image-schema.js';

/** How a collection document is shaped. */
export interface CollectionOptions {
  /** Add `first`/`next` string properties and links (paginated collections). */
  paginated: boolean;
  /** Nest items as `type: object, additionalProperties: item` (metadefs properties) instead of an array. */
  asMap?: boolean;
}

/**
 * Builds the collection document `name` around `item` (an object schema with a `name`). The
 * item keeps its own links; its `definitions` move to the top level, after the collection's
 * links (`first`/`next`/`describedby`, or only `describedby`).
 */
export function collectionSchema(name: string, item: JsonSchema, opts: CollectionOptions): JsonSchema {
  const { definitions, ...itemBody } = item;
  const holder: JsonSchema = opts.asMap
    ? { type: 'object', additionalProperties: itemBody }
    : { type: 'array', items: itemBody };
  const properties: Record<string, JsonSchema> = { [name]: holder };
  if (opts.paginated) {
    properties.first = { type: 'string' };
    properties.next = { type: 'string' };
  }
  properties.schema = { type: 'string' };
  const links: JsonSchema[] = opts.paginated
    ? [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }]
    : [{ rel: 'describedby', href: '{schema}' }];
  const doc: JsonSchema = { name, properties, links };
  if (definitions !== undefined) doc.definitions = definitions;
  return doc;
}

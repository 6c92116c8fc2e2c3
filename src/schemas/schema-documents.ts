/**
 * Every document served under `/v2/schemas/`, built once at start-up from configuration.
 */
import { collectionSchema } from './collection-schema.js';
import type { CustomProperties } from './custom-properties.js';
import { buildImageSchema } from './image-schema.js';
import type { ImageSchemaConfig, JsonSchema } from './image-schema.js';
import { memberSchema, membersSchema, taskSchema, tasksSchema } from './member-task-schemas.js';
import { metadefsSchemas } from './metadefs-schemas.js';

/** The schema documents keyed by their path below `/v2/schemas/` (e.g. `image`, `metadefs/tags`). */
export type SchemaDocuments = Readonly<Record<string, JsonSchema>>;

/**
 * Builds all sixteen documents. `custom` is the parsed operator `schema-image.json` (see
 * `mergeCustomProperties`), or undefined when the deployment has none. The returned objects are
 * fresh; callers may serialise them with `JSON.stringify` to get upstream's key order.
 */
export function buildSchemaDocuments(cfg: ImageSchemaConfig, custom?: CustomProperties): SchemaDocuments {
  const image = buildImageSchema(cfg, custom);
  return {
    image,
    images: collectionSchema('images', buildImageSchema(cfg, custom), { paginated: true }),
    member: memberSchema(),
    members: membersSchema(),
    task: taskSchema(),
    tasks: tasksSchema(),
    ...metadefsSchemas(),
  };
}

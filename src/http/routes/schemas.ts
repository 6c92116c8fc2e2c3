/**
 * `GET /v2/schemas/*`: the JSON-schema documents, built once at start-up from the configured
 * formats and the operator's `schema-image.json`. No policy applies, as in Glance.
 */
import type { FastifyInstance } from 'fastify';
import type { SchemaDocuments } from '../../schemas/schema-documents.js';
import type { RouteRegistrar } from '../server.js';
import { rejectBody } from './images.js';

// Glance's router marks every schema route `body_reject` except the two task ones.
const BODY_ALLOWED = new Set(['task', 'tasks']);

/**
 * Registers one GET route per schema document (`image`, `images`, `metadefs/namespace`, …);
 * a request with a body gets 400 (see `rejectBody`), except on `task` and `tasks`.
 */
export function schemaRoutes(docs: SchemaDocuments): RouteRegistrar {
  return (app: FastifyInstance) => {
    for (const [name, doc] of Object.entries(docs)) {
      const opts = BODY_ALLOWED.has(name) ? {} : { onRequest: rejectBody };
      app.get(`/v2/schemas/${name}`, opts, async () => doc);
    }
  };
}

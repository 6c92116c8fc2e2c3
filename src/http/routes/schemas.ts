/**
 * `GET /v2/schemas/*`: the JSON-schema documents, built once at start-up from the configured
 * formats and the operator's `schema-image.json`. No policy applies, as in Glance.
 */
import type { FastifyInstance } from 'fastify';
import type { SchemaDocuments } from '../../schemas/schema-documents.js';
import type { RouteRegistrar } from '../server.js';

/** Registers one GET route per schema document (`image`, `images`, `metadefs/namespace`, …). */
export function schemaRoutes(docs: SchemaDocuments): RouteRegistrar {
  return (app: FastifyInstance) => {
    for (const [name, doc] of Object.entries(docs)) {
      app.get(`/v2/schemas/${name}`, async () => doc);
    }
  };
}

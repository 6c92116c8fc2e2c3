/**
 * Train: empty schema revisions plus `train_migrate01_backend_to_store`, the data migration that
 * renames the `backend` key of image location metadata to `store`.
 */
import { sql } from 'kysely';
import { emptyRevision, type DataMigration } from './revision.js';

/** Revision `train_expand01`. */
export const trainExpand01 = emptyRevision(
  'train_expand01', 'rocky_expand02', null, 'expand', 'empty expand for symmetry with train_contract01',
);
/** Revision `train_contract01`. */
export const trainContract01 = emptyRevision('train_contract01', 'rocky_contract02', 'train_expand01', 'contract', null);

// LIKE instead of upstream's INSTR so the same text works on PostgreSQL too.
const HAS_BACKEND = `meta_data LIKE '%"backend":%'`;

/** Data migration `train_migrate01_backend_to_store`. */
export const trainMigrate01: DataMigration = {
  name: 'train_migrate01_backend_to_store',
  async hasMigrations(ctx) {
    const r = await sql.raw(`SELECT id FROM image_locations WHERE ${HAS_BACKEND} LIMIT 1`).execute(ctx.db);
    return r.rows.length > 0;
  },
  async migrate(ctx) {
    const r = await sql
      .raw(`UPDATE image_locations SET meta_data = REPLACE(meta_data, '"backend":', '"store":') WHERE ${HAS_BACKEND}`)
      .execute(ctx.db);
    return Number(r.numAffectedRows ?? 0n);
  },
};

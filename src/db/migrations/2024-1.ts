/** 2024.1 (Caracal): the image-cache bookkeeping tables `node_reference` and `cached_images`. */
import { col, createTable, t, type ColumnType } from './ddl.js';
import type { Revision } from './revision.js';

// BigInteger().with_variant(Integer, 'sqlite'): SQLite needs INTEGER for rowid autoincrement.
const bigId: ColumnType = { kind: 'bigint', sqliteInteger: true };

/** Revision `2024_1_expand01`. */
export const expand2024x1: Revision = {
  id: '2024_1_expand01',
  down: '2023_1_expand01',
  dependsOn: null,
  branch: 'expand',
  doc: 'adds cache_node_reference and cached_images table(s)',
  async upgrade(ctx) {
    await createTable(ctx, {
      name: 'node_reference',
      columns: [
        col('node_reference_id', bigId, false, { autoincrement: true }),
        col('node_reference_url', t.str(255), false),
      ],
      primaryKey: ['node_reference_id'],
      uniques: [{ name: 'uq_node_reference_node_reference_url', columns: ['node_reference_url'] }],
    });
    await createTable(ctx, {
      name: 'cached_images',
      columns: [
        col('id', bigId, false, { autoincrement: true }),
        col('image_id', t.str(36), false),
        col('last_accessed', t.datetime, false),
        col('last_modified', t.datetime, false),
        col('size', t.bigint, false),
        col('hits', t.int, false),
        col('checksum', t.str(32), true),
        col('node_reference_id', bigId, false),
      ],
      primaryKey: ['id'],
      foreignKeys: [{ columns: ['node_reference_id'], refTable: 'node_reference', refColumns: ['node_reference_id'] }],
      uniques: [{ name: 'ix_cached_images_image_id_node_reference_id', columns: ['image_id', 'node_reference_id'] }],
    });
  },
};

/** Rocky: `os_hidden` and the multihash columns on images; empty contracts. */
import { addColumn, col, createIndex, t } from './ddl.js';
import { emptyRevision, type Revision } from './revision.js';

/** Revision `rocky_expand01`. */
export const rockyExpand01: Revision = {
  id: 'rocky_expand01',
  down: 'queens_expand01',
  dependsOn: null,
  branch: 'expand',
  doc: 'add os_hidden column to images table',
  async upgrade(ctx) {
    await addColumn(ctx, 'images', col('os_hidden', t.plainBool, false, { defaultValue: false }));
    await createIndex(ctx, 'images', { name: 'os_hidden_image_idx', columns: ['os_hidden'] });
  },
};

/** Revision `rocky_expand02`. */
export const rockyExpand02: Revision = {
  id: 'rocky_expand02',
  down: 'rocky_expand01',
  dependsOn: null,
  branch: 'expand',
  doc: 'add os_hash_algo and os_hash_value columns to images table',
  async upgrade(ctx) {
    await addColumn(ctx, 'images', col('os_hash_algo', t.str(64), true));
    await addColumn(ctx, 'images', col('os_hash_value', t.str(128), true));
    await createIndex(ctx, 'images', { name: 'os_hash_value_image_idx', columns: ['os_hash_value'] });
  },
};

/** Revision `rocky_contract01`. */
export const rockyContract01 = emptyRevision('rocky_contract01', 'queens_contract01', 'rocky_expand01', 'contract', null);
/** Revision `rocky_contract02`. */
export const rockyContract02 = emptyRevision('rocky_contract02', 'rocky_contract01', 'rocky_expand02', 'contract', null);

/** Wallaby: task bookkeeping columns (`image_id`, `request_id`, `user_id`). */
import { addColumn, col, createIndex, t } from './ddl.js';
import { emptyRevision, type Revision } from './revision.js';

/** Revision `wallaby_expand01`; the upstream doc string really ends with a stray `"`. */
export const wallabyExpand01: Revision = {
  id: 'wallaby_expand01',
  down: 'ussuri_expand01',
  dependsOn: null,
  branch: 'expand',
  doc: 'add image_id, request_id, user columns to tasks table"',
  async upgrade(ctx) {
    await addColumn(ctx, 'tasks', col('image_id', t.str(36), true));
    await addColumn(ctx, 'tasks', col('request_id', t.str(64), true));
    await addColumn(ctx, 'tasks', col('user_id', t.str(64), true));
    await createIndex(ctx, 'tasks', { name: 'ix_tasks_image_id', columns: ['image_id'] });
  },
};

/** Revision `wallaby_contract01`. */
export const wallabyContract01 = emptyRevision('wallaby_contract01', 'ussuri_contract01', 'wallaby_expand01', 'contract', null);

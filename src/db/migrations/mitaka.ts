/** `mitaka01` (created/updated indexes on images) and `mitaka02` (metadef resource rename). */
import { createIndex } from './ddl.js';
import type { Revision } from './revision.js';

/** Revision `mitaka01`. */
export const mitaka01: Revision = {
  id: 'mitaka01',
  down: 'liberty',
  dependsOn: null,
  branch: null,
  doc: "add index on created_at and updated_at columns of 'images' table",
  async upgrade(ctx) {
    await createIndex(ctx, 'images', { name: 'created_at_image_idx', columns: ['created_at'] });
    await createIndex(ctx, 'images', { name: 'updated_at_image_idx', columns: ['updated_at'] });
  },
};

/** Revision `mitaka02`: the Nova instance resource type was renamed to OS::Nova::Server. */
export const mitaka02: Revision = {
  id: 'mitaka02',
  down: 'mitaka01',
  dependsOn: null,
  branch: null,
  doc: 'update metadef os_nova_server',
  async upgrade(ctx) {
    await ctx.exec(
      "UPDATE metadef_resource_types SET name='OS::Nova::Server' WHERE metadef_resource_types.name = 'OS::Nova::Instance'",
    );
  },
};

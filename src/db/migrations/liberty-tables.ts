/**
 * Table definitions of the `liberty` base revision: images and their children, tasks, metadefs.
 * (The Glare artifact tables, also created by liberty, live in liberty-artifacts.ts.)
 */
import { col, t, type ColumnSpec, type TableSpec } from './ddl.js';

const softDelete: ColumnSpec[] = [
  col('created_at', t.datetime, false),
  col('updated_at', t.datetime, true),
  col('deleted_at', t.datetime, true),
  col('deleted', t.bool, false),
];
const times: ColumnSpec[] = [col('created_at', t.datetime, false), col('updated_at', t.datetime, true)];
const imageFk = [{ columns: ['image_id'], refTable: 'images', refColumns: ['id'] }];
const nsFk = [{ columns: ['namespace_id'], refTable: 'metadef_namespaces', refColumns: ['id'] }];
const serialId = col('id', t.int, false, { autoincrement: true });

/** `images` as liberty created it (with `is_public`, before visibility existed). */
export const libertyImages: TableSpec = {
  name: 'images',
  columns: [
    col('id', t.str(36), false),
    col('name', t.str(255), true),
    col('size', t.bigint, true),
    col('status', t.str(30), false),
    col('is_public', t.bool, false),
    ...softDelete,
    col('disk_format', t.str(20), true),
    col('container_format', t.str(20), true),
    col('checksum', t.str(32), true),
    col('owner', t.str(255), true),
    col('min_disk', t.int, false),
    col('min_ram', t.int, false),
    col('protected', t.bool, false, { defaultValue: false }),
    col('virtual_size', t.bigint, true),
  ],
  primaryKey: ['id'],
  indexes: [
    { name: 'checksum_image_idx', columns: ['checksum'] },
    { name: 'ix_images_deleted', columns: ['deleted'] },
    { name: 'ix_images_is_public', columns: ['is_public'] },
    { name: 'owner_image_idx', columns: ['owner'] },
  ],
};

/** The image child tables and tasks, in liberty's creation order. */
export const libertyImageTables: TableSpec[] = [
  {
    name: 'image_properties',
    columns: [serialId, col('image_id', t.str(36), false), col('name', t.str(255), false), col('value', t.text, true), ...softDelete],
    primaryKey: ['id'],
    foreignKeys: imageFk,
    uniques: [{ name: 'ix_image_properties_image_id_name', columns: ['image_id', 'name'] }],
    indexes: [
      { name: 'ix_image_properties_deleted', columns: ['deleted'] },
      { name: 'ix_image_properties_image_id', columns: ['image_id'] },
    ],
  },
  {
    name: 'image_locations',
    columns: [
      serialId, col('image_id', t.str(36), false), col('value', t.text, false), ...softDelete,
      col('meta_data', t.text, true), col('status', t.str(30), false, { defaultValue: 'active' }),
    ],
    primaryKey: ['id'],
    foreignKeys: imageFk,
    indexes: [
      { name: 'ix_image_locations_deleted', columns: ['deleted'] },
      { name: 'ix_image_locations_image_id', columns: ['image_id'] },
    ],
  },
  {
    name: 'image_members',
    columns: [
      serialId, col('image_id', t.str(36), false), col('member', t.str(255), false), col('can_share', t.bool, false),
      ...softDelete, col('status', t.str(20), false, { defaultValue: 'pending' }),
    ],
    primaryKey: ['id'],
    foreignKeys: imageFk,
    uniques: [{ name: 'image_members_image_id_member_deleted_at_key', columns: ['image_id', 'member', 'deleted_at'] }],
    indexes: [
      { name: 'ix_image_members_deleted', columns: ['deleted'] },
      { name: 'ix_image_members_image_id', columns: ['image_id'] },
      { name: 'ix_image_members_image_id_member', columns: ['image_id', 'member'] },
    ],
  },
  {
    name: 'image_tags',
    columns: [serialId, col('image_id', t.str(36), false), col('value', t.str(255), false), ...softDelete],
    primaryKey: ['id'],
    foreignKeys: imageFk,
    indexes: [
      { name: 'ix_image_tags_image_id', columns: ['image_id'] },
      { name: 'ix_image_tags_image_id_tag_value', columns: ['image_id', 'value'] },
    ],
  },
];

/** `tasks` and `task_info`. */
export const libertyTaskTables: TableSpec[] = [
  {
    name: 'tasks',
    columns: [
      col('id', t.str(36), false), col('type', t.str(30), false), col('status', t.str(30), false),
      col('owner', t.str(255), false), col('expires_at', t.datetime, true), ...softDelete,
    ],
    primaryKey: ['id'],
    indexes: [
      { name: 'ix_tasks_deleted', columns: ['deleted'] },
      { name: 'ix_tasks_owner', columns: ['owner'] },
      { name: 'ix_tasks_status', columns: ['status'] },
      { name: 'ix_tasks_type', columns: ['type'] },
      { name: 'ix_tasks_updated_at', columns: ['updated_at'] },
    ],
  },
  {
    name: 'task_info',
    columns: [col('task_id', t.str(36), false), col('input', t.text, true), col('result', t.text, true), col('message', t.text, true)],
    primaryKey: ['task_id'],
    foreignKeys: [{ columns: ['task_id'], refTable: 'tasks', refColumns: ['id'] }],
  },
];

/** The metadata-definition tables. */
export const libertyMetadefTables: TableSpec[] = [
  {
    name: 'metadef_namespaces',
    columns: [
      serialId, col('namespace', t.str(80), false), col('display_name', t.str(80), true), col('description', t.text, true),
      col('visibility', t.str(32), true), col('protected', t.bool, true), col('owner', t.str(255), false), ...times,
    ],
    primaryKey: ['id'],
    uniques: [{ name: 'uq_metadef_namespaces_namespace', columns: ['namespace'] }],
    indexes: [{ name: 'ix_metadef_namespaces_owner', columns: ['owner'] }],
  },
  {
    name: 'metadef_resource_types',
    columns: [serialId, col('name', t.str(80), false), col('protected', t.bool, false), ...times],
    primaryKey: ['id'],
    uniques: [{ name: 'uq_metadef_resource_types_name', columns: ['name'] }],
  },
  {
    name: 'metadef_namespace_resource_types',
    columns: [
      col('resource_type_id', t.int, false), col('namespace_id', t.int, false),
      col('properties_target', t.str(80), true), col('prefix', t.str(80), true), ...times,
    ],
    primaryKey: ['resource_type_id', 'namespace_id'],
    foreignKeys: [...nsFk, { columns: ['resource_type_id'], refTable: 'metadef_resource_types', refColumns: ['id'] }],
    indexes: [{ name: 'ix_metadef_ns_res_types_namespace_id', columns: ['namespace_id'] }],
  },
  {
    name: 'metadef_objects',
    columns: [
      serialId, col('namespace_id', t.int, false), col('name', t.str(80), false), col('description', t.text, true),
      col('required', t.text, true), col('json_schema', t.text, false), ...times,
    ],
    primaryKey: ['id'],
    foreignKeys: nsFk,
    uniques: [{ name: 'uq_metadef_objects_namespace_id_name', columns: ['namespace_id', 'name'] }],
    indexes: [{ name: 'ix_metadef_objects_name', columns: ['name'] }],
  },
  {
    name: 'metadef_properties',
    columns: [serialId, col('namespace_id', t.int, false), col('name', t.str(80), false), col('json_schema', t.text, false), ...times],
    primaryKey: ['id'],
    foreignKeys: nsFk,
    uniques: [{ name: 'uq_metadef_properties_namespace_id_name', columns: ['namespace_id', 'name'] }],
    indexes: [{ name: 'ix_metadef_properties_name', columns: ['name'] }],
  },
  {
    name: 'metadef_tags',
    columns: [serialId, col('namespace_id', t.int, false), col('name', t.str(80), false), ...times],
    primaryKey: ['id'],
    foreignKeys: nsFk,
    uniques: [{ name: 'uq_metadef_tags_namespace_id_name', columns: ['namespace_id', 'name'] }],
    indexes: [{ name: 'ix_metadef_tags_name', columns: ['name'] }],
  },
];

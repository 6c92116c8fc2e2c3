/**
 * The Glare artifact tables created by `liberty` and dropped by `pike_contract01`. They are
 * created for fidelity: a database stopped between those revisions has them, and the drop
 * must find them.
 */
import { col, t, type ColumnSpec, type TableSpec } from './ddl.js';

const times: ColumnSpec[] = [col('created_at', t.datetime, false), col('updated_at', t.datetime, false)];
const uuid = (name: string, nullable = false) => col(name, t.str(36), nullable);
const artifactFk = (c: string) => ({ columns: [c], refTable: 'artifacts', refColumns: ['id'] });

/** Artifact tables in creation order; pike_contract01 drops them in its own order. */
export const libertyArtifactTables: TableSpec[] = [
  {
    name: 'artifacts',
    columns: [
      uuid('id'), col('name', t.str(255), false), col('type_name', t.str(255), false),
      col('type_version_prefix', t.bigint, false), col('type_version_suffix', t.str(255), true),
      col('type_version_meta', t.str(255), true), col('version_prefix', t.bigint, false),
      col('version_suffix', t.str(255), true), col('version_meta', t.str(255), true),
      col('description', t.text, true), col('visibility', t.str(32), false), col('state', t.str(32), false),
      col('owner', t.str(255), false), ...times, col('deleted_at', t.datetime, true),
      col('published_at', t.datetime, true),
    ],
    primaryKey: ['id'],
    indexes: [
      { name: 'ix_artifact_name_and_version', columns: ['name', 'version_prefix', 'version_suffix'] },
      { name: 'ix_artifact_owner', columns: ['owner'] },
      { name: 'ix_artifact_state', columns: ['state'] },
      { name: 'ix_artifact_type', columns: ['type_name', 'type_version_prefix', 'type_version_suffix'] },
      { name: 'ix_artifact_visibility', columns: ['visibility'] },
    ],
  },
  {
    name: 'artifact_blobs',
    columns: [
      uuid('id'), uuid('artifact_id'), col('size', t.bigint, false), col('checksum', t.str(32), true),
      col('name', t.str(255), false), col('item_key', t.str(329), true), col('position', t.int, true), ...times,
    ],
    primaryKey: ['id'],
    foreignKeys: [artifactFk('artifact_id')],
    indexes: [
      { name: 'ix_artifact_blobs_artifact_id', columns: ['artifact_id'] },
      { name: 'ix_artifact_blobs_name', columns: ['name'] },
    ],
  },
  {
    name: 'artifact_dependencies',
    columns: [
      uuid('id'), uuid('artifact_source'), uuid('artifact_dest'), uuid('artifact_origin'),
      col('is_direct', t.bool, false), col('position', t.int, true), col('name', t.str(36), true), ...times,
    ],
    primaryKey: ['id'],
    foreignKeys: [artifactFk('artifact_dest'), artifactFk('artifact_origin'), artifactFk('artifact_source')],
    indexes: [
      { name: 'ix_artifact_dependencies_dest_id', columns: ['artifact_dest'] },
      { name: 'ix_artifact_dependencies_direct_dependencies', columns: ['artifact_source', 'is_direct'] },
      { name: 'ix_artifact_dependencies_origin_id', columns: ['artifact_origin'] },
      { name: 'ix_artifact_dependencies_source_id', columns: ['artifact_source'] },
    ],
  },
  {
    name: 'artifact_properties',
    columns: [
      uuid('id'), uuid('artifact_id'), col('name', t.str(255), false), col('string_value', t.str(255), true),
      col('int_value', t.int, true), col('numeric_value', t.numeric, true), col('bool_value', t.bool, true),
      col('text_value', t.text, true), ...times, col('position', t.int, true),
    ],
    primaryKey: ['id'],
    foreignKeys: [artifactFk('artifact_id')],
    indexes: [
      { name: 'ix_artifact_properties_artifact_id', columns: ['artifact_id'] },
      { name: 'ix_artifact_properties_name', columns: ['name'] },
    ],
  },
  {
    name: 'artifact_tags',
    columns: [uuid('id'), uuid('artifact_id'), col('value', t.str(255), false), ...times],
    primaryKey: ['id'],
    foreignKeys: [artifactFk('artifact_id')],
    indexes: [
      { name: 'ix_artifact_tags_artifact_id', columns: ['artifact_id'] },
      { name: 'ix_artifact_tags_artifact_id_tag_value', columns: ['artifact_id', 'value'] },
    ],
  },
  {
    name: 'artifact_blob_locations',
    columns: [
      uuid('id'), uuid('blob_id'), col('value', t.text, false), ...times, col('position', t.int, true),
      col('status', t.str(36), true),
    ],
    primaryKey: ['id'],
    foreignKeys: [{ columns: ['blob_id'], refTable: 'artifact_blobs', refColumns: ['id'] }],
    indexes: [{ name: 'ix_artifact_blob_locations_blob_id', columns: ['blob_id'] }],
  },
];

/** pike_contract01's drop order (children before parents). */
export const artifactDropOrder = [
  'artifact_blob_locations',
  'artifact_properties',
  'artifact_blobs',
  'artifact_dependencies',
  'artifact_tags',
  'artifacts',
];

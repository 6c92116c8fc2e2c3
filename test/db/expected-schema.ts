/**
 * Glance 2024.1's schema as each dialect's catalog reports it, written from the inventory (§8.1)
 * and from the DDL SQLAlchemy/alembic emit for Glance's migrations (checked against the schema
 * Debian's real Glance 25.1 creates). Booleans declared by Glance's migrate helpers carry a
 * CHECK (col IN (0, 1)) on MySQL and SQLite; `images` loses its CHECKs on SQLite when alembic
 * rebuilds it; PostgreSQL has native booleans and no CHECKs.
 */
import type { Dialect } from '../../src/db/connection-url.js';
import type { SchemaShape, TableShape } from './introspect.js';

type Kind = 'str' | 'text' | 'bool' | 'pbool' | 'int' | 'bigint' | 'bigint-sqliteint' | 'dt' | 'vis';
/** [name, kind, nullable, default ('false' | quoted string), length or autoincrement] */
type Col = [string, Kind, boolean, (string | null)?, (number | 'auto')?];

interface TableDef {
  cols: Col[];
  pk: string[];
  indexes: Record<string, string[]>;
  uniques?: Record<string, string[]>;
  fks?: string[];
}

const sd: Col[] = [['created_at', 'dt', false], ['updated_at', 'dt', true], ['deleted_at', 'dt', true], ['deleted', 'bool', false]];
const tm: Col[] = [['created_at', 'dt', false], ['updated_at', 'dt', true]];
const id: Col = ['id', 'int', false, null, 'auto'];
const s = (name: string, len: number, nullable: boolean, dflt: string | null = null): Col => [name, 'str', nullable, dflt, len];

const TABLES: Record<string, TableDef> = {
  images: {
    cols: [
      s('id', 36, false), s('name', 255, true), ['size', 'bigint', true], s('status', 30, false), ...sd,
      s('disk_format', 20, true), s('container_format', 20, true), s('checksum', 32, true), s('owner', 255, true),
      ['min_disk', 'int', false], ['min_ram', 'int', false], ['protected', 'bool', false, 'false'],
      ['virtual_size', 'bigint', true], ['visibility', 'vis', false, "'shared'"], ['os_hidden', 'pbool', false, 'false'],
      s('os_hash_algo', 64, true), s('os_hash_value', 128, true),
    ],
    pk: ['id'],
    indexes: {
      checksum_image_idx: ['checksum'], ix_images_deleted: ['deleted'], owner_image_idx: ['owner'],
      created_at_image_idx: ['created_at'], updated_at_image_idx: ['updated_at'], visibility_image_idx: ['visibility'],
      os_hidden_image_idx: ['os_hidden'], os_hash_value_image_idx: ['os_hash_value'],
    },
  },
  image_properties: {
    cols: [id, s('image_id', 36, false), s('name', 255, false), ['value', 'text', true], ...sd],
    pk: ['id'],
    indexes: { ix_image_properties_deleted: ['deleted'], ix_image_properties_image_id: ['image_id'] },
    uniques: { ix_image_properties_image_id_name: ['image_id', 'name'] },
    fks: ['image_id->images.id'],
  },
  image_locations: {
    cols: [id, s('image_id', 36, false), ['value', 'text', false], ...sd, ['meta_data', 'text', true], s('status', 30, false, "'active'")],
    pk: ['id'],
    indexes: { ix_image_locations_deleted: ['deleted'], ix_image_locations_image_id: ['image_id'] },
    fks: ['image_id->images.id'],
  },
  image_members: {
    cols: [id, s('image_id', 36, false), s('member', 255, false), ['can_share', 'bool', false], ...sd, s('status', 20, false, "'pending'")],
    pk: ['id'],
    indexes: {
      ix_image_members_deleted: ['deleted'], ix_image_members_image_id: ['image_id'],
      ix_image_members_image_id_member: ['image_id', 'member'],
    },
    uniques: { image_members_image_id_member_deleted_at_key: ['image_id', 'member', 'deleted_at'] },
    fks: ['image_id->images.id'],
  },
  image_tags: {
    cols: [id, s('image_id', 36, false), s('value', 255, false), ...sd],
    pk: ['id'],
    indexes: { ix_image_tags_image_id: ['image_id'], ix_image_tags_image_id_tag_value: ['image_id', 'value'] },
    fks: ['image_id->images.id'],
  },
  tasks: {
    cols: [
      s('id', 36, false), s('type', 30, false), s('status', 30, false), s('owner', 255, false), ['expires_at', 'dt', true],
      ...sd, s('image_id', 36, true), s('request_id', 64, true), s('user_id', 64, true),
    ],
    pk: ['id'],
    indexes: {
      ix_tasks_deleted: ['deleted'], ix_tasks_owner: ['owner'], ix_tasks_status: ['status'], ix_tasks_type: ['type'],
      ix_tasks_updated_at: ['updated_at'], ix_tasks_image_id: ['image_id'],
    },
  },
  task_info: {
    cols: [s('task_id', 36, false), ['input', 'text', true], ['result', 'text', true], ['message', 'text', true]],
    pk: ['task_id'],
    indexes: {},
    fks: ['task_id->tasks.id'],
  },
  metadef_namespaces: {
    cols: [
      id, s('namespace', 80, false), s('display_name', 80, true), ['description', 'text', true], s('visibility', 32, true),
      ['protected', 'bool', true], s('owner', 255, false), ...tm,
    ],
    pk: ['id'],
    indexes: { ix_metadef_namespaces_owner: ['owner'] },
    uniques: { uq_metadef_namespaces_namespace: ['namespace'] },
  },
  metadef_resource_types: {
    cols: [id, s('name', 80, false), ['protected', 'bool', false], ...tm],
    pk: ['id'],
    indexes: {},
    uniques: { uq_metadef_resource_types_name: ['name'] },
  },
  metadef_namespace_resource_types: {
    cols: [['resource_type_id', 'int', false], ['namespace_id', 'int', false], s('properties_target', 80, true), s('prefix', 80, true), ...tm],
    pk: ['resource_type_id', 'namespace_id'],
    indexes: { ix_metadef_ns_res_types_namespace_id: ['namespace_id'] },
    fks: ['namespace_id->metadef_namespaces.id', 'resource_type_id->metadef_resource_types.id'],
  },
  metadef_objects: {
    cols: [id, ['namespace_id', 'int', false], s('name', 80, false), ['description', 'text', true], ['required', 'text', true], ['json_schema', 'text', false], ...tm],
    pk: ['id'],
    indexes: { ix_metadef_objects_name: ['name'] },
    uniques: { uq_metadef_objects_namespace_id_name: ['namespace_id', 'name'] },
    fks: ['namespace_id->metadef_namespaces.id'],
  },
  metadef_properties: {
    cols: [id, ['namespace_id', 'int', false], s('name', 80, false), ['json_schema', 'text', false], ...tm],
    pk: ['id'],
    indexes: { ix_metadef_properties_name: ['name'] },
    uniques: { uq_metadef_properties_namespace_id_name: ['namespace_id', 'name'] },
    fks: ['namespace_id->metadef_namespaces.id'],
  },
  metadef_tags: {
    cols: [id, ['namespace_id', 'int', false], s('name', 80, false), ...tm],
    pk: ['id'],
    indexes: { ix_metadef_tags_name: ['name'] },
    uniques: { uq_metadef_tags_namespace_id_name: ['namespace_id', 'name'] },
    fks: ['namespace_id->metadef_namespaces.id'],
  },
  node_reference: {
    cols: [['node_reference_id', 'bigint-sqliteint', false, null, 'auto'], s('node_reference_url', 255, false)],
    pk: ['node_reference_id'],
    indexes: {},
    uniques: { uq_node_reference_node_reference_url: ['node_reference_url'] },
  },
  cached_images: {
    cols: [
      ['id', 'bigint-sqliteint', false, null, 'auto'], s('image_id', 36, false), ['last_accessed', 'dt', false],
      ['last_modified', 'dt', false], ['size', 'bigint', false], ['hits', 'int', false], s('checksum', 32, true),
      ['node_reference_id', 'bigint-sqliteint', false],
    ],
    pk: ['id'],
    indexes: {},
    uniques: { ix_cached_images_image_id_node_reference_id: ['image_id', 'node_reference_id'] },
    fks: ['node_reference_id->node_reference.node_reference_id'],
  },
  alembic_version: { cols: [s('version_num', 32, false)], pk: ['version_num'], indexes: {} },
};

function typeOf(d: Dialect, c: Col): string {
  const [, kind, , , extra] = c;
  const auto = extra === 'auto';
  switch (kind) {
    case 'str':
      return d === 'postgresql' ? `character varying(${extra})` : d === 'mysql' ? `varchar(${extra})` : `VARCHAR(${extra})`;
    case 'text':
      return d === 'sqlite' ? 'TEXT' : 'text';
    case 'bool':
    case 'pbool':
      return d === 'postgresql' ? 'boolean' : d === 'mysql' ? 'tinyint(1)' : 'BOOLEAN';
    case 'int':
      return d === 'postgresql' ? 'integer' : d === 'mysql' ? `int(11)${auto ? ' auto_increment' : ''}` : 'INTEGER';
    case 'bigint':
    case 'bigint-sqliteint':
      if (d === 'sqlite') return kind === 'bigint' ? 'BIGINT' : 'INTEGER';
      return d === 'postgresql' ? 'bigint' : `bigint(20)${auto ? ' auto_increment' : ''}`;
    case 'dt':
      return d === 'postgresql' ? 'timestamp without time zone' : d === 'mysql' ? 'datetime' : 'DATETIME';
    case 'vis':
      return d === 'postgresql' ? 'image_visibility' : d === 'mysql' ? "enum('private','public','shared','community')" : 'VARCHAR(9)';
  }
}

function defaultOf(d: Dialect, table: string, c: Col): string | null {
  const [name, kind, , dflt, extra] = c;
  if (d === 'postgresql' && extra === 'auto') return `nextval('${table}_${name}_seq'::regclass)`;
  if (dflt === undefined || dflt === null) return null;
  if (dflt === 'false') return d === 'postgresql' ? 'false' : '0';
  if (d === 'postgresql') return `${dflt}::${kind === 'vis' ? 'image_visibility' : 'character varying'}`;
  return dflt;
}

function checksOf(d: Dialect, table: string, cols: Col[]): string[] {
  if (d === 'postgresql' || (d === 'sqlite' && table === 'images')) return [];
  return cols
    .filter((c) => c[1] === 'bool')
    .map((c) => (d === 'mysql' ? `\`${c[0]}\` in (0,1)` : `${c[0]} IN (0, 1)`))
    .sort();
}

/** The expected schema of a fully synced database on `dialect`. */
export function expectedSchema(d: Dialect): SchemaShape {
  const out: SchemaShape = {};
  for (const [name, def] of Object.entries(TABLES)) {
    const t: TableShape = {
      columns: def.cols.map((c) => ({ name: c[0], type: typeOf(d, c), nullable: c[2], default: defaultOf(d, name, c) })),
      primaryKey: def.pk,
      indexes: {},
      foreignKeys: [...(def.fks ?? [])].sort(),
      checks: checksOf(d, name, def.cols),
    };
    for (const [ix, cols] of Object.entries(def.indexes)) t.indexes[ix] = { columns: cols, unique: false };
    for (const [ix, cols] of Object.entries(def.uniques ?? {})) t.indexes[ix] = { columns: cols, unique: true };
    // InnoDB needs an index leading with each FK column and creates one named after the column.
    if (d === 'mysql' && name === 'cached_images') t.indexes['node_reference_id'] = { columns: ['node_reference_id'], unique: false };
    out[name] = t;
  }
  return out;
}

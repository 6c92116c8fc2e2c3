/**
 * Kysely table interfaces for Glance's database (schema of Glance 2024.1, `2024_1_contract01`).
 *
 * Values as the drivers return them (openDatabase configures the drivers so these hold):
 *  - booleans: `true/false` on PostgreSQL, `0/1` on MySQL and SQLite — read them with `Boolean(x)`;
 *    writing `true/false` or `0/1` works on every dialect.
 *  - datetimes: `Date` (UTC) on MySQL and PostgreSQL, a `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC string
 *    on SQLite (SQLAlchemy's storage format). Write `Date` objects; normalise reads with
 *    `parseDbTimestamp` from `./timestamps.js`.
 *  - BIGINT: `number` (PostgreSQL int8 parsed; mysql2 `supportBigNumbers`).
 *  - JSON columns (`meta_data`, `json_schema`, task `input`/`result`) are TEXT holding JSON.
 */
import type { ColumnType, Generated } from 'kysely';

/** A datetime column. */
export type Timestamp = ColumnType<Date | string, Date | string, Date | string>;
/** A nullable datetime column. */
export type NullableTimestamp = ColumnType<Date | string | null, Date | string | null | undefined, Date | string | null>;
/** A boolean column (see the module comment for the per-dialect representation). */
export type Bool = ColumnType<boolean | number, boolean | number, boolean | number>;
/** A boolean column with a server default. */
export type BoolWithDefault = ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
/** Image visibility, an ENUM on MySQL, type `image_visibility` on PostgreSQL, VARCHAR(9) on SQLite. */
export type Visibility = 'private' | 'public' | 'shared' | 'community';

/** Columns every soft-deletable table has. */
interface SoftDelete {
  created_at: Timestamp;
  updated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  deleted: Bool;
}

/** `images`. */
export interface ImagesTable extends SoftDelete {
  id: string;
  name: string | null;
  size: number | null;
  status: string;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  owner: string | null;
  min_disk: number;
  min_ram: number;
  protected: BoolWithDefault;
  virtual_size: number | null;
  visibility: ColumnType<Visibility, Visibility | undefined, Visibility>;
  os_hidden: BoolWithDefault;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

/** `image_properties`; UNIQUE(image_id, name) spans soft-deleted rows too. */
export interface ImagePropertiesTable extends SoftDelete {
  id: Generated<number>;
  image_id: string;
  name: string;
  value: string | null;
}

/** `image_locations`; `meta_data` is JSON text, `value` may be encrypted. */
export interface ImageLocationsTable extends SoftDelete {
  id: Generated<number>;
  image_id: string;
  value: string;
  meta_data: string | null;
  status: ColumnType<string, string | undefined, string>;
}

/** `image_members`; UNIQUE(image_id, member, deleted_at). */
export interface ImageMembersTable extends SoftDelete {
  id: Generated<number>;
  image_id: string;
  member: string;
  can_share: Bool;
  status: ColumnType<string, string | undefined, string>;
}

/** `image_tags`. */
export interface ImageTagsTable extends SoftDelete {
  id: Generated<number>;
  image_id: string;
  value: string;
}

/** `tasks`. */
export interface TasksTable extends SoftDelete {
  id: string;
  type: string;
  status: string;
  owner: string;
  expires_at: NullableTimestamp;
  image_id: string | null;
  request_id: string | null;
  user_id: string | null;
}

/** `task_info` (no timestamps, no soft delete); JSON text in `input` and `result`. */
export interface TaskInfoTable {
  task_id: string;
  input: string | null;
  result: string | null;
  message: string | null;
}

/** Timestamps of metadef tables (no soft delete). */
interface MetadefTimes {
  created_at: Timestamp;
  updated_at: NullableTimestamp;
}

/** `metadef_namespaces`. */
export interface MetadefNamespacesTable extends MetadefTimes {
  id: Generated<number>;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: string | null;
  protected: ColumnType<boolean | number | null, boolean | number | null | undefined, boolean | number | null>;
  owner: string;
}

/** `metadef_resource_types`. */
export interface MetadefResourceTypesTable extends MetadefTimes {
  id: Generated<number>;
  name: string;
  protected: Bool;
}

/** `metadef_namespace_resource_types` (composite primary key). */
export interface MetadefNamespaceResourceTypesTable extends MetadefTimes {
  resource_type_id: number;
  namespace_id: number;
  properties_target: string | null;
  prefix: string | null;
}

/** `metadef_objects`. */
export interface MetadefObjectsTable extends MetadefTimes {
  id: Generated<number>;
  namespace_id: number;
  name: string;
  description: string | null;
  required: string | null;
  json_schema: string;
}

/** `metadef_properties`. */
export interface MetadefPropertiesTable extends MetadefTimes {
  id: Generated<number>;
  namespace_id: number;
  name: string;
  json_schema: string;
}

/** `metadef_tags`. */
export interface MetadefTagsTable extends MetadefTimes {
  id: Generated<number>;
  namespace_id: number;
  name: string;
}

/** `node_reference` (image cache nodes, 2024.1). */
export interface NodeReferenceTable {
  node_reference_id: Generated<number>;
  node_reference_url: string;
}

/** `cached_images` (image cache bookkeeping, 2024.1). */
export interface CachedImagesTable {
  id: Generated<number>;
  image_id: string;
  last_accessed: Timestamp;
  last_modified: Timestamp;
  size: number;
  hits: number;
  checksum: string | null;
  node_reference_id: number;
}

/** `alembic_version`: the revision heads (one row, `2024_1_contract01`, once fully synced). */
export interface AlembicVersionTable {
  version_num: string;
}

/** Every table of the Glance database, keyed by table name, for `Kysely<GlanceTables>`. */
export interface GlanceTables {
  images: ImagesTable;
  image_properties: ImagePropertiesTable;
  image_locations: ImageLocationsTable;
  image_members: ImageMembersTable;
  image_tags: ImageTagsTable;
  tasks: TasksTable;
  task_info: TaskInfoTable;
  metadef_namespaces: MetadefNamespacesTable;
  metadef_resource_types: MetadefResourceTypesTable;
  metadef_namespace_resource_types: MetadefNamespaceResourceTypesTable;
  metadef_objects: MetadefObjectsTable;
  metadef_properties: MetadefPropertiesTable;
  metadef_tags: MetadefTagsTable;
  node_reference: NodeReferenceTable;
  cached_images: CachedImagesTable;
  alembic_version: AlembicVersionTable;
}

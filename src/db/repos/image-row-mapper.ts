/**
 * Conversion between `images`/`image_locations` rows and the domain {@link Image}, for one dialect.
 * Rows written by real Glance (SQLAlchemy) decode the same as rows written by us.
 */
import type { Image, ImageLocation, ImageStatus, ImageVisibility, LocationStatus } from '../../domain/image.js';
import type { SqlBool, SqlCodec } from './sql-codec.js';

/** Every column of `images`, in schema order; what the repository selects. */
export const IMAGE_COLUMNS = [
  'id', 'name', 'size', 'status', 'created_at', 'updated_at', 'deleted_at', 'deleted',
  'disk_format', 'container_format', 'checksum', 'owner', 'min_disk', 'min_ram', 'protected',
  'virtual_size', 'visibility', 'os_hidden', 'os_hash_algo', 'os_hash_value',
] as const;

/** A raw `images` row as any of the drivers returns it. */
export type RawImageRow = Record<(typeof IMAGE_COLUMNS)[number], unknown>;

/** The `images` row values to insert or update, encoded for the dialect. */
export interface ImageRowValues {
  id: string;
  name: string | null;
  size: number | null;
  status: string;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: SqlBool;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  owner: string | null;
  min_disk: number;
  min_ram: number;
  protected: SqlBool;
  virtual_size: number | null;
  visibility: ImageVisibility;
  os_hidden: SqlBool;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

/** A raw `image_locations` row. */
export interface RawLocationRow {
  id: unknown;
  image_id: string;
  value: string;
  meta_data: unknown;
  status: string;
}

/**
 * Maps rows to records and back. Holds only the codec, so one instance per repository.
 */
export class ImageRowMapper {
  constructor(private readonly codec: SqlCodec) {}

  /** Encodes every `images` column of `image` (the children are written separately). */
  toRow(image: Image): ImageRowValues {
    const c = this.codec;
    return {
      id: image.id,
      name: image.name,
      size: image.size,
      status: image.status,
      created_at: c.time(image.created_at),
      updated_at: image.updated_at ? c.time(image.updated_at) : null,
      deleted_at: image.deleted_at ? c.time(image.deleted_at) : null,
      deleted: c.bool(image.deleted),
      disk_format: image.disk_format,
      container_format: image.container_format,
      checksum: image.checksum,
      owner: image.owner,
      min_disk: image.min_disk,
      min_ram: image.min_ram,
      protected: c.bool(image.protected),
      virtual_size: image.virtual_size,
      visibility: image.visibility,
      os_hidden: c.bool(image.os_hidden),
      os_hash_algo: image.os_hash_algo,
      os_hash_value: image.os_hash_value,
    };
  }

  /** Builds a record from an `images` row plus its already-loaded children. */
  fromRow(
    row: RawImageRow,
    properties: Record<string, string | null>,
    tags: string[],
    locations: ImageLocation[],
  ): Image {
    const c = this.codec;
    return {
      id: String(row.id),
      name: row.name as string | null,
      size: c.readInt(row.size),
      status: String(row.status) as ImageStatus,
      created_at: c.readTimeNN(row.created_at),
      updated_at: c.readTime(row.updated_at),
      deleted_at: c.readTime(row.deleted_at),
      deleted: c.readBool(row.deleted),
      disk_format: row.disk_format as string | null,
      container_format: row.container_format as string | null,
      checksum: row.checksum as string | null,
      owner: row.owner as string | null,
      min_disk: c.readInt(row.min_disk) ?? 0,
      min_ram: c.readInt(row.min_ram) ?? 0,
      protected: c.readBool(row.protected),
      virtual_size: c.readInt(row.virtual_size),
      visibility: String(row.visibility) as ImageVisibility,
      os_hidden: c.readBool(row.os_hidden),
      os_hash_algo: row.os_hash_algo as string | null,
      os_hash_value: row.os_hash_value as string | null,
      properties,
      tags,
      locations,
    };
  }

  /** Decodes a location row; `meta_data` is JSON text (or already parsed by a JSON column). */
  locationFromRow(row: RawLocationRow): ImageLocation {
    return {
      url: row.value,
      metadata: parseMeta(row.meta_data),
      status: row.status as LocationStatus,
    };
  }

  /** Encodes location metadata as SQLAlchemy's JSONEncodedDict does (JSON text). */
  metaToDb(meta: Record<string, unknown>): string {
    return JSON.stringify(meta ?? {});
  }
}

function parseMeta(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined || v === '') return {};
  if (typeof v === 'object' && !Buffer.isBuffer(v)) return v as Record<string, unknown>;
  const parsed: unknown = JSON.parse(Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

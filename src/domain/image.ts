/**
 * The image record as the domain sees it: every column of Glance's `images` table plus the rows
 * of `image_properties`, `image_tags` and `image_locations` that belong to it.
 *
 * Field names keep Glance's snake_case column names on purpose: they are also the API attribute
 * names and the JSON-patch paths, so one spelling flows from the database to the wire without a
 * mapping table that could drift.
 */

/** Every status an image can be in (the order is the one of Glance's schema enum). */
export const IMAGE_STATUSES = [
  'queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated',
] as const;

/** An image status. */
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Image visibilities, in the order of Glance's schema enum. */
export const IMAGE_VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;

/** Who may see an image. */
export type ImageVisibility = (typeof IMAGE_VISIBILITIES)[number];

/** Status of one `image_locations` row. */
export type LocationStatus = 'active' | 'pending_delete' | 'deleted';

/** One place where the image data lives. `metadata.store` names the backend when multistore is on. */
export interface ImageLocation {
  url: string;
  metadata: Record<string, unknown>;
  status: LocationStatus;
}

/** Membership status of the requesting project, when the image was loaded for a member. */
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/**
 * An image. Timestamps are `Date` in UTC; `properties` holds the extra (non-base) properties in
 * the order they were stored, a `null` value being a legacy v1 null property; `tags` is a set
 * kept as an ordered, duplicate-free list.
 */
export interface Image {
  id: string;
  name: string | null;
  size: number | null;
  status: ImageStatus;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
  deleted: boolean;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  owner: string | null;
  min_disk: number;
  min_ram: number;
  protected: boolean;
  virtual_size: number | null;
  visibility: ImageVisibility;
  os_hidden: boolean;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  properties: Record<string, string | null>;
  tags: string[];
  locations: ImageLocation[];
  memberStatus?: MemberStatus;
}

/**
 * The attributes of an image that are not extra properties, i.e. the names a JSON-patch path or
 * a create body may use as base attributes (Glance: attributes of the domain Image object).
 */
export const IMAGE_BASE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id', 'name', 'size', 'status', 'created_at', 'updated_at', 'deleted_at', 'deleted', 'disk_format',
  'container_format', 'checksum', 'owner', 'min_disk', 'min_ram', 'protected', 'virtual_size',
  'visibility', 'os_hidden', 'os_hash_algo', 'os_hash_value', 'tags', 'locations', 'member',
  // `image_id` and `extra_properties` are attribute names of Glance's domain object; a patch on
  // them hits the object, not the property bag, so they are never extra properties either.
  'image_id', 'extra_properties',
]);

/** Prefix of the property namespace reserved for Glance itself. */
export const RESERVED_NAMESPACE = 'os_glance';

/** True when `key` lies in Glance's reserved `os_glance*` namespace (a plain prefix test). */
export function isReservedNamespace(key: string): boolean {
  return key.startsWith(RESERVED_NAMESPACE);
}

/** A deep copy of an image, so pure functions can return a changed image without aliasing. */
export function cloneImage(image: Image): Image {
  return {
    ...image,
    created_at: new Date(image.created_at.getTime()),
    updated_at: image.updated_at === null ? null : new Date(image.updated_at.getTime()),
    deleted_at: image.deleted_at === null ? null : new Date(image.deleted_at.getTime()),
    properties: { ...image.properties },
    tags: [...image.tags],
    locations: image.locations.map((l) => ({ ...l, metadata: structuredClone(l.metadata) })),
  };
}

/** Defaults Glance's image factory applies to a new record. */
export interface NewImageInput {
  id: string;
  now: Date;
  owner: string | null;
  name?: string | null;
  visibility?: ImageVisibility;
  protected?: boolean;
  os_hidden?: boolean;
  min_disk?: number;
  min_ram?: number;
  disk_format?: string | null;
  container_format?: string | null;
  properties?: Record<string, string | null>;
  tags?: string[];
}

/** Builds a fresh `queued` image with Glance's defaults (visibility `shared`, zero minimums). */
export function newImage(input: NewImageInput): Image {
  return {
    id: input.id,
    name: input.name ?? null,
    size: null,
    status: 'queued',
    created_at: input.now,
    updated_at: input.now,
    deleted_at: null,
    deleted: false,
    disk_format: input.disk_format ?? null,
    container_format: input.container_format ?? null,
    checksum: null,
    owner: input.owner,
    min_disk: input.min_disk ?? 0,
    min_ram: input.min_ram ?? 0,
    protected: input.protected ?? false,
    virtual_size: null,
    visibility: input.visibility ?? 'shared',
    os_hidden: input.os_hidden ?? false,
    os_hash_algo: null,
    os_hash_value: null,
    properties: { ...(input.properties ?? {}) },
    tags: [...new Set(input.tags ?? [])],
    locations: [],
  };
}

/**
 * Renders an image as the Images API v2 JSON object, key for key and in Glance's order
 * (refs 100, 101, 112, 152): extra properties first, then the base attributes, then the
 * optional location fields, tags, links and `stores`.
 */
import type { Image, ImageLocation } from './image.js';

/** What the rendering depends on besides the image itself. */
export interface ImageViewOptions {
  /** `[DEFAULT] show_multiple_locations`: add `locations` (possibly `[]`). */
  showMultipleLocations: boolean;
  /** `[DEFAULT] show_image_direct_url`: add `direct_url` when a location exists. */
  showImageDirectUrl: boolean;
  /** True when `enabled_backends` is set: add `stores` when locations name their store. */
  multistore: boolean;
  /**
   * Names of the properties the image schema declares (base and operator-defined). A null
   * extra property outside them is shown as `""` (legacy v1 null properties); declared ones
   * keep their null.
   */
  schemaProperties: ReadonlySet<string>;
  /**
   * Orders locations best-first for `direct_url` (Glance's `location_strategy`). Defaults to
   * the stored order.
   */
  sortLocations?: (locations: ImageLocation[]) => ImageLocation[];
}

/** The JSON object of one image, with keys in response order. */
export type ImageJson = Record<string, unknown>;

/** Extra properties Glance keeps internal and never shows. */
export const HIDDEN_PROPERTIES: ReadonlySet<string> = new Set(['os_glance_stage_host', 'os_glance_hash_op_host']);

// The base attributes in the order Glance's serializer adds them after the extra properties.
const BASE_ORDER = [
  'name', 'disk_format', 'container_format', 'visibility', 'size', 'virtual_size', 'status', 'checksum',
  'protected', 'min_ram', 'min_disk', 'owner', 'os_hidden', 'os_hash_algo', 'os_hash_value',
] as const;

/**
 * Formats a timestamp as Glance's `isotime`: `YYYY-MM-DDTHH:MM:SSZ`, fractions dropped.
 * A null timestamp renders as null.
 */
export function isoTime(date: Date | null): string | null {
  if (date === null) return null;
  return date.toISOString().slice(0, 19) + 'Z';
}

/**
 * The API view of `image`. Extra properties keep their stored order (an extra property that
 * shadows a base attribute name is overwritten by the base value, as in Glance), `os_glance_*`
 * internals in HIDDEN_PROPERTIES are dropped, `self`/`file`/`schema` are relative links.
 */
export function imageView(image: Image, opts: ImageViewOptions): ImageJson {
  const view: ImageJson = {};
  for (const [key, value] of Object.entries(image.properties)) {
    if (HIDDEN_PROPERTIES.has(key)) continue;
    view[key] = value === null && !opts.schemaProperties.has(key) ? '' : value;
  }
  for (const key of BASE_ORDER) view[key] = image[key];
  view.id = image.id;
  view.created_at = isoTime(image.created_at);
  view.updated_at = isoTime(image.updated_at);

  const locations = image.locations.filter((l) => l.status !== 'deleted');
  if (opts.showMultipleLocations) {
    view.locations = locations.map((l) => ({ url: l.url, metadata: l.metadata }));
  }
  if (opts.showImageDirectUrl && locations.length > 0) {
    const best = (opts.sortLocations ?? ((l: ImageLocation[]) => l))(locations)[0];
    if (best !== undefined) view.direct_url = best.url;
  }
  view.tags = [...image.tags];
  view.self = `/v2/images/${image.id}`;
  view.file = `/v2/images/${image.id}/file`;
  view.schema = '/v2/schemas/image';
  if (opts.multistore) {
    const stores = locations
      .map((l) => l.metadata.store)
      .filter((s): s is string => typeof s === 'string' && s !== '');
    if (stores.length > 0) view.stores = stores.join(',');
  }
  return view;
}

/**
 * Loads the child rows of a set of images — properties, tags, locations — with one query per
 * table whatever the number of images, so a list page never costs N+1 queries.
 */
import type { Kysely } from 'kysely';
import type { ImageLocation } from '../../domain/image.js';
import type { GlanceTables as Tables } from '../tables.js';
import type { ImageRowMapper } from './image-row-mapper.js';
import type { SqlCodec } from './sql-codec.js';

/** The children of one image, as the domain `Image` holds them. */
export interface ImageChildren {
  properties: Record<string, string | null>;
  tags: string[];
  locations: ImageLocation[];
}

/** Which child tables to read. */
export interface ChildSelection {
  /** Also read locations (default true). */
  locations?: boolean;
  /** Include soft-deleted locations (a deleted image's history); properties/tags stay live only. */
  deletedLocations?: boolean;
}

/**
 * Reads children for many images at once. Rows come back in insertion (id) order, which keeps
 * properties in the order they were stored and locations in the order they were added.
 */
export class ImageChildrenReader {
  constructor(
    private readonly codec: SqlCodec,
    private readonly mapper: ImageRowMapper,
  ) {}

  /**
   * Returns a map with an entry for every id in `ids` (empty children when it has none). Issues
   * no query at all for an empty `ids`.
   */
  async load(db: Kysely<Tables>, ids: string[], sel: ChildSelection = {}): Promise<Map<string, ImageChildren>> {
    const out = new Map<string, ImageChildren>();
    for (const id of ids) out.set(id, { properties: {}, tags: [], locations: [] });
    if (ids.length === 0) return out;
    const live = this.codec.bool(false);

    const props = await db.selectFrom('image_properties')
      .select(['image_id', 'name', 'value'])
      .where('image_id', 'in', ids).where('deleted', '=', live)
      .orderBy('id').execute();
    for (const p of props) out.get(p.image_id)!.properties[p.name] = p.value;

    const tags = await db.selectFrom('image_tags')
      .select(['image_id', 'value'])
      .where('image_id', 'in', ids).where('deleted', '=', live)
      .orderBy('id').execute();
    for (const t of tags) {
      const list = out.get(t.image_id)!.tags;
      // Rows may repeat a value (the table has no unique key); the domain keeps a set.
      if (!list.includes(t.value)) list.push(t.value);
    }

    if (sel.locations !== false) {
      let q = db.selectFrom('image_locations')
        .select(['id', 'image_id', 'value', 'meta_data', 'status'])
        .where('image_id', 'in', ids);
      if (!sel.deletedLocations) q = q.where('deleted', '=', live);
      const locs = await q.orderBy('id').execute();
      for (const l of locs) out.get(l.image_id)!.locations.push(this.mapper.locationFromRow(l));
    }
    return out;
  }
}

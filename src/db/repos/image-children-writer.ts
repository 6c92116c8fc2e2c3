/**
 * Writes the child rows of one image (properties, tags, locations) inside a caller's
 * transaction, with Glance's soft-delete semantics:
 * - properties: UNIQUE(image_id, name) spans soft-deleted rows, so re-adding a removed key
 *   revives its row instead of inserting a second one;
 * - tags: a set; removed values are soft-deleted, added values get new rows;
 * - locations: matched by URL against the live rows; unmatched live rows become `deleted`, and a
 *   location saved as `deleted`/`pending_delete` is soft-deleted with that status.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ImageLocation } from '../../domain/image.js';
import type { GlanceTables as Tables } from '../tables.js';
import type { ImageRowMapper } from './image-row-mapper.js';
import type { SqlCodec } from './sql-codec.js';

type Trx = Transaction<Tables> | Kysely<Tables>;

/** Child-row writer for one dialect; every method runs on the transaction it is given. */
export class ImageChildrenWriter {
  constructor(
    private readonly codec: SqlCodec,
    private readonly mapper: ImageRowMapper,
  ) {}

  /** Makes the live properties of `imageId` equal `props` (update, insert, revive, soft-delete). */
  async syncProperties(trx: Trx, imageId: string, props: Record<string, string | null>, now: Date): Promise<void> {
    const c = this.codec;
    const ts = c.time(now);
    const rows = await trx.selectFrom('image_properties')
      .select(['id', 'name', 'value', 'deleted'])
      .where('image_id', '=', imageId).execute();
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const [name, value] of Object.entries(props)) {
      const row = byName.get(name);
      if (!row) {
        await trx.insertInto('image_properties').values({
          image_id: imageId, name, value, created_at: ts, updated_at: ts, deleted_at: null, deleted: c.bool(false),
        }).execute();
      } else if (c.readBool(row.deleted) || row.value !== value) {
        await trx.updateTable('image_properties')
          .set({ value, deleted: c.bool(false), deleted_at: null, updated_at: ts })
          .where('id', '=', row.id).execute();
      }
    }
    const gone = rows.filter((r) => !c.readBool(r.deleted) && !Object.hasOwn(props, r.name)).map((r) => r.id);
    if (gone.length > 0) {
      await trx.updateTable('image_properties')
        .set({ deleted: c.bool(true), deleted_at: ts, updated_at: ts })
        .where('id', 'in', gone).execute();
    }
  }

  /** Makes the live tags of `imageId` equal the set `tags`. */
  async syncTags(trx: Trx, imageId: string, tags: string[], now: Date): Promise<void> {
    const c = this.codec;
    const ts = c.time(now);
    const rows = await trx.selectFrom('image_tags').select(['id', 'value'])
      .where('image_id', '=', imageId).where('deleted', '=', c.bool(false)).execute();
    const wanted = new Set(tags);
    const have = new Set<string>();
    const gone: number[] = [];
    for (const r of rows) {
      // A duplicate live row (possible: the table has no unique key) is dropped as well.
      if (wanted.has(r.value) && !have.has(r.value)) have.add(r.value);
      else gone.push(r.id);
    }
    if (gone.length > 0) {
      await trx.updateTable('image_tags').set({ deleted: c.bool(true), deleted_at: ts, updated_at: ts })
        .where('id', 'in', gone).execute();
    }
    const added = [...wanted].filter((t) => !have.has(t));
    if (added.length > 0) {
      await trx.insertInto('image_tags').values(added.map((value) => ({
        image_id: imageId, value, created_at: ts, updated_at: ts, deleted_at: null, deleted: c.bool(false),
      }))).execute();
    }
  }

  /** Makes the live locations of `imageId` follow `locations` (see the file comment). */
  async syncLocations(trx: Trx, imageId: string, locations: ImageLocation[], now: Date): Promise<void> {
    const c = this.codec;
    const ts = c.time(now);
    const rows = await trx.selectFrom('image_locations').select(['id', 'value', 'meta_data', 'status'])
      .where('image_id', '=', imageId).where('deleted', '=', c.bool(false)).orderBy('id').execute();
    const unmatched = [...rows];
    for (const loc of locations) {
      const gone = loc.status === 'deleted' || loc.status === 'pending_delete';
      const meta = this.mapper.metaToDb(loc.metadata);
      const i = unmatched.findIndex((r) => r.value === loc.url);
      if (i < 0) {
        await trx.insertInto('image_locations').values({
          image_id: imageId, value: loc.url, meta_data: meta, status: loc.status,
          created_at: ts, updated_at: ts, deleted_at: gone ? ts : null, deleted: c.bool(gone),
        }).execute();
        continue;
      }
      const row = unmatched.splice(i, 1)[0]!;
      if (gone || row.status !== loc.status || !sameMeta(row.meta_data, meta)) {
        await trx.updateTable('image_locations').set({
          meta_data: meta, status: loc.status, updated_at: ts, deleted: c.bool(gone), deleted_at: gone ? ts : null,
        }).where('id', '=', row.id).execute();
      }
    }
    if (unmatched.length > 0) {
      await trx.updateTable('image_locations')
        .set({ status: 'deleted', deleted: c.bool(true), deleted_at: ts, updated_at: ts })
        .where('id', 'in', unmatched.map((r) => r.id)).execute();
    }
  }

  /**
   * Soft-deletes every live child row of `imageId`; live locations also get status `deleted`
   * (ones already soft-deleted, e.g. `pending_delete` awaiting the scrubber, keep theirs).
   */
  async softDeleteAll(trx: Trx, imageId: string, now: Date): Promise<void> {
    const c = this.codec;
    const ts = c.time(now);
    const set = { deleted: c.bool(true), deleted_at: ts, updated_at: ts };
    const live = c.bool(false);
    await trx.updateTable('image_properties').set(set).where('image_id', '=', imageId).where('deleted', '=', live).execute();
    await trx.updateTable('image_tags').set(set).where('image_id', '=', imageId).where('deleted', '=', live).execute();
    await trx.updateTable('image_members').set(set).where('image_id', '=', imageId).where('deleted', '=', live).execute();
    await trx.updateTable('image_locations').set({ ...set, status: 'deleted' })
      .where('image_id', '=', imageId).where('deleted', '=', live).execute();
  }
}

function sameMeta(stored: unknown, encoded: string): boolean {
  if (typeof stored === 'string') return stored === encoded;
  return JSON.stringify(stored ?? {}) === encoded;
}

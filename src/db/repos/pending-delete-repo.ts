/**
 * The database side of Glance's delayed delete (`[DEFAULT] delayed_delete`): images whose data
 * waits for the scrubber sit soft-deleted in status `pending_delete`, their locations
 * soft-deleted in status `pending_delete` (Glance's "scrub queue" is exactly these rows).
 *
 * A scrubber takes an image with a lease written into the image row's `updated_at`, set in the
 * future (now + lease): only one scrubber (daemon, API process, node) works on an image at a
 * time, and `restore` refuses an image a scrubber holds, so an image is never put back while its
 * data is being deleted. A deleted image's `updated_at` is never shown by the API, and a lease
 * whose holder died simply expires.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { GlanceTables as Tables } from '../tables.js';
import type { ImageRepo, ImageRepoDatabase } from './image-repo.js';
import { SqlCodec } from './sql-codec.js';

/** Pending-delete bookkeeping over one database handle. Safe to share between callers. */
export class PendingDeleteRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;

  constructor(database: ImageRepoDatabase, private readonly images: ImageRepo) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
  }

  /**
   * The delayed delete of a live image, in one transaction: its live locations become
   * `pending_delete` (soft-deleted, data kept), then the image and its properties, tags and
   * members are soft-deleted with status `pending_delete`. Returns false when there was no live
   * image with that id (nothing is changed then).
   */
  async markPendingDelete(id: string): Promise<boolean> {
    const c = this.codec;
    const ts = c.time(c.now());
    return this.db.transaction().execute(async (trx) => {
      // The image row first, as every other writer locks it, so no two writers deadlock.
      const res = await trx.updateTable('images').set({ updated_at: ts })
        .where('id', '=', id).where('deleted', '=', c.bool(false)).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await trx.updateTable('image_locations')
        .set({ status: 'pending_delete', deleted: c.bool(true), deleted_at: ts, updated_at: ts })
        .where('image_id', '=', id).where('deleted', '=', c.bool(false)).execute();
      return this.images.joining(trx).delete(id, { status: 'pending_delete' });
    });
  }

  /**
   * Up to `limit` ids, in id order after `after`, of `pending_delete` images deleted at or
   * before `cutoff` (deleted_at + scrub_time ≤ now).
   */
  async dueIds(cutoff: Date, after: string | null, limit: number): Promise<string[]> {
    let q = this.db.selectFrom('images').select('id')
      .where('status', '=', 'pending_delete').where('deleted', '=', this.codec.bool(true))
      .where('deleted_at', '<=', this.codec.time(cutoff));
    if (after !== null) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes (or, when `renew`, keeps) the scrub lease of image `id` until `until`. A new lease is
   * granted only when no other lease is running at `now`; returns whether the caller holds it.
   */
  async lease(id: string, now: Date, until: Date, renew = false): Promise<boolean> {
    let q = this.db.updateTable('images').set({ updated_at: this.codec.time(until) })
      .where('id', '=', id).where('status', '=', 'pending_delete');
    if (!renew) q = q.where(this.leaseFree(now));
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Gives the lease of image `id` up (after a failed scrub) so the next pass may retry at once. */
  async release(id: string): Promise<void> {
    await this.db.updateTable('images').set((eb) => ({ updated_at: eb.ref('deleted_at') }))
      .where('id', '=', id).where('status', '=', 'pending_delete').execute();
  }

  /** Marks the `pending_delete` location `url` of image `id` deleted (its data is gone). */
  async markLocationScrubbed(id: string, url: string): Promise<void> {
    await this.db.updateTable('image_locations')
      .set({ status: 'deleted', updated_at: this.codec.time(this.codec.now()) })
      .where('image_id', '=', id).where('value', '=', url).where('status', '=', 'pending_delete').execute();
  }

  /** Moves image `id` from `pending_delete` to `deleted`; false when it was no longer pending. */
  async markScrubbed(id: string): Promise<boolean> {
    const res = await this.db.updateTable('images')
      .set({ status: 'deleted', updated_at: this.codec.time(this.codec.now()) })
      .where('id', '=', id).where('status', '=', 'pending_delete').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * `glance-scrubber --restore`: puts a `pending_delete` image back to `active`, with its
   * `pending_delete` locations active again and the properties, tags and members deleted with
   * it live again (Glance revives the image row only). One transaction.
   * @throws NotFound "No image found with ID …"; Conflict "cannot restore the image from
   *   <status> to active (wanted from_state=pending_delete)" (Glance's texts), or when a
   *   scrubber holds the image right now.
   */
  async restore(id: string): Promise<void> {
    const c = this.codec;
    const now = c.now();
    const ts = c.time(now);
    await this.db.transaction().execute(async (trx) => {
      // SQLite: take the write lock now, not at the first write after the read (which could
      // fail at once as busy when another process wrote in between).
      if (c.dialect === 'sqlite') await sql`DELETE FROM images WHERE 1 = 0`.execute(trx);
      const row = id.length > 36 ? undefined
        : await trx.selectFrom('images').select('status').where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFound(`No image found with ID ${id}`);
      if (row.status !== 'pending_delete') {
        throw new Conflict(`cannot restore the image from ${row.status} to active (wanted from_state=pending_delete)`);
      }
      const deletedWithImage = trx.selectFrom('images').select('deleted_at').where('id', '=', id);
      const revive = { deleted: c.bool(false), deleted_at: null, updated_at: ts };
      for (const table of ['image_properties', 'image_tags', 'image_members'] as const) {
        await trx.updateTable(table).set(revive)
          .where('image_id', '=', id).where('deleted', '=', c.bool(true)).where('deleted_at', '=', deletedWithImage)
          .execute();
      }
      await trx.updateTable('image_locations').set({ ...revive, status: 'active' })
        .where('image_id', '=', id).where('status', '=', 'pending_delete').execute();
      const res = await trx.updateTable('images')
        .set({ status: 'active', deleted: c.bool(false), deleted_at: null, updated_at: ts })
        .where('id', '=', id).where('status', '=', 'pending_delete').where(this.leaseFree(now))
        .executeTakeFirst();
      // Thrown inside the transaction, so the revived rows above are rolled back.
      if (Number(res.numUpdatedRows) === 0) {
        throw new Conflict(`Image ${id} is being scrubbed right now; wait for the scrubber to finish (or its lease to expire).`);
      }
    });
  }

  // No lease running at `now`: the image was never taken, was released, or its holder's lease ran out.
  private leaseFree(now: Date) {
    const t = this.codec.time(now);
    return (eb: ExpressionBuilder<Tables, 'images'>) => eb.or([eb('updated_at', 'is', null), eb('updated_at', '<=', t)]);
  }
}

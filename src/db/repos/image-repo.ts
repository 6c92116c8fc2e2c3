/**
 * The image repository: persistence of images with their properties, tags, locations and the
 * soft-delete rules of Glance's schema, dialect-neutral through kysely (SQLite, MariaDB/MySQL,
 * PostgreSQL). It applies no policy: callers decide who may do what; the only access rule here
 * is the list/marker visibility scope, which must be part of the SQL to paginate correctly.
 */
import type { Kysely } from 'kysely';
import type { Image, ImageStatus, MemberStatus } from '../../domain/image.js';
import { BadRequest, Conflict, NotFound } from '../../domain/errors.js';
import type { ListQuery } from '../../domain/image-list-query.js';
import type { GlanceTables as Tables } from '../tables.js';
import { ImageChildrenReader } from './image-children-reader.js';
import { ImageChildrenWriter } from './image-children-writer.js';
import { ImageListQuery, totalOrder, type ImageListScope } from './image-list-query.js';
import { IMAGE_COLUMNS, ImageRowMapper } from './image-row-mapper.js';
import { SqlCodec, type SqlDialect } from './sql-codec.js';

/** Re-exported so callers of `list` need only this module. */
export type { ImageListScope } from './image-list-query.js';

/** The part of `openDatabase`'s result the repository needs. */
export interface ImageRepoDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
}

/** Options of {@link ImageRepo.get}. */
export interface GetImageOptions {
  /** Also return a soft-deleted image (with its soft-deleted locations). */
  includeDeleted?: boolean;
}

/** Options of {@link ImageRepo.save}. */
export interface SaveImageOptions {
  /** Compare-and-set: only save when the stored status still equals this. */
  expectedStatus?: ImageStatus;
}

/** Options of {@link ImageRepo.delete}. */
export interface DeleteImageOptions {
  /** Final status of the row: `deleted` (default) or `pending_delete` (delayed delete). */
  status?: 'deleted' | 'pending_delete';
}

/** Image persistence over one database handle. Safe to share between concurrent requests. */
export class ImageRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;
  private readonly mapper: ImageRowMapper;
  private readonly reader: ImageChildrenReader;
  private readonly writer: ImageChildrenWriter;
  private readonly listQuery: ImageListQuery;

  constructor(database: ImageRepoDatabase) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
    this.mapper = new ImageRowMapper(this.codec);
    this.reader = new ImageChildrenReader(this.codec, this.mapper);
    this.writer = new ImageChildrenWriter(this.codec, this.mapper);
    this.listQuery = new ImageListQuery(this.db, this.codec);
  }

  /**
   * Inserts the image row with its properties, tags and locations in one transaction and
   * returns the image as stored (times truncated to the column precision, tags de-duplicated).
   * @throws Conflict when the id is already used, even by a soft-deleted image.
   */
  async create(image: Image): Promise<Image> {
    const stored = this.normalized(image);
    try {
      await this.transaction(async (trx) => {
        const taken = await trx.selectFrom('images').select('id').where('id', '=', image.id).executeTakeFirst();
        if (taken) throw duplicate(image.id);
        await trx.insertInto('images').values(this.mapper.toRow(stored)).execute();
        await this.writeChildren(trx, image, stored.updated_at ?? stored.created_at);
      });
    } catch (err) {
      // A concurrent create of the same id passes the SELECT and fails on the primary key.
      if (SqlCodec.isUniqueViolation(err)) throw duplicate(image.id, err);
      throw err;
    }
    return stored;
  }

  /** The image with its live properties, tags and locations, or null when absent (or deleted). */
  async get(id: string, opts: GetImageOptions = {}): Promise<Image | null> {
    // Glance's ids are varchar(36); a longer id cannot exist (and PostgreSQL would not truncate).
    if (id.length > 36) return null;
    let q = this.db.selectFrom('images').select(IMAGE_COLUMNS).where('id', '=', id);
    if (!opts.includeDeleted) q = q.where('deleted', '=', this.codec.bool(false));
    const row = await q.executeTakeFirst();
    if (!row) return null;
    const children = await this.reader.load(this.db, [id], { deletedLocations: opts.includeDeleted === true });
    const ch = children.get(id)!;
    return this.mapper.fromRow(row, ch.properties, ch.tags, ch.locations);
  }

  /**
   * Writes every column except `id`, `created_at`, `deleted*`, sets `updated_at` to now and
   * syncs properties (revives removed keys), tags (as a set) and locations, in one transaction.
   * Returns the image as stored, or null when `expectedStatus` is given and the stored status
   * differs (or the image is gone) — nothing is written then.
   * @throws NotFound when the image does not exist or is deleted and no `expectedStatus` is given.
   */
  async save(image: Image, opts: SaveImageOptions = {}): Promise<Image | null> {
    const now = this.codec.now();
    const stored = this.normalized({ ...image, updated_at: now });
    const { id: _id, created_at: _c, deleted: _d, deleted_at: _da, ...columns } = this.mapper.toRow(stored);
    const saved = await this.transaction(async (trx) => {
      let q = trx.updateTable('images').set(columns)
        .where('id', '=', image.id).where('deleted', '=', this.codec.bool(false));
      if (opts.expectedStatus !== undefined) q = q.where('status', '=', opts.expectedStatus);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await this.writeChildren(trx, image, now);
      return true;
    });
    if (saved) return stored;
    if (opts.expectedStatus !== undefined) return null;
    throw new NotFound(`No image found with ID ${image.id}`);
  }

  /**
   * Soft-deletes the image (deleted=1, deleted_at, status) and its properties, tags, members and
   * locations in one transaction. Returns false when there was no live image with that id.
   */
  async delete(id: string, opts: DeleteImageOptions = {}): Promise<boolean> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    return this.transaction(async (trx) => {
      const res = await trx.updateTable('images')
        .set({ deleted: this.codec.bool(true), deleted_at: ts, updated_at: ts, status: opts.status ?? 'deleted' })
        .where('id', '=', id).where('deleted', '=', this.codec.bool(false))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await this.writer.softDeleteAll(trx, id, now);
      return true;
    });
  }

  /**
   * One page of images visible to `scope`, filtered and sorted per `query`, each with its live
   * properties, tags and locations. Costs a fixed number of queries: the marker lookup (only with
   * a marker), the page, then one each for properties, tags and locations (none when empty).
   * @throws BadRequest when the marker does not exist or is not visible to `scope` (Glance's
   *   "No image found with ID …"), or a range/equality filter names no `images` column.
   */
  async list(query: ListQuery, scope: ImageListScope): Promise<Image[]> {
    const terms = totalOrder(query.sort);
    let marker = null;
    if (query.marker !== null) {
      marker = query.marker.length > 36 ? null : await this.listQuery.marker(query.marker, scope, terms);
      if (!marker) throw new BadRequest(`No image found with ID ${query.marker}`);
    }
    const rows = await this.listQuery.page(query, scope, terms, marker).execute();
    const children = await this.reader.load(this.db, rows.map((r) => r.id));
    return rows.map((r) => {
      const ch = children.get(r.id)!;
      return this.mapper.fromRow(r, ch.properties, ch.tags, ch.locations);
    });
  }

  /** Status of `projectId`'s live membership of `imageId`, or null when it is not a member. */
  async memberStatus(imageId: string, projectId: string): Promise<MemberStatus | null> {
    const row = await this.db.selectFrom('image_members').select('status')
      .where('image_id', '=', imageId).where('member', '=', projectId)
      .where('deleted', '=', this.codec.bool(false))
      .orderBy('id', 'desc').executeTakeFirst();
    return row ? (row.status as MemberStatus) : null;
  }

  /**
   * Sets `updated_at` to now when the image is still live in `status`: the heartbeat of a
   * running transfer. Returns whether the row matched.
   */
  async touch(id: string, status: ImageStatus): Promise<boolean> {
    const res = await this.db.updateTable('images').set({ updated_at: this.codec.time(this.codec.now()) })
      .where('id', '=', id).where('status', '=', status).where('deleted', '=', this.codec.bool(false))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Ids of live images in `status` whose `updated_at` is older than `before`. */
  async staleIds(status: ImageStatus, before: Date): Promise<string[]> {
    const rows = await this.db.selectFrom('images').select('id')
      .where('status', '=', status).where('deleted', '=', this.codec.bool(false))
      .where('updated_at', '<', this.codec.time(before))
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Sets property `name` to `value` only when the image has no live property of that name (the
   * import lock, `os_glance_import_task`). Returns false when one is already set. A soft-deleted
   * row of that name is revived (the unique key spans deleted rows).
   */
  async setPropertyAtomic(imageId: string, name: string, value: string): Promise<boolean> {
    const c = this.codec;
    const ts = c.time(c.now());
    try {
      return await this.transaction(async (trx) => {
        const revived = await trx.updateTable('image_properties')
          .set({ value, deleted: c.bool(false), deleted_at: null, updated_at: ts })
          .where('image_id', '=', imageId).where('name', '=', name).where('deleted', '=', c.bool(true))
          .executeTakeFirst();
        if (Number(revived.numUpdatedRows) > 0) return true;
        const live = await trx.selectFrom('image_properties').select('id')
          .where('image_id', '=', imageId).where('name', '=', name).executeTakeFirst();
        if (live) return false;
        await trx.insertInto('image_properties')
          .values({ image_id: imageId, name, value, created_at: ts, updated_at: ts, deleted_at: null, deleted: c.bool(false) })
          .execute();
        return true;
      });
    } catch (err) {
      // A concurrent insert of the same name won the unique key.
      if (SqlCodec.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Removes property `name` only while it still holds `value`; returns whether it did. */
  async deletePropertyAtomic(imageId: string, name: string, value: string): Promise<boolean> {
    const c = this.codec;
    const ts = c.time(c.now());
    const res = await this.db.updateTable('image_properties')
      .set({ deleted: c.bool(true), deleted_at: ts, updated_at: ts })
      .where('image_id', '=', imageId).where('name', '=', name).where('value', '=', value)
      .where('deleted', '=', c.bool(false))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * The same repository working through `db`, an open transaction (a quota-guarded section, see
   * NamedLocks): its writes join that transaction instead of opening their own.
   */
  joining(db: Kysely<Tables>): ImageRepo {
    return new ImageRepo({ db, dialect: this.codec.dialect });
  }

  // Runs `fn` in a transaction of its own, or in the caller's when the repository joined one.
  private transaction<T>(fn: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  private async writeChildren(trx: Kysely<Tables>, image: Image, now: Date): Promise<void> {
    await this.writer.syncProperties(trx, image.id, image.properties, now);
    await this.writer.syncTags(trx, image.id, image.tags, now);
    await this.writer.syncLocations(trx, image.id, image.locations, now);
  }

  /** `image` as a re-read would return it: stored time precision, unique tags, live locations. */
  private normalized(image: Image): Image {
    const c = this.codec;
    return {
      ...image,
      created_at: c.truncate(image.created_at),
      updated_at: image.updated_at && c.truncate(image.updated_at),
      deleted_at: image.deleted_at && c.truncate(image.deleted_at),
      properties: { ...image.properties },
      tags: [...new Set(image.tags)],
      locations: image.locations.filter((l) => l.status !== 'deleted' && l.status !== 'pending_delete'),
    };
  }
}

function duplicate(id: string, cause?: unknown): Conflict {
  return new Conflict(`Image ID ${id} already exists!`, cause === undefined ? {} : { cause });
}

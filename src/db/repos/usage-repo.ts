/**
 * The usage queries behind Glance's quotas, counted per owning project exactly as Glance's
 * database API counts them (glance-inventory §4.4, §4.5). Read-only; works on the database or
 * inside a guarded transaction (`joining`), where the counts include the transaction's own writes.
 */
import { sql, type Kysely } from 'kysely';
import type { GlanceTables as Tables } from '../tables.js';
import { SqlCodec, type SqlDialect } from './sql-codec.js';

/** Statuses that do not count towards a project's image count or storage. */
const UNCOUNTED_STATUSES = ['killed', 'pending_delete', 'deleted'];
/** Statuses of an image whose data is on its way in. */
const UPLOADING_STATUSES = ['saving', 'uploading', 'importing'];
/** Statuses of an image whose data sits in the staging area. */
const STAGED_STATUSES = ['uploading', 'importing'];
/** Set (non-empty) while copy-image or a multi-store import still has stores to fill. */
const IMPORTING_TO_STORES = 'os_glance_importing_to_stores';

/** What the repository needs of an open database. */
export interface UsageRepoDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
}

/** Per-project usage counts. */
export class UsageRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;

  constructor(database: UsageRepoDatabase) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
  }

  /** The same queries run through `db` (an open transaction). */
  joining(db: Kysely<Tables>): UsageRepo {
    return new UsageRepo({ db, dialect: this.codec.dialect });
  }

  /** `image_count_total`: the owner's images, except killed, pending_delete and deleted ones. */
  async imageCount(owner: string): Promise<number> {
    const row = await this.db.selectFrom('images')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner', '=', owner).where('deleted', '=', this.codec.bool(false))
      .where('status', 'not in', UNCOUNTED_STATUSES)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * `image_count_uploading`: the owner's images receiving data (saving, uploading, importing)
   * plus those still being copied to stores (`os_glance_importing_to_stores` not empty).
   */
  async uploadingCount(owner: string): Promise<number> {
    const row = await this.db.selectFrom('images')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner', '=', owner).where('deleted', '=', this.codec.bool(false))
      .where((eb) => eb.or([eb('status', 'in', UPLOADING_STATUSES), eb('id', 'in', this.copyingImageIds())]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * `image_stage_total`, in bytes: sizes of the owner's images with data in staging (uploading,
   * importing) plus those being copied to stores, which stage their data too.
   */
  async stagingUsage(owner: string): Promise<number> {
    const row = await this.db.selectFrom('images')
      .select((eb) => eb.fn.sum<number | string | null>('size').as('total'))
      .where('owner', '=', owner).where('deleted', '=', this.codec.bool(false))
      .where((eb) => eb.or([eb('status', 'in', STAGED_STATUSES), eb('id', 'in', this.copyingImageIds())]))
      .executeTakeFirstOrThrow();
    return Number(row.total ?? 0);
  }

  /**
   * Storage used by the owner, in bytes, as `user_storage_quota` and `image_size_total` count it:
   * each counted image's size once per location that is not deleted. `excludeImageId` leaves
   * out the image being uploaded (its old size must not count against its new data).
   */
  async storageUsage(owner: string, excludeImageId?: string): Promise<number> {
    const notDeleted = this.codec.bool(false);
    let query = this.db.selectFrom('images as i')
      .select(sql<number | string | null>`SUM(i.size * (
        SELECT COUNT(*) FROM image_locations l
        WHERE l.image_id = i.id AND l.deleted = ${notDeleted} AND l.status <> 'deleted'))`.as('total'))
      .where('i.owner', '=', owner).where('i.deleted', '=', notDeleted)
      .where('i.size', '>', 0)
      .where('i.status', 'not in', UNCOUNTED_STATUSES);
    if (excludeImageId !== undefined) query = query.where('i.id', '<>', excludeImageId);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.total ?? 0);
  }

  private copyingImageIds() {
    return this.db.selectFrom('image_properties').select('image_id')
      .where('name', '=', IMPORTING_TO_STORES).where('value', '<>', '')
      .where('deleted', '=', this.codec.bool(false));
  }
}

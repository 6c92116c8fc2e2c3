/**
 * The membership repository: the `image_members` rows of Glance's schema, with its soft-delete
 * rules (a removed membership keeps its row, `deleted = 1`; the UNIQUE(image_id, member,
 * deleted_at) key lets a project be added again later). It applies no policy: the member
 * service decides who may do what.
 */
import type { Kysely } from 'kysely';
import type { MemberStatus } from '../../domain/image.js';
import type { ImageMember } from '../../domain/image-member.js';
import type { GlanceTables as Tables } from '../tables.js';
import type { ImageRepoDatabase } from './image-repo.js';
import { SqlCodec } from './sql-codec.js';

const COLUMNS = ['id', 'image_id', 'member', 'status', 'created_at', 'updated_at'] as const;

/** Membership persistence over one database handle. Safe to share between requests. */
export class MemberRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;

  constructor(database: ImageRepoDatabase) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
  }

  /** The live memberships of `imageId`, oldest first. */
  async list(imageId: string): Promise<ImageMember[]> {
    const rows = await this.live(imageId).select(COLUMNS).orderBy('id').execute();
    return rows.map((r) => this.toMember(r));
  }

  /** The live membership of `memberId` in `imageId`, or null. */
  async find(imageId: string, memberId: string): Promise<ImageMember | null> {
    const row = await this.live(imageId).select(COLUMNS).where('member', '=', memberId)
      .orderBy('id').executeTakeFirst();
    return row ? this.toMember(row) : null;
  }

  /** Number of live memberships of `imageId` (what `image_member_quota` counts). */
  async count(imageId: string): Promise<number> {
    const row = await this.live(imageId).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Adds `memberId` to `imageId` as `pending`. Returns null when the project is already a live
   * member — also when a concurrent request added it first: the key cannot catch that (NULL
   * `deleted_at` values never collide), so the later row is removed again.
   */
  async create(imageId: string, memberId: string): Promise<ImageMember | null> {
    if (await this.find(imageId, memberId)) return null;
    const ts = this.codec.time(this.codec.now());
    const values = {
      image_id: imageId, member: memberId, can_share: this.codec.bool(false), status: 'pending',
      created_at: ts, updated_at: ts, deleted_at: null, deleted: this.codec.bool(false),
    };
    let id: number;
    if (this.codec.dialect === 'mysql') {
      const res = await this.db.insertInto('image_members').values(values).executeTakeFirstOrThrow();
      id = Number(res.insertId);
    } else {
      const row = await this.db.insertInto('image_members').values(values).returning('id').executeTakeFirstOrThrow();
      id = Number(row.id);
    }
    const first = await this.find(imageId, memberId);
    if (first === null || first.id !== id) {
      await this.db.deleteFrom('image_members').where('id', '=', id).execute();
      return null;
    }
    return first;
  }

  /** Sets the status of a live membership; returns it as saved, or null when it is gone. */
  async updateStatus(member: ImageMember, status: MemberStatus): Promise<ImageMember | null> {
    const now = this.codec.now();
    const res = await this.db.updateTable('image_members')
      .set({ status, updated_at: this.codec.time(now) })
      .where('id', '=', member.id).where('deleted', '=', this.codec.bool(false))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return null;
    return { ...member, status, updated_at: now };
  }

  /** Soft-deletes a live membership; returns the deletion time, or null when it was gone. */
  async delete(member: ImageMember): Promise<Date | null> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    try {
      const res = await this.db.updateTable('image_members')
        .set({ deleted: this.codec.bool(true), deleted_at: ts, updated_at: ts })
        .where('id', '=', member.id).where('deleted', '=', this.codec.bool(false))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 0 ? null : now;
    } catch (err) {
      // Re-added and removed again within the column's precision: the key refuses a second
      // identical (image, member, deleted_at); the row then goes for good instead.
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      const res = await this.db.deleteFrom('image_members').where('id', '=', member.id).executeTakeFirst();
      return Number(res.numDeletedRows) === 0 ? null : now;
    }
  }

  private live(imageId: string) {
    return this.db.selectFrom('image_members')
      .where('image_id', '=', imageId).where('deleted', '=', this.codec.bool(false));
  }

  private toMember(row: { id: number; image_id: string; member: string; status: string; created_at: unknown; updated_at: unknown }): ImageMember {
    return {
      id: Number(row.id),
      image_id: row.image_id,
      member_id: row.member,
      status: row.status as MemberStatus,
      created_at: this.codec.readTimeNN(row.created_at),
      // Rows written by Glance always carry updated_at; fall back for hand-made ones.
      updated_at: this.codec.readTime(row.updated_at) ?? this.codec.readTimeNN(row.created_at),
    };
  }
}

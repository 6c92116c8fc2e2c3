/**
 * The `metadef_tags` table: the tags of a namespace, paged and sorted like Glance's tag list,
 * single and bulk creation (bulk replaces the namespace's tags unless appending, all or nothing)
 * with Glance's 409 text for duplicates.
 */
import { Conflict } from '../../domain/errors.js';
import type { MetadefTag } from '../../domain/metadef.js';
import { codecOf, insertWithId, pageAfter, sortKeys, type MetadefDb, type SortDir } from './metadef-rows.js';
import { SqlCodec } from './sql-codec.js';

/** The columns a tag list may be sorted by. */
export const TAG_SORT_KEYS = ['id', 'name', 'created_at', 'updated_at'] as const;

/** One page of a namespace's tags. */
export interface TagListQuery {
  sortKey: (typeof TAG_SORT_KEYS)[number];
  sortDir: SortDir;
  /** Undefined: every tag. */
  limit?: number;
  /** The last tag of the previous page. */
  marker?: MetadefTag;
}

const COLUMNS = ['id', 'name', 'created_at', 'updated_at'] as const;

const duplicate = (name: string, nsName: string) => new Conflict(`A metadata tag with name=${name} already exists in `
  + `namespace=${nsName}. (Please note that metadata tag names are case insensitive).`);

/** Tag persistence over one database handle (or transaction). */
export class MetadefTagRepo {
  private readonly codec: SqlCodec;

  constructor(private readonly h: MetadefDb) {
    this.codec = codecOf(h);
  }

  /** A page of the tags of namespace `nsId`. */
  async list(nsId: number, q: TagListQuery = { sortKey: 'created_at', sortDir: 'desc' }): Promise<MetadefTag[]> {
    const query = this.h.db.selectFrom('metadef_tags').select(COLUMNS).where('namespace_id', '=', nsId);
    const marker = q.marker === undefined ? undefined : { ...q.marker } as Record<string, unknown>;
    let paged = pageAfter(query, sortKeys(q.sortKey), q.sortDir, marker, this.codec);
    if (q.limit !== undefined) paged = paged.limit(q.limit);
    return (await paged.execute()).map((r) => this.toTag(r));
  }

  /** Tag `name` of namespace `nsId`, or null. */
  async get(nsId: number, name: string): Promise<MetadefTag | null> {
    const row = await this.h.db.selectFrom('metadef_tags').select(COLUMNS)
      .where('namespace_id', '=', nsId).where('name', '=', name).executeTakeFirst();
    return row ? this.toTag(row) : null;
  }

  /** Adds tag `name`; 409 when the namespace has it already. */
  async create(nsId: number, nsName: string, name: string): Promise<MetadefTag> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    try {
      const id = await insertWithId(this.h, 'metadef_tags', { namespace_id: nsId, name, created_at: ts, updated_at: ts });
      return { id, name, created_at: now, updated_at: now };
    } catch (err) {
      if (SqlCodec.isUniqueViolation(err)) throw duplicate(name, nsName);
      throw err;
    }
  }

  /**
   * Adds `names` in one transaction, first removing the namespace's tags unless `append`; any
   * duplicate (in the list or, when appending, with a kept tag) is a 409 and changes nothing. An
   * empty list changes nothing, as in Glance.
   */
  async createMany(nsId: number, nsName: string, names: string[], append: boolean): Promise<MetadefTag[]> {
    if (names.length === 0) return [];
    return this.h.db.transaction().execute(async (trx) => {
      if (!append) await trx.deleteFrom('metadef_tags').where('namespace_id', '=', nsId).execute();
      const repo = new MetadefTagRepo({ db: trx, dialect: this.h.dialect });
      const created: MetadefTag[] = [];
      for (const name of names) created.push(await repo.create(nsId, nsName, name));
      return created;
    });
  }

  /** Renames tag `id`; returns the new `updated_at`. 409 when the new name is taken. */
  async rename(id: number, nsName: string, name: string): Promise<Date> {
    const now = this.codec.now();
    try {
      await this.h.db.updateTable('metadef_tags').set({ name, updated_at: this.codec.time(now) }).where('id', '=', id).execute();
    } catch (err) {
      if (SqlCodec.isUniqueViolation(err)) throw duplicate(name, nsName);
      throw err;
    }
    return now;
  }

  /** Deletes tag `id`. */
  async delete(id: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_tags').where('id', '=', id).execute();
  }

  /** Deletes every tag of namespace `nsId`. */
  async deleteAll(nsId: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_tags').where('namespace_id', '=', nsId).execute();
  }

  private toTag(r: Record<(typeof COLUMNS)[number], unknown>): MetadefTag {
    return {
      id: Number(r.id),
      name: String(r.name),
      created_at: this.codec.readTimeNN(r.created_at),
      updated_at: this.codec.readTime(r.updated_at),
    };
  }
}

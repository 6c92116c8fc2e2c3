/**
 * The image cache's bookkeeping in the central database (Glance's `centralized_db` cache driver):
 * `node_reference` names each API node by its `worker_self_reference_url`, and `cached_images`
 * holds one row per image cached on a node (size, md5, hits, last access, when it was cached).
 * Every method works on one node's rows; nodes never see each other's entries.
 */
import type { Kysely } from 'kysely';
import type { GlanceTables as Tables } from '../tables.js';
import { SqlCodec, type SqlDialect } from './sql-codec.js';

/** What the repository needs of an open database. */
export interface CacheRepoDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
}

/** One cached image of a node. */
export interface CachedImageRow {
  imageId: string;
  size: number;
  /** md5 (hex) of the cached file, verified when it was written. */
  checksum: string | null;
  hits: number;
  lastAccessed: Date;
  /** When the file was cached; also the mtime stamped on the file (whole seconds). */
  lastModified: Date;
}

/** The cache rows of one database, per node. Safe to share. */
export class CacheRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;

  constructor(database: CacheRepoDatabase) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
  }

  /** The id of the node recorded under `url`, recording it first if needed (safe under races). */
  async nodeId(url: string): Promise<number> {
    const existing = await this.findNode(url);
    if (existing !== null) return existing;
    try {
      await this.db.insertInto('node_reference').values({ node_reference_url: url }).execute();
    } catch (err) {
      // Another process of this node (or a restart race) recorded it first.
      if (!SqlCodec.isUniqueViolation(err)) throw err;
    }
    const id = await this.findNode(url);
    if (id === null) throw new Error(`node_reference row for ${url} vanished after insert`);
    return id;
  }

  /** The node's cached images, least recently accessed first. */
  async list(nodeId: number): Promise<CachedImageRow[]> {
    const rows = await this.rows(nodeId).orderBy('last_accessed').orderBy('id').execute();
    return rows.map((r) => this.toRow(r));
  }

  /** The node's row of `imageId`, or null. */
  async get(nodeId: number, imageId: string): Promise<CachedImageRow | null> {
    const row = await this.rows(nodeId).where('image_id', '=', imageId).executeTakeFirst();
    return row ? this.toRow(row) : null;
  }

  /**
   * Records `imageId` as cached on the node at `at` with no hits, replacing an older row (a
   * re-cached image starts afresh).
   */
  async insert(nodeId: number, imageId: string, size: number, checksum: string, at: Date): Promise<void> {
    const ts = this.codec.time(at);
    const values = {
      image_id: imageId, size, checksum, hits: 0, last_accessed: ts, last_modified: ts, node_reference_id: nodeId,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('cached_images').where('node_reference_id', '=', nodeId).where('image_id', '=', imageId).execute();
      await trx.insertInto('cached_images').values(values).execute();
    });
  }

  /** Counts one hit of `imageId` at `at` (also its last access). */
  async hit(nodeId: number, imageId: string, at: Date): Promise<void> {
    await this.db.updateTable('cached_images')
      .set((eb) => ({ hits: eb('hits', '+', 1), last_accessed: this.codec.time(at) }))
      .where('node_reference_id', '=', nodeId).where('image_id', '=', imageId)
      .execute();
  }

  /** Removes the node's row of `imageId`; true when there was one. */
  async delete(nodeId: number, imageId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('cached_images')
      .where('node_reference_id', '=', nodeId).where('image_id', '=', imageId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  private async findNode(url: string): Promise<number | null> {
    const row = await this.db.selectFrom('node_reference').select('node_reference_id')
      .where('node_reference_url', '=', url).executeTakeFirst();
    return row ? Number(row.node_reference_id) : null;
  }

  private rows(nodeId: number) {
    return this.db.selectFrom('cached_images')
      .select(['image_id', 'size', 'checksum', 'hits', 'last_accessed', 'last_modified'])
      .where('node_reference_id', '=', nodeId);
  }

  private toRow(r: { image_id: string; size: unknown; checksum: string | null; hits: unknown; last_accessed: unknown; last_modified: unknown }): CachedImageRow {
    return {
      imageId: r.image_id,
      size: this.codec.readInt(r.size) ?? 0,
      checksum: r.checksum,
      hits: this.codec.readInt(r.hits) ?? 0,
      lastAccessed: this.codec.readTimeNN(r.last_accessed),
      lastModified: this.codec.readTimeNN(r.last_modified),
    };
  }
}

/**
 * What the metadef repositories share: the database handle they run on (a database or an open
 * transaction), inserting a row and getting its id on every dialect, reading the JSON and
 * comma-list columns Glance writes, and sort/marker paging as oslo.db's `paginate_query` does it.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { GlanceTables as Tables } from '../tables.js';
import { SqlCodec, type SqlDialect } from './sql-codec.js';

/** A database handle for the metadef repositories; `db` may be a transaction. */
export interface MetadefDb {
  db: Kysely<Tables>;
  dialect: SqlDialect;
}

/** The metadef tables with an integer `id` primary key. */
export type IdTable = 'metadef_namespaces' | 'metadef_objects' | 'metadef_properties' | 'metadef_tags' | 'metadef_resource_types';

/** Inserts one row into `table` and returns its generated id. */
export async function insertWithId(h: MetadefDb, table: IdTable, values: Record<string, unknown>): Promise<number> {
  // The tables differ in columns; the callers build the values from the table's own interface.
  const db = h.db as unknown as Kysely<Record<IdTable, { id: number }>>;
  const insert = db.insertInto(table).values(values as never);
  if (h.dialect === 'mysql') return Number((await insert.executeTakeFirstOrThrow()).insertId);
  const row = await insert.returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Parses a JSON text column holding an object; anything else reads as `{}`. */
export function readJsonObject(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Glance stores an object's required property names comma-joined (NULL for none). */
export function readRequired(text: unknown): string[] {
  return typeof text === 'string' && text !== '' ? text.split(',') : [];
}

/** The column value of `required` for a list (NULL when empty or absent). */
export function writeRequired(required: string[] | null): string | null {
  return required === null || required.length === 0 ? null : required.join(',');
}

/** Sort direction of a page. */
export type SortDir = 'asc' | 'desc';

/**
 * Orders `query` by `keys` (all in `dir`) and, with a marker row, keeps only the rows after it
 * in that order: (k1 > m1) or (k1 = m1 and k2 > m2) or … (`<` when descending).
 */
export function pageAfter<T extends keyof Tables, O>(
  query: SelectQueryBuilder<Tables, T, O>, keys: string[], dir: SortDir,
  marker: Record<string, unknown> | undefined, codec: SqlCodec,
): SelectQueryBuilder<Tables, T, O> {
  let q = query;
  if (marker !== undefined) {
    const op = dir === 'asc' ? '>' : '<';
    const bind = (v: unknown) => (v instanceof Date ? codec.time(v) : typeof v === 'boolean' ? codec.bool(v) : v);
    q = q.where((eb) => eb.or(keys.map((key, i) => eb.and([
      ...keys.slice(0, i).map((prev) => eb(sql.ref(prev), '=', bind(marker[prev]))),
      eb(sql.ref(key), op, bind(marker[key])),
    ]))));
  }
  for (const key of keys) q = q.orderBy(sql.ref(key), dir);
  return q;
}

/** The sort keys of a page: the requested one, then `created_at` and `id` as tie-breakers. */
export function sortKeys(requested: string): string[] {
  return [...new Set([requested, 'created_at', 'id'])];
}

/** Shared construction of a repository's codec. */
export function codecOf(h: MetadefDb): SqlCodec {
  return new SqlCodec(h.dialect);
}

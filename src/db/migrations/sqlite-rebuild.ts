/**
 * SQLite cannot alter or drop columns in place; alembic's batch mode rebuilds the table
 * ("move and copy"). This reproduces that rebuild from the live table definition, so the
 * resulting `sqlite_master` text matches what Glance leaves behind: the new table is created as
 * `_alembic_tmp_<name>`, filled, the old one dropped, the new one renamed (SQLite then records
 * it as `CREATE TABLE "<name>"`), and the surviving indexes recreated with their original SQL.
 * Like alembic's, the rebuild keeps the primary key and foreign keys but not unnamed CHECKs.
 */
import { sql } from 'kysely';
import type { MigrationContext } from './ddl.js';

/** Column changes for a rebuild. `defaultSql` is raw SQL (`'shared'`, `0`), null removes it. */
export interface SqliteColumnChange {
  nullable?: boolean;
  defaultSql?: string | null;
}

/** What the rebuild changes. */
export interface SqliteRebuild {
  dropColumns?: string[];
  alter?: Record<string, SqliteColumnChange>;
  dropIndexes?: string[];
}

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

interface ForeignKeyInfo {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string;
}

/** Rebuilds `table` applying `change`. Run with foreign keys off (openDatabase does). */
export async function rebuildSqliteTable(ctx: MigrationContext, table: string, change: SqliteRebuild): Promise<void> {
  const drop = new Set(change.dropColumns ?? []);
  const cols = (await sql.raw<ColumnInfo>(`PRAGMA table_info(${table})`).execute(ctx.db)).rows;
  const fks = (await sql.raw<ForeignKeyInfo>(`PRAGMA foreign_key_list(${table})`).execute(ctx.db)).rows;
  const indexes = (
    await sql<{ name: string; sql: string }>`SELECT name, sql FROM sqlite_master
      WHERE type = 'index' AND tbl_name = ${table} AND sql IS NOT NULL ORDER BY rowid`.execute(ctx.db)
  ).rows.filter((ix) => !(change.dropIndexes ?? []).includes(ix.name));

  const kept = cols.filter((c) => !drop.has(c.name));
  const parts = kept.map((c) => {
    const alt = change.alter?.[c.name] ?? {};
    const nullable = alt.nullable ?? c.notnull === 0;
    const dflt = alt.defaultSql !== undefined ? alt.defaultSql : c.dflt_value;
    return `${c.name} ${c.type}${dflt !== null ? ` DEFAULT ${dflt}` : ''}${nullable ? '' : ' NOT NULL'}`;
  });
  const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  if (pk.length) parts.push(`PRIMARY KEY (${pk.join(', ')})`);
  const byId = new Map<number, ForeignKeyInfo[]>();
  for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
  for (const group of byId.values()) {
    if (group.some((g) => drop.has(g.from))) continue;
    group.sort((a, b) => a.seq - b.seq);
    parts.push(`FOREIGN KEY(${group.map((g) => g.from).join(', ')}) REFERENCES ${group[0]!.table} (${group.map((g) => g.to).join(', ')})`);
  }
  const tmp = `_alembic_tmp_${table}`;
  const names = kept.map((c) => c.name).join(', ');
  await ctx.exec(`CREATE TABLE ${tmp} (\n\t${parts.join(', \n\t')}\n)`);
  await ctx.exec(`INSERT INTO ${tmp} (${names}) SELECT ${names} FROM ${table}`);
  await ctx.exec(`DROP TABLE ${table}`);
  await ctx.exec(`ALTER TABLE ${tmp} RENAME TO ${table}`);
  for (const ix of indexes) {
    if (kept.length !== cols.length && [...drop].some((d) => new RegExp(`[(, ]${d}[,) ]`).test(ix.sql))) continue;
    await ctx.exec(ix.sql);
  }
}

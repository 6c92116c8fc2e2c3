/**
 * Tiny schema questions the migrations ask at run time (does a table / column exist?), answered
 * per dialect from the catalog of the connected database.
 */
import { sql } from 'kysely';
import type { MigrationContext } from './ddl.js';

/** True when `table` exists in the connected database / schema. */
export async function tableExists(ctx: MigrationContext, table: string): Promise<boolean> {
  const q =
    ctx.dialect === 'sqlite'
      ? sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${table}`
      : ctx.dialect === 'mysql'
        ? sql`SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ${table}`
        : sql`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ${table}`;
  const r = await q.execute(ctx.db);
  return r.rows.length > 0;
}

/** True when `table.column` exists. */
export async function columnExists(ctx: MigrationContext, table: string, column: string): Promise<boolean> {
  if (ctx.dialect === 'sqlite') {
    const r = await sql.raw<{ name: string }>(`PRAGMA table_info(${table})`).execute(ctx.db);
    return r.rows.some((c) => c.name === column);
  }
  const schema = ctx.dialect === 'mysql' ? sql`DATABASE()` : sql`current_schema()`;
  const r = await sql`SELECT column_name FROM information_schema.columns
    WHERE table_schema = ${schema} AND table_name = ${table} AND column_name = ${column}`.execute(ctx.db);
  return r.rows.length > 0;
}

/**
 * Reading and writing alembic's `alembic_version` table exactly as alembic does, so real Glance
 * and glance-ts can take turns on the same database.
 */
import { sql } from 'kysely';
import type { MigrationContext } from './migrations/ddl.js';
import { tableExists } from './migrations/inspect.js';
import { LEGACY_HEADS } from './migrations/index.js';
import type { VersionChange } from './revision-graph.js';

/** alembic's own DDL for the table (PK constraint name `alembic_version_pkc`). */
const CREATE_VERSION_TABLE =
  'CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)';

/**
 * The revision ids stored in `alembic_version` ([] when the table is missing or empty).
 * Legacy heads `pike01` / `ocata01` are rewritten in place to `pike_contract01` /
 * `ocata_contract01`, as Glance does whenever it reads the heads.
 */
export async function readVersionRows(ctx: MigrationContext): Promise<string[]> {
  if (!(await tableExists(ctx, 'alembic_version'))) return [];
  const rows = async () =>
    (await sql<{ version_num: string }>`SELECT version_num FROM alembic_version`.execute(ctx.db)).rows.map(
      (r) => r.version_num,
    );
  const heads = await rows();
  for (const [legacy, current] of Object.entries(LEGACY_HEADS)) {
    if (heads.includes(legacy)) {
      await sql`UPDATE alembic_version SET version_num = ${current} WHERE version_num = ${legacy}`.execute(ctx.db);
      return rows();
    }
  }
  return heads;
}

/** Creates `alembic_version` if missing (alembic does so at the start of any upgrade/stamp). */
export async function ensureVersionTable(ctx: MigrationContext): Promise<void> {
  if (!(await tableExists(ctx, 'alembic_version'))) await ctx.exec(CREATE_VERSION_TABLE);
}

/** Writes one step's change to `alembic_version`. */
export async function writeVersionChange(ctx: MigrationContext, change: VersionChange): Promise<void> {
  for (const d of change.delete) await sql`DELETE FROM alembic_version WHERE version_num = ${d}`.execute(ctx.db);
  if (change.update) {
    await sql`UPDATE alembic_version SET version_num = ${change.update.to}
      WHERE alembic_version.version_num = ${change.update.from}`.execute(ctx.db);
  }
  if (change.insert) await sql`INSERT INTO alembic_version (version_num) VALUES (${change.insert})`.execute(ctx.db);
}

/** Replaces the whole table content with `heads` (`alembic stamp`). */
export async function replaceVersionRows(ctx: MigrationContext, heads: readonly string[]): Promise<void> {
  await ensureVersionTable(ctx);
  await sql`DELETE FROM alembic_version`.execute(ctx.db);
  for (const h of heads) await sql`INSERT INTO alembic_version (version_num) VALUES (${h})`.execute(ctx.db);
}

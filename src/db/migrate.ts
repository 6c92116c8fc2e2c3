/**
 * Running Glance's migrations against an open Database: reading the current heads, upgrading to
 * a target, data migrations, stamping, and the quiet `syncSchema` the API server calls.
 */
import type { Database, DbLogger } from './database.js';
import { migrationContext, type MigrationContext } from './migrations/ddl.js';
import { CONTRACT_HEAD, EXPAND_HEAD, glanceDataMigrations, glanceRevisions } from './migrations/index.js';
import { RevisionGraph } from './revision-graph.js';
import { ensureVersionTable, readVersionRows, replaceVersionRows, writeVersionChange } from './version-table.js';

/**
 * Receives alembic's INFO messages: `context()` each time alembic would open a migration
 * context ("Context impl …" / "Will assume … DDL."), `running()` once per applied revision.
 */
export interface MigrationEvents {
  context(): void;
  running(message: string): void;
}

/** The revision graph of Glance's chain. */
export function glanceGraph(): RevisionGraph {
  return new RevisionGraph(glanceRevisions);
}

function ctxOf(database: Database): MigrationContext {
  return migrationContext(database.db, database.dialect);
}

/** Current `alembic_version` rows (legacy names rewritten); [] for an unmanaged database. */
export async function currentHeads(database: Database, events?: MigrationEvents): Promise<string[]> {
  events?.context();
  return readVersionRows(ctxOf(database));
}

/**
 * Applies every revision needed to reach all of `targets` (revision ids), recording each step
 * in `alembic_version` as alembic does. PostgreSQL runs the whole upgrade in one transaction
 * (alembic's transactional DDL); SQLite one transaction per revision; MySQL has no
 * transactional DDL. Returns the new heads. Throws for heads this code does not know.
 */
export async function upgradeTo(database: Database, targets: readonly string[], events?: MigrationEvents): Promise<string[]> {
  const graph = glanceGraph();
  events?.context();
  const run = async (ctx: MigrationContext, perStep: (step: () => Promise<void>) => Promise<void>) => {
    await ensureVersionTable(ctx);
    let heads = await readVersionRows(ctx);
    for (const h of heads) graph.get(h);
    for (const rev of graph.plan(heads, targets)) {
      events?.running(`Running upgrade ${RevisionGraph.fromLabel(rev)} -> ${rev.id}${rev.doc ? `, ${rev.doc}` : ''}`);
      const change = graph.change(heads, rev);
      await perStep(async () => {
        await rev.upgrade(ctx);
        await writeVersionChange(ctx, change);
      });
      heads = RevisionGraph.applyChange(heads, change);
    }
    return heads;
  };
  if (database.dialect === 'postgresql') {
    return database.db.transaction().execute((trx) => run(migrationContext(trx, 'postgresql'), (s) => s()));
  }
  if (database.dialect === 'sqlite') {
    const ctx = ctxOf(database);
    return run(ctx, async (step) => {
      await ctx.exec('BEGIN');
      try {
        await step();
        await ctx.exec('COMMIT');
      } catch (err) {
        await ctx.exec('ROLLBACK');
        throw err;
      }
    });
  }
  return run(ctxOf(database), (s) => s());
}

/** True when a data migration has rows to migrate (`db check` exit 4, `db migrate`). */
export async function hasPendingDataMigrations(database: Database): Promise<boolean> {
  const ctx = ctxOf(database);
  for (const m of glanceDataMigrations) if (await m.hasMigrations(ctx)) return true;
  return false;
}

/** Runs the pending data migrations; returns the number of rows changed. */
export async function runDataMigrations(database: Database): Promise<number> {
  const ctx = ctxOf(database);
  let rows = 0;
  for (const m of glanceDataMigrations) if (await m.hasMigrations(ctx)) rows += await m.migrate(ctx);
  return rows;
}

/** `alembic stamp`: records `version` as the only head without running anything. */
export async function stampVersion(database: Database, version: string): Promise<void> {
  glanceGraph().get(version);
  await replaceVersionRows(ctxOf(database), [version]);
}

/**
 * Brings the schema to Glance 2024.1's (expand, data migrations, contract — what
 * `glance-manage db_sync` does) without printing anything; a database already at the contract
 * head is left untouched. Used by the API server at start-up in embedded mode.
 */
export async function syncSchema(database: Database, log?: DbLogger): Promise<void> {
  const before = await currentHeads(database);
  if (before.includes(CONTRACT_HEAD)) return;
  await upgradeTo(database, [EXPAND_HEAD]);
  const rows = await runDataMigrations(database);
  const after = await upgradeTo(database, [CONTRACT_HEAD]);
  log?.info(
    `Database schema upgraded from ${before.length ? before.join(', ') : '(empty)'} to ${after.join(', ')}` +
      (rows ? ` (${rows} rows migrated)` : ''),
  );
}

/**
 * The migration commands of glance-manage, with Glance's messages and exit codes:
 * `db version`, `db upgrade`, `db version_control`, `db expand`, `db migrate`, `db contract`,
 * `db check` and `db sync`. Each function throws ManageExit where Glance calls sys.exit.
 */
import type { Database } from '../db/database.js';
import {
  currentHeads, hasPendingDataMigrations, runDataMigrations, stampVersion, upgradeTo, type MigrationEvents,
} from '../db/migrate.js';
import { CONTRACT_HEAD, EXPAND_HEAD, INIT_VERSION } from '../db/migrations/index.js';
import { alembicEvents, ManageExit, type ManageIo } from './manage-io.js';

/** What every command needs: the open database, the output, alembic's log lines. */
export interface DbCommandContext {
  database: Database;
  io: ManageIo;
  events: MigrationEvents;
}

/** Builds the context for `database` writing to `io`. */
export function dbCommandContext(database: Database, io: ManageIo): DbCommandContext {
  return { database, io, events: alembicEvents(io, database.dialect) };
}

const UP_TO_DATE = 'Database is up to date. No migrations needed.';

const heads = (c: DbCommandContext) => currentHeads(c.database, c.events);

/** `db version`: one head per line, or a hint for an unmanaged database. */
export async function dbVersion(c: DbCommandContext): Promise<void> {
  const h = await heads(c);
  if (h.length) for (const x of h) c.io.out(x);
  else {
    c.io.out(
      'Database is either not under migration control or under legacy migration control, please run ' +
        '"glance-manage db sync" to place the database under alembic migration control.',
    );
  }
}

/** Upgrades to `version` ('heads' = both branch heads) and prints the resulting revisions. */
export async function dbUpgrade(c: DbCommandContext, version = 'heads'): Promise<void> {
  const targets = version === 'heads' ? [EXPAND_HEAD, CONTRACT_HEAD] : [version];
  await upgradeTo(c.database, targets, c.events);
  const revs = (await heads(c)).join(', ');
  if (version === 'heads') c.io.out(`Upgraded database, current revision(s): ${revs}`);
  else c.io.out(`Upgraded database to: ${version}, current revision(s): ${revs}`);
}

/** `db version_control [VERSION]`: stamps without migrating (default `liberty`). */
export async function dbVersionControl(c: DbCommandContext, version: string | null): Promise<void> {
  const v = version ?? INIT_VERSION;
  await stampVersion(c.database, v);
  c.io.out(`Placed database under migration control at revision: ${v}`);
}

// Rolling-upgrade commands are refused on PostgreSQL unless run as part of db sync (offline).
function validateEngine(c: DbCommandContext): void {
  if (c.database.dialect !== 'mysql' && c.database.dialect !== 'sqlite') {
    throw new ManageExit('Rolling upgrades are currently supported only for MySQL and Sqlite');
  }
}

/** `db expand`. */
export async function dbExpand(c: DbCommandContext, online = true): Promise<void> {
  if (online) validateEngine(c);
  let h = await heads(c);
  if (h.includes(CONTRACT_HEAD)) {
    c.io.out(UP_TO_DATE);
    throw new ManageExit(0);
  }
  if (h.includes(EXPAND_HEAD)) {
    c.io.out('Database expansion is up to date. No expansion needed.');
    return;
  }
  await dbUpgrade(c, EXPAND_HEAD);
  h = await heads(c);
  if (!h.includes(EXPAND_HEAD)) {
    throw new ManageExit(
      `Database expansion failed. Database expansion should have brought the database version up to ` +
        `"${EXPAND_HEAD}" revision. But, current revisions are: ${h.join(', ')} `,
    );
  }
}

/** `db migrate`: the data migrations. */
export async function dbMigrate(c: DbCommandContext, online = true): Promise<void> {
  if (online) validateEngine(c);
  const h = await heads(c);
  if (h.includes(CONTRACT_HEAD)) {
    c.io.out(UP_TO_DATE);
    throw new ManageExit(0);
  }
  if (!h.includes(EXPAND_HEAD)) {
    throw new ManageExit(
      'Data migration did not run. Data migration cannot be run before database expansion. ' +
        'Run database expansion first using "glance-manage db expand"',
    );
  }
  if (await hasPendingDataMigrations(c.database)) {
    c.io.out(`Migrated ${await runDataMigrations(c.database)} rows`);
  } else {
    c.io.out('Database migration is up to date. No migration needed.');
  }
}

/** `db contract`. */
export async function dbContract(c: DbCommandContext, online = true): Promise<void> {
  if (online) validateEngine(c);
  let h = await heads(c);
  if (h.includes(CONTRACT_HEAD)) {
    c.io.out(UP_TO_DATE);
    throw new ManageExit(0);
  }
  if (!h.includes(EXPAND_HEAD)) {
    throw new ManageExit(
      'Database contraction did not run. Database contraction cannot be run before database expansion. ' +
        'Run database expansion first using "glance-manage db expand"',
    );
  }
  if (await hasPendingDataMigrations(c.database)) {
    throw new ManageExit(
      'Database contraction did not run. Database contraction cannot be run before data migration is ' +
        'complete. Run data migration using "glance-manage db migrate".',
    );
  }
  await dbUpgrade(c, CONTRACT_HEAD);
  h = await heads(c);
  if (!h.includes(CONTRACT_HEAD)) {
    throw new ManageExit(
      `Database contraction failed. Database contraction should have brought the database version up to ` +
        `"${EXPAND_HEAD}" revision. But, current revisions are: ${h.join(', ')} `,
    );
  }
}

/** `db check`: exit 0 up to date, 3 expand needed, 4 migrate needed, 5 contract needed. */
export async function dbCheck(c: DbCommandContext): Promise<void> {
  validateEngine(c);
  const h = await heads(c);
  if (h.includes(CONTRACT_HEAD)) {
    c.io.out('Database is up to date. No upgrades needed.');
    throw new ManageExit(0);
  }
  const notUpToDate = 'Your database is not up to date. ';
  if (!h.includes(EXPAND_HEAD)) {
    c.io.out(`${notUpToDate}Your first step is to run \`glance-manage db expand\`.`);
    throw new ManageExit(3);
  }
  if (await hasPendingDataMigrations(c.database)) {
    c.io.out(`${notUpToDate}Your next step is to run \`glance-manage db migrate\`.`);
    throw new ManageExit(4);
  }
  c.io.out(`${notUpToDate}Your next step is to run \`glance-manage db contract\`.`);
  throw new ManageExit(5);
}

/** `db sync` / `db_sync`: offline expand + migrate + contract (the VERSION argument is ignored, as upstream). */
export async function dbSync(c: DbCommandContext): Promise<void> {
  const h = await heads(c);
  if (h.includes(CONTRACT_HEAD)) {
    c.io.out(UP_TO_DATE);
    throw new ManageExit(0);
  }
  await dbExpand(c, false);
  await dbMigrate(c, false);
  await dbContract(c, false);
  c.io.out('Database is synced successfully.');
}

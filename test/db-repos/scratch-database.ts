/**
 * Scratch databases for repository tests: a fresh SQLite file, or a uniquely named MariaDB
 * or PostgreSQL database on the servers named by `GLANCE_TEST_MYSQL_URL` /
 * `GLANCE_TEST_PG_URL`, with Glance's full schema created by `syncSchema`. `drop()` closes and removes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { DatabaseConfig } from '../../src/config/slices.js';
import type { Dialect } from '../../src/db/connection-url.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { syncSchema } from '../../src/db/migrate.js';
import { dropWhenIdle, SERVER_URLS, withDatabase } from '../db/scratch.js';

/** An open scratch database and how to get rid of it. */
export interface ScratchDatabase {
  database: Database;
  /** Opens a second, independent handle (own connections) on the same database, as another API node would. */
  openAnother(): Promise<Database>;
  drop(): Promise<void>;
}

function config(connection: string): DatabaseConfig {
  return {
    connection, maxPoolSize: 5, maxOverflow: 5, poolTimeout: 10, connectionRecycleTime: 3600,
    maxRetries: 0, retryInterval: 1, mysqlSqlMode: 'TRADITIONAL',
  };
}

/**
 * Creates and opens a scratch database with the schema. Throws (with the driver's error) when
 * the server is unreachable; callers may turn ECONNREFUSED into a skip.
 */
export async function openScratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    // A file (not :memory:) so that a second handle sees the same data.
    const dir = mkdtempSync(join(tmpdir(), 'glance-ts-repo-'));
    const url = `sqlite:///${join(dir, 'glance.sqlite')}`;
    const database = await openDatabase(config(url));
    await syncSchema(database);
    return {
      database,
      openAnother: () => openDatabase(config(url)),
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `glance_ts_repo_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase(config(SERVER_URLS[dialect]));
  try {
    const charset = dialect === 'mysql' ? ' CHARACTER SET utf8' : '';
    await sql.raw(`CREATE DATABASE ${name}${charset}`).execute(admin.db);
  } catch (err) {
    await admin.close();
    throw err;
  }
  const database = await openDatabase(config(withDatabase(SERVER_URLS[dialect], name)));
  const drop = async () => {
    await database.close();
    try {
      await dropWhenIdle(admin, name);
    } finally {
      await admin.close();
    }
  };
  try {
    await syncSchema(database);
  } catch (err) {
    await drop();
    throw err;
  }
  return { database, drop, openAnother: () => openDatabase(config(withDatabase(SERVER_URLS[dialect], name))) };
}

/**
 * Empty scratch databases for the db-layer tests: a temporary SQLite file, or a uniquely named
 * database on the MariaDB / PostgreSQL servers of `GLANCE_TEST_MYSQL_URL` / `GLANCE_TEST_PG_URL`.
 * No schema is created: the tests create it with the migrations under test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { DatabaseConfig } from '../../src/config/slices.js';
import type { Dialect } from '../../src/db/connection-url.js';
import { openDatabase, type Database } from '../../src/db/database.js';

/** Server URLs (without a database part) used by the tests. */
export const SERVER_URLS = {
  mysql: process.env['GLANCE_TEST_MYSQL_URL'] ?? 'mysql+pymysql://root@127.0.0.1:3306',
  postgresql: process.env['GLANCE_TEST_PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432',
};

/** A DatabaseConfig for `connection` with test-friendly pool and retry settings. */
export function testConfig(connection: string): DatabaseConfig {
  return {
    connection, maxPoolSize: 2, maxOverflow: 2, poolTimeout: 10, connectionRecycleTime: 3600,
    maxRetries: 0, retryInterval: 1, mysqlSqlMode: 'TRADITIONAL',
  };
}

/** A scratch database: its URL, an open handle, a config file naming it, and `drop()`. */
export interface Scratch {
  dialect: Dialect;
  url: string;
  name: string;
  database: Database;
  /** A glance-api.conf-style file with `[database] connection = url`. */
  configFile: string;
  drop(): Promise<void>;
}

/** `url` with its database part replaced by `name` (query string kept). */
export function withDatabase(url: string, name: string): string {
  const [base, query] = url.split('?', 2) as [string, string | undefined];
  const m = /^([^:]+:\/\/[^/]*)(?:\/[^?]*)?$/.exec(base);
  if (!m) throw new Error(`cannot derive a database URL from ${base}`);
  return `${m[1]}/${name}${query === undefined ? '' : `?${query}`}`;
}

/** Creates an empty scratch database of `dialect`; `drop()` closes whatever `database` then holds. */
export async function createScratch(dialect: Dialect): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-db-'));
  const configFile = join(dir, 'glance-api.conf');
  const name = `glance_ts_db_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (dialect === 'sqlite') {
    const url = `sqlite:///${join(dir, `${name}.sqlite`)}`;
    writeFileSync(configFile, `[database]\nconnection = ${url}\n`);
    const scratch: Scratch = {
      dialect, url, name, database: await openDatabase(testConfig(url)), configFile,
      drop: async () => {
        await scratch.database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return scratch;
  }
  const server = SERVER_URLS[dialect];
  const admin = await openDatabase(testConfig(server));
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  const url = withDatabase(server, name);
  writeFileSync(configFile, `[database]\nconnection = ${url}\n`);
  const scratch: Scratch = {
    dialect, url, name, database: await openDatabase(testConfig(url)), configFile,
    drop: async () => {
      await scratch.database.close();
      try {
        await dropWhenIdle(admin, name);
      } finally {
        await admin.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return scratch;
}

/**
 * Drops `name`, waiting for its connections to go away. node-postgres resolves pool.end()
 * before its sockets are closed, and DROP … WITH (FORCE) would then kill sessions whose clients
 * no longer listen for errors; so a plain DROP is retried while the database is busy (55006).
 */
export async function dropWhenIdle(admin: Database, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql.raw(`DROP DATABASE IF EXISTS ${name}`).execute(admin.db);
      return;
    } catch (err) {
      if (attempt >= 50 || (err as { code?: string }).code !== '55006') throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The dialects to test: all three (the servers are part of the test environment). */
export const DIALECTS: Dialect[] = ['sqlite', 'mysql', 'postgresql'];

/**
 * Opens Glance's database from the `[database]` configuration slice: one kysely instance per
 * process over the right driver, configured as oslo.db configures SQLAlchemy's engine.
 */
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { DatabaseConfig } from '../config/slices.js';
import { parseConnectionUrl, redact, type ConnectionUrl, type Dialect } from './connection-url.js';
import { sqliteAdapter } from './sqlite-adapter.js';
import { SqliteFlagDialect } from './sqlite-flag-dialect.js';
import { UtcDatesPlugin } from './utc-dates-plugin.js';
import type { GlanceTables } from './tables.js';

/** The minimal logger the db layer needs (a pino logger fits). */
export interface DbLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** An open database. `close()` ends the pool / closes the file; call it exactly once. */
export interface Database {
  db: Kysely<GlanceTables>;
  dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Opens the database described by `cfg` and checks it answers `SELECT 1`. A failing first
 * connection is retried `maxRetries` times (-1: forever) every `retryInterval` seconds, as
 * oslo.db does at start-up; after that the last error is thrown. URL errors throw at once.
 */
export async function openDatabase(cfg: DatabaseConfig, log?: DbLogger): Promise<Database> {
  const url = parseConnectionUrl(cfg.connection);
  let attempt = 0;
  for (;;) {
    const database = build(url, cfg);
    try {
      await sql`SELECT 1`.execute(database.db);
      return database;
    } catch (err) {
      await database.close().catch(() => undefined);
      attempt += 1;
      if (cfg.maxRetries !== -1 && attempt > cfg.maxRetries) throw err;
      log?.warn(
        `Database ${redact(cfg.connection)} not reachable (${(err as Error).message}); ` +
          `retrying in ${cfg.retryInterval}s (attempt ${attempt})`,
      );
      await new Promise((r) => setTimeout(r, cfg.retryInterval * 1000));
    }
  }
}

function build(url: ConnectionUrl, cfg: DatabaseConfig): Database {
  switch (url.dialect) {
    case 'sqlite':
      return buildSqlite(url);
    case 'mysql':
      return buildMysql(url, cfg);
    case 'postgresql':
      return buildPostgres(url, cfg);
  }
}

function wrap(db: Kysely<GlanceTables>, dialect: Dialect): Database {
  let closed: Promise<void> | null = null;
  return { db, dialect, close: () => (closed ??= db.destroy()) };
}

function buildSqlite(url: ConnectionUrl): Database {
  const raw = new BetterSqlite3(url.database ?? ':memory:');
  if (url.database !== ':memory:') raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 10000');
  // oslo.db leaves SQLite foreign keys off (sqlite_fk=False); Glance relies on that, and the
  // table rebuilds in the migrations need it.
  raw.pragma('foreign_keys = OFF');
  const db = new Kysely<GlanceTables>({ dialect: new SqliteFlagDialect({ database: sqliteAdapter(raw) }) });
  return wrap(db, 'sqlite');
}

function buildMysql(url: ConnectionUrl, cfg: DatabaseConfig): Database {
  const q = url.query;
  const pool = createPool({
    host: url.host ?? q['host'] ?? 'localhost',
    port: url.port ?? 3306,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
    socketPath: q['unix_socket'],
    // Glance's tables are utf8 (3-byte); the API rejects 4-byte characters before they get here.
    charset: (q['charset'] ?? 'utf8').toUpperCase() === 'UTF8' ? 'UTF8_GENERAL_CI' : q['charset']!,
    supportBigNumbers: true,
    // Glance stores naive UTC datetimes.
    timezone: 'Z',
    connectionLimit: cfg.maxPoolSize + cfg.maxOverflow,
    maxIdle: cfg.maxPoolSize,
    idleTimeout: cfg.connectionRecycleTime * 1000,
    connectTimeout: (cfg.poolTimeout ?? 10) * 1000,
  });
  const sqlMode = cfg.mysqlSqlMode;
  const db = new Kysely<GlanceTables>({
    dialect: new MysqlDialect({
      pool,
      onCreateConnection: async (conn) => {
        // oslo.db sets the session sql_mode on every new connection ('' leaves the server's).
        if (sqlMode) await conn.executeQuery(CompiledQuery.raw('SET SESSION sql_mode = ?', [sqlMode]));
      },
    }),
  });
  return wrap(db, 'mysql');
}

function buildPostgres(url: ConnectionUrl, cfg: DatabaseConfig): Database {
  const q = url.query;
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 20) return (v: string) => Number(v); // int8 (BIGINT): sizes fit in 2^53
      if (oid === 1114) return (v: string) => new Date(v.replace(' ', 'T') + 'Z'); // naive UTC
      return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
    },
  };
  const pool = new pg.Pool({
    host: url.host ?? q['host'] ?? undefined,
    port: url.port ?? 5432,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
    max: cfg.maxPoolSize + cfg.maxOverflow,
    idleTimeoutMillis: cfg.connectionRecycleTime * 1000,
    maxLifetimeSeconds: cfg.connectionRecycleTime,
    connectionTimeoutMillis: cfg.poolTimeout === null ? 0 : cfg.poolTimeout * 1000,
    types: types as pg.CustomTypesConfig,
  });
  const db = new Kysely<GlanceTables>({ dialect: new PostgresDialect({ pool }), plugins: [new UtcDatesPlugin()] });
  return wrap(db, 'postgresql');
}

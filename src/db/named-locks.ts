/**
 * Mutual exclusion by name across requests, worker processes and API nodes sharing the
 * database: a project's quota usage (`project:<id>`, so that a check such as "5 images, limit 5"
 * and the write it allows happen as one step; Glance checks and then acts without a lock, so
 * concurrent requests can overshoot a limit) and an image record (`image:<id>`, so that two
 * read-modify-write updates cannot lose each other's changes).
 *
 * The section runs in one transaction, committed before the lock is released:
 * - MariaDB/MySQL: `GET_LOCK('glance-quota-<project>')`, a named lock held by the connection;
 * - PostgreSQL: `pg_advisory_lock` on a hash of the project id (a rare hash collision only
 *   serialises two projects, it never lets two sections of one project overlap);
 * - SQLite: the database's write lock, taken at the start of the transaction (the whole file is
 *   one lock, so every guarded section in every process is serialised).
 * Within one process, sections of one name also queue on an in-process mutex first, so a
 * burst of requests holds at most one database connection per name while waiting.
 */
import { sql, type Kysely } from 'kysely';
import { KeyedMutex } from '../domain/keyed-mutex.js';
import type { Dialect } from './connection-url.js';
import type { GlanceTables } from './tables.js';

/** Raised when the database lock could not be had in time (another node holds it too long). */
export class LockTimeout extends Error {
  constructor(name: string, seconds: number) {
    super(`could not take the lock ${name} within ${seconds} s`);
    this.name = 'LockTimeout';
  }
}

/** What the locks need of an open database. */
export interface NamedLocksDatabase {
  db: Kysely<GlanceTables>;
  dialect: Dialect;
}

// MariaDB's GET_LOCK waits this long before giving up; sections last milliseconds.
const LOCK_WAIT_SECONDS = 30;
// First argument of the two-key pg_advisory_lock, so our keys cannot meet another program's.
const PG_LOCK_CLASS = 0x676c61; // "gla"

/** Named locks over one database. */
export class NamedLocks {
  private readonly local = new KeyedMutex();

  constructor(private readonly database: NamedLocksDatabase) {}

  /**
   * Runs `fn` with `name` locked, inside a transaction handed to `fn`. The transaction is
   * committed (or rolled back when `fn` throws) before the lock is released.
   * @throws LockTimeout when another holder keeps the lock past the wait limit.
   */
  async run<T>(name: string, fn: (trx: Kysely<GlanceTables>) => Promise<T>): Promise<T> {
    return this.local.run(name, () => this.locked(name, fn));
  }


  private async locked<T>(name: string, fn: (trx: Kysely<GlanceTables>) => Promise<T>): Promise<T> {
    const { db, dialect } = this.database;
    if (dialect === 'sqlite') {
      return db.transaction().execute(async (trx) => {
        // A deferred transaction takes the write lock at its first write; this write that
        // matches nothing takes it now, before anything is read.
        await sql`DELETE FROM images WHERE 1 = 0`.execute(trx);
        return fn(trx);
      });
    }
    return db.connection().execute(async (conn) => {
      await this.acquire(conn, dialect, name);
      try {
        return await conn.transaction().execute(fn);
      } finally {
        await this.release(conn, dialect, name);
      }
    });
  }

  private async acquire(conn: Kysely<GlanceTables>, dialect: Dialect, name: string): Promise<void> {
    if (dialect === 'mysql') {
      const { rows } = await sql<{ got: number | null }>`SELECT GET_LOCK(${lockName(name)}, ${LOCK_WAIT_SECONDS}) AS got`.execute(conn);
      if (Number(rows[0]?.got) !== 1) throw new LockTimeout(name, LOCK_WAIT_SECONDS);
      return;
    }
    await sql`SET lock_timeout = ${sql.lit(`${LOCK_WAIT_SECONDS}s`)}`.execute(conn);
    try {
      await sql`SELECT pg_advisory_lock(${PG_LOCK_CLASS}, hashtext(${name}))`.execute(conn);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') throw new LockTimeout(name, LOCK_WAIT_SECONDS);
      throw err;
    } finally {
      await sql`SET lock_timeout = 0`.execute(conn);
    }
  }

  private async release(conn: Kysely<GlanceTables>, dialect: Dialect, name: string): Promise<void> {
    if (dialect === 'mysql') await sql`SELECT RELEASE_LOCK(${lockName(name)})`.execute(conn);
    else await sql`SELECT pg_advisory_unlock(${PG_LOCK_CLASS}, hashtext(${name}))`.execute(conn);
  }
}

// MariaDB lock names are limited to 64 characters; Keystone name ids are 32.
function lockName(name: string): string {
  return `glance-quota-${name}`.slice(0, 64);
}

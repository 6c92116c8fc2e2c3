/**
 * Mutual exclusion per project for quota-guarded writes, so that a check ("5 images, limit 5")
 * and the write it allows happen as one step across requests, worker processes and API nodes
 * sharing the database. Glance checks and then acts without a lock, so concurrent requests can
 * overshoot a limit; a guarded section cannot.
 *
 * The section runs in one transaction, committed before the lock is released:
 * - MariaDB/MySQL: `GET_LOCK('glance-quota-<project>')`, a named lock held by the connection;
 * - PostgreSQL: `pg_advisory_lock` on a hash of the project id (a rare hash collision only
 *   serialises two projects, it never lets two sections of one project overlap);
 * - SQLite: the database's write lock, taken at the start of the transaction (the whole file is
 *   one lock, so every guarded section in every process is serialised).
 * Within one process, sections of one project also queue on an in-process mutex first, so a
 * burst of requests holds at most one database connection per project while waiting.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './connection-url.js';
import type { GlanceTables } from './tables.js';

/** Raised when the database lock could not be had in time (another node holds it too long). */
export class ProjectLockTimeout extends Error {
  constructor(project: string, seconds: number) {
    super(`could not lock the quota usage of project ${project} within ${seconds} s`);
    this.name = 'ProjectLockTimeout';
  }
}

/** What the locks need of an open database. */
export interface ProjectLocksDatabase {
  db: Kysely<GlanceTables>;
  dialect: Dialect;
}

// MariaDB's GET_LOCK waits this long before giving up; sections last milliseconds.
const LOCK_WAIT_SECONDS = 30;
// First argument of the two-key pg_advisory_lock, so our keys cannot meet another program's.
const PG_LOCK_CLASS = 0x676c61; // "gla"

/** Per-project locks over one database. */
export class ProjectLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly database: ProjectLocksDatabase) {}

  /**
   * Runs `fn` with `project` locked, inside a transaction handed to `fn`. The transaction is
   * committed (or rolled back when `fn` throws) before the lock is released.
   * @throws ProjectLockTimeout when another holder keeps the lock past the wait limit.
   */
  async run<T>(project: string, fn: (trx: Kysely<GlanceTables>) => Promise<T>): Promise<T> {
    const previous = this.tails.get(project) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => mine);
    this.tails.set(project, tail);
    await previous;
    try {
      return await this.locked(project, fn);
    } finally {
      release();
      if (this.tails.get(project) === tail) this.tails.delete(project);
    }
  }

  private async locked<T>(project: string, fn: (trx: Kysely<GlanceTables>) => Promise<T>): Promise<T> {
    const { db, dialect } = this.database;
    if (dialect === 'sqlite') {
      return db.transaction().execute(async (trx) => {
        // A deferred transaction takes the write lock at its first write; this write that
        // matches nothing takes it now, before the counts are read.
        await sql`DELETE FROM images WHERE 1 = 0`.execute(trx);
        return fn(trx);
      });
    }
    return db.connection().execute(async (conn) => {
      await this.acquire(conn, dialect, project);
      try {
        return await conn.transaction().execute(fn);
      } finally {
        await this.release(conn, dialect, project);
      }
    });
  }

  private async acquire(conn: Kysely<GlanceTables>, dialect: Dialect, project: string): Promise<void> {
    if (dialect === 'mysql') {
      const { rows } = await sql<{ got: number | null }>`SELECT GET_LOCK(${lockName(project)}, ${LOCK_WAIT_SECONDS}) AS got`.execute(conn);
      if (Number(rows[0]?.got) !== 1) throw new ProjectLockTimeout(project, LOCK_WAIT_SECONDS);
      return;
    }
    await sql`SET lock_timeout = ${sql.lit(`${LOCK_WAIT_SECONDS}s`)}`.execute(conn);
    try {
      await sql`SELECT pg_advisory_lock(${PG_LOCK_CLASS}, hashtext(${project}))`.execute(conn);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') throw new ProjectLockTimeout(project, LOCK_WAIT_SECONDS);
      throw err;
    } finally {
      await sql`SET lock_timeout = 0`.execute(conn);
    }
  }

  private async release(conn: Kysely<GlanceTables>, dialect: Dialect, project: string): Promise<void> {
    if (dialect === 'mysql') await sql`SELECT RELEASE_LOCK(${lockName(project)})`.execute(conn);
    else await sql`SELECT pg_advisory_unlock(${PG_LOCK_CLASS}, hashtext(${project}))`.execute(conn);
  }
}

// MariaDB lock names are limited to 64 characters; Keystone project ids are 32.
function lockName(project: string): string {
  return `glance-quota-${project}`.slice(0, 64);
}

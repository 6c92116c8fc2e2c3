/**
 * Value encoding between JavaScript and the three SQL dialects Glance's schema lives on.
 *
 * The schema is shared with real Glance (SQLAlchemy), so the stored representation must be the
 * one SQLAlchemy writes and reads:
 * - DATETIME columns are naive UTC. On SQLite SQLAlchemy stores text `YYYY-MM-DD HH:MM:SS.ffffff`;
 *   on MariaDB/MySQL the column is `DATETIME` (whole seconds); on PostgreSQL it is
 *   `timestamp without time zone` (microseconds).
 * - Booleans are integers 0/1 on SQLite and MySQL (`tinyint(1)`), real booleans on PostgreSQL.
 * - BIGINT may come back as a string (mysql2 `supportBigNumbers`) or a bigint.
 */

/** The dialect names `openDatabase` reports. */
export type SqlDialect = 'sqlite' | 'mysql' | 'postgresql';

/** A boolean as bound for one dialect. */
export type SqlBool = number | boolean;

/**
 * Encoder/decoder for one dialect. Stateless apart from the dialect; create one per repository.
 */
export class SqlCodec {
  constructor(readonly dialect: SqlDialect) {}

  /**
   * A Date as the text literal the column stores. Always bound as a string (never a Date) so no
   * driver applies its own time-zone conversion: the columns are naive UTC.
   */
  time(d: Date): string {
    const iso = d.toISOString();
    const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    // MySQL DATETIME has no fraction; sending one would make MySQL round and MariaDB truncate.
    if (this.dialect === 'mysql') return base;
    // Six digits, exactly as SQLAlchemy writes on SQLite, so text comparisons stay ordered.
    return `${base}.${iso.slice(20, 23)}000`;
  }

  /** The current time, truncated to what the dialect stores, so a value we hand back equals a re-read. */
  now(): Date {
    return this.truncate(new Date());
  }

  /** `d` truncated to the dialect's stored precision (seconds on MySQL, else milliseconds). */
  truncate(d: Date): Date {
    if (this.dialect !== 'mysql') return new Date(d.getTime());
    return new Date(Math.floor(d.getTime() / 1000) * 1000);
  }

  /** A boolean as bound for this dialect. */
  bool(b: boolean): SqlBool {
    return this.dialect === 'postgresql' ? b : b ? 1 : 0;
  }

  /** Decodes a DATETIME value; null stays null. Microseconds beyond milliseconds are dropped. */
  readTime(v: unknown): Date | null {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v;
    if (typeof v === 'string') return parseNaiveUtc(v);
    if (typeof v === 'number') return new Date(v);
    throw new TypeError(`unexpected DATETIME value ${String(v)}`);
  }

  /** Decodes a NOT NULL DATETIME value. */
  readTimeNN(v: unknown): Date {
    const d = this.readTime(v);
    if (d === null) throw new TypeError('NOT NULL DATETIME column returned NULL');
    return d;
  }

  /** Decodes a boolean column (0/1, '0'/'1', true/false). */
  readBool(v: unknown): boolean {
    if (typeof v === 'string') return v !== '0' && v !== '' && v !== 'f' && v !== 'false';
    return Boolean(v);
  }

  /** Decodes an integer/bigint column; null stays null. */
  readInt(v: unknown): number | null {
    if (v === null || v === undefined) return null;
    return typeof v === 'number' ? v : Number(v);
  }

  /** True when `err` is a primary-key or unique-constraint violation in any of the dialects. */
  static isUniqueViolation(err: unknown): boolean {
    if (typeof err !== 'object' || err === null) return false;
    const e = err as { code?: unknown; errno?: unknown };
    return (
      e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      e.code === 'ER_DUP_ENTRY' ||
      e.errno === 1062 ||
      e.code === '23505'
    );
  }
}

/**
 * Parses `YYYY-MM-DD[ T]HH:MM:SS[.f…][Z|±hh:mm]` as UTC when no offset is given. SQLAlchemy's
 * SQLite text has no offset and up to six fraction digits.
 */
function parseNaiveUtc(s: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new TypeError(`unparseable DATETIME text '${s}'`);
    return d;
  }
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
  if (!m[8] || m[8] === 'Z') return new Date(utc);
  const sign = m[8].startsWith('-') ? -1 : 1;
  const digits = m[8].slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
  return new Date(utc - sign * offsetMin * 60_000);
}

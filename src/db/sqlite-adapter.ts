/**
 * Adapts a better-sqlite3 database to kysely's SqliteDatabase so values bind the way SQLAlchemy
 * stores them: booleans as 0/1 and Dates as `YYYY-MM-DD HH:MM:SS.ffffff` UTC strings
 * (better-sqlite3 refuses to bind either).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { formatDbTimestamp } from './timestamps.js';

function bindable(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return formatDbTimestamp(v);
  return v;
}

/** Wraps `raw` so every statement converts its parameters with the rules above. */
export function sqliteAdapter(raw: BetterSqlite3.Database): SqliteDatabase {
  return {
    close: () => {
      raw.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const stmt = raw.prepare(sqlText);
      const conv = (params: ReadonlyArray<unknown>) => params.map(bindable);
      return {
        get reader() {
          return stmt.reader;
        },
        all: (params) => stmt.all(...conv(params)),
        run: (params) => stmt.run(...conv(params)),
        iterate: (params) => stmt.iterate(...conv(params)) as IterableIterator<unknown>,
      };
    },
  };
}

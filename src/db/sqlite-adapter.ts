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

// Distinct SQL texts the application issues are few (one per query shape); this bounds the
// cache should something generate unbounded variants.
const STATEMENT_CACHE_SIZE = 256;

/**
 * Wraps `raw` so every statement converts its parameters with the rules above. Prepared
 * statements are cached by SQL text: kysely prepares on every query, and compiling the SQL
 * again each time cost about a tenth of ImageRepo.get. Reusing one is safe because kysely's SQLite
 * driver runs one query at a time on the connection.
 */
export function sqliteAdapter(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const statement = (sqlText: string): BetterSqlite3.Statement => {
    let stmt = cache.get(sqlText);
    if (stmt === undefined) {
      stmt = raw.prepare(sqlText);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sqlText, stmt);
    }
    return stmt;
  };
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const stmt = statement(sqlText);
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

/**
 * Conversions between JavaScript dates and the naive-UTC datetimes Glance stores.
 * SQLAlchemy writes SQLite datetimes as `YYYY-MM-DD HH:MM:SS.ffffff`; MySQL and PostgreSQL
 * columns are DATETIME / timestamp without time zone holding UTC.
 */

/** Formats a Date as SQLAlchemy stores it in SQLite: `YYYY-MM-DD HH:MM:SS.ffffff` (UTC). */
export function formatDbTimestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000`
  );
}

/**
 * Reads a datetime column value (Date from mysql2/pg, string from SQLite) as a Date, taking
 * zone-less strings as UTC. Returns null for null.
 */
export function parseDbTimestamp(v: Date | string | null): Date | null {
  if (v === null) return null;
  if (v instanceof Date) return v;
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(v);
  if (!m) return new Date(v);
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}

/**
 * Reads a database's schema back from its catalog (sqlite_master + PRAGMA, MySQL
 * information_schema, PostgreSQL pg_catalog) into one normalised shape the tests compare.
 */
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';

/** One column: the dialect's type spelling, nullability, default as the catalog shows it. */
export interface ColumnShape {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

/** A table's full shape. Indexes include unique constraints; names sorted. */
export interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  foreignKeys: string[];
  checks: string[];
}

/** All tables by name. */
export type SchemaShape = Record<string, TableShape>;

type Rows = Record<string, unknown>[];
const q = async (d: Database, text: ReturnType<typeof sql>) => (await text.execute(d.db)).rows as Rows;

/** Introspects every table of the connected database. */
export async function introspect(d: Database): Promise<SchemaShape> {
  if (d.dialect === 'sqlite') return introspectSqlite(d);
  if (d.dialect === 'mysql') return introspectMysql(d);
  return introspectPostgres(d);
}

async function introspectSqlite(d: Database): Promise<SchemaShape> {
  const out: SchemaShape = {};
  const tables = await q(d, sql`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`);
  for (const t of tables) {
    const name = String(t['name']);
    const cols = await q(d, sql.raw(`PRAGMA table_info(${name})`));
    const shape: TableShape = {
      columns: cols.map((c) => ({ name: String(c['name']), type: String(c['type']), nullable: c['notnull'] === 0, default: c['dflt_value'] as string | null })),
      primaryKey: cols.filter((c) => Number(c['pk']) > 0).sort((a, b) => Number(a['pk']) - Number(b['pk'])).map((c) => String(c['name'])),
      indexes: {},
      foreignKeys: (await q(d, sql.raw(`PRAGMA foreign_key_list(${name})`))).map((f) => `${f['from']}->${f['table']}.${f['to']}`).sort(),
      checks: [...String(t['sql']).matchAll(/CHECK \((.*\))\)/g)].map((m) => m[1]!).sort(),
    };
    for (const ix of await q(d, sql.raw(`PRAGMA index_list(${name})`))) {
      if (ix['origin'] === 'pk') continue;
      const info = await q(d, sql.raw(`PRAGMA index_info(${String(ix['name'])})`));
      // Unique constraints show up as sqlite_autoindex_*; key them by their declared name instead.
      let ixName = String(ix['name']);
      const colsOf = info.sort((a, b) => Number(a['seqno']) - Number(b['seqno'])).map((c) => String(c['name']));
      if (ixName.startsWith('sqlite_autoindex_')) {
        const m = new RegExp(`CONSTRAINT (\\w+) UNIQUE \\(${colsOf.join(', ')}\\)`).exec(String(t['sql']));
        ixName = m ? m[1]! : ixName;
      }
      shape.indexes[ixName] = { columns: colsOf, unique: ix['unique'] === 1 };
    }
    out[name] = shape;
  }
  return out;
}

async function introspectMysql(d: Database): Promise<SchemaShape> {
  const out: SchemaShape = {};
  const cols = await q(d, sql`SELECT table_name AS t, column_name AS c, column_type AS ty, is_nullable AS n, column_default AS df, extra AS ex
    FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`);
  for (const c of cols) {
    const t = (out[String(c['t'])] ??= { columns: [], primaryKey: [], indexes: {}, foreignKeys: [], checks: [] });
    const extra = String(c['ex'] ?? '');
    t.columns.push({
      name: String(c['c']), type: String(c['ty']) + (extra ? ` ${extra}` : ''), nullable: c['n'] === 'YES',
      default: c['df'] === null || c['df'] === 'NULL' ? null : String(c['df']),
    });
  }
  const stats = await q(d, sql`SELECT table_name AS t, index_name AS i, non_unique AS nu, column_name AS c
    FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index`);
  for (const s of stats) {
    const t = out[String(s['t'])]!;
    if (s['i'] === 'PRIMARY') t.primaryKey.push(String(s['c']));
    else (t.indexes[String(s['i'])] ??= { columns: [], unique: Number(s['nu']) === 0 }).columns.push(String(s['c']));
  }
  const fks = await q(d, sql`SELECT table_name AS t, column_name AS c, referenced_table_name AS rt, referenced_column_name AS rc
    FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL`);
  for (const f of fks) out[String(f['t'])]!.foreignKeys.push(`${f['c']}->${f['rt']}.${f['rc']}`);
  const checks = await q(d, sql`SELECT table_name AS t, check_clause AS cc FROM information_schema.check_constraints
    WHERE constraint_schema = DATABASE()`);
  for (const c of checks) out[String(c['t'])]!.checks.push(String(c['cc']));
  for (const t of Object.values(out)) {
    t.foreignKeys.sort();
    t.checks.sort();
  }
  return out;
}

async function introspectPostgres(d: Database): Promise<SchemaShape> {
  const out: SchemaShape = {};
  const cols = await q(d, sql`SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS ty,
      NOT a.attnotnull AS n, pg_get_expr(ad.adbin, ad.adrelid) AS df
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE ns.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  for (const c of cols) {
    const t = (out[String(c['t'])] ??= { columns: [], primaryKey: [], indexes: {}, foreignKeys: [], checks: [] });
    t.columns.push({ name: String(c['c']), type: String(c['ty']), nullable: c['n'] === true, default: (c['df'] as string | null) ?? null });
  }
  const idx = await q(d, sql`SELECT t.relname AS t, i.relname AS i, ix.indisunique AS u, ix.indisprimary AS p,
      array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(n, o)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') AS cols
    FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = current_schema()`);
  for (const r of idx) {
    const t = out[String(r['t'])]!;
    const columns = String(r['cols']).split(',');
    if (r['p'] === true) t.primaryKey = columns;
    else t.indexes[String(r['i'])] = { columns, unique: r['u'] === true };
  }
  const cons = await q(d, sql`SELECT t.relname AS t, con.contype AS ty, pg_get_constraintdef(con.oid) AS def, con.conname AS n
    FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = current_schema() AND con.contype IN ('f', 'c')`);
  for (const c of cons) {
    const t = out[String(c['t'])]!;
    if (c['ty'] === 'c') t.checks.push(String(c['def']));
    else {
      const m = /^FOREIGN KEY \((.+)\) REFERENCES (\w+)\((.+)\)$/.exec(String(c['def']))!;
      t.foreignKeys.push(`${m[1]}->${m[2]}.${m[3]}`);
    }
  }
  for (const t of Object.values(out)) {
    t.foreignKeys.sort();
    t.checks.sort();
  }
  return out;
}

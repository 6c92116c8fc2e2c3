/**
 * A small DDL renderer producing, for each dialect, the statements SQLAlchemy/alembic emit for
 * Glance's migrations, so the resulting schema (types, defaults, CHECKs on booleans, constraint
 * names, MySQL table options) is the one real Glance creates.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection-url.js';

/** Column types used by Glance's schema. */
export type ColumnType =
  | { kind: 'string'; length: number }
  | { kind: 'text' }
  /** `check`: Glance's Boolean(create_constraint=True) adds `CHECK (col IN (0, 1))` off PostgreSQL. */
  | { kind: 'bool'; check: boolean }
  | { kind: 'int' }
  /** `sqliteInteger`: BigInteger().with_variant(Integer, 'sqlite'). */
  | { kind: 'bigint'; sqliteInteger?: boolean }
  | { kind: 'datetime' }
  | { kind: 'numeric' }
  /** The images.visibility enum (native on MySQL/PostgreSQL, VARCHAR(9) on SQLite). */
  | { kind: 'visibility' };

/** One column. `defaultValue`: `false` for sql.false(), or a string literal. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  defaultValue?: false | string;
  autoincrement?: boolean;
}

/** One index (CREATE INDEX after the table). */
export interface IndexSpec {
  name: string;
  columns: string[];
  unique?: boolean;
}

/** A table as `op.create_table` describes it, plus the indexes created right after. */
export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  foreignKeys?: { columns: string[]; refTable: string; refColumns: string[] }[];
  uniques?: { name: string; columns: string[] }[];
  indexes?: IndexSpec[];
}

/** Migration-time access to the database. */
export interface MigrationContext {
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  dialect: Dialect;
  /** Runs one SQL statement (no parameters). */
  exec(sqlText: string): Promise<void>;
}

/** Builds a MigrationContext over `db`. */
export function migrationContext(db: Kysely<any>, dialect: Dialect): MigrationContext { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    db,
    dialect,
    exec: async (text) => {
      await sql.raw(text).execute(db);
    },
  };
}

/** Shorthands for column declarations. */
export const t = {
  str: (length: number): ColumnType => ({ kind: 'string', length }),
  text: { kind: 'text' } as ColumnType,
  bool: { kind: 'bool', check: true } as ColumnType,
  plainBool: { kind: 'bool', check: false } as ColumnType,
  int: { kind: 'int' } as ColumnType,
  bigint: { kind: 'bigint' } as ColumnType,
  datetime: { kind: 'datetime' } as ColumnType,
  numeric: { kind: 'numeric' } as ColumnType,
  visibility: { kind: 'visibility' } as ColumnType,
};

/** `col('name', t.str(36), false)` — a column; `opts` adds a default or autoincrement. */
export function col(name: string, type: ColumnType, nullable: boolean, opts: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, type, nullable, ...opts };
}

/** The type as the dialect's DDL spells it. */
export function renderType(dialect: Dialect, c: ColumnSpec): string {
  const ty = c.type;
  switch (ty.kind) {
    case 'string':
      return `VARCHAR(${ty.length})`;
    case 'text':
      return 'TEXT';
    case 'bool':
      return dialect === 'mysql' ? 'BOOL' : 'BOOLEAN';
    case 'int':
      return dialect === 'postgresql' && c.autoincrement ? 'SERIAL' : 'INTEGER';
    case 'bigint':
      if (dialect === 'sqlite' && ty.sqliteInteger) return 'INTEGER';
      return dialect === 'postgresql' && c.autoincrement ? 'BIGSERIAL' : 'BIGINT';
    case 'datetime':
      return dialect === 'postgresql' ? 'TIMESTAMP WITHOUT TIME ZONE' : 'DATETIME';
    case 'numeric':
      return 'NUMERIC';
    case 'visibility':
      if (dialect === 'mysql') return "ENUM('private','public','shared','community')";
      return dialect === 'postgresql' ? 'image_visibility' : 'VARCHAR(9)';
  }
}

function renderDefault(dialect: Dialect, v: false | string): string {
  if (v === false) return dialect === 'sqlite' ? '0' : 'false';
  return `'${v.replace(/'/g, "''")}'`;
}

/** A column definition as in CREATE TABLE / ADD COLUMN. */
export function renderColumn(dialect: Dialect, c: ColumnSpec): string {
  let s = `${c.name} ${renderType(dialect, c)}`;
  if (c.defaultValue !== undefined) s += ` DEFAULT ${renderDefault(dialect, c.defaultValue)}`;
  if (!c.nullable) s += ' NOT NULL';
  if (dialect === 'mysql' && c.autoincrement) s += ' AUTO_INCREMENT';
  return s;
}

/** The CREATE TABLE statement (SQLAlchemy's layout: columns, PK, FKs, UNIQUEs, CHECKs). */
export function renderCreateTable(dialect: Dialect, spec: TableSpec, name = spec.name): string {
  const parts = spec.columns.map((c) => renderColumn(dialect, c));
  parts.push(`PRIMARY KEY (${spec.primaryKey.join(', ')})`);
  for (const fk of spec.foreignKeys ?? []) {
    parts.push(`FOREIGN KEY(${fk.columns.join(', ')}) REFERENCES ${fk.refTable} (${fk.refColumns.join(', ')})`);
  }
  for (const u of spec.uniques ?? []) parts.push(`CONSTRAINT ${u.name} UNIQUE (${u.columns.join(', ')})`);
  if (dialect !== 'postgresql') {
    for (const c of spec.columns) {
      if (c.type.kind === 'bool' && c.type.check) parts.push(`CHECK (${c.name} IN (0, 1))`);
    }
  }
  const options = dialect === 'mysql' ? 'ENGINE=InnoDB CHARSET=utf8' : '';
  return `CREATE TABLE ${name} (\n\t${parts.join(', \n\t')}\n)${options}`;
}

/** CREATE [UNIQUE] INDEX statement. */
export function renderCreateIndex(table: string, ix: IndexSpec): string {
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ix.name} ON ${table} (${ix.columns.join(', ')})`;
}

/** DROP INDEX statement (MySQL needs the table). */
export function renderDropIndex(dialect: Dialect, table: string, name: string): string {
  return dialect === 'mysql' ? `DROP INDEX ${name} ON ${table}` : `DROP INDEX ${name}`;
}

/** Creates a table and then its indexes, as `op.create_table` + `op.create_index` do. */
export async function createTable(ctx: MigrationContext, spec: TableSpec): Promise<void> {
  await ctx.exec(renderCreateTable(ctx.dialect, spec));
  for (const ix of spec.indexes ?? []) await ctx.exec(renderCreateIndex(spec.name, ix));
}

/** `op.add_column`. */
export async function addColumn(ctx: MigrationContext, table: string, c: ColumnSpec): Promise<void> {
  await ctx.exec(`ALTER TABLE ${table} ADD COLUMN ${renderColumn(ctx.dialect, c)}`);
}

/** `op.create_index`. */
export async function createIndex(ctx: MigrationContext, table: string, ix: IndexSpec): Promise<void> {
  await ctx.exec(renderCreateIndex(table, ix));
}

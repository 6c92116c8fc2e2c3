/**
 * Parsing of SQLAlchemy database URLs as they appear in `[database] connection`.
 *
 * Accepted forms (the ones oslo.db users write for Glance):
 *   sqlite://                      in-memory database
 *   sqlite:///relative/path        path relative to the working directory
 *   sqlite:////absolute/path       absolute path
 *   mysql[+driver]://user:pass@host[:port]/db?charset=utf8
 *   postgresql[+driver]://user:pass@host[:port]/db   (also `postgres://`)
 */

/** The SQL dialects glance-ts speaks. */
export type Dialect = 'sqlite' | 'mysql' | 'postgresql';

/** A parsed connection URL. Absent parts are null, never empty strings. */
export interface ConnectionUrl {
  dialect: Dialect;
  /** The `+driver` part (e.g. `pymysql`, `psycopg2`), or null. It does not change our behaviour. */
  driver: string | null;
  user: string | null;
  password: string | null;
  host: string | null;
  port: number | null;
  /** Database name (server dialects) or file path (sqlite; `:memory:` for `sqlite://`). */
  database: string | null;
  /** Query-string options, percent-decoded (`charset`, `unix_socket`, `sslmode`, …). */
  query: Record<string, string>;
}

/** Thrown for a URL that is not a usable database URL; the message names the problem. */
export class ConnectionUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionUrlError';
  }
}

const DIALECTS: Record<string, Dialect> = {
  sqlite: 'sqlite',
  mysql: 'mysql',
  mariadb: 'mysql',
  postgresql: 'postgresql',
  postgres: 'postgresql',
};

/** Drivers SQLAlchemy knows for each dialect; anything else is most likely a typo. */
const DRIVERS: Record<Dialect, string[]> = {
  sqlite: ['pysqlite', 'pysqlcipher', 'aiosqlite'],
  mysql: ['pymysql', 'mysqldb', 'mysqlconnector', 'mariadbconnector', 'cymysql', 'oursql', 'asyncmy', 'aiomysql'],
  postgresql: ['psycopg2', 'psycopg', 'psycopg2cffi', 'pg8000', 'asyncpg', 'pygresql'],
};

/**
 * Parses a SQLAlchemy URL. Throws ConnectionUrlError for an empty URL, an unknown dialect or
 * driver, a malformed port, or a server URL without a host.
 */
export function parseConnectionUrl(url: string): ConnectionUrl {
  const text = url.trim();
  const m = /^([A-Za-z][A-Za-z0-9]*)(?:\+([A-Za-z0-9_]+))?:\/\/(.*)$/s.exec(text);
  if (!m) throw new ConnectionUrlError(`Invalid database connection URL: '${redact(text)}'`);
  const scheme = m[1]!.toLowerCase();
  const driver = m[2] ? m[2].toLowerCase() : null;
  const rest = m[3]!;
  const dialect = DIALECTS[scheme];
  if (!dialect) {
    throw new ConnectionUrlError(
      `Unsupported database dialect '${scheme}' in connection URL (supported: sqlite, mysql, postgresql)`,
    );
  }
  if (driver !== null && !DRIVERS[dialect].includes(driver)) {
    throw new ConnectionUrlError(`Unknown driver '${driver}' for database dialect '${dialect}'`);
  }
  const [beforeQuery, queryText] = splitOnce(rest, '?');
  const query = parseQuery(queryText);
  if (dialect === 'sqlite') return parseSqlite(driver, beforeQuery, query);
  return parseServer(dialect, driver, beforeQuery, query);
}

function parseSqlite(driver: string | null, rest: string, query: Record<string, string>): ConnectionUrl {
  // SQLAlchemy: everything after "sqlite://" minus one leading slash is the path;
  // "sqlite://" alone (or "sqlite:///:memory:") is an in-memory database.
  let database: string;
  if (rest === '' || rest === '/' || rest === '/:memory:') database = ':memory:';
  else if (!rest.startsWith('/')) throw new ConnectionUrlError(`Invalid SQLite URL: 'sqlite://${rest}'`);
  else database = decodeURIComponent(rest.slice(1));
  return { dialect: 'sqlite', driver, user: null, password: null, host: null, port: null, database, query };
}

function parseServer(
  dialect: Dialect,
  driver: string | null,
  rest: string,
  query: Record<string, string>,
): ConnectionUrl {
  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const dbPart = slash === -1 ? '' : rest.slice(slash + 1);
  // The password may itself contain '@' when not percent-encoded: split on the last one.
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? null : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  let user: string | null = null;
  let password: string | null = null;
  if (userInfo !== null) {
    const [u, p] = splitOnce(userInfo, ':');
    user = u === '' ? null : decodeURIComponent(u);
    password = p === null ? null : decodeURIComponent(p);
  }
  let host: string | null;
  let portText: string | null;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
  if (v6) {
    host = v6[1]!;
    portText = v6[2] ?? null;
  } else {
    [host, portText] = splitOnce(hostPort, ':');
  }
  if (host === '') host = null;
  let port: number | null = null;
  if (portText !== null && portText !== '') {
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw new ConnectionUrlError(`Invalid port '${portText}' in database connection URL`);
    }
    port = Number(portText);
  }
  if (host === null && query['unix_socket'] === undefined && query['host'] === undefined) {
    throw new ConnectionUrlError(`Database connection URL for ${dialect} has no host`);
  }
  const database = dbPart === '' ? null : decodeURIComponent(dbPart);
  return { dialect, driver, user, password, host, port, database, query };
}

function parseQuery(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const [k, v] = splitOnce(pair, '=');
    out[decodeURIComponent(k.replace(/\+/g, ' '))] = decodeURIComponent((v ?? '').replace(/\+/g, ' '));
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string | null] {
  const i = s.indexOf(sep);
  return i === -1 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
}

/** The URL with its password replaced by `***`, safe for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:/@]*:)([^@]*)@/, '$1***@');
}

/**
 * Output plumbing of glance-manage: printed results go to stdout, oslo.log-formatted log lines
 * (`YYYY-MM-DD HH:MM:SS.mmm PID LEVEL logger [-] message`) to stderr, and `ManageExit` stands for
 * Python's `sys.exit(…)`.
 */
import type { Dialect } from '../db/connection-url.js';
import type { MigrationEvents } from '../db/migrate.js';

/** Where glance-manage writes. Tests pass their own to capture the interleaved output. */
export interface ManageIo {
  /** A line for stdout (what Glance `print`s). */
  out(line: string): void;
  /** A line for stderr (log lines, error messages). */
  err(line: string): void;
  /** Clock for log timestamps. */
  now(): Date;
  pid: number;
}

/** The process's stdout/stderr. */
export function processIo(): ManageIo {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    now: () => new Date(),
    pid: process.pid,
  };
}

/**
 * `sys.exit(x)`: a string message is printed on stderr and exits 1; a number is the exit code.
 * Thrown by commands, caught by runManage.
 */
export class ManageExit extends Error {
  readonly code: number;
  readonly text: string | null;

  /** `code` overrides the exit status of a message exit (2 for usage errors, as argparse). */
  constructor(codeOrMessage: number | string = 0, code?: number) {
    super(typeof codeOrMessage === 'string' ? codeOrMessage : `exit ${codeOrMessage}`);
    this.name = 'ManageExit';
    this.code = typeof codeOrMessage === 'string' ? (code ?? 1) : codeOrMessage;
    this.text = typeof codeOrMessage === 'string' ? codeOrMessage : null;
  }
}

/**
 * Runs a command body and turns its outcome into an exit status: 0, a ManageExit's code (its
 * text written to `io.err`), or 1 with `ERROR: <message>` for anything else.
 */
export async function exitCodeOf(body: () => Promise<void>, io: ManageIo): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    if (err instanceof ManageExit) {
      if (err.text !== null) io.err(err.text);
      return err.code;
    }
    io.err(`ERROR: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}

/** Local time as oslo.log prints it: `2025-03-01 17:21:08.035`. */
export function logTimestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Writes one oslo.log-style INFO line for `logger`. */
export function logInfo(io: ManageIo, logger: string, message: string): void {
  io.err(`${logTimestamp(io.now())} ${io.pid} INFO ${logger} [-] ${message}`);
}

const IMPL: Record<Dialect, string> = { mysql: 'MySQLImpl', sqlite: 'SQLiteImpl', postgresql: 'PostgresqlImpl' };
// alembic: MySQL and SQLite (pysqlite) are non-transactional, PostgreSQL transactional.
const DDL: Record<Dialect, string> = {
  mysql: 'Will assume non-transactional DDL.',
  sqlite: 'Will assume non-transactional DDL.',
  postgresql: 'Will assume transactional DDL.',
};

/** MigrationEvents printing alembic's INFO lines for `dialect`. */
export function alembicEvents(io: ManageIo, dialect: Dialect): MigrationEvents {
  const logger = 'alembic.runtime.migration';
  return {
    context: () => {
      logInfo(io, logger, `Context impl ${IMPL[dialect]}.`);
      logInfo(io, logger, DDL[dialect]);
    },
    running: (m) => logInfo(io, logger, m),
  };
}

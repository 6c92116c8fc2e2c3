/**
 * The process logger: pino JSON lines on stderr, or appended to `log_file`. Level `debug` when
 * `[DEFAULT] debug` is true, else `info`. Every component receives this logger (or a child of
 * it) as a parameter; the HTTP server derives one child per request carrying `request_id`.
 */
import { pino, type Logger } from 'pino';
import type { LoggingConfig } from '../config/slices.js';
import { CENSOR, REDACT_PATHS, scrubLogArgument } from './redaction.js';

/** A logger plus a way to flush it before the process exits. */
export interface ProcessLogger {
  logger: Logger;
  /** Writes out anything buffered; call before `process.exit`. */
  flush(): void;
}

/**
 * Creates the logger described by `cfg`. `bindings` are added to every line (e.g. `{ role:
 * 'worker' }` in a cluster). A log file is opened in append mode, its directory created, so
 * several worker processes can share it.
 */
export function createLogger(cfg: LoggingConfig, bindings: Record<string, unknown> = {}): ProcessLogger {
  const dest = cfg.logFile
    ? pino.destination({ dest: cfg.logFile, append: true, mkdir: true, sync: false })
    : pino.destination({ fd: 2, sync: true });
  const logger = pino({
    level: cfg.debug ? 'debug' : 'info',
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Tokens, passwords and URL credentials must never reach the logs, whoever logs them.
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map(scrubLogArgument) as Parameters<typeof method>);
      },
    },
  }, dest);
  return {
    logger,
    flush: () => {
      try { dest.flushSync(); } catch { /* not yet open or already closed: nothing to flush */ }
    },
  };
}

/**
 * The glance-api process: parses the command line, loads the configuration, sets up logging,
 * then serves the API in this process (`workers` 0 or 1) or in `workers` child processes behind
 * a node:cluster primary that restarts dead workers. SIGTERM/SIGINT stop gracefully: no new
 * connections, in-flight requests finish (up to `graceful_shutdown_timeout` seconds, 0 = no
 * limit), the database is closed, exit status 0.
 */
import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { buildApp, prepareEmbedded, type App } from './app.js';
import { defaultConfigFiles, helpText, parseCliArgs } from './config/cli-args.js';
import type { Config } from './config/config.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { databaseSlice, loggingSlice, serverSlice, type ServerConfig } from './config/slices.js';
import { StartupError, checkServerConfig, type RouteRegistrar } from './http/server.js';
import { createLogger } from './logging/logger.js';

/** Messages a worker sends to the primary. */
type WorkerMessage = { glance: 'ready' } | { glance: 'startup-failed'; message: string };

// Seconds between a worker's death and its replacement, so a crashing worker cannot spin.
const RESTART_DELAY_MS = 1000;

// Each worker's index (0..workers-1), passed in its environment; a replacement inherits the index
// of the worker it replaces, so per-worker ports (the metrics endpoint's) stay where they were.
const WORKER_INDEX_ENV = 'GLANCE_TS_WORKER_INDEX';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function die(message: string, code = 1): never {
  process.stderr.write(`glance-api: ${message}\n`);
  process.exit(code);
}

/** Operator-facing text for a start-up failure: config problems as is, others with their cause. */
function describe(err: unknown): string {
  if (err instanceof ConfigError || err instanceof StartupError) return err.message;
  return err instanceof Error ? `${err.message}` : String(err);
}

/**
 * Stops `app` on SIGTERM/SIGINT (or when the cluster primary goes away): closes the listener,
 * waits for in-flight requests, forcibly closes what is left after `timeoutSec` (0 = wait),
 * closes the database and exits 0 (1 if closing failed).
 */
function stopOnSignals(app: App, cfg: ServerConfig, logger: Logger, flush: () => void): void {
  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down: no new connections, finishing in-flight requests');
    if (cfg.shutdownTimeout > 0) {
      setTimeout(() => {
        logger.warn({ timeout_s: cfg.shutdownTimeout }, 'graceful shutdown timeout reached; closing remaining connections');
        app.server.server.closeAllConnections();
      }, cfg.shutdownTimeout * 1000).unref();
    }
    app.close().then(
      () => { logger.info('stopped'); flush(); process.exit(0); },
      (err: unknown) => { logger.error({ err }, 'error while shutting down'); flush(); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker whose primary died must not linger holding the database.
  if (cluster.isWorker) cluster.worker?.on('disconnect', () => stop('primary process gone'));
}

/** Builds the app and listens; in a worker, reports the outcome to the primary. */
async function serve(config: Config, cfg: ServerConfig, logger: Logger, flush: () => void, routes: RouteRegistrar[]): Promise<void> {
  let app: App;
  try {
    const workerIndex = cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV] ?? 0) : 0;
    app = await buildApp(config, { logger, prepare: !cluster.isWorker, routes, workerIndex });
    await app.server.listen({ host: cfg.bindHost, port: cfg.bindPort, backlog: cfg.backlog });
  } catch (err) {
    logger.error({ err }, 'glance-api failed to start');
    flush();
    if (cluster.isWorker) {
      process.send?.({ glance: 'startup-failed', message: describe(err) } satisfies WorkerMessage);
      process.exit(1);
    }
    die(describe(err));
  }
  stopOnSignals(app, cfg, logger, flush);
  if (cluster.isWorker) process.send?.({ glance: 'ready' } satisfies WorkerMessage);
}

/**
 * The cluster primary: prepares embedded mode once, forks `cfg.workers` workers, replaces any
 * that dies, and on SIGTERM/SIGINT forwards SIGTERM and exits once all have stopped. A worker
 * that cannot start (bad port, database down) stops everything with exit status 1.
 */
async function supervise(config: Config, cfg: ServerConfig, logger: Logger, flush: () => void): Promise<void> {
  try {
    await prepareEmbedded(config, logger);
  } catch (err) {
    logger.error({ err }, 'glance-api failed to start');
    flush();
    die(describe(err));
  }
  const live = new Set<Worker>();
  let stopping = false;
  let exitCode = 0;
  let ready = 0;
  const indexOf = new Map<Worker, number>();
  const fork = (index: number): void => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    live.add(worker);
    indexOf.set(worker, index);
  };
  const stopAll = (code: number, reason: string): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ reason, workers: live.size }, 'stopping workers');
    for (const w of live) w.process.kill('SIGTERM');
    // Workers enforce their own shutdown timeout; this only guards against a stuck one.
    if (cfg.shutdownTimeout > 0) {
      setTimeout(() => {
        for (const w of live) w.process.kill('SIGKILL');
      }, (cfg.shutdownTimeout + 5) * 1000).unref();
    }
    if (live.size === 0) { flush(); process.exit(exitCode); }
  };
  cluster.on('message', (worker: Worker, msg: WorkerMessage) => {
    if (msg?.glance === 'ready' && ++ready === cfg.workers) {
      logger.info({ host: cfg.bindHost, port: cfg.bindPort, workers: cfg.workers }, 'glance-api workers listening');
    } else if (msg?.glance === 'startup-failed') {
      process.stderr.write(`glance-api: ${msg.message}\n`);
      stopAll(1, `worker ${worker.process.pid} failed to start`);
    }
  });
  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    live.delete(worker);
    const index = indexOf.get(worker) ?? 0;
    indexOf.delete(worker);
    if (stopping) {
      if (live.size === 0) { logger.info('all workers stopped'); flush(); process.exit(exitCode); }
      return;
    }
    logger.warn({ worker_pid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
    setTimeout(() => { if (!stopping) fork(index); }, RESTART_DELAY_MS);
  });
  process.on('SIGTERM', () => stopAll(0, 'SIGTERM'));
  process.on('SIGINT', () => stopAll(0, 'SIGINT'));
  logger.info({ workers: cfg.workers }, 'starting worker processes');
  for (let i = 0; i < cfg.workers; i++) fork(i);
}

/** Options of `runApi` for embedding and tests. */
export interface RunApiOptions {
  /** Extra route files served next to the application's own (e.g. a slow route in tests). */
  routes?: RouteRegistrar[];
}

/**
 * Entry point of `bin/glance-api`; `argv` excludes node and the script. Never rejects: every
 * failure ends the process with a message on stderr and exit status 1 (2 for a bad command line).
 * In cluster mode each worker re-runs the same script, so `opts` must be the same there.
 */
export async function runApi(argv: string[], opts: RunApiOptions = {}): Promise<void> {
  let config: Config;
  const early: string[] = [];
  try {
    const args = parseCliArgs(argv);
    if (args.help) { process.stdout.write(helpText('glance-api')); process.exit(0); }
    if (args.version) { process.stdout.write(`${version()}\n`); process.exit(0); }
    if (args.positionals.length > 0) die(`unrecognized arguments: ${args.positionals.join(' ')}`, 2);
    const files = args.configFiles.length > 0 ? args.configFiles : defaultConfigFiles('glance-api');
    config = loadConfig({ configFiles: files, configDirs: args.configDirs }, (m) => early.push(m));
  } catch (err) {
    if (err instanceof ConfigError) die(err.message);
    throw err;
  }
  let server: ServerConfig;
  let logging;
  try {
    server = serverSlice(config);
    logging = loggingSlice(config, 'glance-api');
    databaseSlice(config); // validated now so a missing [database] connection fails before forking
    checkServerConfig(server);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) die(err.message);
    throw err;
  }
  const role = cluster.isWorker ? { worker: cluster.worker?.id } : {};
  const { logger, flush } = createLogger(logging, role);
  if (!cluster.isWorker) for (const m of early) logger.debug(m);
  // oslo's `log_options`: every option's value at debug level at start, secrets masked.
  if (!cluster.isWorker && logger.isLevelEnabled('debug') && config.get<boolean>('DEFAULT', 'log_options')) {
    logger.debug({ options: config.describe() }, 'configuration options');
  }
  if (cluster.isPrimary && server.workers > 1) await supervise(config, server, logger, flush);
  else await serve(config, server, logger, flush, opts.routes ?? []);
}

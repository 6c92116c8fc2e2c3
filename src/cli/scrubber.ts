/**
 * glance-scrubber: deletes the data of `pending_delete` images (delayed delete) once
 * `scrub_time` has passed. Glance's command line: one pass and exit by default; `--daemon`
 * (`-D`, or `[DEFAULT] daemon = True`) runs a pass every `wakeup_time` seconds until SIGTERM or
 * SIGINT; `--restore <IMAGE_ID>` puts a `pending_delete` image back to `active`. Also accepted:
 * `--wakeup_time N` (overrides the option), `--config-file`, `--config-dir`, `--help`,
 * `--version`. Errors are printed as `ERROR: …` with exit status 1 (2 for a bad command line).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseCliArgs } from '../config/cli-args.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { scrubberSlice } from '../config/scrubber-slice.js';
import { databaseSlice, loggingSlice, storeSlice } from '../config/slices.js';
import { openDatabase } from '../db/database.js';
import { ImageRepo } from '../db/repos/image-repo.js';
import { PendingDeleteRepo } from '../db/repos/pending-delete-repo.js';
import { GlanceError } from '../domain/errors.js';
import { createLogger } from '../logging/logger.js';
import { Scrubber } from '../scrubber/scrubber.js';
import { ScrubberLoop } from '../scrubber/scrubber-loop.js';
import { ImageDataRemover } from '../services/image-data-remover.js';
import { StoreRegistry } from '../store/registry.js';
import { exitCodeOf, ManageExit, processIo, type ManageIo } from './manage-io.js';

/** The command line, parsed. */
interface ScrubberArgs {
  configFiles: string[];
  configDirs: string[];
  /** True/false when `--daemon`/`--nodaemon` was given, else null (the option decides). */
  daemon: boolean | null;
  restore: string | null;
  wakeupTime: number | null;
}

const USAGE = 'usage: glance-scrubber [-h] [--config-dir DIR] [--config-file PATH] [--daemon] [--nodaemon] [--restore <IMAGE_ID>] [--version]';

/**
 * Entry point of `bin/glance-scrubber`; `argv` excludes node and the script. Sets
 * `process.exitCode`; never rejects.
 */
export async function runScrubber(argv: string[]): Promise<void> {
  process.exitCode = await scrubberExitCode(argv);
}

/** Runs glance-scrubber and returns its exit status. `io` receives the `ERROR:` lines. */
export async function scrubberExitCode(argv: string[], io: ManageIo = processIo()): Promise<number> {
  return exitCodeOf(() => run(argv, io), io);
}

async function run(argv: string[], io: ManageIo): Promise<void> {
  const cli = parseCliArgs(argv);
  if (cli.help) {
    io.out(helpText());
    return;
  }
  if (cli.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.out(pkg.version);
    return;
  }
  const args = parseArgs(cli.positionals, cli.configFiles, cli.configDirs);
  const files = args.configFiles.length > 0 ? args.configFiles : defaultConfigFiles();
  const config = loadConfig({ configFiles: files, configDirs: args.configDirs });
  const scrub = scrubberSlice(config);
  const daemon = args.daemon ?? scrub.daemon;
  if (args.restore !== null && daemon) {
    throw new ManageExit('ERROR: The restore and daemon options should not be set together. Please use either of them in one request.');
  }
  const { logger, flush } = createLogger(loggingSlice(config, 'glance-scrubber'), { program: 'glance-scrubber' });
  const parts = await open(config, logger);
  try {
    if (args.restore !== null) {
      await restore(parts.pending, args.restore);
      logger.info({ image_id: args.restore }, `Image ${args.restore} restored to active`);
      return;
    }
    const scrubber = new Scrubber({
      images: parts.images, pending: parts.pending, data: new ImageDataRemover(parts.stores, logger),
      config: scrub, log: logger,
    });
    if (daemon) {
      await untilSignalled(new ScrubberLoop(scrubber, args.wakeupTime ?? scrub.wakeupTime, logger));
      logger.info('Daemon Shutdown on signal');
      return;
    }
    try {
      await scrubber.run();
    } catch (err) {
      logger.fatal({ err }, `Can not get scrub jobs from queue: ${(err as Error).message}`);
      throw new ManageExit('ERROR: Scrubber encountered an error while trying to fetch scrub jobs.');
    }
  } finally {
    await parts.close();
    flush();
  }
}

// The repositories and stores a scrubber works with, and how to release them.
async function open(config: Config, logger: ReturnType<typeof createLogger>['logger']) {
  const database = await openDatabase(databaseSlice(config), logger);
  let stores: StoreRegistry;
  try {
    stores = await StoreRegistry.create(storeSlice(config), { warn: (m) => logger.warn(m) });
  } catch (err) {
    await database.close();
    throw err;
  }
  const images = new ImageRepo(database);
  return {
    images, stores, pending: new PendingDeleteRepo(database, images),
    async close() {
      await stores.close();
      await database.close();
    },
  };
}

// Glance's restore errors become `ERROR: <message>` (its ImageNotFound and Conflict texts).
async function restore(pending: PendingDeleteRepo, id: string): Promise<void> {
  try {
    await pending.restore(id);
  } catch (err) {
    if (err instanceof GlanceError) throw new ManageExit(`ERROR: ${err.message}`);
    throw err;
  }
}

// Runs the loop until SIGTERM or SIGINT, then lets the pass in progress finish.
async function untilSignalled(loop: ScrubberLoop): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    loop.start();
  });
  await loop.stop();
}

function parseArgs(words: string[], configFiles: string[], configDirs: string[]): ScrubberArgs {
  const out: ScrubberArgs = { configFiles, configDirs, daemon: null, restore: null, wakeupTime: null };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--daemon' || w === '-D') { out.daemon = true; continue; }
    if (w === '--nodaemon') { out.daemon = false; continue; }
    const m = /^--(restore|wakeup_time)(?:=(.*))?$/.exec(w);
    if (!m) throw new ManageExit(`${USAGE}\nglance-scrubber: error: unrecognized arguments: ${words.slice(i).join(' ')}`, 2);
    const value = m[2] ?? words[++i];
    if (value === undefined || (m[2] === undefined && value.startsWith('-'))) {
      throw new ManageExit(`${USAGE}\nglance-scrubber: error: argument --${m[1]}: expected one argument`, 2);
    }
    if (m[1] === 'restore') out.restore = value;
    else if (/^\d+$/.test(value)) out.wakeupTime = Number(value);
    else throw new ManageExit(`${USAGE}\nglance-scrubber: error: argument --wakeup_time: invalid int value: '${value}'`, 2);
  }
  return out;
}

// As glance-manage: glance-api.conf (stores and database) then glance-scrubber.conf; later wins.
function defaultConfigFiles(): string[] {
  return ['glance-api.conf', 'glance-scrubber.conf'].map((n) => `/etc/glance/${n}`).filter((p) => existsSync(p));
}

function helpText(): string {
  return [
    USAGE,
    '',
    'Deletes the data of images deleted with delayed_delete once scrub_time has passed.',
    '',
    'Options:',
    '  --config-file PATH    Configuration file; repeat for several (default /etc/glance/glance-api.conf',
    '                        and /etc/glance/glance-scrubber.conf, if present).',
    '  --config-dir DIR      Also read every *.conf file of DIR.',
    '  --daemon, -D          Run a pass every wakeup_time seconds until SIGTERM/SIGINT.',
    '  --nodaemon            Run one pass and exit (the default).',
    '  --wakeup_time N       Seconds between passes in daemon mode (default: [DEFAULT] wakeup_time).',
    "  --restore <IMAGE_ID>  Restore the image from 'pending_delete' to 'active'.",
    '  -h, --help            Show this help and exit.',
    '  --version             Show the version and exit.',
    '',
  ].join('\n');
}

/**
 * glance-manage: Glance's database management tool. Parses the command line, loads the
 * configuration, opens the database and runs one command, setting `process.exitCode`.
 * Command spellings accepted, as Glance's: `db_sync [V]` / `db sync [V]`, `db_version` /
 * `db version`, `db_upgrade [V]` / `db upgrade [--version V]`, `db_version_control [V]` /
 * `db version_control [--version V]`, `db_expand` / `db expand`, `db_migrate` / `db migrate`,
 * `db_contract` / `db contract`, `db_check` / `db check`,
 * `db purge [--age_in_days N] [--max_rows N]`, `db purge_images_table [...]`,
 * `db load_metadefs [--path P] [--merge] [--prefer_new] [--overwrite]` / `db_load_metadefs [P [M [N [O]]]]`,
 * `db unload_metadefs`, `db export_metadefs [--path P]` / `db_export_metadefs [P]`.
 */
import { readFileSync } from 'node:fs';
import { parseCliArgs, defaultConfigFiles, helpText } from '../config/cli-args.js';
import { loadConfig } from '../config/load-config.js';
import { databaseSlice } from '../config/slices.js';
import { openDatabase } from '../db/database.js';
import {
  dbCheck, dbCommandContext, dbContract, dbExpand, dbMigrate, dbSync, dbUpgrade, dbVersion, dbVersionControl,
  type DbCommandContext,
} from './db-phases.js';
import { dbExportMetadefs, dbLoadMetadefs, dbUnloadMetadefs } from './db-metadefs.js';
import { dbPurge } from './db-purge.js';
import { exitCodeOf, ManageExit, processIo, type ManageIo } from './manage-io.js';

/** A parsed `db` command: action name plus its positional arguments and `--name value` options. */
interface DbCommand {
  action: string;
  args: string[];
  options: Record<string, string>;
}

const FLAGS = new Set(['merge', 'prefer_new', 'overwrite']);

const ACTIONS = new Set([
  'sync', 'version', 'upgrade', 'version_control', 'expand', 'migrate', 'contract', 'check',
  'purge', 'purge_images_table', 'load_metadefs', 'unload_metadefs', 'export_metadefs',
]);

/**
 * Runs glance-manage with `argv` (without node and script paths). Never throws: failures are
 * printed on stderr and reflected in `process.exitCode` (1 for errors, 2 for usage, 0/3/4/5 for
 * `db check`). `io` defaults to the process's stdout/stderr.
 */
export async function runManage(argv: string[], io: ManageIo = processIo()): Promise<void> {
  process.exitCode = await manageExitCode(argv, io);
}

/** Same as runManage but returns the exit code instead of setting it (for tests). */
export async function manageExitCode(argv: string[], io: ManageIo = processIo()): Promise<number> {
  return exitCodeOf(() => runCommand(argv, io), io);
}

async function runCommand(argv: string[], io: ManageIo): Promise<void> {
  // Split at the command so a subcommand's `--version V` is not taken for the global --version.
  const at = argv.findIndex((a) => a === 'db' || a.startsWith('db_'));
  const globalPart = at === -1 ? argv : argv.slice(0, at);
  const cli = parseCliArgs(globalPart);
  if (cli.help) {
    io.out(helpText('glance-manage'));
    return;
  }
  if (cli.version) {
    io.out(packageVersion());
    return;
  }
  if (at === -1) {
    io.out('glance-manage category action [<args>]');
    io.out('Available categories:');
    io.out('\tdb');
    throw new ManageExit(2);
  }
  const command = parseDbCommand(argv.slice(at), cli.configFiles, cli.configDirs);
  const files = cli.configFiles.length ? cli.configFiles : defaultConfigFiles('glance-manage');
  const config = loadConfig({ configFiles: files, configDirs: cli.configDirs });
  const database = await openDatabase(databaseSlice(config));
  try {
    await dispatch(dbCommandContext(database, io), command, config.get<string>('DEFAULT', 'metadata_source_path'));
  } finally {
    await database.close();
  }
}

function parseDbCommand(words: string[], configFiles: string[], configDirs: string[]): DbCommand {
  let action: string;
  let rest: string[];
  if (words[0] === 'db') {
    if (!words[1]) throw usage('glance-manage db: error: the following arguments are required: action');
    action = words[1];
    rest = words.slice(2);
  } else {
    action = words[0]!.slice(3);
    rest = words.slice(1);
  }
  if (!ACTIONS.has(action)) throw usage(`glance-manage: error: invalid choice: '${words[0] === 'db' ? action : words[0]}'`);
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const m = /^--([A-Za-z_-]+)(?:=(.*))?$/.exec(w);
    if (!m) {
      args.push(w);
      continue;
    }
    // argparse `store_true` options of load_metadefs take no value.
    if (FLAGS.has(m[1]!) && m[2] === undefined) {
      options[m[1]!] = 'true';
      continue;
    }
    const value = m[2] ?? rest[++i];
    if (value === undefined) throw usage(`glance-manage: error: argument --${m[1]}: expected one argument`);
    if (m[1] === 'config-file') configFiles.push(value);
    else if (m[1] === 'config-dir') configDirs.push(value);
    else options[m[1]!] = value;
  }
  return { action, args, options };
}

function usage(message: string): ManageExit {
  return new ManageExit(message, 2);
}

async function dispatch(c: DbCommandContext, cmd: DbCommand, metadataSourcePath: string): Promise<void> {
  const version = cmd.options['version'] ?? cmd.args[0] ?? null;
  switch (cmd.action) {
    case 'sync':
      return dbSync(c);
    case 'version':
      return dbVersion(c);
    case 'upgrade':
      return dbUpgrade(c, version ?? 'heads');
    case 'version_control':
      return dbVersionControl(c, version);
    case 'expand':
      return dbExpand(c);
    case 'migrate':
      return dbMigrate(c);
    case 'contract':
      return dbContract(c);
    case 'check':
      return dbCheck(c);
    case 'purge':
    case 'purge_images_table':
      return dbPurge(c, cmd.options['age_in_days'] ?? null, cmd.options['max_rows'] ?? null, cmd.action !== 'purge');
    case 'load_metadefs': {
      // The legacy `db_load_metadefs PATH MERGE PREFER_NEW OVERWRITE` takes positionals; any given value is true.
      const flag = (name: string, position: number) => name in cmd.options || Boolean(cmd.args[position]);
      return dbLoadMetadefs(c, {
        path: cmd.options['path'] ?? cmd.args[0] ?? null,
        merge: flag('merge', 1), preferNew: flag('prefer_new', 2), overwrite: flag('overwrite', 3),
      }, metadataSourcePath);
    }
    case 'unload_metadefs':
      return dbUnloadMetadefs(c);
    case 'export_metadefs':
      return dbExportMetadefs(c, cmd.options['path'] ?? cmd.args[0] ?? null, metadataSourcePath);
  }
}

function packageVersion(): string {
  // dist/src/cli/manage.js -> repository root.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

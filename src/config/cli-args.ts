/**
 * Command-line handling shared by glance-api and glance-manage: the oslo.config options
 * (`--config-file`, `--config-dir`, `--help`, `--version`) and the default files used when no
 * `--config-file` is given. Everything else (subcommands and their flags, e.g.
 * `db purge --age_in_days 30`) is passed through untouched, in order, for the caller to parse.
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from './config-error.js';

/** The programs whose defaults and usage text this module knows. */
export type GlanceProgram = 'glance-api' | 'glance-manage';

/** What `parseCliArgs` found. */
export interface CliArgs {
  /** `--config-file` values in order (empty: use `defaultConfigFiles`). */
  configFiles: string[];
  /** `--config-dir` values in order. */
  configDirs: string[];
  help: boolean;
  version: boolean;
  /** Every other argument, verbatim and in order (including unknown `--flags` and `--`). */
  positionals: string[];
}

const KNOWN = {
  'config-file': { type: 'string', multiple: true },
  'config-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * Splits `argv` (without the node and script paths) into the config options and the rest.
 * Accepts `--config-file X` and `--config-file=X`, repeatable. Throws ConfigError when a
 * config option lacks its value.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { tokens } = parseArgs({ args: [...argv], options: KNOWN, strict: false, allowPositionals: true, tokens: true });
  const out: CliArgs = { configFiles: [], configDirs: [], help: false, version: false, positionals: [] };
  const passed = new Set<number>();
  const passThrough = (index: number): void => {
    // Short-option clusters yield several tokens for one argument; keep the argument once.
    if (!passed.has(index)) out.positionals.push(argv[index]!);
    passed.add(index);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'positional') {
      passThrough(t.index);
    } else if (t.kind === 'option-terminator') {
      passThrough(t.index);
    } else if ((t.name === 'config-file' || t.name === 'config-dir') && t.rawName.startsWith('--')) {
      // With strict off, parseArgs leaves a missing value undefined instead of failing.
      // argparse (oslo) refuses `--config-file --other`; so do we, unless written `--config-file=--x`.
      if (t.value === undefined || t.value === '' || (!t.inlineValue && t.value.startsWith('-') && t.value !== '-')) {
        throw new ConfigError(`${t.rawName} needs a value`);
      }
      (t.name === 'config-file' ? out.configFiles : out.configDirs).push(t.value);
    } else if (t.name === 'help' && t.value === undefined && (t.rawName === '--help' || argv[t.index] === '-h')) {
      out.help = true;
    } else if (t.name === 'version' && t.rawName === '--version' && t.value === undefined) {
      out.version = true;
    } else {
      passThrough(t.index);
    }
  }
  return out;
}

/**
 * The files read when no `--config-file` was given, as Glance does: glance-api reads
 * `/etc/glance/glance-api.conf` and, if present, `glance-image-import.conf`; glance-manage
 * reads glance-api.conf and then `glance-manage.conf` (later wins). Only existing files are
 * returned; an empty list means glance-ts runs embedded.
 */
export function defaultConfigFiles(prog: GlanceProgram, exists: (path: string) => boolean = existsSync): string[] {
  const names = prog === 'glance-api' ? ['glance-api.conf', 'glance-image-import.conf'] : ['glance-api.conf', 'glance-manage.conf'];
  return names.map((n) => `/etc/glance/${n}`).filter((p) => exists(p));
}

/** Usage text for `--help`. */
export function helpText(prog: GlanceProgram): string {
  const common = [
    'Options:',
    '  --config-file PATH  Configuration file to read; repeat for several (later files win).',
    `                      Default: ${defaultConfigFiles(prog, () => true).join(' and ')}, if present;`,
    '                      with no file at all glance-ts runs embedded (SQLite and files under ./data,',
    '                      listening on 127.0.0.1:9292).',
    '  --config-dir DIR    Also read every *.conf file of DIR, in name order, after the files.',
    '  -h, --help          Show this help and exit.',
    '  --version           Show the version and exit.',
  ];
  if (prog === 'glance-api') {
    return ['Usage: glance-api [--config-file PATH]... [--config-dir DIR]...', '', 'Runs the Image service API server.', '', ...common, ''].join('\n');
  }
  return [
    'Usage: glance-manage [--config-file PATH]... [--config-dir DIR]... <command> [args]',
    '',
    'Manages the Image service database.',
    '',
    'Commands:',
    '  db_sync | db sync                  Upgrade the database schema to the latest version.',
    '  db_version | db version            Print the current schema revision.',
    '  db upgrade | expand | migrate | contract | check',
    '  db load_metadefs | unload_metadefs | export_metadefs',
    '  db purge [--age_in_days N] [--max_rows N]',
    '  db purge_images_table [--age_in_days N] [--max_rows N]',
    '',
    ...common,
    '',
  ].join('\n');
}

/**
 * Loads glance-api.conf-style files into a validated `Config`, as oslo.config would: explicit
 * files first, in the order given, then each config directory's `*.conf` files in name order;
 * later files win.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { registerGlanceOptions } from './glance-options.js';
import { parseIni, type IniFile } from './ini-parser.js';
import { OptionRegistry } from './option-registry.js';
import { registerStoreGroups } from './store-options.js';

/** Where to read configuration from (normally the output of `parseCliArgs`/`defaultConfigFiles`). */
export interface LoadConfigOptions {
  /** Files to read, in order; each must exist. */
  configFiles: readonly string[];
  /** Directories whose `*.conf` files are read after `configFiles`; each must exist. */
  configDirs: readonly string[];
}

/**
 * Reads, parses and validates the configuration. With no file at all the result is
 * `embedded` (see `slices.ts` for what that changes). Every value set for a known option is
 * converted now, so a bad value fails start-up with a ConfigError naming file, section,
 * option and the expected form. Unknown sections/options and deprecated spellings are
 * reported through `log` (debug level), never fatal.
 */
export function loadConfig(opts: LoadConfigOptions, log?: (msg: string) => void): Config {
  const paths = [...opts.configFiles, ...opts.configDirs.flatMap(confFilesIn)];
  const files: IniFile[] = paths.map((path) => parseIni(readText(path), path));

  const registry = new OptionRegistry();
  registerGlanceOptions(registry);
  const config = new Config(registry, files, log);
  registerStoreGroups(config);
  config.validateAll();
  if (log) {
    config.reportUnknown();
    log(files.length > 0 ? `configuration files: ${paths.join(', ')}` : 'no configuration file: running embedded');
  }
  return config;
}

// The directory's *.conf files in code-point order, skipping dot-files as a shell glob would.
function confFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(`cannot read configuration directory ${dir}: ${reason(err)}`, { cause: err });
  }
  return names
    .filter((n) => n.endsWith('.conf') && !n.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n))
    .filter((p) => isFile(p));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`configuration file not found: ${path}`, { cause: err });
    throw new ConfigError(`cannot read configuration file ${path}: ${reason(err)}`, { cause: err });
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

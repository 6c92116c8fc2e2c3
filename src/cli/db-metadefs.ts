/**
 * `glance-manage db load_metadefs [--path P] [--merge [--prefer_new | --overwrite]]`,
 * `db unload_metadefs` and `db export_metadefs [--path P]`, with Glance's log lines (logger
 * `glance.db.sqlalchemy.metadata`). As in Glance, a refused option combination or a missing
 * directory is logged as an error and the command still exits 0; a file that cannot be parsed is
 * logged and skipped. `P` defaults to `[DEFAULT] metadata_source_path` and may name one file.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetadefCatalogRepo, METADEF_TABLES, type MetadefDocument } from '../db/repos/metadef-catalog-repo.js';
import type { DbCommandContext } from './db-phases.js';
import { logTimestamp, type ManageIo } from './manage-io.js';

/** The options of `db load_metadefs`. */
export interface LoadMetadefsOptions {
  /** `--path`; null: the configured `metadata_source_path`. */
  path: string | null;
  merge: boolean;
  preferNew: boolean;
  overwrite: boolean;
}

const LOGGER = 'glance.db.sqlalchemy.metadata';

function log(io: ManageIo, level: 'INFO' | 'ERROR', message: string): void {
  io.err(`${logTimestamp(io.now())} ${io.pid} ${level} ${LOGGER} [-] ${message}`);
}

// Python's text for an OSError, e.g. "[Errno 2] No such file or directory: '/etc/glance/metadefs/'".
const ERRNO_TEXT: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'], EACCES: [13, 'Permission denied'], ENOTDIR: [20, 'Not a directory'],
};
function osError(err: unknown, path: string): string {
  const known = ERRNO_TEXT[(err as { code?: string }).code ?? ''];
  return known ? `[Errno ${known[0]}] ${known[1]}: '${path}'` : (err as Error).message;
}

/** The `.json` files to load from `path` (itself, when it is a file), in name order. */
function jsonFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.json') && statSync(join(path, f)).isFile()).sort().map((f) => join(path, f));
}

function parseDocument(text: string): MetadefDocument {
  const doc = JSON.parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('the file does not hold a JSON object');
  if (typeof (doc as { namespace?: unknown }).namespace !== 'string') throw new Error("'namespace' is missing");
  return doc as MetadefDocument;
}

/** `db load_metadefs`: loads the namespace files of `opts.path` (or `defaultPath`). */
export async function dbLoadMetadefs(c: DbCommandContext, opts: LoadMetadefsOptions, defaultPath: string): Promise<void> {
  if (!opts.merge && (opts.preferNew || opts.overwrite)) {
    log(c.io, 'ERROR', 'To use --prefer_new or --overwrite you need to combine of these options with --merge option.');
    return;
  }
  if (opts.preferNew && opts.overwrite) {
    log(c.io, 'ERROR', 'Please provide no more than one option from this list: --prefer_new, --overwrite');
    return;
  }
  const path = opts.path || defaultPath;
  let files: string[];
  try {
    files = jsonFiles(path);
  } catch (err) {
    log(c.io, 'ERROR', osError(err, path));
    return;
  }
  if (files.length === 0) {
    log(c.io, 'ERROR', `Json schema files not found in ${path}. Aborting.`);
    return;
  }
  const repo = new MetadefCatalogRepo(c.database);
  for (const file of files) {
    let doc: MetadefDocument;
    try {
      doc = parseDocument(readFileSync(file, 'utf8'));
    } catch (err) {
      log(c.io, 'ERROR', `Failed to parse json file ${file} while populating metadata due to: ${(err as Error).message}`);
      continue;
    }
    const result = await repo.load(doc, opts);
    if (result === 'skipped') {
      log(c.io, 'INFO', `Skipping namespace ${doc.namespace}. It already exists in the database.`);
      continue;
    }
    if (result === 'overwritten') log(c.io, 'INFO', `Overwriting namespace ${doc.namespace}`);
    log(c.io, 'INFO', `File ${file} loaded to database.`);
  }
  log(c.io, 'INFO', 'Metadata loading finished');
}

/** `db unload_metadefs`: empties every metadef table. */
export async function dbUnloadMetadefs(c: DbCommandContext): Promise<void> {
  await new MetadefCatalogRepo(c.database).unload();
  for (const table of METADEF_TABLES) log(c.io, 'INFO', `Table ${table} has been cleared`);
}

/**
 * `db export_metadefs`: writes each namespace to `<path>/<display name without non-word
 * characters>.json` (the namespace name when it has no display name).
 */
export async function dbExportMetadefs(c: DbCommandContext, path: string | null, defaultPath: string): Promise<void> {
  const dir = path || defaultPath;
  for (const doc of await new MetadefCatalogRepo(c.database).exportAll()) {
    const name = (doc.display_name ?? doc.namespace).replace(/[^\p{L}\p{N}]+/gu, '');
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) log(c.io, 'INFO', `Overwriting: ${file}`);
    try {
      writeFileSync(file, `${JSON.stringify(doc, null, 4)}\n`);
    } catch (err) {
      log(c.io, 'ERROR', osError(err, file));
      continue;
    }
    log(c.io, 'INFO', `Namespace ${name} saved in ${file}`);
  }
}

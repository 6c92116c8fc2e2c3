/**
 * The `file` store: glance_store's filesystem layout, so an existing Glance data directory is
 * served as it is. An image is the file `<datadir>/<image_id>`, its location
 * `file://<datadir>/<image_id>`. Writes go through a partial file published on commit (see
 * `file-write.ts`); `sweep()` removes what crashed writes left (see `partial-names.ts`).
 *
 * Unlike glance_store, reads, stats and deletes are confined to the store's own data
 * directories: a location elsewhere (`file:///etc/shadow`) is `bad_uri`, never opened.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, StoreCapabilities, StoreDriver, StoreLocation, StoreWrite, WriteOptions } from '../driver.js';
import { StoreError, checkRangeShape, invalidRange, storeErrorFromFs } from '../errors.js';
import { chooseDatadir, parseDatadirs, type Datadir } from './datadirs.js';
import { openFileWrite } from './file-write.js';
import { sweepPartials } from './partial-names.js';

/** Configuration of one file store. */
export interface FilesystemDriverOptions {
  id: string;
  /** `filesystem_store_datadir`; ignored when `datadirs` is non-empty. */
  datadir: string;
  /** `filesystem_store_datadirs` lines (`path[:priority]`). */
  datadirs?: readonly string[];
  /** `filesystem_store_file_perm` as configured: digits read as octal (640 → rw-r-----); 0 keeps the umask's. */
  filePerm?: number;
  /** Block size of reads and of the write buffer, in bytes (default 1 MiB). */
  blockSize?: number;
  /** `filesystem_thin_provisioning`: all-zero chunks are not written (sparse files). */
  thinProvisioning?: boolean;
  /** `filesystem_store_metadata_file`: JSON added to every new location's metadata. */
  metadataFile?: string | null;
  /** Put `{ store: id }` in location metadata (multi-store deployments). */
  tagLocations?: boolean;
  /** Leftovers idle this long are swept whoever wrote them (see `partial-names.ts`). */
  staleAfterMs?: number;
  /** Receives configuration warnings (the store then refuses writes, as glance_store does). */
  warn?: (message: string) => void;
}

const DEFAULT_BLOCK = 1024 * 1024;
type LocationMetadata = Record<string, unknown> | Array<Record<string, unknown>>;

/** Decodes `filesystem_store_file_perm` (640 means 0o640); throws `bad_config` if unusable. */
export function decodeFilePerm(store: string, perm: number): number {
  if (perm <= 0) return 0;
  if (!/^[0-7]{1,4}$/.test(String(perm))) throw new StoreError(store, 'bad_config', `Invalid 'filesystem_store_file_perm' option: ${perm}`);
  const mode = parseInt(String(perm), 8);
  // A file Glance itself cannot read back would break every download.
  if ((mode & 0o400) === 0) throw new StoreError(store, 'bad_config', "Invalid 'filesystem_store_file_perm' option.");
  return mode;
}

async function loadMetadata(store: string, file: string): Promise<LocationMetadata> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new StoreError(store, 'bad_config', `The metadata file ${file} could not be read: ${(err as Error).message}`, { cause: err });
  }
  const entryOk = (e: unknown) => typeof e === 'object' && e !== null && !Array.isArray(e);
  const listOk = Array.isArray(parsed) && parsed.every((e) => entryOk(e) && typeof e.id === 'string' && typeof e.mountpoint === 'string');
  if (!entryOk(parsed) && !listOk) {
    throw new StoreError(store, 'bad_config', `The metadata file ${file} must hold a JSON object, or a list of objects with "id" and "mountpoint"`);
  }
  return parsed as LocationMetadata;
}

/** The filesystem driver (see the module comment). Build it with `FilesystemDriver.open`. */
export class FilesystemDriver implements StoreDriver {
  readonly type = 'file';
  readonly capabilities: StoreCapabilities;
  private readonly active = new Set<string>();

  private constructor(
    readonly id: string,
    /** Data directories, absolute, highest priority first. */
    readonly dirs: readonly Datadir[],
    private readonly opts: FilesystemDriverOptions,
    private readonly fileMode: number,
    private readonly metadata: LocationMetadata,
    writable: boolean,
  ) {
    this.capabilities = { read: true, write: writable, randomRead: true };
  }

  /**
   * Configures the store: parses the directories, creates missing ones, checks they are writable,
   * loads the metadata file. A problem there disables writes (410 on upload) and is reported
   * through `opts.warn`, as glance_store disables a store's add method; reads keep working.
   */
  static async open(opts: FilesystemDriverOptions): Promise<FilesystemDriver> {
    const id = opts.id;
    let dirs: Datadir[] = [];
    let mode = 0;
    let metadata: LocationMetadata = {};
    let writable = true;
    try {
      if (opts.datadirs && opts.datadirs.length > 0) dirs = parseDatadirs(id, opts.datadirs);
      else if (opts.datadir.trim() !== '') dirs = [{ path: resolve(opts.datadir), priority: 0 }];
      else throw new StoreError(id, 'bad_config', "Specify at least 'filesystem_store_datadir' or 'filesystem_store_datadirs' option");
      dirs.sort((a, b) => b.priority - a.priority);
      mode = decodeFilePerm(id, opts.filePerm ?? 0);
      if (opts.metadataFile) metadata = await loadMetadata(id, opts.metadataFile);
      for (const d of dirs) await prepareDir(id, d.path, mode);
    } catch (err) {
      writable = false;
      const why = err instanceof StoreError ? err.storeMessage : (err as Error).message;
      opts.warn?.(`Store ${id} could not be configured correctly: ${why} Disabling add method.`);
    }
    return new FilesystemDriver(id, dirs, opts, mode, metadata, writable);
  }

  /** True when `url` names a file directly inside one of this store's data directories. */
  owns(url: string): boolean {
    return this.pathIn(url) !== null;
  }

  async write(imageId: string, opts: WriteOptions = {}): Promise<StoreWrite> {
    if (!this.capabilities.write) throw new StoreError(this.id, 'add_disabled');
    if (imageId === '' || imageId.startsWith('.') || /[/\\\0]/.test(imageId)) {
      throw new StoreError(this.id, 'invalid_id', `Invalid image id for a file store: ${JSON.stringify(imageId)}`);
    }
    // An id already stored in another data directory is a duplicate too.
    for (const d of this.dirs) {
      const path = resolve(d.path, imageId);
      const found = await stat(path).then(() => true, () => false);
      if (found) throw storeErrorFromFs(this.id, Object.assign(new Error('exists'), { code: 'EEXIST' }), path);
    }
    const dir = await chooseDatadir(this.id, this.dirs, opts.sizeHint ?? 0);
    return openFileWrite({
      store: this.id,
      dir,
      imageId,
      fileMode: this.fileMode,
      thin: this.opts.thinProvisioning ?? false,
      highWaterMark: this.opts.blockSize ?? DEFAULT_BLOCK,
      active: this.active,
      location: (path) => ({ url: `file://${path}`, metadata: this.locationMetadata(path) }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async read(location: StoreLocation, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(location);
    if (range) checkRangeShape(this.id, range);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw storeErrorFromFs(this.id, err, path);
    }
    try {
      const { size } = await fh.stat();
      if (range && range.end >= size) throw invalidRange(this.id, range, size);
      return fh.createReadStream({
        highWaterMark: this.opts.blockSize ?? DEFAULT_BLOCK,
        ...(range ? { start: range.start, end: range.end } : {}),
      });
    } catch (err) {
      await fh.close();
      throw storeErrorFromFs(this.id, err, path);
    }
  }

  async locate(imageId: string): Promise<StoreLocation | null> {
    if (imageId === '' || imageId.startsWith('.') || /[/\\\0]/.test(imageId)) return null;
    for (const d of this.dirs) {
      const path = resolve(d.path, imageId);
      if (await stat(path).then((s) => s.isFile(), () => false)) {
        return { url: `file://${path}`, metadata: this.locationMetadata(path) };
      }
    }
    return null;
  }

  async stat(location: StoreLocation): Promise<{ size: number }> {
    const path = this.pathOf(location);
    try {
      return { size: (await stat(path)).size };
    } catch (err) {
      throw storeErrorFromFs(this.id, err, path);
    }
  }

  async delete(location: StoreLocation): Promise<void> {
    const path = this.pathOf(location);
    try {
      await unlink(path);
    } catch (err) {
      const e = storeErrorFromFs(this.id, err, path);
      if (e.reason === 'write_denied') throw new StoreError(this.id, 'write_denied', `You cannot delete file ${path}`, { cause: err });
      throw e;
    }
  }

  async list(): Promise<string[]> {
    const ids = new Set<string>();
    for (const d of this.dirs) {
      // Partial writes are hidden (dot) files; everything else is committed image data.
      for (const entry of await readdir(d.path, { withFileTypes: true }).catch(() => [])) {
        if (entry.isFile() && !entry.name.startsWith('.')) ids.add(entry.name);
      }
    }
    return [...ids];
  }

  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    for (const d of this.dirs) {
      removed.push(...await sweepPartials(d.path, {
        active: this.active,
        ...(this.opts.staleAfterMs !== undefined ? { staleAfterMs: this.opts.staleAfterMs } : {}),
      }));
    }
    return removed;
  }

  async probe(): Promise<string> {
    if (this.dirs.length === 0) throw new StoreError(this.id, 'bad_config', 'no data directory is configured');
    for (const d of this.dirs) {
      try {
        if (!(await stat(d.path)).isDirectory()) throw new StoreError(this.id, 'bad_config', `${d.path} is not a directory`);
        await access(d.path, constants.R_OK | constants.W_OK | constants.X_OK);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw new StoreError(this.id, 'bad_config', `data directory ${d.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
    return `data directories readable and writable (${this.dirs.map((d) => d.path).join(', ')})`;
  }

  private locationMetadata(path: string): Record<string, unknown> {
    let meta: Record<string, unknown> = {};
    if (Array.isArray(this.metadata)) {
      // One entry per mount point: the one holding the file tells consumers where it is.
      const entry = this.metadata.find((m) => path.startsWith(String(m.mountpoint)));
      if (entry) meta = { ...entry };
    } else {
      meta = { ...this.metadata };
    }
    if (this.opts.tagLocations) meta.store = this.id;
    return meta;
  }

  // glance_store's file URI: everything after `file://` is the path, taken literally.
  private pathIn(url: string): string | null {
    const m = /^(?:file|filesystem):\/\/([^?#]*)/.exec(url);
    if (!m || m[1] === undefined || !isAbsolute(m[1])) return null;
    const path = resolve(m[1]);
    const name = basename(path);
    if (name.startsWith('.')) return null;
    return this.dirs.some((d) => dirname(path) === d.path) ? path : null;
  }

  private pathOf(location: StoreLocation): string {
    const path = this.pathIn(location.url);
    if (path === null) throw new StoreError(this.id, 'bad_uri', `The Store URI was malformed: ${location.url}`);
    return path;
  }
}

// Creates the directory if needed and checks it is writable; with a file mode that lets group
// or others read images, gives them search permission on the directory, as glance_store does.
async function prepareDir(store: string, dir: string, fileMode: number): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new StoreError(store, 'bad_config', `Unable to create datadir: ${dir}`, { cause: err });
  }
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new StoreError(store, 'bad_config', `Permission to write in ${dir} denied`, { cause: err });
  }
  if (fileMode === 0) return;
  const current = (await stat(dir)).mode & 0o7777;
  let wanted = current;
  if (fileMode & 0o007) wanted |= 0o001;
  if (fileMode & 0o070) wanted |= 0o010;
  if (wanted !== current) await chmod(dir, wanted).catch(() => undefined);
}

/**
 * The configured stores, built once from the store slice: the operator's backends
 * (`enabled_backends`, or the legacy `[glance_store] stores` in single-store mode), the default
 * one, and Glance's reserved `os_glance_staging_store` and `os_glance_tasks_store` (always file
 * stores). It finds the store of an existing location, renders `/v2/info/stores[/detail]`, and
 * sweeps crash leftovers at start-up.
 *
 * Read block size: `filesystem_store_chunk_size` left at Glance's 64 KiB default gives 1 MiB
 * blocks here. 64 KiB suited Python's per-chunk cost; in Node each block is one syscall and one
 * event-loop turn, and 1 MiB blocks cut both 16-fold for 1 MiB of memory per transfer in
 * flight. Any other configured value is used as it is (and `/info/stores/detail` always shows
 * the configured value, as Glance does).
 */
import { ConfigError } from '../config/config-error.js';
import type { FileStoreOptions, StoreBackendConfig, StoreConfig } from '../config/store-slice.js';
import type { StoreDriver } from './driver.js';
import { StoreError } from './errors.js';
import { observeDriverErrors, type DriverErrorListener } from './observed-driver.js';
import { FilesystemDriver } from './filesystem/filesystem-driver.js';
import { HttpDriver, type HttpDriverOptions } from './http/http-driver.js';
import { S3Driver } from './s3/s3-driver.js';
import { openSwiftStore, swiftStoreProperties } from './swift/swift-setup.js';

/** Id of the reserved staging store. */
export const STAGING_STORE = 'os_glance_staging_store';
/** Id of the reserved tasks store. */
export const TASKS_STORE = 'os_glance_tasks_store';

const GLANCE_DEFAULT_CHUNK = 65536;
const NODE_BLOCK = 1024 * 1024;
const SUPPORTED_TYPES = new Set(['file', 'http', 's3', 'swift']);

/** A store as the registry knows it: its driver plus what `/v2/info/stores` shows. */
export interface StoreEntry {
  driver: StoreDriver;
  description: string | null;
  /** `properties` of `/v2/info/stores/detail` (ref 012 for file stores; `{}` for http). */
  properties: Record<string, unknown>;
}

/** One element of `GET /v2/info/stores` (ref 011), keys in Glance's order. */
export interface StoreInfo {
  id: string;
  description?: string;
  default?: 'true';
  'read-only'?: 'true';
}

/** One element of `GET /v2/info/stores/detail` (ref 012). */
export interface StoreDetail extends StoreInfo {
  type: string;
  properties: Record<string, unknown>;
}

/** Options of `StoreRegistry.create`. */
export interface StoreRegistryOptions {
  /** Receives start-up warnings (store disabled for writes, unsupported legacy store skipped). */
  warn?: (message: string) => void;
  /** Timeouts of http stores. */
  http?: Pick<HttpDriverOptions, 'connectTimeoutMs' | 'headersTimeoutMs' | 'idleTimeoutMs' | 'keepAliveMs'>;
  /** Told of every failed driver operation (the store-error metric); see `observed-driver.ts`. */
  onDriverError?: DriverErrorListener;
}

/** See the module comment. Build with `StoreRegistry.create`, or directly from drivers in tests. */
export class StoreRegistry {
  private readonly byId = new Map<string, StoreEntry>();

  /**
   * @param multistore `enabled_backends` is set (info routes, store header, location tags).
   * @param stores operator stores in configuration order.
   * @param defaultId the default store's id (must be one of `stores`).
   * @param staging the `os_glance_staging_store` driver; @param tasks the `os_glance_tasks_store` driver.
   */
  constructor(
    readonly multistore: boolean,
    private readonly stores: readonly StoreEntry[],
    defaultId: string,
    readonly staging: StoreDriver,
    readonly tasks: StoreDriver,
  ) {
    for (const e of stores) this.byId.set(e.driver.id, e);
    const def = this.byId.get(defaultId);
    if (!def) throw new ConfigError(`default store "${defaultId}" is not one of the configured stores (${stores.map((s) => s.driver.id).join(', ')})`);
    this.defaultStore = def.driver;
    for (const d of [staging, tasks]) this.byId.set(d.id, { driver: d, description: null, properties: {} });
  }

  /** The store used when a request names none (`default_backend` / `default_store`). */
  readonly defaultStore: StoreDriver;

  /**
   * Builds every driver from the slice, creating missing data directories. Throws ConfigError
   * for a store type glance-ts does not implement yet, a missing default, or an unusable
   * configuration (bad datadirs, unreadable CA file).
   */
  static async create(config: StoreConfig, opts: StoreRegistryOptions = {}): Promise<StoreRegistry> {
    const entries: StoreEntry[] = [];
    for (const b of config.backends) {
      if (!SUPPORTED_TYPES.has(b.type)) {
        const what = `store "${b.id}" has type "${b.type}", which glance-ts does not support yet (supported: ${[...SUPPORTED_TYPES].join(', ')})`;
        // A legacy `stores` list often names drivers nobody uses; only the default must work.
        if (!config.multistore && b.id !== config.defaultBackend) { opts.warn?.(`${what}; ignored`); continue; }
        throw new ConfigError(config.multistore ? `[DEFAULT] enabled_backends: ${what}` : `[glance_store] default_store: ${what}`);
      }
      const entry = await buildEntry(b, config.multistore, opts);
      entries.push(opts.onDriverError ? { ...entry, driver: observeDriverErrors(entry.driver, opts.onDriverError) } : entry);
    }
    if (config.defaultBackend === null) {
      throw new ConfigError(config.multistore ? '[glance_store] default_backend must be set when enabled_backends is' : '[glance_store] default_store is not set');
    }
    const reserved = async (id: string, file: FileStoreOptions): Promise<StoreDriver> => {
      const driver = await fileDriver(id, file, config.multistore, opts);
      return opts.onDriverError ? observeDriverErrors(driver, opts.onDriverError) : driver;
    };
    return new StoreRegistry(config.multistore, entries, config.defaultBackend,
      await reserved(STAGING_STORE, config.staging), await reserved(TASKS_STORE, config.tasks));
  }

  /** The store `id` (operator or reserved), or undefined. */
  find(id: string): StoreDriver | undefined {
    return this.byId.get(id)?.driver;
  }

  /** The store `id`; throws `unknown_scheme` (400), Glance's answer to an unknown store id. */
  get(id: string): StoreDriver {
    const d = this.find(id);
    if (!d) throw new StoreError(id, 'unknown_scheme', `Unknown scheme '${id}' found in URI`);
    return d;
  }

  /** Operator stores in configuration order (no reserved ones). */
  operatorStores(): StoreDriver[] {
    return this.stores.map((e) => e.driver);
  }

  /** Stores `all_stores` imports copy to: operator stores that accept writes (http ones do not). */
  writableStores(): StoreDriver[] {
    return this.operatorStores().filter((d) => d.capabilities.write);
  }

  /**
   * The store of an existing location: the one named by `metadata.store` (or the pre-Train
   * `backend` key) when configured, else the first store, operator stores before reserved
   * ones, that owns the URL. Throws `unknown_scheme` (400) when none does, `bad_uri` (400) for
   * a file URL outside every store's data directories.
   */
  forLocation(url: string, metadata: Record<string, unknown> = {}): StoreDriver {
    const named = metadata.store ?? metadata.backend;
    if (typeof named === 'string') {
      const d = this.find(named);
      if (d) return d;
    }
    for (const d of [...this.operatorStores(), this.staging, this.tasks]) if (d.owns(url)) return d;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
    const who = typeof named === 'string' ? named : scheme;
    // A file URL outside every data directory is refused, not guessed at (see filesystem-driver.ts).
    if (scheme === 'file' || scheme === 'filesystem') throw new StoreError(who, 'bad_uri', `No configured store holds ${url}`);
    throw new StoreError(who, 'unknown_scheme', `Unknown scheme '${scheme}' found in URI`);
  }

  /** The body of `GET /v2/info/stores` (ref 011). Meaningful only with `multistore`. */
  infoStores(): { stores: StoreInfo[] } {
    return { stores: this.stores.map((e) => this.info(e)) };
  }

  /** The body of `GET /v2/info/stores/detail` (ref 012). Meaningful only with `multistore`. */
  infoStoresDetail(): { stores: StoreDetail[] } {
    return { stores: this.stores.map((e) => ({ ...this.info(e), type: e.driver.type, properties: { ...e.properties } })) };
  }

  /** Ids advertised in `OpenStack-image-store-ids` (ref 100): operator then reserved; [] without multistore. */
  storeIds(): string[] {
    return this.multistore ? [...this.stores.map((e) => e.driver.id), STAGING_STORE, TASKS_STORE] : [];
  }

  /** The `OpenStack-image-store-ids` header value, or null when it is not sent (single store). */
  storeIdsHeader(): string | null {
    return this.multistore ? this.storeIds().join(',') : null;
  }

  /**
   * Sweeps every store that keeps partial data (start-up); returns the image ids of the
   * leftovers removed, per store id. A store whose sweep fails is reported through `warn` and
   * skipped.
   */
  async sweepAll(warn?: (message: string) => void): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const { driver } of this.byId.values()) {
      if (!driver.sweep) continue;
      try {
        out[driver.id] = await driver.sweep();
      } catch (err) {
        warn?.(`Store ${driver.id}: sweeping interrupted writes failed: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** Closes every driver (connection pools). */
  async close(): Promise<void> {
    await Promise.all([...this.byId.values()].map((e) => e.driver.close?.()));
  }

  // Key order as Glance builds it: id, description, default, read-only.
  private info(e: StoreEntry): StoreInfo {
    const out: StoreInfo = { id: e.driver.id };
    if (e.description) out.description = e.description;
    if (e.driver === this.defaultStore) out.default = 'true';
    if (e.driver.type === 'http') out['read-only'] = 'true';
    return out;
  }
}

async function fileDriver(id: string, f: FileStoreOptions, tag: boolean, opts: StoreRegistryOptions): Promise<FilesystemDriver> {
  return FilesystemDriver.open({
    id,
    datadir: f.datadir,
    datadirs: f.datadirs,
    filePerm: f.filePerm,
    blockSize: f.chunkSize === GLANCE_DEFAULT_CHUNK ? NODE_BLOCK : f.chunkSize,
    thinProvisioning: f.thinProvisioning,
    metadataFile: f.metadataFile,
    tagLocations: tag,
    ...(opts.warn ? { warn: opts.warn } : {}),
  });
}

async function buildEntry(b: StoreBackendConfig, multistore: boolean, opts: StoreRegistryOptions): Promise<StoreEntry> {
  if (b.type === 's3') return s3Entry(b, multistore, opts);
  if (b.type === 'swift') {
    const driver = await openSwiftStore(b.id, b.swift!, multistore, { ...opts.http, ...(opts.warn ? { warn: opts.warn } : {}) });
    return { driver, description: b.description, properties: swiftStoreProperties(b.swift!) };
  }
  if (b.type === 'file') {
    const f = b.file!;
    const driver = await fileDriver(b.id, f, multistore, opts);
    const dataDir = f.datadirs.length > 0 ? (driver.dirs[0]?.path ?? '') : f.datadir;
    return { driver, description: b.description, properties: { data_dir: dataDir, chunk_size: f.chunkSize, thin_provisioning: f.thinProvisioning } };
  }
  try {
    const driver = await HttpDriver.open({
      id: b.id,
      caCertificatesFile: b.http?.caCertificatesFile ?? null,
      insecure: b.http?.insecure ?? true,
      proxyInformation: b.http?.proxyInformation ?? {},
      ...opts.http,
    });
    return { driver, description: b.description, properties: {} };
  } catch (err) {
    throw new ConfigError(`store "${b.id}": ${(err as Error).message}`, { cause: err });
  }
}

// Properties as Glance's `_get_s3_properties` shows them: the driver's sizes, in bytes.
async function s3Entry(b: StoreBackendConfig, multistore: boolean, opts: StoreRegistryOptions): Promise<StoreEntry> {
  const s = b.s3!;
  try {
    const driver = await S3Driver.open({
      id: b.id, host: s.host, regionName: s.regionName, accessKey: s.accessKey, secretKey: s.secretKey, bucket: s.bucket,
      createBucketOnPut: s.createBucketOnPut, bucketUrlFormat: s.bucketUrlFormat, largeObjectSizeMiB: s.largeObjectSize,
      largeObjectChunkSizeMiB: s.largeObjectChunkSize, threadPools: s.threadPools, cacert: s.cacert, tagLocations: multistore,
      ...(opts.warn ? { warn: opts.warn } : {}),
      ...opts.http,
    });
    const properties = {
      s3_store_large_object_size: s.largeObjectSize * 1024 * 1024,
      s3_store_large_object_chunk_size: s.largeObjectChunkSize * 1024 * 1024,
      s3_store_thread_pools: s.threadPools,
    };
    return { driver, description: b.description, properties };
  } catch (err) {
    throw new ConfigError(`store "${b.id}": ${(err as Error).message}`, { cause: err });
  }
}

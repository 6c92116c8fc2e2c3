/**
 * The `api_image_import` flow, run by the task runner once the request was accepted, in
 * Glance's steps: begin (status `importing` except for copies, store bookkeeping) → quota
 * re-check → data into staging (web-download fetches it, copy-image copies the stored data;
 * glance-direct finds it staged) → plugins (not for copies) → one write per target store →
 * staging removed → image active → lock released. Progress shows in the task's message as
 * "Copied N MiB".
 *
 * Any failure reverts: data this task wrote to stores is deleted, a non-copy image goes back to
 * `queued`, the failed store joins `os_glance_failed_import`, staging data is removed, the lock
 * is released; the task then fails with the error's message (see TaskRunner). With
 * `all_stores_must_succeed = false`, a store that fails is recorded and the others go on.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, Conflict, GlanceError, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { transition } from '../domain/image-status.js';
import type { Task } from '../domain/task.js';
import type { FormatVerdictOptions } from '../format/format-verdict.js';
import type { QuotaChecker } from '../quota/quota-checker.js';
import { writeImageData } from '../services/image-data-writer.js';
import type { StoreLocation } from '../store/driver.js';
import type { StoreRegistry } from '../store/registry.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import { IMPORTING_TO_STORES, IMPORT_LOCK, startImport, storeDone } from '../domain/import-properties.js';
import type { ImportImageChanges, ImportPlugin } from './plugins/import-plugin.js';
import type { GlanceDownloadRequest } from './glance-download-source.js';
import type { RequestContext } from '../auth/request-context.js';

/** Fetches a web-download URI (already checked at request time; redirects re-checked). */
export type WebDownload = (uri: string, opts: { signal: AbortSignal; maxBytes: number }) => Promise<{ stream: Readable; size: number | null }>;

/** Opens another region's image for glance-download with the caller's token. */
export type GlanceDownloadOpener = (req: GlanceDownloadRequest, token: string | null, opts: { signal: AbortSignal; maxBytes: number }) =>
  Promise<{ stream: Readable; properties: Record<string, string> }>;

/** Collaborators of the flow. */
export interface ImportFlowDeps {
  images: ImageRepo;
  stores: StoreRegistry;
  hashers: HasherPool;
  quota: QuotaChecker;
  plugins: ImportPlugin[];
  webDownload: WebDownload;
  glanceDownload: GlanceDownloadOpener;
  config: { imageSizeCap: number; format: FormatVerdictOptions };
  log: Pick<Logger, 'info' | 'warn'>;
}

/** Who started the import (for the quota re-check and the plugins). */
export interface ImportCaller {
  ctx: RequestContext;
}

/** How the flow reports progress to its task. */
export type ProgressReporter = (message: string) => void;

interface ImportInput {
  imageId: string;
  method: 'glance-direct' | 'web-download' | 'copy-image' | 'glance-download';
  uri: string | null;
  /** The remote image of a glance-download. */
  remote: GlanceDownloadRequest | null;
  stores: string[];
  allStoresMustSucceed: boolean;
}

const MIB = 1024 * 1024;

/** Runs one import task's flow. */
export class ImportFlow {
  constructor(private readonly deps: ImportFlowDeps) {}

  /** Runs the flow of `task`; resolves with the task result, rejects after reverting. */
  async run(task: Task, caller: ImportCaller, signal: AbortSignal, progress: ProgressReporter): Promise<Record<string, unknown>> {
    const input = this.inputOf(task);
    const copy = input.method === 'copy-image';
    const written: Array<{ store: string; location: StoreLocation }> = [];
    let staged: StoreLocation | null = null;
    try {
      let image = await this.mutate(input.imageId, task.id, (img) => ({
        ...(copy ? img : transition(img, 'importing')),
        properties: startImport(img.properties, input.stores),
      }));
      await this.recheckQuota(caller.ctx, input, image);
      const changes: ImportImageChanges = {};
      staged = await this.stage(image, input, caller, signal, changes);
      if (!copy) await this.runPlugins(image, staged, caller, signal, changes);

      let first: { size: number; checksum: string; hash: string; algo: string; virtualSize: number | null } | null = null;
      for (const storeId of input.stores) {
        try {
          const store = this.deps.stores.get(storeId);
          const counter = new ProgressCounter(progress);
          const data = await writeImageData(this.deps.hashers, {
            imageId: image.id,
            source: await this.deps.stores.staging.read(staged),
            store,
            limit: this.deps.config.imageSizeCap,
            hashingAlgorithm: image.os_hash_algo ?? undefined,
            observers: [counter],
            ...(copy ? {} : { inspect: { diskFormat: changes.disk_format ?? image.disk_format, containerFormat: changes.container_format ?? image.container_format, options: this.deps.config.format } }),
            signal,
          });
          written.push({ store: storeId, location: data.location });
          if (copy && image.checksum !== null && data.checksum !== image.checksum) {
            throw new Conflict(`Copy of image ${image.id} to store ${storeId} has checksum ${data.checksum}, expected ${image.checksum}`);
          }
          first ??= data;
          image = await this.mutate(image.id, task.id, (img) => ({
            ...img,
            locations: [...img.locations, { url: data.location.url, metadata: data.location.metadata, status: 'active' }],
            properties: storeDone(img.properties, storeId, false),
          }));
        } catch (err) {
          if (signal.aborted || input.allStoresMustSucceed || err instanceof NotFound) throw err;
          this.deps.log.warn({ err, image_id: image.id, store: storeId }, 'import to a store failed; going on with the others');
          image = await this.mutate(image.id, task.id, (img) => ({ ...img, properties: storeDone(img.properties, storeId, true) }));
        }
      }
      if (first === null) throw new Conflict(`Import of image ${image.id} failed on every store`);
      await this.deps.stores.staging.delete(staged).catch(() => undefined);
      staged = null;
      if (!copy) {
        const result = first;
        await this.mutate(image.id, task.id, (img) => ({
          ...transition(img, 'active'),
          size: result.size,
          checksum: result.checksum,
          os_hash_algo: result.algo,
          os_hash_value: result.hash,
          virtual_size: changes.virtual_size !== undefined ? changes.virtual_size : result.virtualSize,
          disk_format: changes.disk_format ?? img.disk_format,
          container_format: changes.container_format ?? img.container_format,
          properties: { ...img.properties, ...changes.properties },
        }));
      }
      await this.deps.images.deletePropertyAtomic(image.id, IMPORT_LOCK, task.id);
      return { image_id: image.id };
    } catch (err) {
      await this.revert(task, input, written, staged);
      throw err;
    }
  }

  /**
   * Puts an image back after a failed or interrupted import: data written to stores by this
   * task deleted, a non-copy image back to `queued`, the stores out of the importing list (and
   * into the failed list), staging data removed, the lock released. Never throws.
   */
  async revert(task: Task, known?: ImportInput, written: Array<{ store: string; location: StoreLocation }> = [], staged: StoreLocation | null = null): Promise<void> {
    const { images, stores, log } = this.deps;
    try {
      const input = known ?? this.inputOf(task);
      const copy = input.method === 'copy-image';
      for (const w of written) await stores.get(w.store).delete(w.location).catch(() => undefined);
      const image = await images.get(input.imageId);
      if (image !== null && image.properties[IMPORT_LOCK] === task.id) {
        const gone = new Set(written.map((w) => w.location.url));
        let properties = image.properties;
        for (const s of input.stores) if (splitList(properties[IMPORTING_TO_STORES]).includes(s)) properties = storeDone(properties, s, true);
        const reverted: Image = { ...image, properties, locations: image.locations.filter((l) => !gone.has(l.url)) };
        const back = !copy && image.status === 'importing' ? { ...transition(reverted, 'queued'), size: null, checksum: null, os_hash_algo: null, os_hash_value: null, virtual_size: null } : reverted;
        await images.save(back, { expectedStatus: image.status });
        // Data a crashed run committed but never recorded on the image.
        if (!copy) {
          for (const s of input.stores) {
            const leftover = await stores.get(s).locate(image.id).catch(() => null);
            if (leftover !== null && !back.locations.some((l) => l.url === leftover.url)) await stores.get(s).delete(leftover).catch(() => undefined);
          }
        }
      }
      const stagedNow = staged ?? await stores.staging.locate(input.imageId).catch(() => null);
      if (stagedNow !== null) await stores.staging.delete(stagedNow).catch(() => undefined);
      await images.deletePropertyAtomic(input.imageId, IMPORT_LOCK, task.id);
    } catch (err) {
      log.warn({ err, task_id: task.id, image_id: task.image_id }, 'reverting a failed import did not complete');
    }
  }

  // The task's input, with the default store when it names none (single store, legacy tasks).
  private inputOf(task: Task): ImportInput {
    const recorded = readInput(task);
    return recorded.stores.length > 0 ? recorded : { ...recorded, stores: [this.deps.stores.defaultStore.id] };
  }

  // Glance's re-check inside the flow, for the project that owns the task.
  private async recheckQuota(ctx: RequestContext, input: ImportInput, image: Image): Promise<void> {
    if (input.method === 'glance-direct') {
      const staged = await this.deps.stores.staging.locate(image.id);
      const size = staged === null ? 0 : (await this.deps.stores.staging.stat(staged)).size;
      await this.deps.quota.enforce(ctx, { image_size_total: Math.floor(size / MIB) });
    } else {
      await this.deps.quota.enforce(ctx, { image_stage_total: Math.floor((image.size ?? 0) / MIB), image_count_uploading: 0 });
    }
  }

  // The data in the staging store: found (glance-direct), downloaded or copied there.
  private async stage(image: Image, input: ImportInput, caller: ImportCaller, signal: AbortSignal, changes: ImportImageChanges): Promise<StoreLocation> {
    const { stores, config } = this.deps;
    if (input.method === 'glance-direct') {
      const found = await stores.staging.locate(image.id);
      if (found === null) throw new NotFound(`Image data for ${image.id} was not found in the staging area; stage it again`);
      return found;
    }
    let source: Readable;
    if (input.method === 'web-download') {
      source = (await this.deps.webDownload(input.uri!, { signal, maxBytes: config.imageSizeCap })).stream;
    } else if (input.method === 'glance-download') {
      const remote = await this.deps.glanceDownload(input.remote!, caller.ctx.authToken, { signal, maxBytes: config.imageSizeCap });
      // The remote image's properties of interest are set when the image becomes active.
      changes.properties = { ...remote.properties };
      source = remote.stream;
    } else {
      const from = image.locations.find((l) => l.status === 'active');
      if (from === undefined) throw new Conflict(`Image ${image.id} has no data to copy`);
      source = await stores.forLocation(from.url, from.metadata).read({ url: from.url, metadata: from.metadata });
    }
    const data = await writeImageData(this.deps.hashers, { imageId: image.id, source, store: stores.staging, limit: config.imageSizeCap, signal });
    return data.location;
  }

  private async runPlugins(image: Image, staged: StoreLocation, caller: ImportCaller, signal: AbortSignal, changes: ImportImageChanges): Promise<void> {
    const stagingPath = fileURLToPath(staged.url);
    for (const plugin of this.deps.plugins) {
      signal.throwIfAborted();
      await plugin.run({
        image: { ...image, disk_format: changes.disk_format ?? image.disk_format, container_format: changes.container_format ?? image.container_format },
        stagingPath,
        roles: caller.ctx.roles,
        update: (c) => {
          const properties = { ...changes.properties, ...c.properties };
          Object.assign(changes, c, Object.keys(properties).length > 0 ? { properties } : {});
        },
        signal,
        log: this.deps.log,
      });
    }
  }

  // Reloads, changes and saves the image with a compare-and-set on its status, while this task
  // still holds the import lock (a deleted image or a lost lock ends the flow).
  private async mutate(imageId: string, taskId: string, change: (image: Image) => Image): Promise<Image> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const image = await this.deps.images.get(imageId);
      if (image === null) throw new NotFound(`Image ${imageId} was deleted during the import`);
      if (image.properties[IMPORT_LOCK] !== taskId) throw new Conflict(`Image ${imageId} is no longer locked by task ${taskId}`);
      const saved = await this.deps.images.save(change(image), { expectedStatus: image.status });
      if (saved !== null) return saved;
    }
    throw new Conflict(`Image ${imageId} kept changing during the import`);
  }
}

/** Counts bytes through the store write and reports "Copied N MiB" at most once a second. */
class ProgressCounter extends Transform {
  private bytes = 0;
  private last = 0;

  constructor(private readonly report: ProgressReporter) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const now = Date.now();
    if (now - this.last >= 1000) {
      this.last = now;
      this.report(`Copied ${Math.floor(this.bytes / MIB)} MiB`);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.report(`Copied ${Math.floor(this.bytes / MIB)} MiB`);
    cb();
  }
}

function splitList(value: string | null | undefined): string[] {
  return (value ?? '').split(',').filter((s) => s !== '');
}

/**
 * The flow's view of a task's input: an `api_image_import` task written by ImportService, or a
 * legacy `import` task (tasks API) whose image was created with it: a web-download of
 * `import_from` to the default store. Throws for anything else.
 */
function readInput(task: Task): ImportInput {
  const input = task.input ?? {};
  if (task.type === 'import') {
    for (const key of ['import_from', 'import_from_format', 'image_properties']) {
      if (!(key in input)) throw new BadRequest(`Input does not contain '${key}' field`);
    }
    if (task.image_id === null) throw new GlanceError('internal', `Task ${task.id} has no image`);
    return { imageId: task.image_id, method: 'web-download', uri: String(input.import_from), remote: null, stores: [], allStoresMustSucceed: true };
  }
  const req = (input.import_req ?? {}) as {
    method?: { name?: string; uri?: string; glance_region?: string; glance_image_id?: string; glance_service_interface?: string };
    all_stores_must_succeed?: boolean;
  };
  const method = req.method?.name;
  if (typeof input.image_id !== 'string' || (method !== 'glance-direct' && method !== 'web-download' && method !== 'copy-image' && method !== 'glance-download')) {
    throw new GlanceError('internal', `Task ${task.id} has no runnable import input`);
  }
  return {
    imageId: input.image_id,
    method,
    uri: req.method?.uri ?? null,
    remote: method === 'glance-download'
      ? { region: String(req.method?.glance_region), imageId: String(req.method?.glance_image_id), interface: req.method?.glance_service_interface ?? 'public' }
      : null,
    stores: Array.isArray(input.backend) ? (input.backend as unknown[]).filter((s): s is string => typeof s === 'string') : [],
    allStoresMustSucceed: req.all_stores_must_succeed ?? true,
  };
}

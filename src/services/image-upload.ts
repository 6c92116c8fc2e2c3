/**
 * Image data upload (`PUT /v2/images/{id}/file`) and staging (`PUT …/stage`): one streaming
 * pipeline — size cap → hashing on the worker pool → format inspection → store write — with
 * backpressure end to end. Nothing is ever half-written: on any failure or disconnect the store
 * write is cancelled (its partial data removed) and the image goes back to `queued`.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, Conflict, Gone, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { imageNotification } from '../domain/image-notification.js';
import { transition } from '../domain/image-status.js';
import { FormatInspector } from '../format/format-inspector.js';
import type { FormatVerdictOptions } from '../format/format-verdict.js';
import type { Notifier } from '../notify/notifier.js';
import type { StoreDriver, StoreLocation, StoreWrite } from '../store/driver.js';
import { STAGING_STORE, type StoreRegistry } from '../store/registry.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import { SizeLimit } from '../stream/size-limit.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { imageNotFound } from './image-access.js';
import { loadVisibleImage } from './visible-image.js';

/** The options uploads read. */
export interface UploadConfig {
  /** `image_size_cap` in bytes. */
  imageSizeCap: number;
  format: FormatVerdictOptions;
  /** `enabled_import_methods`: staging needs `glance-direct`. */
  importMethods: string[];
  /** How often a running upload refreshes `updated_at`, so other nodes see it is alive. */
  heartbeatMs: number;
}

/** Collaborators of the upload use cases. */
export interface UploadDeps {
  images: ImageRepo;
  /** Decides `upload_image` (upload) and `modify_image` (staging), as Glance does. */
  policy: PolicyChecker;
  stores: StoreRegistry;
  hashers: HasherPool;
  notifier: Notifier;
  config: UploadConfig;
  log: Pick<Logger, 'warn' | 'info'>;
}

/** One upload request as the route hands it over. */
export interface UploadRequest {
  body: Readable;
  /** `X-Image-Meta-Store`, or undefined for the default store. */
  storeId?: string;
  /** Declared size (Content-Length or `x-openstack-image-size`), when known. */
  sizeHint?: number;
}

/** Image data upload and staging. */
export class UploadService {
  constructor(private readonly deps: UploadDeps) {}

  /** `PUT /v2/images/{id}/file`: queued → saving → active, or back to queued on any failure. */
  async upload(ctx: RequestContext, id: string, req: UploadRequest): Promise<void> {
    const { images, notifier } = this.deps;
    const image = await loadVisibleImage(images, ctx, id);
    this.deps.policy.uploadImage(ctx, image);
    const store = this.targetStore(req.storeId);
    const saving = await this.claim(image, 'saving');
    notifier.info('image.prepare', { ...imageNotification(saving, 'image.update'), backend: store.id });

    let written: { location: StoreLocation; size: number; checksum: string; hash: string; algo: string; virtualSize: number | null };
    try {
      written = await this.stream(saving, store, req, true);
    } catch (err) {
      await this.release(saving);
      notifier.error('image.upload', `Failed to upload image data: ${(err as Error).message}`);
      throw err;
    }
    const active = await this.complete(saving, 'active', {
      size: written.size,
      checksum: written.checksum,
      os_hash_algo: written.algo,
      os_hash_value: written.hash,
      virtual_size: written.virtualSize,
      locations: [{ url: written.location.url, metadata: written.location.metadata, status: 'active' }],
    }, store, written.location);
    notifier.info('image.upload', imageNotification(active, 'image.update'));
    notifier.info('image.activate', imageNotification(active, 'image.activate'));
  }

  /**
   * `PUT /v2/images/{id}/stage`: queued → uploading with the data in the staging store, for a
   * later `glance-direct` import; back to queued (staged data removed) on any failure.
   */
  async stage(ctx: RequestContext, id: string, req: UploadRequest): Promise<void> {
    if (!this.deps.config.importMethods.includes('glance-direct')) {
      throw new NotFound('The requested image import method is not available at this site.');
    }
    const image = await loadVisibleImage(this.deps.images, ctx, id);
    this.deps.policy.modifyImage(ctx, image);
    const staging = this.deps.stores.get(STAGING_STORE);
    const uploading = await this.claim(image, 'uploading');
    let written;
    try {
      written = await this.stream(uploading, staging, req, false);
    } catch (err) {
      await this.release(uploading);
      throw err;
    }
    await this.complete(uploading, 'uploading', { size: written.size }, staging, written.location);
  }

  private targetStore(storeId: string | undefined): StoreDriver {
    const { stores } = this.deps;
    if (storeId === undefined) return stores.defaultStore;
    const store = stores.find(storeId);
    if (store === undefined || !stores.operatorStores().includes(store)) {
      throw new BadRequest(`Store for scheme ${storeId} not found`, { forcePlain: true });
    }
    return store;
  }

  /** Moves the image into its transfer status atomically; a concurrent claim loses with 409. */
  private async claim(image: Image, to: 'saving' | 'uploading'): Promise<Image> {
    const next = transition(image, to);
    const saved = await this.deps.images.save(next, { expectedStatus: image.status });
    if (saved !== null) return saved;
    // Another request moved the image first: report the status it is in now, as Glance
    // would have seen it (a deleted image is simply not found).
    const current = await this.deps.images.get(image.id);
    if (current === null) throw imageNotFound(image.id);
    throw new Conflict(`Image status transition from ${current.status} to ${to} is not allowed`);
  }

  /** Puts a failed transfer's image back to queued (unless it was deleted meanwhile). */
  private async release(image: Image): Promise<void> {
    try {
      await this.deps.images.save(transition(image, 'queued'), { expectedStatus: image.status });
    } catch (err) {
      this.deps.log.warn({ err, image_id: image.id }, 'could not restore image to queued after a failed upload');
    }
  }

  /**
   * Streams the body into `store` through the size cap, the hashers and (for uploads) the format
   * inspector; commits only when everything passed. Cancels the write on any failure.
   */
  private async stream(image: Image, store: StoreDriver, req: UploadRequest, inspect: boolean) {
    const { hashers, config } = this.deps;
    const write: StoreWrite = await store.write(image.id, { sizeHint: req.sizeHint });
    const heartbeat = this.heartbeat(image);
    try {
      const limit = new SizeLimit({ limit: config.imageSizeCap });
      const hash = hashers.session({ hashingAlgorithm: image.os_hash_algo ?? undefined });
      const inspector = inspect ? new FormatInspector() : null;
      const stages = inspector ? [limit, hash, inspector] : [limit, hash];
      await pipeline([req.body, ...stages, write.stream]);
      // Empty data has no format to check: Glance stores it (Nova snapshots of empty volumes and
      // clients piping /dev/null do this) and the image becomes active with size 0.
      const verdict = limit.bytes === 0 ? undefined : inspector?.verdict(image.disk_format, image.container_format, config.format);
      for (const w of verdict?.warnings ?? []) this.deps.log.warn({ image_id: image.id }, w);
      const digests = await hash.digests();
      const location = await write.commit();
      return { location, size: limit.bytes, ...digests, virtualSize: verdict?.virtualSize ?? null };
    } catch (err) {
      await write.cancel();
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Records the stored data with a compare-and-set on the transfer status. If the image was
   * deleted (or otherwise changed) during the transfer, the new data is deleted and the caller
   * gets 410, as in Glance.
   */
  private async complete(image: Image, to: 'active' | 'uploading', fields: Partial<Image>, store: StoreDriver, location: StoreLocation): Promise<Image> {
    const next = to === image.status ? { ...image, ...fields } : { ...transition(image, to), ...fields };
    const saved = await this.deps.images.save(next, { expectedStatus: image.status });
    if (saved !== null) return saved;
    await store.delete(location).catch((err: unknown) =>
      this.deps.log.warn({ err, image_id: image.id }, 'could not delete the data of an image deleted during upload'));
    throw new Gone(
      `Image ${image.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
      { forcePlain: true },
    );
  }

  /** Refreshes `updated_at` while data flows, so an interrupted upload can be told from a live one. */
  private heartbeat(image: Image): NodeJS.Timeout {
    const timer = setInterval(() => {
      this.deps.images.touch(image.id, image.status).catch(() => undefined);
    }, this.deps.config.heartbeatMs);
    timer.unref();
    return timer;
  }
}

/**
 * Image data upload (`PUT /v2/images/{id}/file`) and staging (`PUT …/stage`): one streaming
 * pipeline — size cap → hashing on the worker pool → format inspection → store write — with
 * backpressure end to end. Nothing is ever half-written: on any failure or disconnect the store
 * write is cancelled (its partial data removed) and the image goes back to `queued`.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, Conflict, Gone, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { STAGE_HOST } from '../domain/import-properties.js';
import { imageNotification } from '../domain/image-notification.js';
import { transition } from '../domain/image-status.js';
import type { FormatVerdictOptions } from '../format/format-verdict.js';
import type { Notifier } from '../notify/notifier.js';
import type { StoreDriver, StoreLocation } from '../store/driver.js';
import { STAGING_STORE, type StoreRegistry } from '../store/registry.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { writeImageData, type WrittenData } from './image-data-writer.js';
import { storageQuotaFull, type QuotaChecker } from '../quota/quota-checker.js';
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
  /** Recorded as `os_glance_stage_host` on staged images, so other nodes proxy their import here. */
  selfUrl: string | null;
}

/** Collaborators of the upload use cases. */
export interface UploadDeps {
  images: ImageRepo;
  /** Decides `upload_image` (upload) and `modify_image` (staging), as Glance does. */
  policy: PolicyChecker;
  /** Project quotas: stored and staged data, images uploading, `user_storage_quota`. */
  quota: QuotaChecker;
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

/** How one transfer is checked. */
interface StreamOptions {
  /** Run the format inspector (uploads; staged data is inspected at import). */
  inspect: boolean;
  /** Bytes the storage quota leaves, or null when none applies. */
  room: number | null;
  /** A last check with the final size; throwing cancels the write. */
  beforeCommit?: (size: number) => Promise<void>;
}

/** Image data upload and staging. */
export class UploadService {
  constructor(private readonly deps: UploadDeps) {}

  /**
   * `PUT /v2/images/{id}/file`: queued → saving → active, or back to queued on any failure.
   * Quotas as in Glance: the project's stored data (`image_size_total`, checked first, before the
   * image is even looked up), its images uploading, and the legacy `user_storage_quota` both
   * before the data flows (it also caps the stream) and before the data is committed.
   */
  async upload(ctx: RequestContext, id: string, req: UploadRequest): Promise<void> {
    const { images, notifier, quota } = this.deps;
    await quota.enforce(ctx, { image_size_total: 0 });
    const image = await loadVisibleImage(images, ctx, id);
    this.deps.policy.uploadImage(ctx, image);
    const store = this.targetStore(req.storeId);
    const saving = await this.claim(ctx, image, 'saving');
    notifier.info('image.prepare', { ...imageNotification(saving, 'image.update'), backend: store.id });

    let written: WrittenData;
    try {
      const room = await quota.storageRemaining(ctx, image.id, req.sizeHint ?? null);
      written = await this.stream(saving, store, req, {
        inspect: true,
        room,
        // Another upload of the project may have used the room meanwhile (Glance checks again too).
        beforeCommit: room === null ? undefined : (size) => quota.storageRemaining(ctx, image.id, size).then(() => undefined),
      });
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
   * later `glance-direct` import; back to queued (staged data removed) on any failure. Quotas:
   * the project's staged data (`image_stage_total`) first, then its images uploading.
   */
  async stage(ctx: RequestContext, id: string, req: UploadRequest): Promise<void> {
    if (!this.deps.config.importMethods.includes('glance-direct')) {
      throw new NotFound('The requested image import method is not available at this site.');
    }
    await this.deps.quota.enforce(ctx, { image_stage_total: 0 });
    const image = await loadVisibleImage(this.deps.images, ctx, id);
    this.deps.policy.modifyImage(ctx, image);
    const staging = this.deps.stores.get(STAGING_STORE);
    const uploading = await this.claim(ctx, image, 'uploading');
    let written;
    try {
      written = await this.stream(uploading, staging, req, { inspect: false, room: null });
    } catch (err) {
      await this.release(uploading);
      throw err;
    }
    const selfUrl = this.deps.config.selfUrl;
    const properties = selfUrl === null ? uploading.properties : { ...uploading.properties, [STAGE_HOST]: selfUrl };
    await this.complete(uploading, 'uploading', { size: written.size, properties }, staging, written.location);
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

  /**
   * Moves the image into its transfer status atomically; a concurrent claim loses with 409.
   * The project's `image_count_uploading` is checked as Glance does, counting this image (delta
   * 0), in the same guarded step: over the limit, the image stays queued.
   */
  private async claim(ctx: RequestContext, image: Image, to: 'saving' | 'uploading'): Promise<Image> {
    return this.deps.quota.guarded(ctx, async ({ images, enforce }) => {
      const saved = await images.save(transition(image, to), { expectedStatus: image.status });
      if (saved === null) {
        // Another request moved the image first: report the status it is in now, as Glance
        // would have seen it (a deleted image is simply not found).
        const current = await images.get(image.id);
        if (current === null) throw imageNotFound(image.id);
        throw new Conflict(`Image status transition from ${current.status} to ${to} is not allowed`);
      }
      await enforce({ image_count_uploading: 0 });
      return saved;
    });
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
   * Streams the body into `store` (see `writeImageData`), capped by `image_size_cap` or the
   * storage quota's `room` when smaller, while a heartbeat shows the transfer is alive.
   */
  private async stream(image: Image, store: StoreDriver, req: UploadRequest, opts: StreamOptions): Promise<WrittenData> {
    const { hashers, config } = this.deps;
    const { room } = opts;
    const heartbeat = this.heartbeat(image);
    try {
      const written = await writeImageData(hashers, {
        imageId: image.id,
        source: req.body,
        store,
        ...(room !== null && room < config.imageSizeCap
          ? { limit: room, tooLarge: (left: number) => storageQuotaFull(null, left) }
          : { limit: config.imageSizeCap }),
        sizeHint: req.sizeHint,
        hashingAlgorithm: image.os_hash_algo ?? undefined,
        ...(opts.inspect ? { inspect: { diskFormat: image.disk_format, containerFormat: image.container_format, options: config.format } } : {}),
        beforeCommit: opts.beforeCommit,
      });
      for (const w of written.warnings) this.deps.log.warn({ image_id: image.id }, w);
      return written;
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

/**
 * Admission of a URL as a new image location, the checks Glance's store layer runs before a
 * location joins an image: the URL must belong to a configured store whose scheme callers may
 * use (never `file:`), the store must report data there (a HEAD for http stores; size 0 or an
 * error is "Invalid location"), the metadata must be strings, and the owner's
 * `user_storage_quota` must have room for the data once more.
 */
import type { RequestContext } from '../auth/request-context.js';
import { BadRequest, TooLarge } from '../domain/errors.js';
import type { ImageLocation } from '../domain/image.js';
import type { QuotaChecker } from '../quota/quota-checker.js';
import type { StoreDriver } from '../store/driver.js';
import { isStoreError } from '../store/errors.js';
import type { StoreRegistry } from '../store/registry.js';
import { checkLocationMetadata, INVALID_LOCATION, isRestrictedScheme } from './location-rules.js';

/** A URL accepted as a location: its store, the record to keep and the data's size. */
export interface AdmittedLocation {
  store: StoreDriver;
  location: ImageLocation;
  size: number;
}

/** See the module comment. */
export class LocationAdmission {
  constructor(private readonly stores: StoreRegistry, private readonly quota: QuotaChecker) {}

  /**
   * The operator store serving `url`, found by the URL alone (a caller's `metadata.store` is
   * not trusted to pick it). 400 "Invalid location" for restricted schemes and URLs no store
   * serves.
   */
  storeFor(url: string): StoreDriver {
    if (isRestrictedScheme(url)) throw new BadRequest(INVALID_LOCATION);
    const store = this.stores.operatorStores().find((d) => d.owns(url));
    if (store === undefined) throw new BadRequest(INVALID_LOCATION);
    return store;
  }

  /**
   * The location record for `url` in `store`: the caller's metadata (strings only, else 400)
   * with `store` set to the store's id in a multi-store deployment, as Glance tags it.
   */
  record(url: string, metadata: unknown, store: StoreDriver): ImageLocation {
    const meta = (metadata ?? {}) as Record<string, unknown>;
    checkLocationMetadata(meta);
    return { url, metadata: this.stores.multistore ? { ...meta, store: store.id } : { ...meta }, status: 'active' };
  }

  /** Checks `url` (see `storeFor`, `record`) and asks its store for the data's size. */
  async admit(url: string, metadata: unknown): Promise<AdmittedLocation> {
    const store = this.storeFor(url);
    const location = this.record(url, metadata, store);
    let size: number;
    try {
      size = (await store.stat({ url, metadata: location.metadata })).size;
    } catch (err) {
      // Unreachable, missing or refused: Glance folds every such failure into one answer.
      if (isStoreError(err)) throw new BadRequest(INVALID_LOCATION, { cause: err });
      throw err;
    }
    if (size <= 0) throw new BadRequest(INVALID_LOCATION);
    return { store, location, size };
  }

  /**
   * `user_storage_quota` (legacy quotas only): the caller's project must have room for the
   * image's `size` bytes stored `copies` times. 413 (plain text) in Glance's PATCH wording.
   */
  async assertStorage(ctx: RequestContext, imageId: string, size: number, copies: number): Promise<void> {
    try {
      await this.quota.storageRemaining(ctx, imageId, size * copies);
    } catch (err) {
      if (!(err instanceof TooLarge)) throw err;
      const detail = err.message.slice(err.message.indexOf(': ') + 2);
      throw new TooLarge(`Denying attempt to upload image because it exceeds the quota: ${detail}`, { forcePlain: true, cause: err });
    }
  }
}

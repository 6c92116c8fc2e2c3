/**
 * Deletes an image's data from every store that holds it: its recorded locations and, for an
 * image staged for import, the staging store's copy. Data already gone counts as deleted.
 */
import type { Logger } from 'pino';
import type { Image, ImageLocation } from '../domain/image.js';
import { isStoreError } from '../store/errors.js';
import type { StoreRegistry } from '../store/registry.js';

/** Removes image data from the stores. */
export class ImageDataRemover {
  constructor(private readonly stores: StoreRegistry, private readonly log: Pick<Logger, 'info'>) {}

  /**
   * Deletes every live location's data and the staged copy. A missing object is logged and
   * skipped (the goal state is reached), data in a read-only store is left alone (as Glance
   * ignores StoreDeleteNotSupported); any other store error is thrown, leaving the caller's
   * record untouched so the delete can be retried.
   */
  async deleteAll(image: Image): Promise<void> {
    for (const location of image.locations) {
      if (location.status === 'deleted') continue;
      await this.deleteLocation(image, location);
    }
    await this.deleteStaged(image.id);
  }

  /**
   * Deletes the data of one location of `image`. Missing data counts as deleted; so does data
   * in a store that cannot delete (a read-only http store holds no copy of its own to remove).
   * Any other store error is thrown.
   */
  async deleteLocation(image: Image, location: ImageLocation): Promise<void> {
    const driver = this.stores.forLocation(location.url, location.metadata);
    if (!driver.capabilities.write) return;
    await this.ignoreMissing(image, () => driver.delete({ url: location.url, metadata: location.metadata }));
  }

  /** Deletes the staging store's copy of `imageId`, if any. */
  async deleteStaged(imageId: string): Promise<void> {
    const staged = await this.stores.staging.locate(imageId);
    if (staged !== null) await this.stores.staging.delete(staged);
  }

  private async ignoreMissing(image: Image, remove: () => Promise<void>): Promise<void> {
    try {
      await remove();
    } catch (err) {
      if (!isStoreError(err, 'not_found')) throw err;
      this.log.info({ image_id: image.id }, 'image data already gone from its store');
    }
  }
}

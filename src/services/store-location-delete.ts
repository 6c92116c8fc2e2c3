/**
 * `DELETE /v2/stores/{store_id}/{image_id}` (API 2.10, inventory §1.2): removes one store's copy
 * of an active image that lives in several stores. The image record is updated first (with a
 * compare-and-set on `active`), then the data is deleted: a failure between the two leaves an
 * unreachable file to clean up, never a location pointing at missing data.
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { Conflict, Forbidden, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import type { StoreRegistry } from '../store/registry.js';
import type { ImageDataRemover } from './image-data-remover.js';
import { loadVisibleImage } from './visible-image.js';

/** Collaborators of the store-location delete. */
export interface StoreLocationDeleteDeps {
  images: ImageRepo;
  stores: StoreRegistry;
  data: ImageDataRemover;
  policy: PolicyChecker;
  log: Pick<Logger, 'warn'>;
}

/** Removes an image's copy from one store. */
export class StoreLocationDelete {
  constructor(private readonly deps: StoreLocationDeleteDeps) {}

  /**
   * Deletes the copy of image `imageId` in store `storeId`. Errors, in the order Glance checks
   * them: 404 without multistore; 409 for a store id that is not an operator store; 404 for an
   * image the caller cannot see; 403 from policy (`get_image_location`, `delete_image_location`);
   * 409 unless the image is active; 403 when it has a single location; 404 when no location of
   * the image is in that store; 409 when the image changed meanwhile.
   */
  async delete(ctx: RequestContext, storeId: string, imageId: string): Promise<void> {
    const { images, stores, policy } = this.deps;
    if (!stores.multistore) throw new NotFound();
    const store = stores.find(storeId);
    if (store === undefined || !stores.operatorStores().includes(store)) {
      throw new Conflict(`The selected store ${storeId} is not available on this node.`);
    }
    let image: Image;
    try {
      image = await loadVisibleImage(images, ctx, imageId);
    } catch (err) {
      if (err instanceof NotFound) throw new NotFound(`Failed to find image ${imageId}`);
      throw err;
    }
    policy.getImageLocation(ctx, image);
    policy.deleteImageLocation(ctx, image);
    if (image.status !== 'active') {
      throw new Conflict("It's not allowed to remove image data from store if image status is not 'active'");
    }
    const live = image.locations.filter((l) => l.status === 'active');
    if (live.length === 1) {
      throw new Forbidden('Cannot delete image data from the only store containing it. Consider deleting the image instead.');
    }
    const target = live.find((l) => l.metadata.store === storeId);
    if (target === undefined) throw new NotFound(`Image ${imageId} is not stored in store ${storeId}.`);

    const next: Image = { ...image, locations: image.locations.map((l) => (l === target ? { ...l, status: 'deleted' } : l)) };
    const saved = await images.save(next, { expectedStatus: 'active' });
    if (saved === null) {
      throw new Conflict("It's not allowed to remove image data from store if image status is not 'active'");
    }
    try {
      await this.deps.data.deleteLocation(image, target);
    } catch (err) {
      // The record no longer points at this copy; what is left is garbage, not a broken image.
      this.deps.log.warn({ err, image_id: imageId, store: storeId }, 'could not delete the data of a removed store location');
    }
  }
}

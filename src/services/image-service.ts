/**
 * The image-record use cases of the Images API v2: create, show, list, update (JSON patch),
 * delete, deactivate/reactivate and tags. Each method reads top to bottom as Glance's steps:
 * load → access check → validate → status change → persist → notify.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../auth/request-context.js';
import { BadRequest, Conflict, Forbidden, NotFound, StagedElsewhere, TooLarge } from '../domain/errors.js';
import { stagedElsewhere } from '../domain/import-properties.js';
import { assertNoFourByteUnicode } from '../domain/four-byte-unicode.js';
import { newImage, type Image, type ImageVisibility } from '../domain/image.js';
import { imageNotification } from '../domain/image-notification.js';
import { assertPropertyQuota, assertTagQuota, type ImageCountQuotas } from '../domain/image-quota.js';
import { InvalidImageStatusTransition, transition } from '../domain/image-status.js';
import type { Notifier } from '../notify/notifier.js';
import type { ImageValidator } from '../schemas/image-validator.js';
import { PolicyDenied, type PolicyChecker } from '../policy/policy-checker.js';
import type { PropertyProtections } from '../policy/property-protections.js';
import type { QuotaChecker } from '../quota/quota-checker.js';
import type { NamedLocks } from '../db/named-locks.js';
import { KeyedMutex } from '../domain/keyed-mutex.js';
import { parseImagePatch } from './image-patch.js';
import { applyImagePatch } from './image-patch-apply.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { PendingDeleteRepo } from '../db/repos/pending-delete-repo.js';
import type { ImageDataRemover } from './image-data-remover.js';
import type { LocationService } from './image-locations.js';
import { loadVisibleImage } from './visible-image.js';
import { parseListQuery, type ListQueryConfig } from './list-query.js';
import { listQueryLinks, type ListLinks } from './list-query-links.js';

/** The options the image use cases read. */
export interface ImageServiceConfig {
  quotas: ImageCountQuotas;
  showMultipleLocations: boolean;
  /** This node's `worker_self_reference_url` (else `public_endpoint`), or null. */
  selfUrl: string | null;
  /** `limit_param_default` and `api_limit_max`. */
  paging: ListQueryConfig;
}

/** One page of `GET /v2/images`. */
export interface ImagePage {
  images: Image[];
  links: ListLinks;
}

/** Collaborators of the image use cases, wired in `app.ts`. */
export interface ImageServiceDeps {
  images: ImageRepo;
  /** Removes an image's stored and staged data when the image is deleted. */
  data: ImageDataRemover;
  /**
   * With `[DEFAULT] delayed_delete`: leaves a deleted image's stored data to the scrubber
   * (image and locations `pending_delete`). Null or absent: data is deleted at once.
   */
  delayedDelete?: Pick<PendingDeleteRepo, 'markPendingDelete'> | null;
  /** The image cache, whose copy of a deleted or deactivated image goes; `evict` never rejects. */
  cache?: { evict(imageId: string): Promise<void> } | null;
  validator: ImageValidator;
  notifier: Notifier;
  /** Glance's policy decisions (add_image, get_image, modify_image, …). */
  policy: PolicyChecker;
  /** `property_protection_file` rules; null (or absent) when protections are off. */
  protections?: PropertyProtections | null;
  /** Project quotas (`image_count_total` on create). */
  quota: QuotaChecker;
  /** Per-image locks, so concurrent updates (on any node) never lose one another's changes. */
  locks: NamedLocks;
  /** The location operations of a patch (`show_multiple_locations`). */
  locations: LocationService;
  config: ImageServiceConfig;
  now?: () => Date;
}

/** The image-record use cases. */
export class ImageService {
  private readonly images: ImageRepo;
  private readonly data: ImageDataRemover;
  private readonly delayedDelete: Pick<PendingDeleteRepo, 'markPendingDelete'> | null;
  private readonly cache: { evict(imageId: string): Promise<void> } | null;
  private readonly validator: ImageValidator;
  private readonly notifier: Notifier;
  private readonly policy: PolicyChecker;
  private readonly protections: PropertyProtections | null;
  private readonly quota: QuotaChecker;
  private readonly locks: NamedLocks;
  /** Read-modify-writes of one image in this process, one at a time (see `untilSaved`). */
  private readonly updating = new KeyedMutex();
  private readonly locations: LocationService;
  private readonly config: ImageServiceConfig;
  private readonly now: () => Date;

  constructor(deps: ImageServiceDeps) {
    this.images = deps.images;
    this.data = deps.data;
    this.delayedDelete = deps.delayedDelete ?? null;
    this.cache = deps.cache ?? null;
    this.validator = deps.validator;
    this.notifier = deps.notifier;
    this.policy = deps.policy;
    this.protections = deps.protections ?? null;
    this.quota = deps.quota;
    this.locks = deps.locks;
    this.locations = deps.locations;
    this.config = deps.config;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * `POST /v2/images`: validates the body and stores a new `queued` image; with property
   * protections, every extra property must pass its create rule. With unified limits, the
   * caller's project must have room for one more image (`image_count_total`), checked and
   * taken as one step so concurrent creates never pass the limit.
   */
  async create(ctx: RequestContext, body: unknown): Promise<Image> {
    const parsed = this.validator.parseCreateBody(body);
    const attrs = parsed.image;
    const owner = attrs.owner === undefined ? ctx.projectId : (attrs.owner as string | null);
    this.policy.addImage(ctx, { owner, visibility: attrs.visibility as string | undefined });

    const image = newImage({
      id: (attrs.id as string | undefined) ?? randomUUID(),
      now: this.now(),
      owner,
      name: attrs.name as string | null | undefined,
      visibility: attrs.visibility as ImageVisibility | undefined,
      protected: attrs.protected as boolean | undefined,
      os_hidden: attrs.os_hidden as boolean | undefined,
      min_disk: attrs.min_disk as number | undefined,
      min_ram: attrs.min_ram as number | undefined,
      disk_format: attrs.disk_format as string | null | undefined,
      container_format: attrs.container_format as string | null | undefined,
      properties: parsed.properties,
      tags: parsed.tags,
    });
    for (const name of Object.keys(image.properties)) this.protections?.assertAllowed(ctx, image, name, 'create');
    assertNonNegative(image);
    assertPropertyQuota(image, this.config.quotas.imagePropertyQuota);
    assertTagQuota(image.tags.length, this.config.quotas.imageTagQuota);
    assertNoFourByteUnicode(image);

    const created = await this.quota.guarded(ctx, async (scope) => {
      await scope.enforce({ image_count_total: 1 });
      return scope.images.create(image);
    });
    this.notifier.info('image.create', imageNotification(created, 'image.create', this.now()));
    return created;
  }

  /** `GET /v2/images/{id}`: the image, or 404 when missing or not visible to the caller. */
  async show(ctx: RequestContext, id: string): Promise<Image> {
    const image = await this.load(ctx, id);
    this.policy.getImage(ctx, image);
    return image;
  }

  /**
   * `GET /v2/images`: one page of the images the caller may see, filtered and sorted as the query
   * parameters (in request order) say. `next` is given whenever the page is full, as Glance does.
   */
  async list(ctx: RequestContext, params: [string, string][]): Promise<ImagePage> {
    const query = parseListQuery(params, this.config.paging);
    this.policy.getImages(ctx);
    const page = await this.images.list(query, { isAdmin: ctx.isAdmin, projectId: ctx.projectId });
    // `next` follows the database page; images `get_image` refuses are dropped silently.
    const full = page.length > 0 && page.length === query.limit;
    const images = page.filter((image) => this.policy.canGetImage(ctx, image));
    return { images, links: listQueryLinks(params, full ? page[page.length - 1]!.id : null) };
  }

  /**
   * `PATCH /v2/images/{id}`: applies Glance's JSON-patch subset and saves the result. As in
   * Glance, the ownership check runs per property change (after the visibility rule of a
   * `/visibility` change), so an empty patch on a visible image just returns it. With property
   * protections, each extra property set or removed passes its create/update/delete rule.
   * Location operations are applied by LocationService (see `image-locations.ts`); the data of
   * removed locations is deleted once the image is saved.
   */
  async update(ctx: RequestContext, id: string, contentType: string | undefined, body: unknown): Promise<Image> {
    const changes = parseImagePatch(contentType, body, this.validator);
    return this.untilSaved(id, async () => {
      const image = await this.load(ctx, id);
      // Extra properties the caller may not read are patched as if absent, and kept as stored.
      const readable = this.protections?.readableImage(ctx, image) ?? image;
      const outcome = applyImagePatch(readable, changes, {
        isAdmin: ctx.isAdmin,
        showMultipleLocations: this.config.showMultipleLocations,
        quotas: this.config.quotas,
        checkProperty: (name, value) => this.policy.updateProperty(ctx, image, name, value),
        checkExtraProperty: (name, action) => this.protections?.assertAllowed(ctx, image, name, action),
      });
      const located = outcome.locationChanges.length > 0
        ? await this.locations.applyPatch(ctx, image, outcome.image, outcome.locationChanges) : null;
      if (located === null && outcome.changed.length === 0) return image;
      const next = located?.image ?? outcome.image;
      assertNonNegative(next);
      assertNoFourByteUnicode(next);
      const saved = await this.saveIfUnchanged(image, this.protections?.withUnreadable(ctx, image, next) ?? next);
      if (saved !== null) await located?.discardRemoved();
      return saved;
    });
  }


  /**
   * `DELETE /v2/images/{id}`: soft-deletes the record (protected images refuse with 403). Every
   * 404 of this call says "Failed to find image … to delete", as Glance's delete handler does.
   * An image staged on another node throws StagedElsewhere (the route replays the delete there,
   * so that node's staged data goes too) unless `local` is set (that node could not be reached).
   * With delayed delete, an image with data becomes `pending_delete` (a 400 from a status that
   * may not move there, e.g. deactivated, as in Glance); its staged data still goes at once.
   */
  async delete(ctx: RequestContext, id: string, opts: { local?: boolean } = {}): Promise<void> {
    const image = await this.load(ctx, id).catch((err: unknown) => {
      throw err instanceof NotFound ? deleteNotFound(id) : err;
    });
    this.policy.deleteImage(ctx, image);
    const stageHost = opts.local ? null : stagedElsewhere(image.properties, this.config.selfUrl);
    if (stageHost !== null) throw new StagedElsewhere(stageHost);
    if (image.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    const delayed = this.delayedDelete !== null && image.locations.length > 0;
    let deleted: Image;
    try {
      deleted = transition(image, delayed ? 'pending_delete' : 'deleted');
    } catch (err) {
      // Glance reports an impossible delete as a bad request, not a conflict.
      if (err instanceof InvalidImageStatusTransition) throw new BadRequest(err.message);
      throw err;
    }
    if (this.delayedDelete !== null && delayed) {
      await this.data.deleteStaged(id);
      if (!(await this.delayedDelete.markPendingDelete(id))) throw deleteNotFound(id);
    } else {
      // The data goes first: a failure leaves the image intact to retry, never a record without
      // data or data without a record.
      await this.data.deleteAll(image);
      if (!(await this.images.delete(id))) throw deleteNotFound(id);
    }
    await this.cache?.evict(id);
    // The payload shows the image as deleted (status included), as Glance's domain object is.
    this.notifier.info('image.delete', imageNotification(deleted, 'image.delete', this.now()));
  }

  /** `POST …/actions/deactivate`: active → deactivated; a no-op when already deactivated. */
  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.toggleActive(ctx, id, 'deactivated', 'deactivate');
  }

  /** `POST …/actions/reactivate`: deactivated → active; a no-op when already active. */
  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.toggleActive(ctx, id, 'active', 'reactivate');
  }

  /**
   * `PUT /v2/images/{id}/tags/{tag}`: adds a tag (idempotent). Glance's tag handler words its
   * own errors: the tag is first checked against the image schema (400), then 404 "Image … not
   * found.", 403 "Not allowed to update tags for image ….", 413 "Image tag limit exceeded for
   * image …: <quota message>:" and 400 "Could not update image: <reason>".
   */
  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    this.validator.validate({ tags: [tag] });
    await this.untilSaved(id, async () => {
      const image = await this.loadForTags(ctx, id, 'update');
      if (image.tags.includes(tag)) return image;
      const next = { ...image, tags: [...image.tags, tag] };
      try {
        assertTagQuota(next.tags.length, this.config.quotas.imageTagQuota);
        assertNoFourByteUnicode(next);
      } catch (err) {
        if (err instanceof TooLarge) throw new TooLarge(`Image tag limit exceeded for image ${id}: ${err.message}:`);
        if (err instanceof BadRequest) throw new BadRequest(`Could not update image: ${err.message}`);
        throw err;
      }
      return this.saveIfUnchanged(image, next);
    });
  }

  /**
   * `DELETE /v2/images/{id}/tags/{tag}`: removes a tag; 404 (stock text) when the image does not
   * carry it, 404 "Image … not found." / 403 "Not allowed to delete tags for image …." otherwise.
   */
  async deleteTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    await this.untilSaved(id, async () => {
      const image = await this.loadForTags(ctx, id, 'delete');
      if (!image.tags.includes(tag)) throw new NotFound();
      return this.saveIfUnchanged(image, { ...image, tags: image.tags.filter((t) => t !== tag) });
    });
  }

  // The tag handlers replace the load and ownership errors with their own texts.
  private async loadForTags(ctx: RequestContext, id: string, verb: 'update' | 'delete'): Promise<Image> {
    let image: Image;
    try {
      image = await this.load(ctx, id);
    } catch (err) {
      throw err instanceof NotFound ? new NotFound(`Image ${id} not found.`) : err;
    }
    try {
      this.policy.modifyImage(ctx, image);
    } catch (err) {
      // A denied rule keeps its own text; only the legacy ownership refusal is reworded.
      if (err instanceof Forbidden && !(err instanceof PolicyDenied)) throw new Forbidden(`Not allowed to ${verb} tags for image ${id}.`);
      throw err;
    }
    return image;
  }

  private async toggleActive(ctx: RequestContext, id: string, to: 'active' | 'deactivated', verb: 'deactivate' | 'reactivate'): Promise<void> {
    const image = await this.load(ctx, id);
    this.policy[verb](ctx, image);
    if (image.status === to) return;
    if (image.status !== 'active' && image.status !== 'deactivated') {
      throw new Forbidden(`Not allowed to ${verb} image in status '${image.status}'`);
    }
    await this.save(transition(image, to), image.status);
    if (to === 'deactivated') await this.cache?.evict(id);
  }

  /** Loads an image the caller may see, or throws Glance's 404. */
  private load(ctx: RequestContext, id: string): Promise<Image> {
    return loadVisibleImage(this.images, ctx, id);
  }

  /**
   * Read-modify-write of image `id` without lost updates: `attempt` loads the image, computes the
   * change and calls `saveIfUnchanged`; when another node changed the image in between, it
   * returns null and runs again on the fresh image (after a short random pause). Within this
   * process the updates of one image queue, so only other nodes can interleave.
   */
  private untilSaved(id: string, attempt: () => Promise<Image | null>): Promise<Image> {
    return this.updating.run(id, async () => {
      for (let i = 0; i < UPDATE_ATTEMPTS; i++) {
        const saved = await attempt();
        if (saved !== null) return saved;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (i + 1)));
      }
      throw new Conflict('The image was changed by other requests while this one ran; try again.');
    });
  }

  /**
   * Saves `next` (computed from `loaded`) only while the stored image is still exactly `loaded`,
   * checked and written under the image's lock; null when it changed meanwhile. Notifies.
   */
  private async saveIfUnchanged(loaded: Image, next: Image): Promise<Image | null> {
    const saved = await this.locks.run(`image:${loaded.id}`, async (trx) => {
      const images = this.images.joining(trx);
      const current = await images.get(loaded.id);
      if (current === null || !sameRecord(current, loaded)) return null;
      return images.save({ ...next, updated_at: this.now() }, { expectedStatus: loaded.status });
    });
    if (saved !== null) this.notifier.info('image.update', imageNotification(saved, 'image.update', this.now()));
    return saved;
  }

  /**
   * Saves with a compare-and-set on the status read, so a concurrent status change (an upload
   * finishing, a delete) is reported as a conflict instead of being overwritten.
   */
  private async save(image: Image, expectedStatus: Image['status']): Promise<Image> {
    const saved = await this.images.save({ ...image, updated_at: this.now() }, { expectedStatus });
    if (saved === null) throw new Conflict(`Image ${image.id} was changed by another request; try again.`);
    this.notifier.info('image.update', imageNotification(saved, 'image.update', this.now()));
    return saved;
  }
}

// Tries of a read-modify-write racing other writers before giving up with 409.
const UPDATE_ATTEMPTS = 10;

// The stored record equals the one a change was computed from. Timestamps alone would not do:
// MariaDB keeps whole seconds, so two writes in one second leave `updated_at` unchanged.
function sameRecord(a: Image, b: Image): boolean {
  const { memberStatus: _a, ...left } = a;
  const { memberStatus: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}

function deleteNotFound(id: string): NotFound {
  return new NotFound(`Failed to find image ${id} to delete`);
}

function assertNonNegative(image: Image): void {
  for (const key of ['min_disk', 'min_ram'] as const) {
    if (image[key] < 0) throw new BadRequest(`Invalid value '${image[key]}' for parameter '${key}': Cannot be a negative value`);
  }
}

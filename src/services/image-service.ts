/**
 * The image-record use cases of the Images API v2: create, show, list, update (JSON patch),
 * delete, deactivate/reactivate and tags. Each method reads top to bottom as Glance's steps:
 * load → access check → validate → status change → persist → notify.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../auth/request-context.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../domain/errors.js';
import { assertNoFourByteUnicode } from '../domain/four-byte-unicode.js';
import { newImage, type Image, type ImageVisibility } from '../domain/image.js';
import { imageNotification } from '../domain/image-notification.js';
import { assertPropertyQuota, assertTagQuota, type ImageCountQuotas } from '../domain/image-quota.js';
import { InvalidImageStatusTransition, transition } from '../domain/image-status.js';
import type { Notifier } from '../notify/notifier.js';
import type { ImageValidator } from '../schemas/image-validator.js';
import {
  assertCanModify, assertCanSetOwner, assertCanSetVisibility, canSeeImage, imageNotFound,
} from './image-access.js';
import { parseImagePatch } from './image-patch.js';
import { applyImagePatch } from './image-patch-apply.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { parseListQuery, type ListQueryConfig } from './list-query.js';
import { listQueryLinks, type ListLinks } from './list-query-links.js';

/** The options the image use cases read. */
export interface ImageServiceConfig {
  quotas: ImageCountQuotas;
  showMultipleLocations: boolean;
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
  validator: ImageValidator;
  notifier: Notifier;
  config: ImageServiceConfig;
  now?: () => Date;
}

/** The image-record use cases. */
export class ImageService {
  private readonly images: ImageRepo;
  private readonly validator: ImageValidator;
  private readonly notifier: Notifier;
  private readonly config: ImageServiceConfig;
  private readonly now: () => Date;

  constructor(deps: ImageServiceDeps) {
    this.images = deps.images;
    this.validator = deps.validator;
    this.notifier = deps.notifier;
    this.config = deps.config;
    this.now = deps.now ?? (() => new Date());
  }

  /** `POST /v2/images`: validates the body and stores a new `queued` image. */
  async create(ctx: RequestContext, body: unknown): Promise<Image> {
    const parsed = this.validator.parseCreateBody(body);
    const attrs = parsed.image;
    const owner = attrs.owner === undefined ? ctx.projectId : (attrs.owner as string | null);
    assertCanSetOwner(ctx, owner);
    if (attrs.visibility !== undefined) assertCanSetVisibility(ctx, attrs.visibility as string);

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
    assertNonNegative(image);
    assertPropertyQuota(image, this.config.quotas.imagePropertyQuota);
    assertTagQuota(image.tags.length, this.config.quotas.imageTagQuota);
    assertNoFourByteUnicode(image);

    const created = await this.images.create(image);
    this.notifier.info('image.create', imageNotification(created, 'image.create', this.now()));
    return created;
  }

  /** `GET /v2/images/{id}`: the image, or 404 when missing or not visible to the caller. */
  async show(ctx: RequestContext, id: string): Promise<Image> {
    return this.load(ctx, id);
  }

  /**
   * `GET /v2/images`: one page of the images the caller may see, filtered and sorted as the query
   * parameters (in request order) say. `next` is given whenever the page is full, as Glance does.
   */
  async list(ctx: RequestContext, params: [string, string][]): Promise<ImagePage> {
    const query = parseListQuery(params, this.config.paging);
    const images = await this.images.list(query, { isAdmin: ctx.isAdmin, projectId: ctx.projectId });
    const full = images.length > 0 && images.length === query.limit;
    return { images, links: listQueryLinks(params, full ? images[images.length - 1]!.id : null) };
  }

  /** `PATCH /v2/images/{id}`: applies Glance's JSON-patch subset and saves the result. */
  async update(ctx: RequestContext, id: string, contentType: string | undefined, body: unknown): Promise<Image> {
    const changes = parseImagePatch(contentType, body, this.validator);
    const image = await this.load(ctx, id);
    assertCanModify(ctx, image);
    const outcome = applyImagePatch(image, changes, {
      isAdmin: ctx.isAdmin,
      showMultipleLocations: this.config.showMultipleLocations,
      quotas: this.config.quotas,
      checkProperty: (name, value) => {
        if (name === 'visibility' && typeof value === 'string') assertCanSetVisibility(ctx, value);
      },
    });
    if (outcome.locationChanges.length > 0) {
      // Location patches need the store layer (image data issue); refuse rather than ignore.
      throw new BadRequest('Location operations are not supported by this server yet.');
    }
    if (outcome.changed.length === 0) return image;
    assertNonNegative(outcome.image);
    assertNoFourByteUnicode(outcome.image);
    return this.save(outcome.image, image.status);
  }

  /** `DELETE /v2/images/{id}`: soft-deletes the record (protected images refuse with 403). */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.load(ctx, id);
    assertCanModify(ctx, image);
    if (image.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    try {
      transition(image, 'deleted');
    } catch (err) {
      // Glance reports an impossible delete as a bad request, not a conflict.
      if (err instanceof InvalidImageStatusTransition) throw new BadRequest(err.message);
      throw err;
    }
    if (image.locations.length > 0) {
      // Deleting stored data belongs to the store layer (image data issue); never orphan it.
      throw new Conflict(`Image ${id} has data in a store this server cannot delete yet.`);
    }
    if (!(await this.images.delete(id))) throw imageNotFound(id);
    this.notifier.info('image.delete', imageNotification(image, 'image.delete', this.now()));
  }

  /** `POST …/actions/deactivate`: active → deactivated; a no-op when already deactivated. */
  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.toggleActive(ctx, id, 'deactivated', 'deactivate');
  }

  /** `POST …/actions/reactivate`: deactivated → active; a no-op when already active. */
  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.toggleActive(ctx, id, 'active', 'reactivate');
  }

  /** `PUT /v2/images/{id}/tags/{tag}`: adds a tag (idempotent). */
  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const image = await this.load(ctx, id);
    assertCanModify(ctx, image);
    if ([...tag].length > 255) throw new BadRequest(`Tag ${tag} is too long; the maximum length is 255 characters.`);
    if (image.tags.includes(tag)) return;
    assertTagQuota(image.tags.length + 1, this.config.quotas.imageTagQuota);
    const next = { ...image, tags: [...image.tags, tag] };
    assertNoFourByteUnicode(next);
    await this.save(next, image.status);
  }

  /** `DELETE /v2/images/{id}/tags/{tag}`: removes a tag; 404 when the image does not carry it. */
  async deleteTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const image = await this.load(ctx, id);
    assertCanModify(ctx, image);
    if (!image.tags.includes(tag)) throw new NotFound();
    await this.save({ ...image, tags: image.tags.filter((t) => t !== tag) }, image.status);
  }

  private async toggleActive(ctx: RequestContext, id: string, to: 'active' | 'deactivated', verb: string): Promise<void> {
    const image = await this.load(ctx, id);
    assertCanModify(ctx, image);
    if (image.status === to) return;
    if (image.status !== 'active' && image.status !== 'deactivated') {
      throw new Forbidden(`Not allowed to ${verb} image in status '${image.status}'`);
    }
    await this.save(transition(image, to), image.status);
  }

  /** Loads an image the caller may see, or throws Glance's 404. */
  private async load(ctx: RequestContext, id: string): Promise<Image> {
    const image = await this.images.get(id);
    if (image === null) throw imageNotFound(id);
    if (!ctx.isAdmin && image.visibility === 'shared' && ctx.projectId !== null && image.owner !== ctx.projectId) {
      const status = await this.images.memberStatus(id, ctx.projectId);
      if (status !== null) image.memberStatus = status;
    }
    if (!canSeeImage(ctx, image)) throw imageNotFound(id);
    return image;
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

function assertNonNegative(image: Image): void {
  for (const key of ['min_disk', 'min_ram'] as const) {
    if (image[key] < 0) throw new BadRequest(`Invalid value '${image[key]}' for parameter '${key}': Cannot be a negative value`);
  }
}

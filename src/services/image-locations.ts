/**
 * Image locations, both ways Glance offers them:
 *
 * - the locations API (2.17): `POST /v2/images/{id}/locations` gives a queued image its data
 *   location through a `location_import` task (202; the task checks the URL, hashes the data and
 *   activates the image, see `import/location-import-flow.ts`); `GET` lists the locations, for
 *   services only (`fetch_image_location`);
 * - the location operations of `PATCH /v2/images/{id}` (`show_multiple_locations`): add at a
 *   position, replace the list (only metadata of a non-empty list), remove one; the first
 *   location activates a queued image with the caller's validation data and no hashing.
 *
 * URLs must belong to a configured store and never be local paths ("Invalid location", 400);
 * callers that are not services may add only http-store URLs, and those pass
 * `[import_filtering_opts]` as web-download URIs do (a glance-ts addition, see
 * docs/architecture.md).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { TaskRepo } from '../db/repos/task-repo.js';
import { BadRequest, Conflict, Forbidden } from '../domain/errors.js';
import type { Image, ImageLocation } from '../domain/image.js';
import { transition } from '../domain/image-status.js';
import { IMPORT_LOCK } from '../domain/import-properties.js';
import type { Task } from '../domain/task.js';
import type { Notifier } from '../notify/notifier.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import type { ImageDataRemover } from './image-data-remover.js';
import type { PatchChange } from './image-patch.js';
import type { LocationAdmission } from './location-admission.js';
import {
  addPosition, assertLocationQuota, assertNotDuplicate, checkLocationMetadata, LOCATION_IMPORT, newValidationValues,
  parseAddLocationBody, removePosition, type ValidationValues,
} from './location-rules.js';
import { loadVisibleImage } from './visible-image.js';
import { taskNotification } from '../import/task-notification.js';

/** Options of the location use cases. */
export interface LocationServiceConfig {
  /** `image_location_quota` (-1 = unlimited). */
  imageLocationQuota: number;
  /** `hashing_algorithm`: the only `os_hash_algo` PATCH validation data may set. */
  hashingAlgorithm: string;
}

/** Collaborators of the location use cases, wired in `app-image-api.ts`. */
export interface LocationServiceDeps {
  images: ImageRepo;
  tasks: TaskRepo;
  admission: LocationAdmission;
  data: ImageDataRemover;
  policy: PolicyChecker;
  notifier: Notifier;
  /** `[import_filtering_opts]` check of an http URL; rejects with a 400 when refused. */
  checkUri: (url: string) => Promise<void>;
  /** Hands an accepted `location_import` task to the task runner. */
  run: (task: Task, ctx: RequestContext) => void;
  config: LocationServiceConfig;
  log: Pick<Logger, 'warn'>;
}

/** The outcome of a patch's location operations, to be saved by the image use case. */
export interface LocationPatch {
  image: Image;
  /** Deletes the data of the removed locations; call once the image is saved. Never throws. */
  discardRemoved(): Promise<void>;
}

/** The location use cases (see the module comment). */
export class LocationService {
  constructor(private readonly deps: LocationServiceDeps) {}

  /**
   * `POST /v2/images/{id}/locations`: 400 bad body or URL, 404 image not visible, 403 policy
   * (`add_image_location`) or a non-service caller naming a store other than http, 409 unless
   * the image is queued or while another operation holds its lock, 413 location quota. Returns
   * the `location_import` task now running.
   */
  async add(ctx: RequestContext, id: string, body: unknown): Promise<Task> {
    const { images, policy } = this.deps;
    const req = parseAddLocationBody(body);
    const image = await loadVisibleImage(images, ctx, id);
    policy.addImageLocation(ctx, image);
    if (image.status !== 'queued') throw new Conflict(`It's not allowed to add locations if image status is ${image.status}.`);
    // The task would fail on the status change; refuse the request instead (formats missing: 400).
    transition(image, 'active');
    const store = this.deps.admission.storeFor(req.url);
    if (store.type !== 'http' && !policy.isServiceCaller(ctx)) {
      throw new Forbidden('Only services may add locations of stores other than http.');
    }
    await this.filterUri(ctx, req.url);
    assertLocationQuota(image.locations.length + 1, this.deps.config.imageLocationQuota);

    const now = new Date();
    const task: Task = {
      id: randomUUID(), type: LOCATION_IMPORT, status: 'pending', owner: ctx.projectId ?? '', expires_at: null,
      created_at: now, updated_at: now, deleted_at: null, deleted: false, image_id: image.id,
      request_id: ctx.requestId, user_id: ctx.userId, result: null, message: '',
      input: { image_id: image.id, loc_url: req.url, validation_data: req.validation ?? {} },
    };
    if (!(await images.setPropertyAtomic(image.id, IMPORT_LOCK, task.id))) {
      throw new Conflict(`New operation on image '${image.id}' is not permitted as prior operation is still in progress`);
    }
    const created = await this.deps.tasks.create(task);
    this.deps.notifier.info('task.create', taskNotification(created));
    this.deps.run(created, ctx);
    return created;
  }

  /** `GET /v2/images/{id}/locations`: `[{url, metadata}]`; 404 not visible, 403 `fetch_image_location`. */
  async list(ctx: RequestContext, id: string): Promise<Array<{ url: string; metadata: Record<string, unknown> }>> {
    const image = await loadVisibleImage(this.deps.images, ctx, id);
    this.deps.policy.fetchImageLocation(ctx, image);
    return image.locations.filter((l) => l.status === 'active').map((l) => ({ url: l.url, metadata: l.metadata }));
  }

  /**
   * Applies a PATCH's location operations (in order) to `patched`, the image with the patch's
   * other changes; `stored` is the image as loaded, for the policy checks (`set_image_location`
   * for add/replace, `delete_image_location` for remove). Errors are Glance's: 409 wrong
   * status or conflicting validation data, 403 last location, 400 position, URL, duplicate,
   * replacing a non-empty list by other URLs, 413 location or storage quota.
   */
  async applyPatch(ctx: RequestContext, stored: Image, patched: Image, changes: PatchChange[]): Promise<LocationPatch> {
    let image = patched;
    const removed: ImageLocation[] = [];
    for (const change of changes) {
      if (change.op === 'remove') {
        this.deps.policy.deleteImageLocation(ctx, stored);
        image = removeLocation(image, change.path[1], removed);
      } else {
        this.deps.policy.setImageLocation(ctx, stored);
        image = change.op === 'add'
          ? await this.insert(ctx, image, change.path[1], change.value as LocationValue)
          : await this.replace(ctx, image, change.value as LocationValue[]);
      }
    }
    const final = image;
    return { image: final, discardRemoved: () => this.discard(final, removed) };
  }

  private async insert(ctx: RequestContext, image: Image, token: string | undefined, value: LocationValue): Promise<Image> {
    const { admission, config } = this.deps;
    assertStatus(image, 'add', ['active', 'queued']);
    const values = newValidationValues(image, [value], config.hashingAlgorithm);
    admission.storeFor(value.url);
    await this.filterUri(ctx, value.url);
    const pos = addPosition(token, image.locations.length);
    assertLocationQuota(image.locations.length + 1, config.imageLocationQuota);
    const { location, size } = await admission.admit(value.url, value.metadata);
    assertNotDuplicate(image.locations, location);
    await admission.assertStorage(ctx, image.id, image.size ?? size, image.locations.length + 1);
    const locations = [...image.locations];
    locations.splice(pos, 0, location);
    return activated({ ...image, locations, size: image.size ?? size }, values);
  }

  private async replace(ctx: RequestContext, image: Image, value: LocationValue[]): Promise<Image> {
    const { admission, config } = this.deps;
    assertStatus(image, 'replace', ['active', 'queued']);
    const values = newValidationValues(image, value, config.hashingAlgorithm);
    assertLocationQuota(value.length, config.imageLocationQuota);
    const current = image.locations.map((l) => l.url);
    if (sameUrls(current, value.map((v) => v.url))) {
      // Only metadata changes: the URLs were admitted before; a store tag stays as recorded.
      const locations = value.map((v): ImageLocation => {
        checkLocationMetadata(v.metadata);
        const store = image.locations.find((l) => l.url === v.url)?.metadata.store;
        return { url: v.url, metadata: store === undefined ? { ...v.metadata } : { ...v.metadata, store }, status: 'active' };
      });
      return activated({ ...image, locations }, values);
    }
    if (current.length > 0) throw new BadRequest(`Original locations is not empty: [${current.map((u) => `'${u}'`).join(', ')}]`);
    const locations: ImageLocation[] = [];
    let size = image.size;
    for (const v of value) {
      admission.storeFor(v.url);
      await this.filterUri(ctx, v.url);
      const admitted = await admission.admit(v.url, v.metadata);
      assertNotDuplicate(locations, admitted.location);
      locations.push(admitted.location);
      size ??= admitted.size;
    }
    if (size !== null) await admission.assertStorage(ctx, image.id, size, locations.length);
    return activated({ ...image, locations, size }, values);
  }

  // Callers other than services may only point at http URLs that web-download would accept.
  private async filterUri(ctx: RequestContext, url: string): Promise<void> {
    if (this.deps.policy.isServiceCaller(ctx)) return;
    await this.deps.checkUri(url).catch((err: unknown) => {
      throw err instanceof BadRequest ? new BadRequest(`URI for location does not pass filtering: ${url}`, { cause: err }) : err;
    });
  }

  private async discard(image: Image, removed: ImageLocation[]): Promise<void> {
    for (const loc of removed) {
      // Another location of the image may still point at the same data.
      if (image.locations.some((l) => l.url === loc.url)) continue;
      await this.deps.data.deleteLocation(image, loc).catch((err: unknown) => {
        this.deps.log.warn({ err, image_id: image.id }, 'could not delete the data of a removed location');
      });
    }
  }
}

/** A location as a patch gives it (schema-checked: `url` and `metadata` present). */
interface LocationValue {
  url: string;
  metadata: Record<string, unknown>;
  validation_data?: ValidationValues;
}

function assertStatus(image: Image, verb: 'add' | 'replace' | 'remove', allowed: Image['status'][]): void {
  if (!allowed.includes(image.status)) throw new Conflict(`It's not allowed to ${verb} locations if image status is ${image.status}.`);
}

function removeLocation(image: Image, token: string | undefined, removed: ImageLocation[]): Image {
  assertStatus(image, 'remove', ['active']);
  if (image.locations.length === 1) throw new Forbidden('Cannot remove last location in the image.');
  const locations = [...image.locations];
  removed.push(...locations.splice(removePosition(token, locations.length), 1));
  return { ...image, locations };
}

// A queued image given locations becomes active with the caller's validation data.
function activated(image: Image, values: ValidationValues): Image {
  return image.status === 'queued' ? { ...transition(image, 'active'), ...values } : image;
}

function sameUrls(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((u, i) => u === y[i]);
}

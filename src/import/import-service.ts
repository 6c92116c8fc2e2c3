/**
 * `POST /v2/images/{id}/import` (interoperable image import), in Glance's order: body checks →
 * stored-data quota → image state for the method → policy (`copy_image` for copies, else
 * `modify_image`) → the image's import lock → target stores → the web-download URI filter →
 * a new `api_image_import` task holding the lock → handed to the task runner → 202.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { TaskRepo } from '../db/repos/task-repo.js';
import { BadRequest, Conflict, StagedElsewhere } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { moveTask, type Task } from '../domain/task.js';
import type { Notifier } from '../notify/notifier.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import type { QuotaChecker } from '../quota/quota-checker.js';
import { loadVisibleImage } from '../services/visible-image.js';
import { chooseStores, parseImportRequest, type ImportRequest, type StoreChoice } from './import-request.js';
import { IMPORT_LOCK, removeFromList, stagedElsewhere } from '../domain/import-properties.js';
import { taskNotification } from './task-notification.js';

/** The options imports read. */
export interface ImportConfig {
  /** `[DEFAULT] enabled_import_methods`. */
  enabledMethods: string[];
  /** `[task] task_time_to_live`, hours. */
  taskTimeToLiveHours: number;
  /** This node's `worker_self_reference_url` (else `public_endpoint`), or null. */
  selfUrl: string | null;
}

/** Collaborators of the import request. */
export interface ImportServiceDeps {
  images: ImageRepo;
  tasks: TaskRepo;
  policy: PolicyChecker;
  quota: QuotaChecker;
  stores: StoreChoice;
  /** The web-download URI filter: resolves, or throws BadRequest "URI for web-download does not pass filtering". */
  checkUri(uri: string): Promise<void>;
  /** Creates a queued image from `properties` as `POST /v2/images` would (legacy import tasks). */
  createImage(ctx: RequestContext, properties: unknown): Promise<Image>;
  /** Starts running an accepted task in the background, for the caller who asked. */
  run(task: Task, ctx: RequestContext): void;
  notifier: Notifier;
  config: ImportConfig;
  log: Pick<Logger, 'warn' | 'info'>;
}

// A lock older than this (twice as long while its task is pending) may be taken over.
const LOCK_EXPIRY_MS = 60 * 60_000;

/** The import request use case. */
export class ImportService {
  constructor(private readonly deps: ImportServiceDeps) {}

  /**
   * Accepts an import of image `id`. Returns the new task, or null when a copy to `all_stores`
   * has nothing left to copy (Glance answers 202 and does nothing). Throws StagedElsewhere for
   * a glance-direct import of data another node staged (the route replays it there).
   */
  async import(ctx: RequestContext, id: string, body: unknown, headerStore: string | undefined): Promise<Task | null> {
    const { images, policy, quota } = this.deps;
    const req = parseImportRequest(body, this.deps.config.enabledMethods);
    await quota.enforce(ctx, { image_size_total: 0 });
    const image = await loadVisibleImage(images, ctx, id);
    checkImageState(image, req);
    if (req.method === 'glance-download') checkGlanceDownload(req);
    if (req.method === 'copy-image') policy.copyImage(ctx, image);
    else policy.modifyImage(ctx, image);
    const stolenFrom = IMPORT_LOCK in image.properties ? await this.breakStaleLock(image) : undefined;

    let stores = chooseStores(req, headerStore, this.deps.stores);
    if (req.method === 'copy-image') {
      const present = image.locations.map((l) => l.metadata.store).filter((s): s is string => typeof s === 'string');
      if (req.allStores) {
        stores = stores.filter((s) => !present.includes(s));
        if (stores.length === 0) return null;
      } else {
        const already = present.find((s) => stores.includes(s));
        if (already !== undefined) throw new BadRequest(`Image is already present at store '${already}'`);
      }
    }
    if (!req.allStoresMustSucceed && !this.deps.stores.multistore) {
      throw new BadRequest(`All_stores_must_succeed can only be set with enabled_backends ${req.uri ?? 'None'}`);
    }
    const stageHost = req.method === 'glance-direct' ? stagedElsewhere(image.properties, this.deps.config.selfUrl) : null;
    if (stageHost !== null) throw new StagedElsewhere(stageHost);
    if (req.method === 'web-download') await this.deps.checkUri(req.uri!);

    const task = newImportTask(ctx, image, req, stores);
    if (!(await images.setPropertyAtomic(image.id, IMPORT_LOCK, task.id))) {
      throw new Conflict(`New operation on image '${image.id}' is not permitted as prior operation is still in progress`);
    }
    if (stolenFrom !== undefined) await this.cleanStaleProgress(image.id, stolenFrom);
    const created = await this.deps.tasks.create(task);
    this.deps.notifier.info('task.create', taskNotification(created));
    this.deps.run(created, ctx);
    return created;
  }

  /**
   * `POST /v2/tasks` (deprecated, admin-only by default): a legacy `import` task that downloads
   * `input.import_from` into a new image made from `input.image_properties`. The URI must pass
   * `[import_filtering_opts]` (400, ref 210). Missing input fields fail the task, as in Glance.
   */
  async createLegacyTask(ctx: RequestContext, body: unknown): Promise<Task> {
    this.deps.policy.tasksApi(ctx, 'add_task');
    const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    for (const key of ['type', 'input']) if (!(key in b)) throw new BadRequest(`Task '${key}' is required`);
    const input = b.input;
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new BadRequest("Task 'input' must be an object");
    if (b.type !== 'import') throw new BadRequest(`Tasks of type ${JSON.stringify(b.type)} are created by the image import API, not the tasks API`);
    const fields = input as Record<string, unknown>;
    if (typeof fields.import_from === 'string') {
      await this.deps.checkUri(fields.import_from).catch((err: unknown) => {
        throw err instanceof BadRequest ? new BadRequest(`URI for legacy import task does not pass filtering: ${String(fields.import_from)}`) : err;
      });
    }
    const complete = ['import_from', 'import_from_format', 'image_properties'].every((k) => k in fields);
    const image = complete ? await this.deps.createImage(ctx, fields.image_properties) : null;
    const task = { ...newTask(ctx, 'import', image?.id ?? null), input: fields };
    if (image !== null) await this.deps.images.setPropertyAtomic(image.id, IMPORT_LOCK, task.id);
    const created = await this.deps.tasks.create(task);
    this.deps.notifier.info('task.create', taskNotification(created));
    this.deps.run(created, ctx);
    return created;
  }

  // Glance's lock rules: a lock whose task is gone, or finished or silent for an hour (two while
  // pending), may be taken over; the old task is failed. Otherwise 409.
  private async breakStaleLock(image: Image): Promise<Task | null> {
    const taskId = image.properties[IMPORT_LOCK] ?? '';
    const task = await this.deps.tasks.get(taskId);
    if (task !== null) {
      const age = Date.now() - (task.updated_at ?? task.created_at).getTime();
      const expiry = task.status === 'pending' ? 2 * LOCK_EXPIRY_MS : LOCK_EXPIRY_MS;
      if (age < expiry) throw new Conflict('Image has active task');
      if (task.status === 'pending' || task.status === 'processing') {
        const failed = moveTask(task, 'failure', new Date(), this.deps.config.taskTimeToLiveHours, { message: 'Expired lock preempted' });
        await this.deps.tasks.save(failed, { expectedStatus: task.status });
      }
    }
    if (!(await this.deps.images.deletePropertyAtomic(image.id, IMPORT_LOCK, taskId))) throw new Conflict('Image has active task');
    this.deps.log.warn({ image_id: image.id, task_id: taskId, status: task?.status ?? 'missing' }, 'removed an expired import lock');
    return task;
  }

  // The stores of a task whose lock was taken over are no longer being imported to.
  private async cleanStaleProgress(imageId: string, task: Task | null): Promise<void> {
    const stores = (task?.input?.backend as string[] | undefined) ?? [];
    if (stores.length === 0) return;
    const image = await this.deps.images.get(imageId);
    if (image === null) return;
    const properties = removeFromList(image.properties, stores);
    if (properties !== image.properties) await this.deps.images.save({ ...image, properties }, { expectedStatus: image.status });
  }
}

// Which image statuses each method accepts, with Glance's 409 texts (ref 201, 218).
function checkImageState(image: Image, req: ImportRequest): void {
  if (image.status === 'active' && req.method !== 'copy-image') throw new Conflict('Image with status active cannot be target for import');
  if (image.status !== 'active' && req.method === 'copy-image') throw new Conflict('Only images with status active can be targeted for copying');
  if (image.status !== 'queued' && (req.method === 'web-download' || req.method === 'glance-download')) {
    throw new Conflict(`Image needs to be in 'queued' state to use '${req.method}' method`);
  }
  if (image.status !== 'uploading' && req.method === 'glance-direct') throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
  if (!image.container_format) throw new Conflict("'container_format' needs to be set before import");
  if (!image.disk_format) throw new Conflict("'disk_format' needs to be set before import");
}

// The remote image of a glance-download, checked as Glance does; the interface defaults to public
// and is recorded so in the task's input.
function checkGlanceDownload(req: ImportRequest): void {
  const method = req.body.method as Record<string, unknown>;
  if (!('glance_region' in method)) throw new BadRequest("'glance_region' needs to be set for glance-download import method");
  if (!('glance_image_id' in method)) throw new BadRequest("'glance_image_id' needs to be set for glance-download import method");
  if (typeof method.glance_image_id !== 'string' || !UUID.test(method.glance_image_id)) {
    throw new BadRequest(`Remote image id does not look like a UUID: ${String(method.glance_image_id)}`);
  }
  method.glance_service_interface ??= 'public';
}

// Python's uuid.UUID accepts these spellings (hyphens optional, braces, urn prefix).
const UUID = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

function newImportTask(ctx: RequestContext, image: Image, req: ImportRequest, stores: string[]): Task {
  return { ...newTask(ctx, 'api_image_import', image.id), input: { image_id: image.id, import_req: req.body, backend: stores } };
}

function newTask(ctx: RequestContext, type: string, imageId: string | null): Task {
  const now = new Date();
  return {
    id: randomUUID(),
    type,
    status: 'pending',
    owner: ctx.projectId ?? '',
    expires_at: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    deleted: false,
    image_id: imageId,
    request_id: ctx.requestId,
    user_id: ctx.userId,
    input: null,
    result: null,
    message: '',
  };
}

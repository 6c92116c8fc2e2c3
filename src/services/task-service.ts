/**
 * The tasks API use cases (`/v2/tasks`, deprecated in Glance and admin-only by default) and the
 * tasks of one image (`GET /v2/images/{id}/tasks`, for whoever may see the image).
 */
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { TaskListQuery, TaskRepo } from '../db/repos/task-repo.js';
import { BadRequest, NotFound } from '../domain/errors.js';
import type { Task } from '../domain/task.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { loadVisibleImage } from './visible-image.js';

/** Collaborators of the task use cases. */
export interface TaskServiceDeps {
  tasks: TaskRepo;
  images: ImageRepo;
  policy: PolicyChecker;
  paging: { limitParamDefault: number; apiLimitMax: number };
}

const SORT_KEYS = ['created_at', 'updated_at', 'id', 'type', 'status'] as const;

/** The task use cases. */
export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  /** `GET /v2/tasks`: one page, with the marker of the next page when the page is full. */
  async list(ctx: RequestContext, params: URLSearchParams): Promise<{ tasks: Task[]; next: string | null }> {
    this.deps.policy.tasksApi(ctx, 'get_tasks');
    const query = await this.parseQuery(ctx, params);
    const tasks = await this.deps.tasks.list(query);
    return { tasks, next: tasks.length > 0 && tasks.length === query.limit ? tasks[tasks.length - 1]!.id : null };
  }

  /** `GET /v2/tasks/{id}`. */
  async show(ctx: RequestContext, id: string): Promise<Task> {
    this.deps.policy.tasksApi(ctx, 'get_task');
    const task = await this.deps.tasks.get(id);
    if (task === null || (!ctx.isAdmin && task.owner !== ctx.projectId)) throw new NotFound(`Could not find task ${id}`);
    return task;
  }

  /** `DELETE /v2/tasks/{id}`: always refused (405) after the access check, as in Glance. */
  refuseDelete(ctx: RequestContext): void {
    this.deps.policy.tasksApi(ctx, null);
  }

  /** `GET /v2/images/{id}/tasks`: the image's unexpired tasks; 404 when the image is not visible. */
  async forImage(ctx: RequestContext, imageId: string): Promise<Task[]> {
    const image = await loadVisibleImage(this.deps.images, ctx, imageId).catch(() => { throw new NotFound(); });
    if (!this.deps.policy.canGetImage(ctx, image)) throw new NotFound();
    return this.deps.tasks.listForImage(image.id);
  }

  private async parseQuery(ctx: RequestContext, params: URLSearchParams): Promise<TaskListQuery> {
    const { paging } = this.deps;
    const sortKey = params.get('sort_key') ?? 'created_at';
    if (!(SORT_KEYS as readonly string[]).includes(sortKey)) throw new BadRequest(`Invalid sort_key: ${sortKey}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    const sortDir = params.get('sort_dir') ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequest(`Invalid sort direction: ${sortDir}`);
    const status = params.get('status') ?? undefined;
    if (status !== undefined && !['pending', 'processing', 'success', 'failure'].includes(status)) {
      throw new BadRequest(`Invalid status value: ${status}`);
    }
    const type = params.get('type') ?? undefined;
    if (type !== undefined && type !== 'import' && type !== 'api_image_import') throw new BadRequest(`Invalid type value: ${type}`);
    let limit = paging.limitParamDefault;
    const rawLimit = params.get('limit');
    if (rawLimit !== null) {
      if (!/^-?\d+$/.test(rawLimit)) throw new BadRequest('limit param must be an integer');
      limit = Number(rawLimit);
      if (limit < 0) throw new BadRequest('limit param must be positive');
    }
    limit = Math.min(limit, paging.apiLimitMax);
    const owner = ctx.isAdmin ? null : ctx.projectId ?? '';
    let marker: Task | undefined;
    const markerId = params.get('marker');
    if (markerId !== null) {
      const found = await this.deps.tasks.get(markerId);
      if (found === null || (owner !== null && found.owner !== owner)) throw new BadRequest(`Invalid marker. Task ${markerId} could not be found.`);
      marker = found;
    }
    return { owner, status, type, sortKey: sortKey as TaskListQuery['sortKey'], sortDir, limit, marker };
  }
}

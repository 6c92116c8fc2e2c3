/**
 * Runs accepted import tasks in the background and makes sure none outlives its runner:
 * - a running task refreshes its `updated_at` every heartbeat; a `pending` or `processing` task
 *   silent for three heartbeats lost its process (crash, kill -9) and is failed by whichever
 *   node notices, its image reverted (never left `importing`) and its staged data removed;
 * - on shutdown (SIGTERM) running tasks are aborted, reverted and failed before the process
 *   exits, rather than cut off;
 * - at start-up, staged data that no image needs any more (image gone, or neither staged nor
 *   being imported) is deleted.
 * Task statuses follow Glance's: pending → processing → success | failure, with the `task.*`
 * notifications.
 */
import type { Logger } from 'pino';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { TaskRepo } from '../db/repos/task-repo.js';
import { moveTask, type Task } from '../domain/task.js';
import type { Notifier } from '../notify/notifier.js';
import type { StoreDriver } from '../store/driver.js';
import type { ImportCaller, ImportFlow, ProgressReporter } from './import-flow.js';
import { IMPORT_LOCK } from '../domain/import-properties.js';
import { taskNotification } from './task-notification.js';

/** Collaborators of the runner. */
export interface TaskRunnerDeps {
  tasks: TaskRepo;
  images: ImageRepo;
  flow: ImportFlow;
  /** Flows of other task types (`location_import`), run and reverted like imports. */
  flows?: Readonly<Record<string, TaskFlow>>;
  staging: StoreDriver;
  notifier: Notifier;
  config: { taskTimeToLiveHours: number; heartbeatMs: number };
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Told of every finished task (metrics). */
  onFinished?: (task: Task) => void;
}

/** A task type's work: `run` rejects after reverting; `revert` (never throws) undoes a stale task's. */
export interface TaskFlow {
  run(task: Task, caller: ImportCaller, signal: AbortSignal, progress: ProgressReporter): Promise<Record<string, unknown>>;
  revert(task: Task): Promise<void>;
}

/** Message of a task failed because its runner went away. */
export const INTERRUPTED = 'Import was interrupted: the glance-api process running it stopped before it finished';

/** The background task runner of one process. */
export class TaskRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly deps: TaskRunnerDeps) {}

  /** Starts `task` (just created, `pending`) in the background. */
  start(task: Task, caller: ImportCaller): void {
    if (this.closing) return;
    const controller = new AbortController();
    const done = this.execute(task, caller, controller.signal).finally(() => this.running.delete(task.id));
    this.running.set(task.id, { controller, done });
  }

  /** Fails tasks whose runner stopped beating, reverting their images. Returns their ids. */
  async recoverStale(now = new Date()): Promise<string[]> {
    const before = new Date(now.getTime() - 3 * this.deps.config.heartbeatMs);
    const failed: string[] = [];
    for (const task of await this.deps.tasks.stale(['pending', 'processing'], before)) {
      if (this.running.has(task.id)) continue;
      if (task.type === 'api_image_import') await this.deps.flow.revert(task);
      else await this.deps.flows?.[task.type]?.revert(task);
      if (await this.finish(task, 'failure', { message: INTERRUPTED })) failed.push(task.id);
    }
    if (failed.length > 0) this.deps.log.warn({ task_ids: failed }, 'failed import tasks whose process stopped; their images were reverted');
    return failed;
  }

  /** Deletes staged data of images that no longer need it; returns their ids. */
  async sweepStaging(): Promise<string[]> {
    const removed: string[] = [];
    for (const id of await this.deps.staging.list?.() ?? []) {
      const image = await this.deps.images.get(id);
      const needed = image !== null && (image.status === 'uploading' || image.status === 'importing' || IMPORT_LOCK in image.properties);
      if (needed) continue;
      const location = await this.deps.staging.locate(id);
      if (location !== null) await this.deps.staging.delete(location).catch(() => undefined);
      removed.push(id);
    }
    if (removed.length > 0) this.deps.log.warn({ image_ids: removed }, 'removed staged data no image needs any more');
    return removed;
  }

  /** Sweeps the staging area and recovers stale tasks now, then checks every heartbeat. */
  startRecovery(): void {
    const run = () => {
      this.recoverStale().catch((err: unknown) => this.deps.log.warn({ err }, 'checking for interrupted tasks failed'));
    };
    void this.sweepStaging().catch((err: unknown) => this.deps.log.warn({ err }, 'sweeping the staging area failed')).then(run);
    this.timer = setInterval(run, this.deps.config.heartbeatMs);
    this.timer.unref();
  }

  /** Stops taking work, aborts running tasks and waits until they are reverted and failed. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const r of this.running.values()) r.controller.abort(new Error('glance-api is shutting down'));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async execute(task: Task, caller: ImportCaller, signal: AbortSignal): Promise<void> {
    const { tasks, notifier, config, log } = this.deps;
    notifier.info('task.run', taskNotification(task));
    let current = moveTask(task, 'processing', new Date(), config.taskTimeToLiveHours);
    const saved = await tasks.save(current, { expectedStatus: 'pending' }).catch(() => null);
    if (saved === null) {
      log.warn({ task_id: task.id }, 'task was no longer pending; not run');
      return;
    }
    current = saved;
    notifier.info('task.processing', taskNotification(current));
    const heartbeat = setInterval(() => { tasks.touch(task.id, 'processing').catch(() => undefined); }, config.heartbeatMs);
    heartbeat.unref();
    let message = '';
    let saving: Promise<unknown> = Promise.resolve();
    const progress = (m: string) => {
      if (m === message) return;
      message = m;
      saving = saving.then(() => tasks.save({ ...current, message: m }, { expectedStatus: 'processing' })).catch(() => undefined);
    };
    try {
      const result = await (this.deps.flows?.[current.type] ?? this.deps.flow).run(current, caller, signal, progress);
      await saving;
      await this.finish({ ...current, message }, 'success', { result });
    } catch (err) {
      await saving;
      const why = signal.aborted ? INTERRUPTED : (err as Error).message;
      log.warn({ err, task_id: task.id, image_id: task.image_id }, 'import task failed');
      await this.finish({ ...current, message }, 'failure', { message: why });
    } finally {
      clearInterval(heartbeat);
    }
  }

  // Moves a task to its final status with a compare-and-set; false when someone else did first.
  private async finish(task: Task, to: 'success' | 'failure', changes: Pick<Partial<Task>, 'message' | 'result'>): Promise<boolean> {
    const done = moveTask(task, to, new Date(), this.deps.config.taskTimeToLiveHours, changes);
    const saved = await this.deps.tasks.save(done, { expectedStatus: task.status }).catch((err: unknown) => {
      this.deps.log.error({ err, task_id: task.id }, 'could not record the end of a task');
      return null;
    });
    if (saved === null) return false;
    this.deps.notifier.info(`task.${to}`, taskNotification(saved));
    this.deps.onFinished?.(saved);
    return true;
  }
}

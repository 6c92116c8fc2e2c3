/**
 * A task: Glance's record of background work (`tasks` + `task_info`). Image imports run as
 * `api_image_import` tasks; `import` is the deprecated v2 tasks API type.
 */
import { Conflict } from './errors.js';

/** Task statuses in Glance's order. */
export const TASK_STATUSES = ['pending', 'processing', 'success', 'failure'] as const;

/** A task status. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task. `input` and `result` are the JSON documents stored in `task_info`. */
export interface Task {
  id: string;
  type: string;
  status: TaskStatus;
  owner: string;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
  deleted: boolean;
  image_id: string | null;
  request_id: string | null;
  user_id: string | null;
  input: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  message: string | null;
}

const NEXT: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['processing', 'failure'],
  processing: ['success', 'failure'],
  success: [],
  failure: [],
};

/** True for `success` and `failure`. */
export function isFinished(status: TaskStatus): boolean {
  return status === 'success' || status === 'failure';
}

/**
 * The task moved to `to` (Glance's task state machine); a finished task gets its expiry, now
 * plus `timeToLiveHours`. Throws Conflict for a transition Glance refuses.
 */
export function moveTask(task: Task, to: TaskStatus, now: Date, timeToLiveHours: number, changes: Pick<Partial<Task>, 'message' | 'result'> = {}): Task {
  if (!NEXT[task.status].includes(to)) throw new Conflict(`Status transition from ${task.status} to ${to} is not allowed`);
  return {
    ...task,
    ...changes,
    status: to,
    updated_at: now,
    expires_at: isFinished(to) ? new Date(now.getTime() + timeToLiveHours * 3_600_000) : task.expires_at,
  };
}

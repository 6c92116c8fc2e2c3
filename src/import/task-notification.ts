/**
 * The payload of Glance's `task.*` notifications (glance-inventory §11): the task's fields with
 * `result` and `message` as stored, times as Glance's notifier formats them (`isotime`).
 */
import { isoTime } from '../domain/image-view.js';
import type { Task } from '../domain/task.js';

/** The `task.*` payload. */
export interface TaskNotificationPayload {
  id: string;
  type: string;
  status: string;
  result: Record<string, unknown> | null;
  owner: string;
  message: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string | null;
  deleted: boolean;
  deleted_at: string | null;
}

/** Builds the payload for `task`. */
export function taskNotification(task: Task): TaskNotificationPayload {
  return {
    id: task.id,
    type: task.type,
    status: task.status,
    result: task.result,
    owner: task.owner,
    message: task.message,
    expires_at: isoTime(task.expires_at),
    created_at: isoTime(task.created_at)!,
    updated_at: isoTime(task.updated_at),
    deleted: task.deleted,
    deleted_at: isoTime(task.deleted_at),
  };
}


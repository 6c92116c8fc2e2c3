/**
 * The tasks API (`/v2/tasks`, refs 207–210, 305) and the tasks of an image
 * (`GET /v2/images/{id}/tasks`, ref 206), with Glance's three views of a task: the full one
 * (show), the stub (list) and the raw database row (an image's tasks).
 */
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../domain/image-view.js';
import { MethodNotAllowed } from '../../domain/errors.js';
import type { Task } from '../../domain/task.js';
import type { ImportService } from '../../import/import-service.js';
import type { TaskService } from '../../services/task-service.js';
import type { RouteRegistrar } from '../server.js';

const NO_DELETE = 'This operation is currently not permitted on Glance Tasks. They are auto deleted after reaching the time based on their expires_at property.';

/** `GET /v2/tasks/{id}` (ref 207), in Glance's key order. */
export function taskView(t: Task): Record<string, unknown> {
  return {
    id: t.id, input: t.input, type: t.type, status: t.status, owner: t.owner, message: t.message ?? '',
    result: t.result, created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at),
    self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task',
    image_id: t.image_id, request_id: t.request_id, user_id: t.user_id,
    ...(t.expires_at !== null ? { expires_at: isoTime(t.expires_at) } : {}),
  };
}

/** An entry of `GET /v2/tasks` (ref 208). */
export function taskStubView(t: Task): Record<string, unknown> {
  return {
    id: t.id, type: t.type, status: t.status, owner: t.owner,
    created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at),
    self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task',
    ...(t.expires_at !== null ? { expires_at: isoTime(t.expires_at) } : {}),
  };
}

// Python's datetime.isoformat() of a database time, as Glance returns an image's task rows.
function pyIso(d: Date | null): string | null {
  if (d === null) return null;
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

/** An entry of `GET /v2/images/{id}/tasks` (ref 206): the database row with its info. */
export function taskRowView(t: Task): Record<string, unknown> {
  return {
    id: t.id, type: t.type, status: t.status, owner: t.owner, expires_at: pyIso(t.expires_at),
    created_at: pyIso(t.created_at), updated_at: pyIso(t.updated_at), deleted_at: pyIso(t.deleted_at),
    deleted: t.deleted, image_id: t.image_id, request_id: t.request_id, user_id: t.user_id,
    input: t.input, result: t.result, message: t.message,
  };
}

/** Registers the task routes. */
export function taskRoutes(deps: { tasks: TaskService; imports: Pick<ImportService, 'createLegacyTask'> }): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/v2/tasks', async (request) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const { tasks, next } = await deps.tasks.list(request.ctx, query);
      const first = new URLSearchParams(query);
      first.delete('marker');
      const firstQuery = first.toString();
      const body: Record<string, unknown> = {
        tasks: tasks.map(taskStubView),
        first: `/v2/tasks${firstQuery === '' ? '' : `?${firstQuery}`}`,
        schema: '/v2/schemas/tasks',
      };
      if (next !== null) {
        first.set('marker', next);
        body.next = `/v2/tasks?${first.toString()}`;
      }
      return body;
    });
    app.post('/v2/tasks', async (request, reply) => {
      const task = await deps.imports.createLegacyTask(request.ctx, request.body);
      // A relative Location, as Glance's tasks API sends it.
      reply.code(201).header('location', `/v2/tasks/${task.id}`);
      return taskView(task);
    });
    app.get<{ Params: { id: string } }>('/v2/tasks/:id', async (request) => taskView(await deps.tasks.show(request.ctx, request.params.id)));
    app.delete('/v2/tasks/:id', async (request) => {
      deps.tasks.refuseDelete(request.ctx);
      throw new MethodNotAllowed(['GET'], NO_DELETE);
    });
    app.get<{ Params: { id: string } }>('/v2/images/:id/tasks', async (request) =>
      ({ tasks: (await deps.tasks.forImage(request.ctx, request.params.id)).map(taskRowView) }));
  };
}

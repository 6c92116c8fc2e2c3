/**
 * Task persistence: `tasks` rows with their `task_info` (input, result, message), the listing of
 * the tasks API, the tasks of one image, and what the task runner needs to find work that lost
 * its runner. Tasks past their `expires_at` are soft-deleted when listed, as Glance does.
 */
import type { Kysely } from 'kysely';
import type { Task, TaskStatus } from '../../domain/task.js';
import type { GlanceTables as Tables } from '../tables.js';
import { SqlCodec, type SqlDialect } from './sql-codec.js';

/** What the repository needs of an open database. */
export interface TaskRepoDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
}

/** A page request of `GET /v2/tasks`. */
export interface TaskListQuery {
  /** Only this owner's tasks; null lists every project's (an admin). */
  owner: string | null;
  status?: string;
  type?: string;
  sortKey: 'created_at' | 'updated_at' | 'id' | 'type' | 'status';
  sortDir: 'asc' | 'desc';
  limit: number;
  /** Id of the last task of the previous page. */
  marker?: Task;
}

type TaskRow = Record<'id' | 'type' | 'status' | 'owner' | 'expires_at' | 'created_at' | 'updated_at' | 'deleted_at' | 'deleted' | 'image_id' | 'request_id' | 'user_id', unknown>;

const TASK_COLUMNS = ['id', 'type', 'status', 'owner', 'expires_at', 'created_at', 'updated_at', 'deleted_at', 'deleted', 'image_id', 'request_id', 'user_id'] as const;

/** Task persistence over one database handle. */
export class TaskRepo {
  private readonly db: Kysely<Tables>;
  private readonly codec: SqlCodec;

  constructor(database: TaskRepoDatabase) {
    this.db = database.db;
    this.codec = new SqlCodec(database.dialect);
  }

  /** Inserts the task and its info in one transaction; returns it as stored. */
  async create(task: Task): Promise<Task> {
    const c = this.codec;
    const stored = { ...task, created_at: c.truncate(task.created_at), updated_at: task.updated_at && c.truncate(task.updated_at) };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('tasks').values({
        id: task.id, type: task.type, status: task.status, owner: task.owner,
        expires_at: task.expires_at && c.time(task.expires_at),
        created_at: c.time(stored.created_at), updated_at: stored.updated_at && c.time(stored.updated_at),
        deleted_at: null, deleted: c.bool(false),
        image_id: task.image_id, request_id: task.request_id, user_id: task.user_id,
      }).execute();
      await trx.insertInto('task_info').values({
        task_id: task.id, input: json(task.input), result: json(task.result), message: task.message,
      }).execute();
    });
    return stored;
  }

  /** The live task with its info, or null. */
  async get(id: string): Promise<Task | null> {
    if (id.length > 36) return null;
    const row = await this.db.selectFrom('tasks').select(TASK_COLUMNS)
      .where('id', '=', id).where('deleted', '=', this.codec.bool(false)).executeTakeFirst();
    if (!row) return null;
    return (await this.withInfo([row]))[0]!;
  }

  /**
   * Writes status, expiry, message and result (and `updated_at` = now). With `expectedStatus`,
   * only when the stored status still is that; returns the saved task or null when it was not.
   */
  async save(task: Task, opts: { expectedStatus?: TaskStatus } = {}): Promise<Task | null> {
    const c = this.codec;
    const now = c.now();
    const saved = await this.db.transaction().execute(async (trx) => {
      let q = trx.updateTable('tasks').set({
        status: task.status, updated_at: c.time(now), expires_at: task.expires_at && c.time(task.expires_at),
      }).where('id', '=', task.id).where('deleted', '=', c.bool(false));
      if (opts.expectedStatus !== undefined) q = q.where('status', '=', opts.expectedStatus);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await trx.updateTable('task_info').set({ result: json(task.result), message: task.message })
        .where('task_id', '=', task.id).execute();
      return true;
    });
    return saved ? { ...task, updated_at: now } : null;
  }

  /** Refreshes `updated_at` of a running task (the runner's heartbeat); false when it is no longer in `status`. */
  async touch(id: string, status: TaskStatus): Promise<boolean> {
    const res = await this.db.updateTable('tasks').set({ updated_at: this.codec.time(this.codec.now()) })
      .where('id', '=', id).where('status', '=', status).where('deleted', '=', this.codec.bool(false))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Live tasks in `statuses` whose `updated_at` is older than `before` (runners that stopped beating). */
  async stale(statuses: TaskStatus[], before: Date): Promise<Task[]> {
    const rows = await this.db.selectFrom('tasks').select(TASK_COLUMNS)
      .where('status', 'in', statuses).where('deleted', '=', this.codec.bool(false))
      .where('updated_at', '<', this.codec.time(before))
      .execute();
    return this.withInfo(rows);
  }

  /** `GET /v2/tasks`: one page, after soft-deleting expired tasks. */
  async list(query: TaskListQuery): Promise<Task[]> {
    await this.deleteExpired();
    const c = this.codec;
    let q = this.db.selectFrom('tasks').select(TASK_COLUMNS).where('deleted', '=', c.bool(false));
    if (query.owner !== null) q = q.where('owner', '=', query.owner);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.type !== undefined) q = q.where('type', '=', query.type);
    const m = query.marker;
    if (m !== undefined) {
      const key = query.sortKey;
      const raw = m[key];
      const value = raw instanceof Date ? c.time(raw) : raw;
      const op = query.sortDir === 'desc' ? '<' : '>';
      q = q.where((eb) => eb.or([
        eb(key, op, value as string),
        eb.and([eb(key, '=', value as string), eb('id', op, m.id)]),
      ]));
    }
    const rows = await q.orderBy(query.sortKey, query.sortDir).orderBy('id', query.sortDir).limit(query.limit).execute();
    return this.withInfo(rows);
  }

  /** The live, unexpired tasks of an image, newest first (`GET /v2/images/{id}/tasks`). */
  async listForImage(imageId: string): Promise<Task[]> {
    const c = this.codec;
    const rows = await this.db.selectFrom('tasks').select(TASK_COLUMNS)
      .where('image_id', '=', imageId).where('deleted', '=', c.bool(false))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>=', c.time(c.now()))]))
      .orderBy('created_at', 'desc').orderBy('id', 'desc')
      .execute();
    return this.withInfo(rows);
  }

  private async deleteExpired(): Promise<void> {
    const c = this.codec;
    const ts = c.time(c.now());
    await this.db.updateTable('tasks').set({ deleted: c.bool(true), deleted_at: ts })
      .where('deleted', '=', c.bool(false)).where('expires_at', '<', ts).execute();
  }

  private async withInfo(rows: TaskRow[]): Promise<Task[]> {
    if (rows.length === 0) return [];
    const infos = await this.db.selectFrom('task_info').selectAll()
      .where('task_id', 'in', rows.map((r) => String(r.id))).execute();
    const byId = new Map(infos.map((i) => [i.task_id, i]));
    const c = this.codec;
    return rows.map((r) => {
      const info = byId.get(String(r.id));
      return {
        id: String(r.id),
        type: String(r.type),
        status: String(r.status) as TaskStatus,
        owner: String(r.owner),
        expires_at: c.readTime(r.expires_at),
        created_at: c.readTime(r.created_at)!,
        updated_at: c.readTime(r.updated_at),
        deleted_at: c.readTime(r.deleted_at),
        deleted: Boolean(r.deleted),
        image_id: (r.image_id as string | null) ?? null,
        request_id: (r.request_id as string | null) ?? null,
        user_id: (r.user_id as string | null) ?? null,
        input: parse(info?.input ?? null),
        result: parse(info?.result ?? null),
        message: info?.message ?? null,
      };
    });
  }
}

function json(v: Record<string, unknown> | null): string | null {
  return v === null ? null : JSON.stringify(v);
}

function parse(text: string | null): Record<string, unknown> | null {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

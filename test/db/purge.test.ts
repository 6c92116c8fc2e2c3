/**
 * `glance-manage db purge` / `db purge_images_table` on real databases: only soft-deleted rows
 * older than the age go, task_info before tasks, `images` only with purge_images_table,
 * `--max_rows` limits each table (-1: no limit), bad arguments exit with Glance's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { manageExitCode } from '../../src/cli/manage.js';
import type { Database } from '../../src/db/database.js';
import { syncSchema } from '../../src/db/migrate.js';
import { captureIo } from './capture-io.js';
import { createScratch } from './scratch.js';

const OLD = new Date('2024-01-01T00:00:00Z');
const RECENT = new Date(Date.now() - 86_400_000);

async function seed(d: Database): Promise<void> {
  const image = (id: string, deletedAt: Date | null) =>
    d.db.insertInto('images').values({
      id, status: deletedAt ? 'deleted' : 'active', created_at: OLD, deleted: deletedAt !== null, deleted_at: deletedAt,
      min_disk: 0, min_ram: 0,
    }).execute();
  await image('live', null);
  await image('gone-old', OLD);
  await image('gone-recent', RECENT);
  // A delayed delete the scrubber has not reached: its rows must survive every purge.
  await d.db.insertInto('images').values({
    id: 'pending-old', status: 'pending_delete', created_at: OLD, deleted: true, deleted_at: OLD, min_disk: 0, min_ram: 0,
  }).execute();
  await d.db.insertInto('image_locations').values({
    image_id: 'pending-old', value: 'file:///data/pending-old', status: 'pending_delete', created_at: OLD, deleted: true, deleted_at: OLD,
  }).execute();
  await d.db.insertInto('image_properties').values({
    image_id: 'pending-old', name: 'kept', value: 'v', created_at: OLD, deleted: true, deleted_at: OLD,
  }).execute();
  const prop = (name: string, deletedAt: Date | null) =>
    d.db.insertInto('image_properties').values({
      image_id: 'live', name, value: 'v', created_at: OLD, deleted: deletedAt !== null, deleted_at: deletedAt,
    }).execute();
  for (const n of ['old1', 'old2', 'old3']) await prop(n, OLD);
  await prop('recent', RECENT);
  await prop('alive', null);
  await d.db.insertInto('image_tags').values({ image_id: 'live', value: 't', created_at: OLD, deleted: true, deleted_at: RECENT }).execute();
  await d.db.insertInto('tasks').values({ id: 'task-old', type: 'import', status: 'success', owner: 'p', created_at: OLD, deleted: true, deleted_at: OLD }).execute();
  await d.db.insertInto('task_info').values({ task_id: 'task-old', input: '{}', result: '{}', message: '' }).execute();
  await d.db.insertInto('tasks').values({ id: 'task-live', type: 'import', status: 'success', owner: 'p', created_at: OLD, deleted: false }).execute();
  await d.db.insertInto('task_info').values({ task_id: 'task-live', input: '{}', result: null, message: null }).execute();
}

const ids = async (d: Database, table: string, column: string) =>
  (await sql.raw<Record<string, string>>(`SELECT ${column} AS v FROM ${table} ORDER BY ${column}`).execute(d.db)).rows.map((r) => String(r['v']));

for (const dialect of ['sqlite', 'mysql', 'postgresql'] as const) {
  test(`${dialect}: db purge removes old soft-deleted rows only`, async () => {
    const s = await createScratch(dialect);
    const run = async (...args: string[]) => {
      const io = captureIo();
      return { code: await manageExitCode(['--config-file', s.configFile, 'db', ...args], io), io };
    };
    try {
      await syncSchema(s.database);
      await seed(s.database);
      assert.equal((await run('purge', '--age_in_days', '30', '--max_rows', '2')).code, 0);
      assert.deepEqual(await ids(s.database, 'image_properties', 'name'), ['alive', 'kept', 'old3', 'recent']);
      assert.deepEqual(await ids(s.database, 'tasks', 'id'), ['task-live']);
      assert.deepEqual(await ids(s.database, 'task_info', 'task_id'), ['task-live']);
      assert.deepEqual(await ids(s.database, 'image_tags', 'value'), ['t']);
      assert.deepEqual(await ids(s.database, 'images', 'id'), ['gone-old', 'gone-recent', 'live', 'pending-old']);
      const r = await run('purge', '--age_in_days=30', '--max_rows=-1');
      assert.equal(r.code, 0);
      assert.ok(r.io.lines.some((l) => / INFO glance\.db\.sqlalchemy\.api \[-\] Deleted 1 row\(s\) from table image_properties$/.test(l)));
      assert.deepEqual(await ids(s.database, 'image_properties', 'name'), ['alive', 'kept', 'recent']);
      assert.deepEqual(await ids(s.database, 'image_locations', 'image_id'), ['pending-old']);

      assert.equal((await run('purge_images_table', '--age_in_days', '180')).code, 0);
      assert.deepEqual(await ids(s.database, 'images', 'id'), ['gone-recent', 'live', 'pending-old']);

      const bad = await run('purge', '--age_in_days', '-1');
      assert.equal(bad.code, 1);
      assert.ok(bad.io.lines.includes('Must supply a non-negative value for age.'));
      assert.ok((await run('purge', '--max_rows', '-2')).io.lines.includes('Minimal rows limit is -1.'));
      assert.ok((await run('purge', '--max_rows', 'x')).io.lines.includes('Invalid int value for max_rows: x'));
    } finally {
      await s.drop();
    }
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { sqliteAdapter } from './sqlite-adapter.js';
import { SqliteFlagDialect } from './sqlite-flag-dialect.js';

interface T {
  image_properties: { id: number; image_id: string; name: string; value: string | null; deleted: number };
  images: { id: string; deleted: number; os_hidden: number; created_at: string };
}

function open(): { db: Kysely<T>; raw: BetterSqlite3.Database } {
  const raw = new BetterSqlite3(':memory:');
  raw.exec(`CREATE TABLE image_properties (id INTEGER PRIMARY KEY, image_id VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL,
      value TEXT, deleted BOOLEAN NOT NULL);
    CREATE INDEX ix_image_properties_deleted ON image_properties (deleted);
    CREATE INDEX ix_image_properties_image_id ON image_properties (image_id);
    CREATE TABLE images (id VARCHAR(36) PRIMARY KEY, deleted BOOLEAN NOT NULL, os_hidden BOOLEAN NOT NULL, created_at DATETIME NOT NULL);`);
  return { db: new Kysely<T>({ dialect: new SqliteFlagDialect({ database: sqliteAdapter(raw) }) }), raw };
}

test('comparisons of deleted/os_hidden with false are written with unary plus; true and SET are not', () => {
  const { db } = open();
  const q = db.selectFrom('images').select('id')
    .where('images.deleted', '=', 0).where('os_hidden', '=', false as never).compile();
  assert.match(q.sql, /where \+"images"\."deleted" = \? and \+"os_hidden" = \?/);
  const purge = db.selectFrom('images').select('id').where('deleted', '=', 1).compile();
  assert.match(purge.sql, /where "deleted" = \?/);
  const upd = db.updateTable('images').set({ deleted: 0 }).where('id', '=', 'x').compile();
  assert.match(upd.sql, /set "deleted" = \? where "id" = \?/);
});

test('without statistics, the image_id index is chosen over the deleted flag index', () => {
  const { db, raw } = open();
  const q = db.selectFrom('image_properties').select(['name', 'value'])
    .where('image_id', 'in', ['a', 'b']).where('deleted', '=', 0).compile();
  const plan = raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.parameters) as { detail: string }[];
  assert.ok(plan.some((r) => r.detail.includes('ix_image_properties_image_id')), JSON.stringify(plan));
});

test('the unary plus filters exactly like the plain comparison', async () => {
  const { db } = open();
  await db.insertInto('image_properties').values([
    { id: 1, image_id: 'a', name: 'k', value: 'live', deleted: 0 },
    { id: 2, image_id: 'a', name: 'j', value: 'gone', deleted: 1 },
  ]).execute();
  const live = await db.selectFrom('image_properties').select('value').where('deleted', '=', 0).execute();
  assert.deepEqual(live, [{ value: 'live' }]);
  const live2 = await db.selectFrom('image_properties').select('value').where('deleted', '=', false as never).execute();
  assert.deepEqual(live2, [{ value: 'live' }]);
  const gone = await sql<{ n: number }>`SELECT count(*) AS n FROM image_properties WHERE deleted = 1`.execute(db);
  assert.equal(gone.rows[0]!.n, 1);
});

test('prepared statements are reused across executions of the same SQL', async () => {
  const { db, raw } = open();
  let prepares = 0;
  const orig = raw.prepare.bind(raw);
  raw.prepare = ((s: string) => { prepares++; return orig(s); }) as typeof raw.prepare;
  for (let i = 0; i < 5; i++) await db.selectFrom('images').select('id').where('id', '=', `x${i}`).execute();
  assert.equal(prepares, 1);
});

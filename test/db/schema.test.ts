/**
 * The schema our migrations build, on SQLite, MariaDB and PostgreSQL, compared table by table,
 * column by column and index by index with Glance 2024.1's; plus exact comparisons with what
 * Debian's real Glance 25.1 (Zed, head `wallaby_contract01`) created on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { currentHeads, syncSchema, upgradeTo } from '../../src/db/migrate.js';
import { repoPath } from '../support/repo-root.js';
import { expectedSchema } from './expected-schema.js';
import { introspect, type SchemaShape } from './introspect.js';
import { createScratch, DIALECTS, testConfig } from './scratch.js';

function assertSameSchema(actual: SchemaShape, expected: SchemaShape, label: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${label}: table list`);
  for (const name of Object.keys(expected)) {
    const a = actual[name]!;
    const e = expected[name]!;
    assert.deepEqual(a.columns.map((c) => c.name), e.columns.map((c) => c.name), `${label}: ${name} column order`);
    for (const [i, col] of e.columns.entries()) assert.deepEqual(a.columns[i], col, `${label}: ${name}.${col.name}`);
    assert.deepEqual(a.primaryKey, e.primaryKey, `${label}: ${name} primary key`);
    assert.deepEqual(a.indexes, e.indexes, `${label}: ${name} indexes`);
    assert.deepEqual(a.foreignKeys, e.foreignKeys, `${label}: ${name} foreign keys`);
    assert.deepEqual(a.checks, e.checks, `${label}: ${name} checks`);
  }
}

for (const dialect of DIALECTS) {
  test(`${dialect}: syncSchema builds Glance 2024.1's schema and records one head`, async () => {
    const s = await createScratch(dialect);
    try {
      await syncSchema(s.database);
      assertSameSchema(await introspect(s.database), expectedSchema(dialect), dialect);
      assert.deepEqual(await currentHeads(s.database), ['2024_1_contract01']);
      await syncSchema(s.database); // a second call is a no-op
      assert.deepEqual(await currentHeads(s.database), ['2024_1_contract01']);
    } finally {
      await s.drop();
    }
  });
}

test('sqlite: at wallaby_contract01 sqlite_master is identical to what Glance 25.1 wrote', async () => {
  const s = await createScratch('sqlite');
  try {
    // Glance 25.1's db_sync: the expand branch first, then the contract branch.
    await upgradeTo(s.database, ['wallaby_expand01']);
    await upgradeTo(s.database, ['wallaby_contract01']);
    const ours = (await sql`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name`.execute(s.database.db)).rows;
    const real = JSON.parse(readFileSync(repoPath('test/fixtures/db/glance-25.1-sqlite-master.json'), 'utf8')) as unknown[];
    assert.deepEqual(ours, real);
  } finally {
    await s.drop();
  }
});

test('postgresql: a schema created by Glance 25.1 upgrades to exactly ours', async () => {
  const real = await createScratch('postgresql');
  const fresh = await createScratch('postgresql');
  try {
    const dump = readFileSync(repoPath('test/fixtures/db/glance-25.1-postgresql-schema.sql'), 'utf8')
      .replace(/OWNER TO postgres/g, 'OWNER TO CURRENT_USER');
    await sql.raw(dump).execute(real.database.db);
    await sql`INSERT INTO public.alembic_version VALUES ('wallaby_contract01')`.execute(real.database.db);
    // The dump empties search_path on its connection: start over with fresh connections.
    await real.database.close();
    real.database = await openDatabase(testConfig(real.url));
    assert.deepEqual(await currentHeads(real.database), ['wallaby_contract01']);
    await syncSchema(real.database);
    await syncSchema(fresh.database);
    assertSameSchema(await introspect(real.database), await introspect(fresh.database), 'pg upgraded vs fresh');
    assert.deepEqual(await currentHeads(real.database), ['2024_1_contract01']);
  } finally {
    await real.drop();
    await fresh.drop();
  }
});

/**
 * A MariaDB database written by Debian's real Glance 25.1 (`glance-manage db_sync`, head
 * `wallaby_contract01`, plus a few rows; see test/fixtures/db/README.md) is restored, upgraded by
 * our `glance-manage db_sync`, and compared with a database we built from scratch: identical
 * `SHOW CREATE TABLE` for every table (AUTO_INCREMENT counters aside), and every row kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { sql } from 'kysely';
import { manageExitCode } from '../../src/cli/manage.js';
import { parseConnectionUrl } from '../../src/db/connection-url.js';
import type { Database } from '../../src/db/database.js';
import { currentHeads, syncSchema } from '../../src/db/migrate.js';
import { repoPath } from '../support/repo-root.js';
import { captureIo } from './capture-io.js';
import { createScratch, SERVER_URLS } from './scratch.js';

async function restoreDump(dbName: string, file: string): Promise<void> {
  const u = parseConnectionUrl(SERVER_URLS.mysql);
  const conn = await createConnection({
    host: u.host ?? '127.0.0.1', port: u.port ?? 3306, user: u.user ?? 'root', password: u.password ?? undefined,
    database: dbName, multipleStatements: true,
  });
  try {
    await conn.query(readFileSync(file, 'utf8'));
  } finally {
    await conn.end();
  }
}

async function showCreateTables(d: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const tables = (await sql<Record<string, string>>`SHOW TABLES`.execute(d.db)).rows.map((r) => Object.values(r)[0]!);
  for (const t of tables) {
    const r = (await sql.raw<Record<string, string>>(`SHOW CREATE TABLE \`${t}\``).execute(d.db)).rows[0]!;
    out[t] = r['Create Table']!.replace(/ AUTO_INCREMENT=\d+/, '');
  }
  return out;
}

test('mariadb: a Glance 25.1 database (wallaby_contract01) upgrades to head without data loss', async () => {
  const real = await createScratch('mysql');
  const fresh = await createScratch('mysql');
  try {
    await restoreDump(real.name, repoPath('test/fixtures/db/glance-25.1-mariadb.sql'));
    assert.deepEqual(await currentHeads(real.database), ['wallaby_contract01']);
    const before = (await sql`SELECT * FROM images ORDER BY id`.execute(real.database.db)).rows;

    const io = captureIo();
    assert.equal(await manageExitCode(['--config-file', real.configFile, 'db', 'check'], io), 3);
    assert.equal(await manageExitCode(['--config-file', real.configFile, 'db_sync'], io), 0);
    const running = io.lines.filter((l) => l.includes('Running upgrade')).map((l) => l.replace(/^.*\[-\] /, ''));
    assert.deepEqual(running, [
      'Running upgrade wallaby_expand01 -> xena_expand01, empty expand for symmetry with 2023_1_expand01',
      'Running upgrade xena_expand01 -> yoga_expand01, empty expand for symmetry with 2023_1_expand01',
      'Running upgrade yoga_expand01 -> zed_expand01, empty expand for symmetry with 2023_1_expand01',
      'Running upgrade zed_expand01 -> 2023_1_expand01, empty expand for symmetry with 2023_1_expand01',
      'Running upgrade 2023_1_expand01 -> 2024_1_expand01, adds cache_node_reference and cached_images table(s)',
      'Running upgrade wallaby_contract01 -> xena_contract01',
      'Running upgrade xena_contract01 -> yoga_contract01',
      'Running upgrade yoga_contract01 -> zed_contract01',
      'Running upgrade zed_contract01 -> 2023_1_contract01',
      'Running upgrade 2023_1_contract01 -> 2024_1_contract01',
    ]);
    // During the contract phase alembic_version holds both branches' rows.
    assert.ok(io.lines.some((l) => /^Upgraded database to: 2024_1_expand01, current revision\(s\): (wallaby_contract01, 2024_1_expand01|2024_1_expand01, wallaby_contract01)$/.test(l)));
    assert.deepEqual(await currentHeads(real.database), ['2024_1_contract01']);
    assert.equal(await manageExitCode(['--config-file', real.configFile, 'db', 'check'], io), 0);

    await syncSchema(fresh.database);
    assert.deepEqual(await showCreateTables(real.database), await showCreateTables(fresh.database));

    assert.deepEqual((await sql`SELECT * FROM images ORDER BY id`.execute(real.database.db)).rows, before);
    const count = async (t: string) =>
      Number((await sql.raw<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).execute(real.database.db)).rows[0]!.n);
    assert.deepEqual(
      { props: await count('image_properties'), tags: await count('image_tags'), members: await count('image_members'),
        locations: await count('image_locations'), tasks: await count('tasks'), info: await count('task_info') },
      { props: 3, tags: 2, members: 1, locations: 1, tasks: 1, info: 1 },
    );
    const loc = (await sql<{ meta_data: string }>`SELECT meta_data FROM image_locations`.execute(real.database.db)).rows[0]!;
    assert.equal(loc.meta_data, '{"store": "fs"}');
  } finally {
    await real.drop();
    await fresh.drop();
  }
});

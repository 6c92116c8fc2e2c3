/**
 * glance-manage against real databases: db_sync's output line by line against the install
 * guide's, the second run's no-op, `db check` exit codes through the upgrade phases, and the
 * version commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { manageExitCode } from '../../src/cli/manage.js';
import { currentHeads, upgradeTo } from '../../src/db/migrate.js';
import { repoPath } from '../support/repo-root.js';
import { captureIo, maskLogPrefix } from './capture-io.js';
import { createScratch } from './scratch.js';

const guideLines = () =>
  readFileSync(repoPath('test/fixtures/db/db-sync-mysql.txt'), 'utf8').trimEnd().split('\n').map(maskLogPrefix);

test('mariadb: db_sync prints the install guide\'s lines; a second run is a no-op', async () => {
  const s = await createScratch('mysql');
  try {
    const io = captureIo();
    assert.equal(await manageExitCode(['--config-file', s.configFile, 'db_sync'], io), 0);
    assert.deepEqual(io.lines.map(maskLogPrefix), guideLines());
    const again = captureIo();
    assert.equal(await manageExitCode(['--config-file', s.configFile, 'db', 'sync'], again), 0);
    assert.deepEqual(again.lines.map(maskLogPrefix), [
      '<ts> <pid> INFO alembic.runtime.migration [-] Context impl MySQLImpl.',
      '<ts> <pid> INFO alembic.runtime.migration [-] Will assume non-transactional DDL.',
      'Database is up to date. No migrations needed.',
    ]);
    assert.deepEqual(await currentHeads(s.database), ['2024_1_contract01']);
  } finally {
    await s.drop();
  }
});

for (const [dialect, impl, ddl] of [
  ['sqlite', 'SQLiteImpl', 'non-transactional'],
  ['postgresql', 'PostgresqlImpl', 'transactional'],
] as const) {
  test(`${dialect}: db_sync prints the same sequence with ${impl} and ${ddl} DDL`, async () => {
    const s = await createScratch(dialect);
    try {
      const io = captureIo();
      assert.equal(await manageExitCode(['--config-file', s.configFile, 'db_sync'], io), 0);
      const expected = guideLines().map((l) =>
        l.replace('MySQLImpl', impl).replace('Will assume non-transactional DDL.', `Will assume ${ddl} DDL.`));
      assert.deepEqual(io.lines.map(maskLogPrefix), expected);
    } finally {
      await s.drop();
    }
  });
}

test('mariadb: db check exit codes 3 / 5 / 4 / 0 through the phases; db version', async () => {
  const s = await createScratch('mysql');
  const run = async (...args: string[]) => {
    const io = captureIo();
    const code = await manageExitCode(['--config-file', s.configFile, ...args], io);
    return { code, out: io.out_lines };
  };
  try {
    const empty = await run('db', 'version');
    assert.match(empty.out[0]!, /^Database is either not under migration control/);
    assert.equal((await run('db', 'check')).code, 3);
    assert.equal((await run('db', 'expand')).code, 0);
    assert.deepEqual((await run('db_version')).out, ['2024_1_expand01']);
    assert.deepEqual((await run('db', 'check')), { code: 5, out: ['Your database is not up to date. Your next step is to run `glance-manage db contract`.'] });
    // A location still using the pre-Train metadata key makes data migration pending.
    await sql`INSERT INTO images (id, status, created_at, deleted, min_disk, min_ram, visibility) VALUES ('i1', 'active', NOW(), 0, 0, 0, 'shared')`.execute(s.database.db);
    await sql`INSERT INTO image_locations (image_id, value, created_at, deleted, meta_data) VALUES ('i1', 'file:///x', NOW(), 0, '{"backend": "fs"}')`.execute(s.database.db);
    assert.equal((await run('db', 'check')).code, 4);
    assert.equal((await run('db', 'contract')).code, 1);
    assert.deepEqual((await run('db', 'migrate')).out, ['Migrated 1 rows']);
    const meta = (await sql<{ meta_data: string }>`SELECT meta_data FROM image_locations`.execute(s.database.db)).rows[0]!;
    assert.equal(meta.meta_data, '{"store": "fs"}');
    assert.equal((await run('db', 'contract')).code, 0);
    assert.deepEqual(await run('db', 'check'), { code: 0, out: ['Database is up to date. No upgrades needed.'] });
    assert.deepEqual((await run('db', 'version')).out, ['2024_1_contract01']);
  } finally {
    await s.drop();
  }
});

test('sqlite: partial upgrades, version_control, legacy heads, and unknown commands', async () => {
  const s = await createScratch('sqlite');
  const run = async (...args: string[]) => {
    const io = captureIo();
    return { code: await manageExitCode(['--config-file', s.configFile, ...args], io), io };
  };
  try {
    await upgradeTo(s.database, ['zed_expand01']);
    await upgradeTo(s.database, ['zed_contract01']);
    assert.deepEqual(await currentHeads(s.database), ['zed_contract01']);
    assert.equal((await run('db', 'check')).code, 3);
    // alembic's bookkeeping during a contract phase: the expand head plus the contract revision.
    await upgradeTo(s.database, ['2024_1_expand01']);
    await upgradeTo(s.database, ['2023_1_contract01']);
    assert.deepEqual((await currentHeads(s.database)).sort(), ['2023_1_contract01', '2024_1_expand01']);
    const up = await run('db', 'upgrade');
    assert.equal(up.code, 0);
    assert.ok(up.io.out_lines.includes('Upgraded database, current revision(s): 2024_1_contract01'));

    await sql`UPDATE alembic_version SET version_num = 'pike01'`.execute(s.database.db);
    assert.deepEqual((await run('db', 'version')).io.out_lines, ['pike_contract01']);
    const vc = await run('db', 'version_control', '--version', 'zed_contract01');
    assert.deepEqual(vc.io.out_lines, ['Placed database under migration control at revision: zed_contract01']);
    assert.equal((await run('db', 'frobnicate')).code, 2);
    const none = await run();
    assert.equal(none.code, 2);
  } finally {
    await s.drop();
  }
});

test('postgresql: rolling-upgrade commands are refused as Glance refuses them', async () => {
  const s = await createScratch('postgresql');
  try {
    const io = captureIo();
    assert.equal(await manageExitCode(['--config-file', s.configFile, 'db', 'check'], io), 1);
    assert.ok(io.lines.includes('Rolling upgrades are currently supported only for MySQL and Sqlite'));
  } finally {
    await s.drop();
  }
});

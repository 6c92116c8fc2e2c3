/**
 * `glance-manage db load_metadefs`, `export_metadefs` and `unload_metadefs` with the crafted files
 * of test/fixtures/metadefs: Glance's log lines, the refused option combinations (logged, exit 0
 * as in Glance), skipping and merging, unreadable files, the legacy positional form, the
 * `metadata_source_path` default, and a load → export → unload → load → export round trip that
 * reproduces the same files, on SQLite and MariaDB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manageExitCode } from '../../src/cli/manage.js';
import { syncSchema } from '../../src/db/migrate.js';
import { repoPath } from '../support/repo-root.js';
import { captureIo, maskLogPrefix } from './capture-io.js';
import { createScratch, type Scratch } from './scratch.js';

const FIXTURES = repoPath('test', 'fixtures', 'metadefs');
const FILES = ['test-cpu-options.json', 'test-private.json', 'test-software.json'];
const LOG = '<ts> <pid> INFO glance.db.sqlalchemy.metadata [-]';
const ERR = '<ts> <pid> ERROR glance.db.sqlalchemy.metadata [-]';

async function withScratch(dialect: 'sqlite' | 'mysql', body: (s: Scratch, run: (...args: string[]) => Promise<string[]>) => Promise<void>): Promise<void> {
  const s = await createScratch(dialect);
  try {
    await syncSchema(s.database);
    const run = async (...args: string[]) => {
      const io = captureIo();
      assert.equal(await manageExitCode(['--config-file', s.configFile, ...args], io), 0, io.lines.join('\n'));
      return io.lines.map(maskLogPrefix);
    };
    await body(s, run);
  } finally {
    await s.drop();
  }
}

const count = async (s: Scratch, table: 'metadef_namespaces' | 'metadef_resource_types') =>
  (await s.database.db.selectFrom(table).selectAll().execute()).length;

test('sqlite: load logs each file, refuses option mixes, skips or merges existing namespaces', async () => {
  await withScratch('sqlite', async (s, run) => {
    assert.deepEqual(await run('db', 'load_metadefs', '--prefer_new'), [
      `${ERR} To use --prefer_new or --overwrite you need to combine of these options with --merge option.`,
    ]);
    assert.deepEqual(await run('db', 'load_metadefs', '--merge', '--prefer_new', '--overwrite', '--path', FIXTURES), [
      `${ERR} Please provide no more than one option from this list: --prefer_new, --overwrite`,
    ]);
    assert.deepEqual(await run('db', 'load_metadefs', '--path', '/nonexistent/metadefs'), [
      `${ERR} [Errno 2] No such file or directory: '/nonexistent/metadefs'`,
    ]);
    assert.equal(await count(s, 'metadef_namespaces'), 0);

    assert.deepEqual(await run('db', 'load_metadefs', '--path', FIXTURES), [
      ...FILES.map((f) => `${LOG} File ${join(FIXTURES, f)} loaded to database.`),
      `${LOG} Metadata loading finished`,
    ]);
    assert.equal(await count(s, 'metadef_namespaces'), 3);
    assert.equal(await count(s, 'metadef_resource_types'), 4);
    assert.deepEqual(await run('db', 'load_metadefs', '--path', FIXTURES), [
      `${LOG} Skipping namespace OS::Test::CPUOptions. It already exists in the database.`,
      `${LOG} Skipping namespace Test::Private. It already exists in the database.`,
      `${LOG} Skipping namespace OS::Test::Software. It already exists in the database.`,
      `${LOG} Metadata loading finished`,
    ]);
    const one = join(FIXTURES, 'test-private.json');
    assert.deepEqual(await run('db', 'load_metadefs', '--path', one, '--merge', '--overwrite'), [
      `${LOG} Overwriting namespace Test::Private`, `${LOG} File ${one} loaded to database.`, `${LOG} Metadata loading finished`,
    ]);
    // The legacy spelling takes the path (and flags) as positionals.
    assert.deepEqual((await run('db_load_metadefs', one, 'True')).at(-2), `${LOG} File ${one} loaded to database.`);
  });
});

test('sqlite: unreadable files are skipped, an empty directory aborts, the default path is metadata_source_path', async () => {
  await withScratch('sqlite', async (s, run) => {
    const dir = mkdtempSync(join(tmpdir(), 'glance-ts-metadefs-src-'));
    try {
      assert.deepEqual(await run('db', 'load_metadefs', '--path', dir), [`${ERR} Json schema files not found in ${dir}. Aborting.`]);
      writeFileSync(join(dir, 'a-broken.json'), '{"namespace": ');
      writeFileSync(join(dir, 'b-nameless.json'), '{"display_name": "x"}');
      writeFileSync(join(dir, 'c-good.json'), readFileSync(join(FIXTURES, 'test-software.json')));
      writeFileSync(join(dir, 'notes.txt'), 'not metadata');
      writeFileSync(s.configFile, `${readFileSync(s.configFile, 'utf8')}\n[DEFAULT]\nmetadata_source_path = ${dir}/\n`);
      const lines = await run('db', 'load_metadefs');
      assert.equal(lines.length, 4);
      assert.match(lines[0]!, new RegExp(`^${ERR.replace(/[[\]]/g, '\\$&')} Failed to parse json file ${dir}/a-broken.json while populating metadata due to: `));
      assert.equal(lines[1], `${ERR} Failed to parse json file ${dir}/b-nameless.json while populating metadata due to: 'namespace' is missing`);
      assert.equal(lines[2], `${LOG} File ${dir}/c-good.json loaded to database.`);
      assert.equal(await count(s, 'metadef_namespaces'), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const dialect of ['sqlite', 'mysql'] as const) {
  test(`${dialect}: load → export → unload → load → export reproduces the files`, async () => {
    await withScratch(dialect, async (s, run) => {
      const out1 = mkdtempSync(join(tmpdir(), 'glance-ts-export-'));
      const out2 = mkdtempSync(join(tmpdir(), 'glance-ts-export-'));
      try {
        await run('db', 'load_metadefs', '--path', FIXTURES);
        assert.deepEqual(await run('db', 'export_metadefs', '--path', out1), [
          `${LOG} Namespace TestCPUOptions saved in ${out1}/TestCPUOptions.json`,
          `${LOG} Namespace TestPrivate saved in ${out1}/TestPrivate.json`,
          `${LOG} Namespace TestSoftware saved in ${out1}/TestSoftware.json`,
        ]);
        const exported = JSON.parse(readFileSync(join(out1, 'TestSoftware.json'), 'utf8')) as Record<string, unknown>;
        const fixture = JSON.parse(readFileSync(join(FIXTURES, 'test-software.json'), 'utf8')) as Record<string, unknown>;
        assert.deepEqual(Object.keys(exported), ['namespace', 'display_name', 'description', 'visibility', 'protected',
          'resource_type_associations', 'properties', 'objects', 'tags']);
        assert.deepEqual(exported.objects, fixture.objects);
        assert.deepEqual(exported.tags, fixture.tags);
        assert.deepEqual(await run('db', 'unload_metadefs'), ['metadef_properties', 'metadef_objects', 'metadef_tags',
          'metadef_namespace_resource_types', 'metadef_namespaces', 'metadef_resource_types'].map((t) => `${LOG} Table ${t} has been cleared`));
        assert.equal(await count(s, 'metadef_namespaces'), 0);
        assert.equal(await count(s, 'metadef_resource_types'), 0);
        await run('db', 'load_metadefs', '--path', out1);
        await run('db', 'export_metadefs', '--path', out2);
        assert.deepEqual(readdirSync(out2), readdirSync(out1));
        for (const f of readdirSync(out1)) assert.equal(readFileSync(join(out2, f), 'utf8'), readFileSync(join(out1, f), 'utf8'), f);
        assert.equal((await run('db', 'export_metadefs', '--path', out2))[0], `${LOG} Overwriting: ${out2}/TestCPUOptions.json`);
      } finally {
        rmSync(out1, { recursive: true, force: true });
        rmSync(out2, { recursive: true, force: true });
      }
    });
  });
}

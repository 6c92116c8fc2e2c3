/**
 * Filesystem driver specifics on real directories: Glance's layout and URIs, confinement of
 * reads to the data directories, `filesystem_store_file_perm`, thin provisioning, the metadata
 * file, and crash recovery (a writer killed with SIGKILL leaves only a partial name, which
 * `sweep()` removes while sparing live writes).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, test } from 'node:test';
import { FilesystemDriver } from '../../src/store/filesystem/filesystem-driver.js';
import { hostTag, parsePartialName, partialName } from '../../src/store/filesystem/partial-names.js';
import { repoPath } from '../support/repo-root.js';
import { patternBytes, putBytes, readAll, rejectsWith } from './store-test-kit.js';

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'glance-fs-')); });
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

test('an existing Glance data dir is served as is: file://<datadir>/<id>, trailing slash or not', async () => {
  const dir = join(root, 'images');
  await mkdir(dir);
  const id = randomUUID();
  await writeFile(join(dir, id), 'glance wrote this');
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: `${dir}/` });
  const loc = { url: `file://${dir}/${id}`, metadata: { store: 'fs' } };
  assert.equal((await readAll(await driver.read(loc))).toString(), 'glance wrote this');
  const written = await putBytes(driver, randomUUID(), Buffer.from('new'));
  assert.match(written.url, new RegExp(`^file://${dir}/[0-9a-f-]{36}$`));
  assert.deepEqual(written.metadata, {}, 'single-store locations carry no store tag, as in Glance');
});

test('reads, stats and deletes are confined to the data directories', async () => {
  const dir = join(root, 'images');
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir });
  await writeFile(join(root, 'secret'), 'no');
  const partial = join(dir, partialName(randomUUID()));
  await writeFile(partial, 'half');
  for (const url of [`file://${root}/secret`, `file://${dir}/../secret`, `file://${partial}`, 'file://relative/x', `http://h${dir}/x`]) {
    assert.equal(driver.owns(url), false, url);
    await rejectsWith(driver.read({ url, metadata: {} }), 'bad_uri', 'bad_request');
    await rejectsWith(driver.delete({ url, metadata: {} }), 'bad_uri');
  }
});

test('ids that cannot name a file in the directory are invalid_id', async () => {
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: join(root, 'images') });
  for (const id of ['', '../escape', 'a/b', '.hidden', 'nul\0']) await rejectsWith(driver.write(id), 'invalid_id', 'bad_request');
});

test('filesystem_store_file_perm is applied (octal digits), and the directory gets search rights for group', async () => {
  const dir = join(root, 'images');
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o700);
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir, filePerm: 640 });
  const loc = await putBytes(driver, randomUUID(), Buffer.from('x'));
  assert.equal((await stat(loc.url.slice('file://'.length))).mode & 0o777, 0o640);
  assert.equal((await stat(dir)).mode & 0o777, 0o710);
});

test('a file perm without owner read disables writes (410) with a warning; reads still work', async () => {
  const warnings: string[] = [];
  const dir = join(root, 'images');
  await mkdir(dir);
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir, filePerm: 240, warn: (m) => warnings.push(m) });
  assert.equal(driver.capabilities.write, false);
  assert.match(warnings.join('\n'), /filesystem_store_file_perm/);
  await rejectsWith(driver.write(randomUUID()), 'add_disabled', 'gone');
  await writeFile(join(dir, 'abc'), 'old image');
  assert.equal((await readAll(await driver.read({ url: `file://${dir}/abc`, metadata: {} }))).toString(), 'old image');
});

test('thin provisioning skips zero chunks: same bytes back, fewer blocks on disk', async () => {
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: join(root, 'images'), thinProvisioning: true });
  const data = Buffer.concat([Buffer.alloc(4 << 20), Buffer.from('middle'), Buffer.alloc(4 << 20)]);
  const loc = await putBytes(driver, randomUUID(), data, 1 << 20);
  assert.ok((await readAll(await driver.read(loc))).equals(data));
  const st = await stat(loc.url.slice('file://'.length));
  assert.equal(st.size, data.length);
  assert.ok(st.blocks * 512 < data.length / 2, `allocated ${st.blocks * 512} of ${data.length}`);
});

test('the metadata file is added to new locations (object, or the entry of the matching mount point)', async () => {
  const dir = join(root, 'images');
  const list = join(root, 'meta-list.json');
  await writeFile(list, JSON.stringify([{ id: 'other', mountpoint: '/elsewhere' }, { id: 'nfs1', mountpoint: dir }]));
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir, metadataFile: list, tagLocations: true });
  const loc = await putBytes(driver, randomUUID(), Buffer.from('x'));
  assert.deepEqual(loc.metadata, { id: 'nfs1', mountpoint: dir, store: 'fs' });
  const bad = join(root, 'bad.json');
  await writeFile(bad, '[1,2]');
  const warnings: string[] = [];
  const broken = await FilesystemDriver.open({ id: 'fs2', datadir: join(root, 'b'), metadataFile: bad, warn: (m) => warnings.push(m) });
  assert.equal(broken.capabilities.write, false);
  assert.equal(warnings.length, 1);
});

test('a writer killed with SIGKILL leaves only a partial name; sweep removes it and spares live writes', async () => {
  const dir = join(root, 'images');
  const id = randomUUID();
  const script = join(root, 'writer.mjs');
  const driverUrl = pathToFileURL(repoPath('dist', 'src', 'store', 'filesystem', 'filesystem-driver.js')).href;
  await writeFile(script, `
    import { FilesystemDriver } from ${JSON.stringify(driverUrl)};
    const d = await FilesystemDriver.open({ id: 'fs', datadir: process.argv[2] });
    const w = await d.write(process.argv[3]);
    w.stream.write(Buffer.alloc(1 << 20, 7), () => process.stdout.write('ready\\n'));
    setInterval(() => {}, 1000);
  `);
  const child = spawn(process.execPath, [script, dir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('ready')) resolve(); });
    child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;

  const left = await readdir(dir);
  assert.equal(left.length, 1);
  assert.deepEqual(parsePartialName(left[0]!), { pid: child.pid, host: hostTag(), imageId: id });

  // Leftovers of others: a live process on this host, another host (fresh, and idle for 2 h).
  const liveHere = `.glance-partial.${process.ppid}.0123456789ab.${hostTag()}.${randomUUID()}`;
  const otherFresh = `.glance-partial.1.0123456789ab.other-node.${randomUUID()}`;
  const otherIdle = `.glance-partial.1.0123456789ab.other-node.${randomUUID()}`;
  for (const n of [liveHere, otherFresh, otherIdle, '.unrelated-dotfile']) await writeFile(join(dir, n), 'x');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  await utimes(join(dir, otherIdle), twoHoursAgo, twoHoursAgo);

  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir });
  const active = await driver.write(randomUUID());
  active.stream.write(Buffer.from('in progress'));
  const image = await putBytes(driver, randomUUID(), patternBytes(1000));

  assert.deepEqual((await driver.sweep()).sort(), [id, parsePartialName(otherIdle)!.imageId].sort());
  const after = await readdir(dir);
  assert.ok(!after.includes(left[0]!) && !after.includes(otherIdle));
  for (const n of [liveHere, otherFresh, '.unrelated-dotfile']) assert.ok(after.includes(n), `${n} kept`);
  assert.equal(after.filter((n) => parsePartialName(n)?.pid === process.pid).length, 1, 'the active write is kept');
  await driver.stat(image);
  const loc = await active.commit();
  assert.equal((await readAll(await driver.read(loc))).toString(), 'in progress');
});

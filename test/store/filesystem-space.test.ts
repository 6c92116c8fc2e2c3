/**
 * Filesystem driver failures that need real filesystems: a full disk (1 MiB tmpfs → ENOSPC →
 * 413, nothing left), permission denied (EACCES → 503, produced by dropping the effective uid
 * of this process to `nobody` around the call, since root bypasses permission bits), a
 * filesystem turned read-only (EROFS → 503) or read-only from the start (writes disabled → 410),
 * and `filesystem_store_datadirs` choosing by priority and free space on tmpfs mounts of
 * different sizes. Tests that need root to mount are skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, test, type TestContext } from 'node:test';
import { parseDatadirs } from '../../src/store/filesystem/datadirs.js';
import { FilesystemDriver } from '../../src/store/filesystem/filesystem-driver.js';
import { patternBytes, putBytes, rejectsWith } from './store-test-kit.js';
import { mountTmpfs, type Tmpfs } from './tmpfs.js';

const MiB = 1024 * 1024;
let root: string;
let mounts: Tmpfs[];

beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'glance-fs-space-')); mounts = []; });
afterEach(async () => {
  for (const m of mounts.reverse()) await m.unmount();
  await rm(root, { recursive: true, force: true });
});

// Mounts a tmpfs under the test's root, or skips the test with the reason.
async function tmpfs(t: TestContext, name: string, size: number, opts: { readOnly?: boolean } = {}): Promise<string | null> {
  const m = await mountTmpfs(join(root, name), size, opts);
  if (typeof m === 'string') { t.skip(m); return null; }
  mounts.push(m);
  return m.path;
}

test('ENOSPC mid-write: 413 with Glance\'s message, and nothing left on the filesystem', async (t) => {
  const dir = await tmpfs(t, 'small', MiB);
  if (dir === null) return;
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir });
  const w = await driver.write(randomUUID());
  async function* threeMiB() { for (let i = 0; i < 48; i++) yield patternBytes(64 * 1024, i); }
  const err = await rejectsWith(pipeline(threeMiB(), w.stream), 'storage_full', 'too_large');
  assert.equal(err.message, 'Image storage media is full: There is not enough disk space on the image storage media.');
  assert.equal(err.errno, 'ENOSPC');
  assert.deepEqual(await readdir(dir), [], 'the partial file is gone when the error is seen');
  await w.cancel();
  await rejectsWith(w.commit(), 'storage_full');
  // The space is back: a small image fits.
  await putBytes(driver, randomUUID(), patternBytes(100_000));
});

test('EACCES when creating the file: 503 "Insufficient permissions on image storage media"', async (t) => {
  const dir = join(root, 'images');
  await mkdir(dir, { mode: 0o700 });
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir });
  if (typeof process.seteuid !== 'function' || process.geteuid?.() !== 0) {
    t.skip('needs root to switch the effective uid (a non-root owner would pass its own permission bits)');
    return;
  }
  let err;
  process.seteuid(65534);
  try {
    err = await rejectsWith(driver.write(randomUUID()), 'write_denied', 'service_unavailable');
  } finally {
    process.seteuid(0);
  }
  assert.equal(err.message, 'Insufficient permissions on image storage media: Permission to write image storage media denied.');
  assert.equal(err.errno, 'EACCES');
  assert.deepEqual(await readdir(dir), []);
});

test('a filesystem turned read-only (EROFS) is 503; one read-only from the start disables writes (410)', async (t) => {
  const dir = await tmpfs(t, 'rw', MiB);
  if (dir === null) return;
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: dir });
  await mounts[0]!.remountReadOnly();
  await rejectsWith(driver.write(randomUUID()), 'write_denied', 'service_unavailable');

  const roDir = await tmpfs(t, 'ro', MiB, { readOnly: true });
  if (roDir === null) return;
  const warnings: string[] = [];
  const ro = await FilesystemDriver.open({ id: 'ro', datadir: roDir, warn: (m) => warnings.push(m) });
  assert.equal(ro.capabilities.write, false);
  assert.match(warnings[0] ?? '', /Permission to write in .* denied/);
  await rejectsWith(ro.write(randomUUID()), 'add_disabled', 'gone');
});

test('datadirs: highest priority with room; most free space within a priority; none → 413', async (t) => {
  const hi = await tmpfs(t, 'hi', MiB);
  const midSmall = hi && await tmpfs(t, 'mid-small', 2 * MiB);
  const midBig = midSmall && await tmpfs(t, 'mid-big', 4 * MiB);
  if (midBig === null || midSmall === null || hi === null) return;
  const low = join(root, 'low');
  const driver = await FilesystemDriver.open({
    id: 'fs', datadir: '', tagLocations: true,
    datadirs: [`${low}:0`, `${midSmall}:100`, `${hi}:200`, `${midBig}:100`],
  });
  const dirOf = async (sizeHint: number) => {
    const w = await driver.write(randomUUID(), { sizeHint });
    await pipeline([Buffer.from('x')], w.stream);
    return dirname((await w.commit()).url.slice('file://'.length));
  };
  assert.equal(await dirOf(100 * 1024), hi);
  assert.equal(await dirOf(1.5 * MiB), midBig);
  assert.equal(await dirOf(3 * MiB), midBig);
  assert.equal(await dirOf(64 * MiB), low);

  const tmpfsOnly = await FilesystemDriver.open({ id: 'fs2', datadir: '', datadirs: [`${hi}:1`, `${midBig}:1`] });
  const err = await rejectsWith(tmpfsOnly.write(randomUUID(), { sizeHint: 16 * MiB }), 'storage_full', 'too_large');
  assert.equal(err.message, `Image storage media is full: There is no enough disk space left on the image storage media. requested=${16 * MiB}`);
});

test('an id stored in any data directory is a duplicate', async () => {
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  const driver = await FilesystemDriver.open({ id: 'fs', datadir: '', datadirs: [`${a}:1`, `${b}:2`] });
  const id = randomUUID();
  const low = await FilesystemDriver.open({ id: 'fs', datadir: a });
  await putBytes(low, id, Buffer.from('in the low-priority dir'));
  await rejectsWith(driver.write(id), 'duplicate', 'conflict');
});

test('filesystem_store_datadirs lines: path[:priority], errors as glance_store', () => {
  assert.deepEqual(parseDatadirs('fs', ['/a:100', '/b', ' /c : 5 ', '/a:100']), [
    { path: '/a', priority: 100 }, { path: '/b', priority: 0 }, { path: '/c', priority: 5 },
  ]);
  for (const bad of [['/a:x'], [':5'], ['/a:1', '/a:2']]) {
    assert.throws(() => parseDatadirs('fs', bad), (e: unknown) => (e as { reason?: string }).reason === 'bad_config', bad.join(' '));
  }
});

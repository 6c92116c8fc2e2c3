/**
 * The real `bin/glance-scrubber` process against a running API's configuration file (SQLite
 * shared between the two processes, filesystem store): one pass, `--restore` (the image comes
 * back downloadable), Glance's error messages and exit statuses, and `--daemon`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eventually, startDataApi, type DataApi } from '../data/data-harness.js';
import { repoPath } from '../support/repo-root.js';
import { activeImage, imageRow } from './scrubber-support.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Runs glance-scrubber with `args` to its end. */
function scrubber(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('bin', 'glance-scrubber'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('glance-scrubber', () => {
  let api: DataApi;
  let conf: string;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { delayed_delete: 'True' } } });
    conf = join(api.dir, 'glance-api.conf');
  });
  after(async () => {
    await api?.close();
  });

  test('--restore brings a pending_delete image back, downloadable; errors are Glance\'s', async () => {
    const { id, data } = await activeImage(api);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal((await api.call('demo', 'GET', `/v2/images/${id}`)).status, 404);

    const restored = await scrubber(['--config-file', conf, '--restore', id]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(restored.stdout, '');
    const image = await api.image(id, 'demo');
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, md5(data));
    const back = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(back.status, 200);
    assert.equal(md5(back.body), md5(data));

    const again = await scrubber(['--config-file', conf, `--restore=${id}`]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim().split('\n').at(-1), 'ERROR: cannot restore the image from active to active (wanted from_state=pending_delete)');

    const missing = randomUUID();
    const unknown = await scrubber(['--config-file', conf, '--restore', missing]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim().split('\n').at(-1), `ERROR: No image found with ID ${missing}`);

    const both = await scrubber(['--config-file', conf, '--restore', id, '--daemon']);
    assert.equal(both.code, 1);
    assert.equal(both.stderr.trim(), 'ERROR: The restore and daemon options should not be set together. Please use either of them in one request.');

    const bad = await scrubber(['--config-file', conf, '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /glance-scrubber: error: unrecognized arguments: --bogus/);
  });

  test('one pass (the default) deletes the data and the image; it can no longer be restored', async () => {
    const { id } = await activeImage(api);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.ok((await api.entries(api.dataDir)).includes(id));

    const pass = await scrubber(['--config-file', conf]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.equal((await api.entries(api.dataDir)).includes(id), false);
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'deleted', deleted: true });
    assert.match(pass.stderr, new RegExp(`Image ${id} has been scrubbed successfully`));

    const late = await scrubber(['--config-file', conf, '--restore', id]);
    assert.equal(late.code, 1);
    assert.equal(late.stderr.trim().split('\n').at(-1), 'ERROR: cannot restore the image from deleted to active (wanted from_state=pending_delete)');
  });

  test('--daemon scrubs every wakeup_time until SIGTERM, then exits 0', async () => {
    const child = spawn(process.execPath, [repoPath('bin', 'glance-scrubber'), '--config-file', conf, '--daemon', '--wakeup_time', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // Deleted after the daemon started, so a later pass (not the first) must find it.
      assert.ok(await eventually(async () => stderr.includes('Starting scrubber'), 10_000), stderr);
      const { id } = await activeImage(api);
      assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
      assert.ok(await eventually(async () => (await imageRow(api.app.database, id)).status === 'deleted', 10_000), stderr);
      assert.equal((await api.entries(api.dataDir)).includes(id), false);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });
});

/**
 * Nothing half-written across a crash: a real `glance-api` process is killed with SIGKILL in
 * the middle of an upload (no handler runs, the partial file stays on disk, the image stays
 * `saving`), then started again on the same configuration. Start-up sweeps the partial file
 * before it listens, and the image goes back to `queued` once its upload has been silent for
 * three `upload_heartbeat_interval`s (1 s here).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { identityHeaders } from '../api/api-harness.js';
import { repoPath } from '../support/repo-root.js';
import { killApi, startApi, type ApiProcess } from '../support/api-process.js';
import { eventually } from './data-harness.js';
import { openUpload } from './raw-upload.js';

const MiB = 1024 * 1024;

let api: ApiProcess;
let restarted: ChildProcess | null = null;

before(async () => {
  api = await startApi('[DEFAULT]\nupload_heartbeat_interval = 1\n');
});

after(async () => {
  if (restarted !== null && restarted.exitCode === null) {
    const exited = new Promise((r) => restarted!.once('exit', r));
    restarted.kill('SIGTERM');
    await exited;
  }
  if (api === undefined) return;
  // stop() waits for an exit that, after the SIGKILL, already happened.
  if (api.child.exitCode === null && api.child.signalCode === null) await api.stop();
  else rmSync(api.dir, { recursive: true, force: true });
});

const imagesDir = (): string => join(api.dir, 'images');

async function imageStatus(id: string): Promise<string> {
  const res = await fetch(`${api.url}/v2/images/${id}`, { headers: identityHeaders('admin') });
  return ((await res.json()) as { status: string }).status;
}

/** Starts `bin/glance-api` again on the first process's config file and port. */
async function restart(): Promise<void> {
  const logFd = openSync(join(api.dir, 'glance-api-restarted.stderr'), 'a');
  restarted = spawn(process.execPath, [repoPath('bin', 'glance-api'), '--config-file', api.configFile], {
    cwd: api.dir,
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  const up = await eventually(async () => {
    if (restarted!.exitCode !== null) throw new Error(`restarted glance-api exited ${restarted!.exitCode}`);
    try {
      return (await fetch(`${api.url}/versions`)).status === 200;
    } catch {
      return false;
    }
  }, 15_000);
  assert.ok(up, 'restarted glance-api did not answer');
}

test('SIGKILL mid-upload: the restart sweeps the partial file and requeues the image', async () => {
  const created = await fetch(`${api.url}/v2/images`, {
    method: 'POST',
    headers: { ...identityHeaders('demo'), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'killed', disk_format: 'raw', container_format: 'bare' }),
  });
  assert.equal(created.status, 201);
  const id = ((await created.json()) as { id: string }).id;

  const upload = await openUpload(api.port, id, { contentLength: 8 * MiB });
  await upload.send(randomBytes(3 * MiB));
  assert.ok(await eventually(async () => (await imageStatus(id)) === 'saving'), 'the upload never started');
  assert.ok(await eventually(async () => readdirSync(imagesDir()).some((f) => f.includes(id))), 'no partial file');

  await killApi(api, 'SIGKILL');
  upload.destroy();
  // The kill left exactly what a crash leaves: a partial file, never a file under the image id.
  const left = readdirSync(imagesDir());
  assert.equal(left.length, 1, left.join(', '));
  assert.match(left[0]!, new RegExp(`^\\.glance-partial\\..*\\.${id}$`));

  await restart();
  // Swept before the restarted process listened.
  assert.deepEqual(readdirSync(imagesDir()), []);
  const log = readFileSync(join(api.dir, 'glance-api-restarted.stderr'), 'utf8');
  assert.match(log, new RegExp(`removed data of interrupted uploads.*${id}|${id}.*removed data of interrupted uploads`));
  assert.ok(await eventually(async () => (await imageStatus(id)) === 'queued', 10_000), `image is ${await imageStatus(id)}`);

  // And it can be uploaded again.
  const data = randomBytes(MiB);
  const again = await fetch(`${api.url}/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { ...identityHeaders('demo'), 'content-type': 'application/octet-stream' },
    body: data,
  });
  assert.equal(again.status, 204);
  assert.equal(await imageStatus(id), 'active');
  assert.deepEqual(readdirSync(imagesDir()), [id]);
});

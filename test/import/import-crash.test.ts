/**
 * An import cut off by its process: glance-api (a real process, SQLite, heartbeat 1 s) imports
 * with web-download from a local server that sends part of the data and then holds the
 * connection, so the task is caught mid-flight.
 * - kill -9, then a restart: the task ends `failure` (interrupted), the image is back in
 *   `queued` without the lock or store bookkeeping, and no data is left in staging or the store.
 * - SIGTERM: the process reverts and fails the task itself before it exits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { killApi, relaunch, startApi, type ApiProcess } from '../support/api-process.js';
import { INTERRUPTED } from '../../src/import/task-runner.js';

describe('an import cut off by its process', () => {
  let api: ApiProcess;
  let web: Server;
  let port: number;
  const held: ServerResponse[] = [];

  before(async () => {
    // Half a megabyte at once, then nothing until the test ends.
    web = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
      res.write(Buffer.alloc(512 * 1024, 7));
      held.push(res);
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    port = (web.address() as AddressInfo).port;
    api = await startApi([
      '[DEFAULT]', 'upload_heartbeat_interval = 1',
      '[import_filtering_opts]', 'allowed_hosts = 127.0.0.1', `allowed_ports = ${port}`,
    ].join('\n'));
  });
  after(async () => {
    for (const r of held) r.destroy();
    web?.closeAllConnections();
    web?.close();
    await api?.stop();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-roles': 'admin', 'x-project-id': 'crash' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
  };
  const tasksOf = async (id: string) => (await call('GET', `/v2/images/${id}/tasks`)).json.tasks as Array<Record<string, unknown>>;
  const until = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const startImport = async () => {
    const id = (await call('POST', '/v2/images', { name: 'cut', disk_format: 'raw', container_format: 'bare' })).json.id as string;
    assert.equal((await call('POST', `/v2/images/${id}/import`, { method: { name: 'web-download', uri: `http://127.0.0.1:${port}/big.raw` } })).status, 202);
    await until('the import to be under way', async () => (await tasksOf(id))[0]?.status === 'processing'
      && (await call('GET', `/v2/images/${id}`)).json.status === 'importing');
    return id;
  };
  const assertReverted = async (id: string) => {
    const [task] = await tasksOf(id);
    assert.equal(task!.status, 'failure');
    assert.equal(task!.message, INTERRUPTED);
    const image = (await call('GET', `/v2/images/${id}`)).json;
    assert.equal(image.status, 'queued');
    assert.ok(!('os_glance_import_task' in image), 'the import lock is released');
    assert.equal(image.os_glance_importing_to_stores, '');
    const files = (dir: string) => readdirSync(join(api.dir, dir)).filter((f) => f.includes(id));
    assert.deepEqual(files('staging'), [], 'nothing left in staging');
    assert.deepEqual(files('images'), [], 'nothing left in the store');
  };

  test('kill -9 mid-import, then restart: the task fails, the image is queued, no data is left', async () => {
    const id = await startImport();
    await killApi(api, 'SIGKILL');
    api = await relaunch(api);
    await until('the restarted process to fail the orphaned task', async () => (await tasksOf(id))[0]?.status === 'failure');
    await assertReverted(id);
  });

  test('SIGTERM mid-import: the process reverts the image and fails the task before exiting', async () => {
    const id = await startImport();
    await killApi(api, 'SIGTERM');
    api = await relaunch(api);
    // Checked at once: the stopping process did the work, not the recovery of the new one.
    await assertReverted(id);
  });
});

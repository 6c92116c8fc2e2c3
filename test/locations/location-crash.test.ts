/**
 * A `location_import` task cut off by its process: glance-api (a real process, SQLite, an http
 * store, heartbeat 1 s) adds a location with validation data, and the web server sends part of
 * the data and then holds the connection, so the task is caught while hashing (image
 * `importing`).
 * - kill -9, then a restart: the task ends `failure` (interrupted) and the image is `queued`
 *   again without the location, hash values or lock;
 * - SIGTERM: the stopping process reverts the image and fails the task itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { killApi, relaunch, startApi, type ApiProcess } from '../support/api-process.js';
import { INTERRUPTED } from '../../src/import/task-runner.js';

describe('a location import cut off by its process', () => {
  let api: ApiProcess;
  let web: Server;
  let port: number;
  const held: ServerResponse[] = [];

  before(async () => {
    web = createServer((req, res) => {
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
      if (req.method === 'HEAD') return res.end();
      res.write(Buffer.alloc(512 * 1024, 7));
      held.push(res);
      return undefined;
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    port = (web.address() as AddressInfo).port;
    api = await startApi([
      '[DEFAULT]', 'upload_heartbeat_interval = 1', 'enabled_backends = fs:file,web:http',
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
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-roles': 'member,reader', 'x-project-id': 'crash' },
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
  const startAdding = async () => {
    const id = (await call('POST', '/v2/images', { name: 'cut', disk_format: 'raw', container_format: 'bare' })).json.id as string;
    const body = { url: `http://127.0.0.1:${port}/held.img`, validation_data: { os_hash_algo: 'sha256', os_hash_value: 'ab'.repeat(32) } };
    const added = await call('POST', `/v2/images/${id}/locations`, body);
    assert.equal(added.status, 202, JSON.stringify(added.json));
    await until('the hashing to be under way', async () => (await tasksOf(id))[0]?.status === 'processing'
      && (await call('GET', `/v2/images/${id}`)).json.status === 'importing');
    return id;
  };
  const assertReverted = async (id: string) => {
    const [task] = await tasksOf(id);
    assert.equal(task!.status, 'failure');
    assert.equal(task!.message, INTERRUPTED);
    const image = (await call('GET', `/v2/images/${id}`)).json;
    assert.equal(image.status, 'queued');
    assert.ok(!('os_glance_import_task' in image), 'the lock is released');
    for (const k of ['size', 'checksum', 'os_hash_algo', 'os_hash_value']) assert.equal(image[k], null, k);
    assert.equal(image.stores, undefined, 'no location left');
  };

  test('kill -9 while hashing, then restart: the task fails, the image is queued without the location', async () => {
    const id = await startAdding();
    await killApi(api, 'SIGKILL');
    api = await relaunch(api);
    await until('the restarted process to fail the orphaned task', async () => (await tasksOf(id))[0]?.status === 'failure');
    await assertReverted(id);
  });

  test('SIGTERM while hashing: the process reverts the image and fails the task before exiting', async () => {
    const id = await startAdding();
    await killApi(api, 'SIGTERM');
    api = await relaunch(api);
    await assertReverted(id);
  });
});

/**
 * Two API nodes on one database and one image store, each with its own staging area and
 * `worker_self_reference_url` (Glance's multi-node import): data staged through node A is
 * imported through node B, which replays the import on A (the node holding the data); a delete
 * through B of an image staged on A is replayed on A too, so A's staged data goes with it; with
 * A down, B deletes the image itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { killApi, startApi, startPeerNode, type ApiProcess } from '../support/api-process.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const ID_HEADERS = { 'x-roles': 'member,reader', 'x-project-id': 'two-nodes', 'x-user-id': 'u' };

describe('two API nodes with worker_self_reference_url', () => {
  let a: ApiProcess;
  let b: ApiProcess;

  before(async () => {
    a = await startApi('[DEFAULT]\nworker_self_reference_url = http://127.0.0.1:$bind_port');
    b = await startPeerNode(a);
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  const call = async (node: ApiProcess, method: string, path: string, body?: unknown) => {
    const raw = Buffer.isBuffer(body);
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { ...ID_HEADERS, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : {} };
  };
  const staged = (node: ApiProcess) => readdirSync(join(node.dir, 'staging')).filter((f) => !f.startsWith('.'));
  const create = async () => (await call(b, 'POST', '/v2/images', { name: 'n', disk_format: 'raw', container_format: 'bare' })).json.id as string;

  test('stage on A, import through B: B replays it on A, which imports its staged data', async () => {
    const data = randomBytes(1024 * 1024 + 1);
    const id = await create();
    assert.equal((await call(a, 'PUT', `/v2/images/${id}/stage`, data)).status, 204);
    assert.deepEqual(staged(a), [id]);
    const res = await call(b, 'POST', `/v2/images/${id}/import`, { method: { name: 'glance-direct' } });
    assert.equal(res.status, 202);
    for (let i = 0; (await call(b, 'GET', `/v2/images/${id}`)).json.status !== 'active'; i++) {
      assert.ok(i < 100, `never active\nA: ${a.stderr().slice(-1500)}\nB: ${b.stderr().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const image = (await call(b, 'GET', `/v2/images/${id}`)).json;
    assert.equal(image.checksum, md5(data));
    assert.deepEqual(staged(a), []);
  });

  test('delete through B of an image staged on A removes A\'s staged data; with A down, imports get 504 and B deletes alone', async () => {
    const id = await create();
    assert.equal((await call(a, 'PUT', `/v2/images/${id}/stage`, randomBytes(1000))).status, 204);
    assert.equal((await call(b, 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal((await call(b, 'GET', `/v2/images/${id}`)).status, 404);
    assert.deepEqual(staged(a), []);

    const other = await create();
    const third = await create();
    for (const img of [other, third]) assert.equal((await call(a, 'PUT', `/v2/images/${img}/stage`, randomBytes(1000))).status, 204);
    await killApi(a, 'SIGKILL');
    // An import through B of data staged on a node that is down: Glance's 504.
    const refused = await call(b, 'POST', `/v2/images/${third}/import`, { method: { name: 'glance-direct' } });
    assert.equal(refused.status, 504);
    assert.match(String(refused.json.message), /^Stage host is unavailable/);
    assert.equal((await call(b, 'DELETE', `/v2/images/${other}`)).status, 204);
    assert.equal((await call(b, 'GET', `/v2/images/${other}`)).status, 404);
  });
});

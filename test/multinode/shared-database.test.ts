/**
 * Two glance-api nodes (real processes) on one MariaDB database and one image store, as
 * operators run several API nodes behind a load balancer:
 * - an image uploaded through node A downloads and deletes through node B;
 * - concurrent PATCHes of one image through both nodes lose no update (each PATCH's check and
 *   save run under the image's lock in the database, see NamedLocks; the patch is recomputed
 *   when the image changed since it was read);
 * - a node killed in the middle of an upload: the other node puts the image back to `queued`
 *   (its heartbeat stopped), and the killed node's restart removes its partial data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { killApi, relaunch, startApi, startPeerNode, type ApiProcess } from '../support/api-process.js';
import { openUpload } from '../data/raw-upload.js';
import { createScratch, type Scratch } from '../db/scratch.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const WHO = { 'x-roles': 'admin,member,reader', 'x-project-id': 'd4a3447811924a0ca8caa84f6b5c6364', 'x-user-id': 'admin-user' };

describe('two API nodes on one MariaDB database', () => {
  let db: Scratch;
  let a: ApiProcess;
  let b: ApiProcess;

  before(async () => {
    db = await createScratch('mysql');
    a = await startApi(`[DEFAULT]\nupload_heartbeat_interval = 1\n[database]\nconnection = ${db.url}`);
    b = await startPeerNode(a);
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  const call = async (node: ApiProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = Buffer.isBuffer(body);
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...WHO, accept: 'application/json', ...headers,
        ...(body === undefined || headers['content-type'] ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, buf, json: buf[0] === 0x7b ? JSON.parse(buf.toString()) as Record<string, unknown> : {} };
  };
  const create = async (node: ApiProcess) => (await call(node, 'POST', '/v2/images', { name: 'mn', disk_format: 'raw', container_format: 'bare' })).json.id as string;
  const storeFiles = () => readdirSync(join(a.dir, 'images'));

  test('uploaded through A, downloaded and deleted through B', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const id = await create(a);
    assert.equal((await call(a, 'PUT', `/v2/images/${id}/file`, data)).status, 204);
    const got = await call(b, 'GET', `/v2/images/${id}/file`);
    assert.equal(got.status, 200);
    assert.equal(md5(got.buf), md5(data));
    assert.equal((await call(b, 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal((await call(a, 'GET', `/v2/images/${id}`)).status, 404);
    assert.ok(!storeFiles().includes(id), 'the data is gone from the shared store');
  });

  test('twenty concurrent PATCHes through both nodes, each adding its own property: none is lost', async () => {
    const id = await create(a);
    const patchType = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      call(i % 2 === 0 ? a : b, 'PATCH', `/v2/images/${id}`, [{ op: 'add', path: `/prop_${i}`, value: String(i) }], patchType)));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
    const image = (await call(b, 'GET', `/v2/images/${id}`)).json;
    for (let i = 0; i < 20; i++) assert.equal(image[`prop_${i}`], String(i), `prop_${i} kept`);
  });

  test('a node killed mid-upload: the other requeues the image, the restart removes the partial data', async () => {
    const id = await create(a);
    const upload = await openUpload(a.port, id, { contentLength: 4 * 1024 * 1024, user: 'admin' });
    await upload.send(randomBytes(1024 * 1024));
    for (let i = 0; (await call(b, 'GET', `/v2/images/${id}`)).json.status !== 'saving'; i++) {
      assert.ok(i < 50, 'the upload never started');
      await new Promise((r) => setTimeout(r, 100));
    }
    await killApi(a, 'SIGKILL');
    upload.destroy();
    for (let i = 0; (await call(b, 'GET', `/v2/images/${id}`)).json.status !== 'queued'; i++) {
      assert.ok(i < 100, 'node B never requeued the image');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(storeFiles().some((f) => f.includes(id)), 'the killed node left a partial file (precondition)');
    a = await relaunch(a);
    assert.ok(!storeFiles().some((f) => f.includes(id)), 'the restarted node swept it');
    const data = randomBytes(1000);
    assert.equal((await call(b, 'PUT', `/v2/images/${id}/file`, data)).status, 204);
    assert.equal(md5((await call(a, 'GET', `/v2/images/${id}/file`)).buf), md5(data));
  });
});

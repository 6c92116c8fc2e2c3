/**
 * Two glance-api nodes (real processes) on one MariaDB database and one Swift (tempauth, DLO
 * segments of 1 MiB so every image is several objects): an image uploaded through node A
 * downloads and deletes through node B, leaving nothing in the container; and a node killed in
 * the middle of an upload leaves nothing that the other node and its own restart do not clean up
 * (the image back in `queued`, no segment left).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killApi, relaunch, startApi, startPeerNode, type ApiProcess } from '../support/api-process.js';
import { openUpload } from '../data/raw-upload.js';
import { createScratch, type Scratch } from '../db/scratch.js';
import { RawSwift, swiftSkipReason, writeReferences } from '../store/swift-test-kit.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const WHO = { 'x-roles': 'admin,member,reader', 'x-project-id': 'd4a3447811924a0ca8caa84f6b5c6364', 'x-user-id': 'admin-user' };
const skip = await swiftSkipReason(8081);

describe('two API nodes on one MariaDB database and one Swift', { skip: skip ?? false }, () => {
  let db: Scratch;
  let a: ApiProcess;
  let b: ApiProcess;
  let raw: RawSwift;
  let refsDir: string;
  const container = `glance-ts-nodes-${randomUUID().slice(0, 8)}`;

  before(async () => {
    db = await createScratch('mysql');
    raw = await RawSwift.login('tempauth');
    refsDir = mkdtempSync(join(tmpdir(), 'glance-ts-refs-'));
    a = await startApi([
      '[DEFAULT]', 'upload_heartbeat_interval = 1', 'enabled_backends = swift:swift',
      '[glance_store]', 'default_backend = swift',
      '[swift]', `swift_store_config_file = ${await writeReferences(refsDir)}`, 'default_swift_reference = tempauth',
      `swift_store_container = ${container}`, 'swift_store_create_container_on_put = true',
      'swift_store_large_object_size = 1', 'swift_store_large_object_chunk_size = 1',
      '[database]', `connection = ${db.url}`,
    ].join('\n'));
    b = await startPeerNode(a);
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await raw?.dropContainer(container).catch(() => undefined);
    await db?.drop();
    if (refsDir) rmSync(refsDir, { recursive: true, force: true });
  });

  const call = async (node: ApiProcess, method: string, path: string, body?: Buffer | object) => {
    const rawBody = Buffer.isBuffer(body);
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { ...WHO, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': rawBody ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { body: rawBody ? body : JSON.stringify(body) }),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, buf, json: buf[0] === 0x7b ? JSON.parse(buf.toString()) as Record<string, unknown> : {} };
  };
  const create = async (node: ApiProcess) => (await call(node, 'POST', '/v2/images', { name: 'sw', disk_format: 'raw', container_format: 'bare' })).json.id as string;
  const objectsOf = async (id: string) => (await raw.objects(container)).map((o) => o.name).filter((name) => name.includes(id));

  test('uploaded through A, downloaded and deleted through B; nothing left in the container', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const id = await create(a);
    assert.equal((await call(a, 'PUT', `/v2/images/${id}/file`, data)).status, 204);
    assert.ok((await objectsOf(id)).length > 1, 'stored as several objects (DLO)');
    const got = await call(b, 'GET', `/v2/images/${id}/file`);
    assert.equal(got.status, 200);
    assert.equal(md5(got.buf), md5(data));
    assert.equal((await call(b, 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal((await call(a, 'GET', `/v2/images/${id}`)).status, 404);
    assert.deepEqual(await objectsOf(id), []);
  });

  test('node A killed mid-upload: B requeues the image, A\'s restart removes its segments', async () => {
    const id = await create(a);
    const upload = await openUpload(a.port, id, { contentLength: 6 * 1024 * 1024, user: 'admin' });
    await upload.send(randomBytes(3 * 1024 * 1024));
    for (let i = 0; (await objectsOf(id)).length === 0; i++) {
      assert.ok(i < 100, 'no segment reached Swift');
      await new Promise((r) => setTimeout(r, 100));
    }
    await killApi(a, 'SIGKILL');
    upload.destroy();
    for (let i = 0; (await call(b, 'GET', `/v2/images/${id}`)).json.status !== 'queued'; i++) {
      assert.ok(i < 100, 'node B never requeued the image');
      await new Promise((r) => setTimeout(r, 100));
    }
    a = await relaunch(a);
    for (let i = 0; (await objectsOf(id)).length > 0; i++) {
      assert.ok(i < 100, `segments left: ${(await objectsOf(id)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const data = randomBytes(2000);
    assert.equal((await call(b, 'PUT', `/v2/images/${id}/file`, data)).status, 204);
    assert.equal(md5((await call(a, 'GET', `/v2/images/${id}/file`)).buf), md5(data));
  });
});

/**
 * The `image.create`, `image.update` and `image.delete` notifications of the image-record API
 * (inventory §11), read back from the `log` notification driver of the real application: one
 * per successful change, none for failures and no-ops, payload keys in Glance's order, and
 * `disabled_notifications` honoured.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../../src/notify/notifier.js';
import { PROJECTS, startApi, type ApiHarness } from './api-harness.js';

const PAYLOAD_KEYS = ['id', 'name', 'status', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'protected', 'checksum',
  'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'is_public', 'visibility', 'properties', 'tags',
  'deleted', 'deleted_at'];
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

type Payload = Record<string, unknown>;
type ImageJson = Record<string, unknown> & { id: string };

let api: ApiHarness;

before(async () => {
  api = await startApi();
});

after(async () => {
  await api.close();
});

/** Runs `action` and returns the notifications it caused. */
async function during(action: () => Promise<unknown>, harness: ApiHarness = api): Promise<Notification[]> {
  const before = harness.notifications().length;
  await action();
  return harness.notifications().slice(before);
}

function only(sent: Notification[], event: string): Payload {
  assert.deepEqual(sent.map((n) => n.event_type), [event]);
  const n = sent[0]!;
  assert.equal(n.priority, 'INFO');
  assert.equal(n.publisher_id, 'image.localhost');
  assert.match(n.message_id, /^[0-9a-f-]{36}$/);
  assert.match(n.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  const payload = n.payload as Payload;
  assert.deepEqual(Object.keys(payload), PAYLOAD_KEYS);
  return payload;
}

test('create, update and delete each send one notification with the image payload', async () => {
  let img!: ImageJson;
  const created = only(await during(async () => {
    const res = await api.call('demo', 'POST', '/v2/images', {
      body: { name: 'n1', disk_format: 'qcow2', container_format: 'bare', tags: ['t1'], min_ram: 64, foo: 'bar' },
    });
    assert.equal(res.statusCode, 201);
    img = JSON.parse(res.body) as ImageJson;
  }), 'image.create');
  assert.deepEqual(created, {
    id: img.id, name: 'n1', status: 'queued', created_at: img.created_at, updated_at: img.updated_at,
    min_disk: 0, min_ram: 64, protected: false, checksum: null, owner: PROJECTS.demo, disk_format: 'qcow2',
    container_format: 'bare', size: null, virtual_size: null, is_public: false, visibility: 'shared',
    properties: { foo: 'bar' }, tags: ['t1'], deleted: false, deleted_at: null,
  });

  let patched!: ImageJson;
  const updated = only(await during(async () => {
    const res = await api.call('demo', 'PATCH', `/v2/images/${img.id}`, {
      body: [{ op: 'replace', path: '/name', value: 'n2' }, { op: 'add', path: '/hw', value: 'x' }], headers: PATCH,
    });
    assert.equal(res.statusCode, 200);
    patched = JSON.parse(res.body) as ImageJson;
  }), 'image.update');
  assert.equal(updated.name, 'n2');
  assert.deepEqual(updated.properties, { foo: 'bar', hw: 'x' });
  assert.equal(updated.updated_at, patched.updated_at);

  const tagged = only(await during(() => api.call('demo', 'PUT', `/v2/images/${img.id}/tags/t2`)), 'image.update');
  assert.deepEqual((tagged.tags as string[]).sort(), ['t1', 't2']);
  const untagged = only(await during(() => api.call('demo', 'DELETE', `/v2/images/${img.id}/tags/t1`)), 'image.update');
  assert.deepEqual(untagged.tags, ['t2']);

  const deleted = only(await during(async () => {
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${img.id}`)).statusCode, 204);
  }), 'image.delete');
  assert.equal(deleted.id, img.id);
  assert.equal(deleted.status, 'deleted');
  assert.equal(deleted.deleted, true);
  assert.match(String(deleted.deleted_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('deactivate and reactivate are updates; publicizing sets is_public', async () => {
  const res = await api.call('admin', 'POST', '/v2/images', { body: { name: 'act', disk_format: 'qcow2', container_format: 'bare' } });
  const img = JSON.parse(res.body) as ImageJson;
  await api.markUploaded(img.id);
  const off = only(await during(() => api.call('admin', 'POST', `/v2/images/${img.id}/actions/deactivate`)), 'image.update');
  assert.equal(off.status, 'deactivated');
  assert.equal(off.checksum, '2a991b6e0bf5890f76db631cd11233d4');
  assert.equal(off.size, 12910592);
  // Already deactivated: nothing is saved, nothing is sent.
  assert.deepEqual(await during(() => api.call('admin', 'POST', `/v2/images/${img.id}/actions/deactivate`)), []);
  const on = only(await during(() => api.call('admin', 'POST', `/v2/images/${img.id}/actions/reactivate`)), 'image.update');
  assert.equal(on.status, 'active');
  const pub = only(await during(() => api.call('admin', 'PATCH', `/v2/images/${img.id}`, {
    body: [{ op: 'replace', path: '/visibility', value: 'public' }], headers: PATCH,
  })), 'image.update');
  assert.equal(pub.is_public, true);
  assert.equal(pub.visibility, 'public');
});

test('failed requests and no-op patches send nothing', async () => {
  const res = await api.call('demo', 'POST', '/v2/images', { body: { name: 'quiet' } });
  const img = JSON.parse(res.body) as ImageJson;
  const sent = await during(async () => {
    assert.equal((await api.call('demo', 'POST', '/v2/images', { body: { status: 'active' } })).statusCode, 403);
    assert.equal((await api.call('quota', 'PATCH', `/v2/images/${img.id}`, { body: [], headers: PATCH })).statusCode, 404);
    assert.equal((await api.call('demo', 'PATCH', `/v2/images/${img.id}`, { body: [], headers: PATCH })).statusCode, 200);
    assert.equal((await api.call('demo', 'PATCH', `/v2/images/${img.id}`, {
      body: [{ op: 'remove', path: '/nosuch' }], headers: PATCH,
    })).statusCode, 409);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${img.id}/tags/none`)).statusCode, 404);
    assert.equal((await api.call('demo', 'POST', `/v2/images/${img.id}/actions/deactivate`)).statusCode, 403);
  });
  assert.deepEqual(sent, []);
});

test('disabled_notifications drops the named events and groups', async () => {
  const quietUpdates = await startApi({ defaults: { disabled_notifications: 'image.update' } });
  try {
    const sent = await during(async () => {
      const res = await quietUpdates.call('demo', 'POST', '/v2/images', { body: { name: 'x' } });
      const { id } = JSON.parse(res.body) as ImageJson;
      await quietUpdates.call('demo', 'PUT', `/v2/images/${id}/tags/t`);
      await quietUpdates.call('demo', 'DELETE', `/v2/images/${id}`);
    }, quietUpdates);
    assert.deepEqual(sent.map((n) => n.event_type), ['image.create', 'image.delete']);
  } finally {
    await quietUpdates.close();
  }
  const silent = await startApi({ defaults: { disabled_notifications: 'image' } });
  try {
    const sent = await during(() => silent.call('demo', 'POST', '/v2/images', { body: { name: 'x' } }), silent);
    assert.deepEqual(sent, []);
  } finally {
    await silent.close();
  }
});

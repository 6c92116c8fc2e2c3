/**
 * The locations API of Images API 2.17 against the real application on a socket, with an
 * `http` store (`web`) reading a local web server: `POST /v2/images/{id}/locations` (202, a
 * `location_import` task that checks the URL, hashes the data in the background and activates
 * the image; validation data verified; the image reverted when it does not match) and
 * `GET /v2/images/{id}/locations` (services only), with Glance's refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS } from '../api/api-harness.js';
import { eventually, startDataApi, type Answer, type DataApi } from '../data/data-harness.js';
import { digest, startWebImages, type WebImages } from './web-images.js';

// Identities sent as noauth headers (the harness's `demo` is the owner, member and reader).
const SERVICE = { 'x-project-id': PROJECTS.demo, 'x-user-id': 'nova', 'x-roles': 'service' };
const READER = { 'x-project-id': PROJECTS.demo, 'x-user-id': 'reader', 'x-roles': 'reader' };

describe('locations API (2.17) with an http store', () => {
  let api: DataApi;
  let web: WebImages;

  before(async () => {
    web = await startWebImages();
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file,web:http', show_multiple_locations: 'True', worker_self_reference_url: 'http://node-a:9292' },
        import_filtering_opts: { allowed_hosts: '127.0.0.1', allowed_ports: String(web.port) },
      },
    });
  });
  after(async () => {
    await api?.close();
    await web?.close();
  });

  const post = (id: string, body: unknown, headers: Record<string, string> = SERVICE): Promise<Answer> =>
    api.call('anonymous', 'POST', `/v2/images/${id}/locations`, { body, headers });
  const tasksOf = async (id: string): Promise<Array<Record<string, unknown>>> =>
    (JSON.parse((await api.call('demo', 'GET', `/v2/images/${id}/tasks`)).text) as { tasks: Array<Record<string, unknown>> }).tasks;
  const settled = async (id: string): Promise<Record<string, unknown>> => {
    assert.ok(await eventually(async () => (await tasksOf(id)).every((t) => t.status === 'success' || t.status === 'failure')),
      `task of ${id} never finished: ${JSON.stringify(await tasksOf(id))}`);
    return (await tasksOf(id))[0]!;
  };

  test('a service adds the location of a queued image: 202, then active with size, checksum and sha512 computed', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const res = await post(id, { url: web.url('/small.img') });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.text, '');
    const task = await settled(id);
    assert.equal(task.type, 'location_import');
    assert.equal(task.status, 'success', String(task.message));
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.size, web.small.length);
    assert.equal(image.checksum, digest('md5', web.small));
    assert.equal(image.os_hash_algo, 'sha512');
    assert.equal(image.os_hash_value, digest('sha512', web.small));
    assert.deepEqual(image.locations, [{ url: web.url('/small.img'), metadata: { store: 'web' } }]);
    assert.equal(image.stores, 'web');
    assert.equal('os_glance_hash_op_host' in image, false);
    assert.equal('os_glance_import_task' in image, false, 'lock released');
    // The data is now served from the web server through the http store.
    const file = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(file.status, 200);
    assert.deepEqual(file.body, web.small);
    const events = api.notifications().filter((n) => (n.payload as { id?: string }).id === id || (n.payload as { id?: string }).id === task.id)
      .map((n) => n.event_type);
    for (const e of ['task.create', 'task.run', 'task.processing', 'image.update', 'task.success']) assert.ok(events.includes(e), `${e} in ${events.join(',')}`);
    // While hashing, the image named the node doing it (Glance's os_glance_hash_op_host).
    const hosts = api.notifications().filter((n) => n.event_type === 'image.update' && (n.payload as { id: string }).id === id)
      .map((n) => (n.payload as { properties: Record<string, string> }).properties.os_glance_hash_op_host);
    assert.ok(hosts.includes('http://node-a:9292'), JSON.stringify(hosts));
    assert.equal(hosts.at(-1), undefined);
  });

  test('the owner adds an http location with matching sha256 validation data; a failed first read is retried', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const before = web.seen.filter((s) => s === 'GET /flaky.img').length;
    const res = await post(id, { url: web.url('/flaky.img'), validation_data: { os_hash_algo: 'sha256', os_hash_value: digest('sha256', web.flaky) } },
      { 'x-project-id': PROJECTS.demo, 'x-user-id': 'demo-user', 'x-roles': 'member,reader' });
    assert.equal(res.status, 202, res.text);
    assert.equal((await settled(id)).status, 'success');
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.os_hash_algo, 'sha256');
    assert.equal(image.os_hash_value, digest('sha256', web.flaky));
    assert.equal(image.checksum, digest('md5', web.flaky));
    assert.equal(web.seen.filter((s) => s === 'GET /flaky.img').length - before, 2, 'one cut read, one retry');
  });

  test('validation data that does not match the data: the task fails and the image is queued again, without location or hashes', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const wrong = digest('sha512', Buffer.from('something else'));
    assert.equal((await post(id, { url: web.url('/small.img'), validation_data: { os_hash_algo: 'sha512', os_hash_value: wrong } })).status, 202);
    const task = await settled(id);
    assert.equal(task.status, 'failure');
    assert.equal(task.message, `os_hash_value: (${wrong}) not matched with actual os_hash_value: (${digest('sha512', web.small)})`);
    const image = await api.image(id);
    assert.equal(image.status, 'queued');
    assert.deepEqual(image.locations, []);
    for (const k of ['checksum', 'os_hash_algo', 'os_hash_value', 'size']) assert.equal(image[k], null, k);
    assert.equal('os_glance_import_task' in image, false);
    // The lock is free again: the location can be added now.
    assert.equal((await post(id, { url: web.url('/small.img') })).status, 202);
    await settled(id);
    assert.equal((await api.image(id)).status, 'active');
  });

  test('a URL the store cannot serve: 202, then the task fails with "Invalid location" and the image stays queued', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await post(id, { url: web.url('/missing.img') })).status, 202);
    const task = await settled(id);
    assert.equal(task.status, 'failure');
    assert.equal(task.message, 'Invalid location');
    const image = await api.image(id);
    assert.equal(image.status, 'queued');
    assert.deepEqual(image.locations, []);
  });

  test('refusals: 400 body and URL, 404 other project, 403 policy, 409 status and lock', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const url = web.url('/small.img');
    const bad: Array<[unknown, string]> = [
      [{ url, validation_data: { os_hash_algo: 'sha512', os_hash_value: 'dbc9e0f80d131e64b94913a7b40bb5' } }, 'is not the correct size for sha512 (should be 64 bytes)'],
      [{ url, validation_data: { os_hash_value: digest('sha512', web.small) } }, "'os_hash_algo' is a required property"],
      [{ url, validation_data: { os_hash_algo: 'sha123', os_hash_value: digest('sha512', web.small) } }, "'sha123' is not one of"],
      [{ url, validation_data: { os_hash_algo: 'sha512', os_hash_value: digest('sha256', web.small) } }, 'not the correct size for sha512'],
      [{ url, validation_data: { os_hash_algo: 'md5', os_hash_value: 'zz'.repeat(16) } }, 'is not a valid hexadecimal value'],
      [{ url, do_secure_hash: false }, "'do_secure_hash' was unexpected"],
      [{}, "'url' is a required property"],
      [{ url: 'gopher://info.cern.ch/x' }, 'Invalid location'],
      [{ url: `file://${api.dataDir}/${id}` }, 'Invalid location'],
    ];
    for (const [body, why] of bad) {
      const res = await post(id, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(res.text.includes(why), `${JSON.stringify(body)}: ${res.text}`);
    }
    const filtered = await post(id, { url: `http://127.0.0.1:1/x.img` }, { 'x-project-id': PROJECTS.demo, 'x-roles': 'member,reader' });
    assert.equal(filtered.status, 400);
    assert.ok(filtered.text.includes('URI for location does not pass filtering'), filtered.text);
    assert.equal((await api.call('quota', 'POST', `/v2/images/${id}/locations`, { body: { url } })).status, 404);
    const denied = await post(id, { url }, READER);
    assert.equal(denied.status, 403);
    assert.ok(denied.text.includes('add_image_location'), denied.text);
    const noFormats = await api.create('demo', { disk_format: null, container_format: null });
    assert.equal((await post(noFormats, { url })).status, 400);

    assert.equal((await post(id, { url })).status, 202);
    const locked = await post(id, { url: web.url('/flaky.img') });
    // Either the first task still holds the lock, or it already made the image active.
    assert.equal(locked.status, 409, locked.text);
    await settled(id);
    const active = await post(id, { url: web.url('/flaky.img') });
    assert.equal(active.status, 409);
    assert.ok(active.text.includes("It's not allowed to add locations if image status is active."), active.text);
  });

  test('an image whose data is at an http location can be deleted (the http store keeps its data)', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await post(id, { url: web.url('/small.img') })).status, 202);
    await settled(id);
    const res = await api.call('demo', 'DELETE', `/v2/images/${id}`);
    assert.equal(res.status, 204, res.text);
    assert.equal((await api.call('demo', 'GET', `/v2/images/${id}`)).status, 404);
  });

  test('GET locations: [] while queued, the list once added; only for services (403 for admin and owner)', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const list = (headers: Record<string, string>) => api.call('anonymous', 'GET', `/v2/images/${id}/locations`, { headers });
    let res = await list(SERVICE);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '[]');
    assert.equal((await post(id, { url: web.url('/small.img') })).status, 202);
    await settled(id);
    res = await list(SERVICE);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), [{ url: web.url('/small.img'), metadata: { store: 'web' } }]);
    for (const user of ['admin', 'demo'] as const) {
      const refused = await api.call(user, 'GET', `/v2/images/${id}/locations`);
      assert.equal(refused.status, 403, `${user}: ${refused.text}`);
      assert.ok(refused.text.includes('fetch_image_location'));
    }
    assert.equal((await api.call('anonymous', 'GET', '/v2/images/0e7f0cd6-7d7c-4b36-9c1d-6a1b0a7c9b54/locations', { headers: SERVICE })).status, 404);
  });
});

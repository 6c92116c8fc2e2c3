/**
 * The cache management API (inventory §1.6; Image API 2.14, PUT 202 since 2.16) over real HTTP:
 * statuses, bodies and Glance's order of checks (image lookup, policy, cache configured, the
 * request's own checks), the background caching of queued images, and ref 042 (no
 * `image_cache_dir`: 404 "Caching via API is not supported at this site.").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { eventually } from '../data/data-harness.js';
import { pyJson } from '../../src/http/py-json.js';
import { readRef } from '../http/helpers.js';
import { startCacheApi, type CacheApi } from './cache-harness.js';

const FORBIDDEN = '{"message": "Access was denied to this resource.<br /><br />\\n\\n\\n", "code": "403 Forbidden", "title": "Forbidden"}';
const errorBody = (status: string, message: string): string =>
  pyJson({ message: `${message}<br /><br />\n\n\n`, code: status, title: status.slice(4) });

type CacheBody = { cached_images: Array<Record<string, unknown>>; queued_images: string[] };

describe('the cache API with image_cache_dir set', () => {
  let api: CacheApi;
  before(async () => { api = await startCacheApi(); });
  after(async () => { await api?.close(); });

  const state = async (): Promise<CacheBody> => {
    const res = await api.call('admin', 'GET', '/v2/cache');
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text) as CacheBody;
  };

  test('the versions document advertises 2.16 (CURRENT) and 2.14, which glanceclient checks for', async () => {
    const res = await api.call('anonymous', 'GET', '/versions');
    const ids = (JSON.parse(res.text) as { versions: Array<{ id: string; status: string }> }).versions;
    assert.deepEqual(ids.slice(0, 3).map((v) => `${v.id} ${v.status}`), ['v2.16 CURRENT', 'v2.15 SUPPORTED', 'v2.14 SUPPORTED']);
  });

  test('GET /v2/cache: an empty cache, and 403 for a non-admin', async () => {
    const res = await api.call('admin', 'GET', '/v2/cache');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.text, '{"cached_images": [], "queued_images": []}');
    const denied = await api.call('demo', 'GET', '/v2/cache');
    assert.equal(denied.status, 403);
    assert.equal(denied.text, FORBIDDEN);
  });

  test('PUT queues an active image (202, empty body); it is listed queued, then cached by the background worker', async () => {
    const { id, data } = await api.makeImage(100_000);
    const res = await api.call('admin', 'PUT', `/v2/cache/${id}`);
    assert.equal(res.status, 202);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.deepEqual(await state(), { cached_images: [], queued_images: [id] });
    assert.ok(await eventually(async () => (await state()).cached_images.length === 1, 5000), 'cached');
    const body = await state();
    assert.deepEqual(body.queued_images, []);
    const entry = body.cached_images[0]!;
    assert.deepEqual(Object.keys(entry), ['image_id', 'hits', 'last_accessed', 'last_modified', 'size']);
    assert.deepEqual([entry.image_id, entry.hits, entry.size], [id, 0, data.length]);
    assert.equal(entry.last_accessed, entry.last_modified);
    assert.ok(Math.abs((entry.last_modified as number) - Date.now() / 1000) < 60);
    assert.ok((await readFile(api.cached(id))).equals(data));
    // Queueing it again changes nothing.
    assert.equal((await api.call('admin', 'PUT', `/v2/cache/${id}`)).status, 202);
    assert.deepEqual((await state()).queued_images, []);
  });

  test('PUT refusals: unknown image 404, non-active image 400, non-admin 403', async () => {
    const missing = randomUUID();
    const notFound = await api.call('admin', 'PUT', `/v2/cache/${missing}`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.text, errorBody('404 Not Found', `Image ${missing} not found.`));
    assert.equal((await api.call('admin', 'PUT', '/v2/cache/non-existing-image-id')).status, 404);
    const queued = await api.create('demo', { disk_format: 'raw', container_format: 'bare' });
    const bad = await api.call('admin', 'PUT', `/v2/cache/${queued}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.text, errorBody('400 Bad Request', 'Only images with status active can be targeted for queueing'));
    const { id } = await api.makeImage(1000);
    const denied = await api.call('demo', 'PUT', `/v2/cache/${id}`);
    assert.equal(denied.status, 403);
    assert.equal(denied.text, FORBIDDEN);
  });

  test('DELETE /v2/cache/{id} removes a cached image (204); an image neither known nor cached is 404', async () => {
    const { id } = await api.makeImage(5000);
    await api.download(id);
    assert.ok(await eventually(async () => (await api.rows()).has(id)));
    const res = await api.call('admin', 'DELETE', `/v2/cache/${id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(existsSync(api.cached(id)), false);
    assert.deepEqual((await state()).cached_images.filter((c) => c.image_id === id), []);
    const missing = randomUUID();
    const notFound = await api.call('admin', 'DELETE', `/v2/cache/${missing}`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.text, errorBody('404 Not Found', `Image ${missing} not found.`));
    assert.equal((await api.call('demo', 'DELETE', `/v2/cache/${id}`)).status, 403);
  });

  test('DELETE /v2/cache empties what x-image-cache-clear-target names; another value is 400', async () => {
    const cached = await api.makeImage(5000);
    await api.download(cached.id);
    assert.ok(await eventually(async () => (await api.rows()).has(cached.id)));
    const queued = await api.makeImage(5000);
    assert.equal((await api.call('admin', 'PUT', `/v2/cache/${queued.id}`)).status, 202);

    const bad = await api.call('admin', 'DELETE', '/v2/cache', { headers: { 'x-image-cache-clear-target': 'invalid' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, errorBody('400 Bad Request', "If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string."));

    assert.equal((await api.call('admin', 'DELETE', '/v2/cache', { headers: { 'x-image-cache-clear-target': 'Queue' } })).status, 204);
    let body = await state();
    assert.deepEqual(body.queued_images, []);
    assert.ok(body.cached_images.some((c) => c.image_id === cached.id), 'the cache is kept');

    assert.equal((await api.call('admin', 'DELETE', '/v2/cache', { headers: { 'x-image-cache-clear-target': 'cache' } })).status, 204);
    assert.deepEqual(await state(), { cached_images: [], queued_images: [] });
    assert.equal(existsSync(api.cached(cached.id)), false);

    assert.equal((await api.call('admin', 'PUT', `/v2/cache/${queued.id}`)).status, 202);
    const both = await api.call('admin', 'DELETE', '/v2/cache');
    assert.equal(both.status, 204);
    assert.deepEqual(await state(), { cached_images: [], queued_images: [] });
    // The dequeued image is not cached behind the client's back.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await state(), { cached_images: [], queued_images: [] });
    assert.equal((await api.call('demo', 'DELETE', '/v2/cache')).status, 403);
  });

  test('other methods are 405 with the allowed ones', async () => {
    const res = await api.call('admin', 'POST', '/v2/cache');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, DELETE');
    const one = await api.call('admin', 'GET', `/v2/cache/${randomUUID()}`);
    assert.equal(one.status, 405);
    assert.equal(one.headers.get('allow'), 'PUT, DELETE');
  });
});

describe('the cache API without image_cache_dir', () => {
  let api: CacheApi;
  before(async () => { api = await startCacheApi({ defaults: { image_cache_dir: '' }, flavor: null }); });
  after(async () => { await api?.close(); });

  test('GET /v2/cache answers as recorded (ref 042); the policy still comes first', async () => {
    const ref = readRef('042-cache-list-404.txt');
    const res = await api.call('admin', 'GET', '/v2/cache');
    assert.equal(res.status, ref.status);
    assert.equal(res.headers.get('content-type'), ref.headers['content-type']);
    assert.equal(res.text, ref.body);
    assert.equal((await api.call('demo', 'GET', '/v2/cache')).status, 403);
  });

  test('PUT and DELETE: 404 not supported once the image is found', async () => {
    const { id } = await api.makeImage(1000);
    for (const method of ['PUT', 'DELETE']) {
      const res = await api.call('admin', method, `/v2/cache/${id}`);
      assert.equal(res.status, 404);
      assert.match(res.text, /Caching via API is not supported at this site\./);
    }
    assert.match((await api.call('admin', 'PUT', `/v2/cache/${randomUUID()}`)).text, /not found\./);
    assert.equal((await api.call('admin', 'DELETE', '/v2/cache')).status, 404);
  });

  test('the versions document has no cache versions', async () => {
    const res = await api.call('anonymous', 'GET', '/versions');
    const ids = (JSON.parse(res.text) as { versions: Array<{ id: string }> }).versions.map((v) => v.id);
    assert.equal(ids.includes('v2.14'), false);
    assert.equal(ids.includes('v2.16'), false);
  });
});

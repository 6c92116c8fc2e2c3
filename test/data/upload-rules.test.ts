/**
 * The rules around an upload and a staging (inventory §1.3, §2.3): the size cap, formats that
 * must be set, the store header, staging for glance-direct (refs 202, 203, 218), and deleting an
 * image's data with the image. A refused upload leaves the image `queued` and no file behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pyJson } from '../../src/http/py-json.js';
import { normalizeBody } from '../api/ref-compare.js';
import { readRef } from '../http/helpers.js';
import { startDataApi, type DataApi } from './data-harness.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const jsonError = (status: string, title: string, message: string): string =>
  pyJson({ message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title });

describe('uploads', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { image_size_cap: String(MiB) } } });
  });
  after(async () => {
    await api?.close();
  });

  test('past image_size_cap: 413, the image back in queued, no file left', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const res = await api.upload('demo', id, randomBytes(2 * MiB));
    assert.equal(res.status, 413);
    assert.equal(res.text, jsonError('413', 'Request Entity Too Large', 'The incoming image is too large: The provided image is too large.'));
    const image = await api.image(id);
    assert.equal(image.status, 'queued');
    assert.equal(image.size, null);
    assert.deepEqual(await api.entries(api.dataDir), []);
    // Exactly the cap is allowed.
    const cap = randomBytes(MiB);
    assert.equal((await api.upload('demo', id, cap)).status, 204);
    assert.equal((await api.image(id)).checksum, md5(cap));
  });

  test('without disk and container formats: 400 and still queued', async () => {
    const res0 = await api.call('demo', 'POST', '/v2/images', { body: { name: 'no-formats' } });
    const id = (JSON.parse(res0.text) as { id: string }).id;
    const res = await api.upload('demo', id, Buffer.from('data'));
    assert.equal(res.status, 400);
    assert.equal(res.text, jsonError('400', 'Bad Request', 'Properties disk_format, container_format must be set prior to saving data.'));
    assert.equal((await api.image(id)).status, 'queued');
    assert.ok(!(await api.entries(api.dataDir)).some((f) => f.includes(id)));
  });

  test('an unknown X-Image-Meta-Store is 400 "Store for scheme … not found", in text/plain without Accept', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const plain = await api.call('demo', 'PUT', `/v2/images/${id}/file`, {
      body: Buffer.from('data'),
      headers: { accept: '', 'content-type': 'application/octet-stream', 'x-image-meta-store': 'nowhere' },
    });
    assert.equal(plain.status, 400);
    assert.equal(plain.headers.get('content-type'), 'text/plain; charset=UTF-8');
    assert.equal(plain.text, '400 Bad Request\n\nStore for scheme nowhere not found\n\n   ');
    const json = await api.upload('demo', id, Buffer.from('data'), { 'x-image-meta-store': 'nowhere' });
    assert.equal(json.status, 400);
    assert.equal(json.text, jsonError('400', 'Bad Request', 'Store for scheme nowhere not found'));
    // A reserved store is not an upload target either.
    const staging = await api.upload('demo', id, Buffer.from('data'), { 'x-image-meta-store': 'os_glance_staging_store' });
    assert.equal(staging.status, 400);
    assert.equal((await api.image(id)).status, 'queued');
    // Naming the real store works.
    assert.equal((await api.upload('demo', id, Buffer.from('data'), { 'x-image-meta-store': 'fs' })).status, 204);
    assert.equal((await api.image(id)).stores, 'fs');
  });

  test('deleting an image removes its file', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.upload('demo', id, randomBytes(1000))).status, 204);
    assert.ok((await api.entries(api.dataDir)).includes(id));
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.ok(!(await api.entries(api.dataDir)).includes(id));
  });
});

describe('staging', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi();
  });
  after(async () => {
    await api?.close();
  });

  test('PUT /stage: 204 (ref 202), the image uploading with its size (ref 203), data in the staging store', async () => {
    const data = randomBytes(12345);
    const id = await api.create('demo', { name: 'sample-import' });
    const res = await api.call('demo', 'PUT', `/v2/images/${id}/stage`, {
      body: data, headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(res.headers.get('content-length'), '0');
    const show = await api.call('demo', 'GET', `/v2/images/${id}`);
    const recorded = readRef('203-show-uploading.txt').body.replace('"size": 12910592', `"size": ${data.length}`);
    assert.equal(normalizeBody(show.text), normalizeBody(recorded, { '3ab7b016-8e81-44a1-8b4b-c8707f98707e': id }));
    assert.deepEqual(await api.entries(api.stagingDir), [id]);
    assert.equal(md5(await readFile(join(api.stagingDir, id))), md5(data));
    assert.deepEqual(await api.entries(api.dataDir), []);

    // Staging again is refused: the image is no longer queued.
    const again = await api.call('demo', 'PUT', `/v2/images/${id}/stage`, {
      body: data, headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(again.status, 409);
    assert.equal(again.text, jsonError('409', 'Conflict', 'Image status transition from uploading to uploading is not allowed'));

    // Deleting the image removes the staged data.
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual(await api.entries(api.stagingDir), []);
  });

  test('staging an active image is 409 with the recorded body (ref 218)', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.upload('demo', id, Buffer.from('active data'))).status, 204);
    const res = await api.call('demo', 'PUT', `/v2/images/${id}/stage`, {
      body: Buffer.from('more'), headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 409);
    assert.equal(res.text, readRef('218-stage-on-active-409.txt').body);
    assert.deepEqual(await api.entries(api.stagingDir), []);
  });
});

describe('staging with glance-direct disabled', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { enabled_import_methods: '[web-download, copy-image]' } } });
  });
  after(async () => {
    await api?.close();
  });

  test('PUT /stage is 404 and the image stays queued', async () => {
    const id = await api.create('demo');
    const res = await api.call('demo', 'PUT', `/v2/images/${id}/stage`, {
      body: Buffer.from('data'), headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 404);
    assert.equal(res.text, jsonError('404', 'Not Found', 'The requested image import method is not available at this site.'));
    assert.equal((await api.image(id)).status, 'queued');
    assert.deepEqual(await api.entries(api.stagingDir), []);
  });
});

/**
 * The image-data round trip over real HTTP (issue "Image data", inventory §1.3, §7): a
 * qemu-img-made qcow2 is uploaded, its record carries the digests node:crypto computes and the
 * virtual size qemu-img reports, and every way of downloading it (whole, ranges, deactivated,
 * empty) answers with Glance's status, headers and bodies (refs 102, 111, 114–116, 151, 153).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Fixtures, qemuInfo } from '../format/format-fixtures.js';
import { readRef } from '../http/helpers.js';
import { startDataApi, type DataApi } from './data-harness.js';

const RECORDED_ID = '432e83f7-ed68-4ea1-a440-2ae720a638c1';

let api: DataApi;
let fixtures: Fixtures;
let data: Buffer;
let id: string;

/** The recorded body of `name`, with the recorded image id replaced by ours. */
function refBody(name: string): string {
  return readRef(`${name}.txt`).body.split(RECORDED_ID).join(id);
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

before(async () => {
  fixtures = new Fixtures();
  data = fixtures.bytes('qcow2-cirros');
  api = await startDataApi();
  id = await api.create('demo', { name: 'cirros' });
  const res = await api.upload('demo', id, data);
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
});

after(async () => {
  await api?.close();
  fixtures?.cleanup();
});

test('the uploaded image records size, digests, virtual size and its fs location', async () => {
  const image = await api.image(id, 'demo');
  assert.equal(image.status, 'active');
  assert.equal(image.size, data.length);
  assert.equal(image.checksum, md5(data));
  assert.equal(image.os_hash_algo, 'sha512');
  assert.equal(image.os_hash_value, sha512(data));
  assert.equal(image.virtual_size, qemuInfo(fixtures.path('qcow2-cirros')).virtualSize);
  assert.equal(image.virtual_size, 46137344);
  assert.equal(image.stores, 'fs');
  // The bytes on disk are the bytes sent, under the image id and nothing else.
  assert.deepEqual(await api.entries(api.dataDir), [id]);
  assert.equal(md5(await readFile(join(api.dataDir, id))), md5(data));
});

test('a download gives back identical bytes with Content-MD5 (hex) and Content-Length', async () => {
  const res = await api.call('demo', 'GET', `/v2/images/${id}/file`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.equal(res.headers.get('content-md5'), md5(data));
  assert.equal(res.headers.get('content-length'), String(data.length));
  assert.equal(res.headers.get('content-range'), null);
  assert.equal(md5(res.body), md5(data));
  assert.equal(sha512(res.body), sha512(data));
});

test('byte ranges: first 16 bytes, a 16-byte suffix and the last byte answer 206 with Content-Range', async () => {
  const size = data.length;
  const cases: Array<[string, number, number]> = [
    ['bytes=0-15', 0, 15],
    ['bytes=-16', size - 16, size - 1],
    [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    [`bytes=${size - 1}-`, size - 1, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await api.call('demo', 'GET', `/v2/images/${id}/file`, { headers: { range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
    assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
    assert.equal(res.headers.get('content-md5'), md5(data), range); // the whole image's (ref 114)
    assert.ok(res.body.equals(data.subarray(start, end + 1)), range);
  }
});

test('a range past the end is 416 with the recorded body (ref 115)', async () => {
  const res = await api.call('demo', 'GET', `/v2/images/${id}/file`, { headers: { range: 'bytes=99999999-' } });
  assert.equal(res.status, 416);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.text, refBody('115-image-download-bad-range-416').replace('12910591', String(data.length - 1)));
});

test('uploading to an active image is 409 with the recorded body (ref 111) and leaves the data alone', async () => {
  const res = await api.upload('demo', id, Buffer.from('other bytes'));
  assert.equal(res.status, 409);
  assert.equal(res.text, refBody('111-image-upload-again-409'));
  const image = await api.image(id);
  assert.equal(image.status, 'active');
  assert.equal(image.checksum, md5(data));
  assert.deepEqual(await api.entries(api.dataDir), [id]);
});

test('an upload with another media type is 415 with the recorded body (ref 116)', async () => {
  const queued = await api.create('demo');
  const res = await api.call('demo', 'PUT', `/v2/images/${queued}/file`, { body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 415);
  assert.equal(res.text, refBody('116-image-upload-wrong-content-type-415'));
  assert.equal((await api.image(queued)).status, 'queued');
});

test('a queued image downloads as a bare 204 (ref 102)', async () => {
  const queued = await api.create('demo');
  const res = await api.call('demo', 'GET', `/v2/images/${queued}/file`);
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('content-length'), '0');
  assert.equal(res.headers.get('content-type'), null);
  assert.equal(res.body.length, 0);
});

test('a deactivated image: 403 for its owner (ref 151), the data for an admin (ref 153)', async () => {
  assert.equal((await api.call('admin', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
  try {
    const denied = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(denied.status, 403);
    assert.equal(denied.text, refBody('151-download-deactivated-owner-403'));
    const admin = await api.call('admin', 'GET', `/v2/images/${id}/file`);
    assert.equal(admin.status, 200);
    assert.equal(admin.headers.get('content-md5'), md5(data));
    assert.equal(md5(admin.body), md5(data));
  } finally {
    assert.equal((await api.call('admin', 'POST', `/v2/images/${id}/actions/reactivate`)).status, 204);
  }
});

test('a chunked upload (no Content-Length) stores every byte', async () => {
  const chunked = await api.create('demo', { disk_format: 'raw' });
  const payload = Buffer.concat([Buffer.alloc(300_000, 7), Buffer.from('tail')]);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < payload.length; at += 65536) controller.enqueue(payload.subarray(at, at + 65536));
      controller.close();
    },
  });
  const res = await fetch(`${api.url}/v2/images/${chunked}/file`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'x-project-id': '5477cc9495004176b00676113845ff4f', 'x-roles': 'member,reader' },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 204, await res.text());
  const image = await api.image(chunked);
  assert.equal(image.status, 'active');
  assert.equal(image.size, payload.length);
  assert.equal(image.checksum, md5(payload));
  assert.equal(image.virtual_size, payload.length);
  const back = await api.call('demo', 'GET', `/v2/images/${chunked}/file`);
  assert.ok(back.body.equals(payload));
});

test('image creation advertises the store ids (ref 100)', async () => {
  const res = await api.call('demo', 'POST', '/v2/images', { body: { name: 'ids' } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('openstack-image-store-ids'), readRef('100-image-create.txt').headers['openstack-image-store-ids']);
  assert.equal(res.headers.get('openstack-image-store-ids'), 'fs,os_glance_staging_store,os_glance_tasks_store');
});


/**
 * The legacy `user_storage_quota` (unified limits off), as Glance applies it to uploads: the
 * declared size must fit what the project has left, data of unknown size is cut off where the
 * quota ends, and the size is checked again before the data is kept (a concurrent upload may
 * have used the room). A refused upload leaves the image `queued` and no data in the store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pyJson } from '../../src/http/py-json.js';
import { identityHeaders } from '../api/api-harness.js';
import { startDataApi, type DataApi } from './data-harness.js';
import { openUpload } from './raw-upload.js';

const MiB = 1024 * 1024;
const quotaError = (text: string): string =>
  pyJson({ message: `Image exceeds the storage quota: ${text}<br /><br />\n\n\n`, code: '413 Request Entity Too Large', title: 'Request Entity Too Large' });

describe('user_storage_quota = 3MB', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { user_storage_quota: '3MB' } } });
  });
  after(async () => {
    await api?.close();
  });

  const noFileOf = async (id: string) => assert.ok(!(await api.entries(api.dataDir)).some((f) => f.includes(id)), 'no data left in the store');
  const chunked = (id: string, bytes: number) => fetch(`${api.url}/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { ...identityHeaders('demo'), accept: 'application/json', 'content-type': 'application/octet-stream' },
    body: Readable.toWeb(Readable.from((function* () { for (let i = 0; i < bytes / 65536; i++) yield Buffer.alloc(65536, i); })())) as ReadableStream,
    duplex: 'half',
  } as RequestInit);

  test('GET /v2/info/usage is empty without unified limits, as in Glance', async () => {
    const res = await api.call('demo', 'GET', '/v2/info/usage');
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"usage": {}}');
  });

  test('a declared size beyond what is left: 413 before any data is stored, image queued; other projects unaffected', async () => {
    const first = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.upload('demo', first, Buffer.alloc(2 * MiB, 1))).status, 204);
    const second = await api.create('demo', { disk_format: 'raw' });
    const res = await api.upload('demo', second, Buffer.alloc(2 * MiB, 2));
    assert.equal(res.status, 413);
    assert.equal(res.text, quotaError(`The size of the data ${2 * MiB} will exceed the limit. ${MiB} bytes remaining.`));
    assert.equal((await api.image(second)).status, 'queued');
    await noFileOf(second);
    const other = await api.create('quota', { disk_format: 'raw' });
    assert.equal((await api.upload('quota', other, Buffer.alloc(2 * MiB, 3))).status, 204);
  });

  test('data of unknown size is cut off where the quota ends: 413, image queued, nothing kept', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const res = await chunked(id, 2 * MiB);
    assert.equal(res.status, 413);
    assert.equal(await res.text(), quotaError(`The size of the data will exceed the limit. ${MiB} bytes remaining.`));
    assert.equal((await api.image(id)).status, 'queued');
    await noFileOf(id);
    // Exactly what is left fits; after that, nothing of unknown size is accepted.
    assert.equal((await chunked(id, MiB)).status, 204);
    const full = await api.create('demo', { disk_format: 'raw' });
    const refused = await chunked(full, 65536);
    assert.equal(refused.status, 413);
    assert.equal(await refused.text(), quotaError('The size of the data will exceed the limit. 0 bytes remaining.'));
  });

  test('two concurrent uploads that each fit alone: the one finishing second is refused before its data is kept', async () => {
    // A fresh project's worth of room: 'admin' has uploaded nothing yet.
    const a = await api.create('admin', { disk_format: 'raw' });
    const b = await api.create('admin', { disk_format: 'raw' });
    const size = 2 * MiB;
    const upA = await openUpload(api.port, a, { user: 'admin', contentLength: size });
    const upB = await openUpload(api.port, b, { user: 'admin', contentLength: size });
    await upA.send(Buffer.alloc(MiB, 4));
    await upB.send(Buffer.alloc(MiB, 5));
    await upA.send(Buffer.alloc(MiB, 6));
    assert.equal((await upA.response).status, 204);
    await upB.send(Buffer.alloc(MiB, 7));
    const resB = await upB.response;
    assert.equal(resB.status, 413);
    assert.equal(resB.body, quotaError(`The size of the data ${size} will exceed the limit. ${MiB} bytes remaining.`));
    assert.equal((await api.image(a)).status, 'active');
    assert.equal((await api.image(b)).status, 'queued');
    await noFileOf(b);
  });
});

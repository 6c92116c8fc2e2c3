/**
 * Nothing half-written (issue "Image data"): every way an upload can fail part-way — the client
 * hangs up, the disk fills, the image is deleted under the upload, two clients race — leaves the
 * image `queued` (or gone) and no byte of it, partial or whole, in the store's data directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pyJson } from '../../src/http/py-json.js';
import { mountTmpfs, type Tmpfs } from '../store/tmpfs.js';
import { eventually, startDataApi, type DataApi } from './data-harness.js';
import { openUpload } from './raw-upload.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('on the default data directory', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi();
  });
  after(async () => {
    await api?.close();
  });

  const status = async (id: string): Promise<unknown> => (await api.image(id)).status;

  test('a client that hangs up mid-body leaves the image queued and no file at all', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const upload = await openUpload(api.port, id, { contentLength: 4 * MiB });
    await upload.send(randomBytes(2 * MiB));
    // The server must have started writing before we hang up, or this proves nothing.
    assert.ok(await eventually(async () => (await status(id)) === 'saving'), 'upload never started');
    assert.ok(await eventually(async () => (await api.entries(api.dataDir)).length > 0), 'no partial file was ever written');
    upload.destroy();
    assert.ok(await eventually(async () => (await status(id)) === 'queued'), `image stayed ${String(await status(id))}`);
    assert.ok(await eventually(async () => (await api.entries(api.dataDir)).length === 0), `left: ${(await api.entries(api.dataDir)).join(', ')}`);
    const image = await api.image(id);
    assert.equal(image.size, null);
    assert.equal(image.checksum, null);
  });

  test('an image deleted while its upload is in flight: the upload answers 410 and leaves no data', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const data = randomBytes(2 * MiB);
    const upload = await openUpload(api.port, id, { contentLength: data.length });
    await upload.send(data.subarray(0, MiB));
    assert.ok(await eventually(async () => (await status(id)) === 'saving'));
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    await upload.send(data.subarray(MiB));
    const res = await upload.response;
    upload.destroy();
    assert.equal(res.status, 410, res.body);
    assert.match(res.body, new RegExp(`Image ${id} could not be found after upload. The image may have been deleted during the upload`));
    assert.equal((await api.call('admin', 'GET', `/v2/images/${id}`)).status, 404);
    assert.deepEqual(await api.entries(api.dataDir), []);
  });

  test('two concurrent uploads to one queued image: one wins, the other gets 409, the winner\'s bytes are stored', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const first = randomBytes(MiB);
    const second = randomBytes(MiB);
    const a = await openUpload(api.port, id, { contentLength: first.length });
    const b = await openUpload(api.port, id, { contentLength: second.length });
    // Both requests are in before either finishes its body.
    await Promise.all([a.send(first.subarray(0, 1000)), b.send(second.subarray(0, 1000))]);
    await Promise.all([a.send(first.subarray(1000)), b.send(second.subarray(1000))]);
    const [ra, rb] = await Promise.all([a.response, b.response]);
    a.destroy();
    b.destroy();
    assert.deepEqual([ra.status, rb.status].sort(), [204, 409], `${ra.status} ${ra.body} / ${rb.status} ${rb.body}`);
    const loser = ra.status === 409 ? ra : rb;
    assert.equal(loser.body, pyJson({
      message: 'Image status transition from saving to saving is not allowed<br /><br />\n\n\n', code: '409 Conflict', title: 'Conflict',
    }));
    const winner = ra.status === 204 ? first : second;
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, md5(winner));
    assert.deepEqual(await api.entries(api.dataDir), [id]);
    assert.equal(md5(await readFile(join(api.dataDir, id))), md5(winner));
  });
});

describe('the rest of a refused body', () => {
  let api: DataApi;
  let active: string;
  before(async () => {
    api = await startDataApi();
    active = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.upload('demo', active, Buffer.from('data'))).status, 204);
  });
  after(async () => {
    await api?.close();
  });

  test('is read and dropped, so the client gets the error and the connection serves the next request', async () => {
    const upload = await openUpload(api.port, active, { contentLength: 4 * MiB });
    await upload.send(randomBytes(4 * MiB));
    const res = await upload.response;
    assert.equal(res.status, 409);
    // The same connection: the server has consumed every byte of the refused body.
    const next = new Promise<string>((resolve) => {
      let text = '';
      upload.socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('HTTP/1.1 200')) resolve(text);
      });
    });
    upload.socket.write(`GET /v2/images/${active} HTTP/1.1\r\nhost: x\r\naccept: application/json\r\n\r\n`);
    assert.match(await next, /HTTP\/1\.1 200 OK/);
    upload.destroy();
  });

  test('past 64 MiB, the connection is closed once the error is out', async () => {
    const declared = 512 * MiB;
    const upload = await openUpload(api.port, active, { contentLength: declared });
    const closed = new Promise<void>((resolve) => upload.socket.once('close', () => resolve()));
    let sent = 0;
    const chunk = Buffer.alloc(MiB);
    try {
      while (sent < declared && !upload.socket.destroyed) {
        await upload.send(chunk);
        sent += chunk.length;
      }
    } catch {
      // the server hung up: expected
    }
    assert.ok(sent < declared, 'the server read the whole body');
    await closed;
    const res = await upload.response;
    assert.equal(res.status, 409);
  });
});

describe('on a full disk', () => {
  let api: DataApi;
  let mountDir: string;
  let fs: Tmpfs | string;
  before(async () => {
    mountDir = await mkdtemp(join(tmpdir(), 'glance-data-full-'));
    fs = await mountTmpfs(join(mountDir, 'images'), 4 * MiB);
    if (typeof fs !== 'string') api = await startDataApi({ dataDir: fs.path });
  });
  after(async () => {
    await api?.close();
    if (typeof fs !== 'string') await fs.unmount();
    await rm(mountDir, { recursive: true, force: true });
  });

  test('an 8 MiB upload to a 4 MiB store is 413 "storage media is full", image queued, nothing left', async (t) => {
    if (typeof fs === 'string') return t.skip(fs);
    const id = await api.create('demo', { disk_format: 'raw' });
    const res = await api.upload('demo', id, randomBytes(8 * MiB));
    assert.equal(res.status, 413, res.text);
    assert.equal(res.text, pyJson({
      message: 'Image storage media is full: There is not enough disk space on the image storage media.<br /><br />\n\n\n',
      code: '413 Request Entity Too Large',
      title: 'Request Entity Too Large',
    }));
    const image = await api.image(id);
    assert.equal(image.status, 'queued');
    assert.equal(image.size, null);
    assert.deepEqual(await api.entries(api.dataDir), []);
    // The space is all free again: a smaller image fits.
    const small = randomBytes(3 * MiB);
    assert.equal((await api.upload('demo', id, small)).status, 204);
    assert.equal((await api.image(id)).checksum, md5(small));
  });
});

/**
 * Downloads through the image cache over real HTTP (inventory §7 "Image cache"): the first
 * whole download tees the image into the cache, later ones are served from it (proved by
 * removing the store's file), ranges are served from it but never teed, a copy that no longer
 * matches the image is never served, an interrupted download leaves nothing behind, and deleted
 * or deactivated images are evicted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, readdir, stat, unlink, utimes } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { eventually } from '../data/data-harness.js';
import { startCacheApi, type CacheApi } from './cache-harness.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Opens a whole download and reads `bytes` of it slowly, then drops the connection. */
function abandonDownload(api: CacheApi, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}/v2/images/${id}/file`, { headers: { 'x-roles': 'admin' } }, (res) => {
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        got += chunk.length;
        // Stop reading: the server fills the socket buffers and then waits.
        res.pause();
        setTimeout(() => { req.destroy(); resolve(got); }, 300);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err); });
    req.end();
  });
}

/** A whole download read to its end or failure: the bytes that arrived and whether it completed. */
function rawDownload(api: CacheApi, id: string): Promise<{ status: number; bytes: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}/v2/images/${id}/file`, { headers: { 'x-roles': 'admin' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (): void => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('downloads through the image cache', () => {
  let api: CacheApi;
  before(async () => { api = await startCacheApi(); });
  after(async () => { await api?.close(); });

  const cachedNow = (id: string): Promise<boolean> => eventually(async () => (await api.rows()).has(id) && existsSync(api.cached(id)));

  test('the first whole download tees the image into the cache; the next is served from the cache', async () => {
    const { id, data } = await api.makeImage(300_000);
    const first = await api.download(id);
    assert.equal(first.status, 200);
    assert.ok(first.body.equals(data));
    assert.ok(await cachedNow(id), 'cached after the first download');
    assert.ok((await readFile(api.cached(id))).equals(data));
    assert.deepEqual(await readdir(join(api.cacheDir, 'incomplete')), []);
    const row = (await api.rows()).get(id)!;
    assert.deepEqual([row.size, row.hits, row.checksum], [data.length, 0, md5(data)]);

    // Without the store's copy, only the cache can answer.
    await unlink(join(api.dataDir, id));
    const second = await api.download(id);
    assert.equal(second.status, 200);
    assert.ok(second.body.equals(data));
    assert.equal(second.headers.get('content-md5'), md5(data));
    assert.equal(second.headers.get('content-length'), String(data.length));
    assert.equal((await api.rows()).get(id)!.hits, 1);

    const ranged = await api.download(id, { range: 'bytes=1000-1999' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 1000-1999/${data.length}`);
    assert.ok(ranged.body.equals(data.subarray(1000, 2000)));
    assert.equal((await api.rows()).get(id)!.hits, 2);
  });

  test('a ranged download of an uncached image is served from the store and not teed', async () => {
    const { id, data } = await api.makeImage(50_000);
    const ranged = await api.download(id, { range: 'bytes=0-99' });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.body.equals(data.subarray(0, 100)));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(api.cached(id)), false);
    assert.deepEqual(await readdir(join(api.cacheDir, 'incomplete')), []);
    assert.equal((await api.rows()).has(id), false);
  });

  test('a cached copy changed after it was cached is evicted; the download comes from the store', async () => {
    const { id, data } = await api.makeImage(200_000);
    await api.download(id);
    assert.ok(await cachedNow(id));
    const fh = await open(api.cached(id), 'r+');
    await fh.write(Buffer.from('corrupt'), 0, 7, 5000);
    await fh.close();
    const res = await api.download(id);
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(data), 'the store copy, not the corrupted one');
    // The corrupt copy went, and this download cached the image again, correctly.
    assert.ok(await eventually(async () => existsSync(api.cached(id)) && (await readFile(api.cached(id))).equals(data)));
  });

  test('a corrupted copy with its size and mtime kept is never delivered in full, and is evicted', async () => {
    const { id, data } = await api.makeImage(400_000);
    await api.download(id);
    assert.ok(await cachedNow(id));
    const before = await stat(api.cached(id));
    const fh = await open(api.cached(id), 'r+');
    await fh.write(Buffer.alloc(16, 0xff), 0, 16, 123_456);
    await fh.close();
    await utimes(api.cached(id), before.atime, before.mtime);
    await unlink(join(api.dataDir, id));
    const res = await rawDownload(api, id);
    assert.equal(res.status, 200);
    assert.equal(res.complete, false, 'the transfer is cut short');
    assert.ok(res.bytes.length < data.length, `${res.bytes.length} of ${data.length} bytes delivered`);
    assert.ok(await eventually(async () => !existsSync(api.cached(id)) && !(await api.rows()).has(id)), 'corrupt copy evicted');
  });

  test('a download abandoned by its client leaves no cache file, complete or partial', async () => {
    const { id } = await api.makeImage(24 * 1024 * 1024);
    const got = await abandonDownload(api, id);
    assert.ok(got > 0 && got < 24 * 1024 * 1024);
    assert.ok(await eventually(async () => (await readdir(join(api.cacheDir, 'incomplete'))).length === 0), 'incomplete file removed');
    assert.equal(existsSync(api.cached(id)), false);
    assert.equal((await api.rows()).has(id), false);
  });

  test('deleting an image evicts its cached copy', async () => {
    const { id } = await api.makeImage(10_000);
    await api.download(id);
    assert.ok(await cachedNow(id));
    assert.equal((await api.call('admin', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal(existsSync(api.cached(id)), false);
    assert.equal((await api.rows()).has(id), false);
  });

  test('deactivating an image evicts its copy; an admin download of it is neither served from nor put in the cache', async () => {
    const { id, data } = await api.makeImage(10_000);
    await api.download(id);
    assert.ok(await cachedNow(id));
    assert.equal((await api.call('admin', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    assert.equal(existsSync(api.cached(id)), false);
    assert.equal((await api.rows()).has(id), false);
    const res = await api.download(id);
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(data));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(api.cached(id)), false);
  });
});

describe('image_cache_dir without a caching flavor', () => {
  let api: CacheApi;
  before(async () => { api = await startCacheApi({ flavor: null }); });
  after(async () => { await api?.close(); });

  test('downloads neither fill nor use the cache (Glance has no cache filter in that pipeline)', async () => {
    const { id, data } = await api.makeImage(20_000);
    const res = await api.download(id);
    assert.ok(res.body.equals(data));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(api.cached(id)), false);
    assert.equal((await api.rows()).size, 0);
  });
});

/**
 * The cache keeps itself within bounds with no cron job (glance-ts addition; Glance needs
 * glance-cache-pruner and glance-cache-cleaner runs): filled past `image_cache_max_size` it
 * shrinks back by least recent use after the write, an image larger than the cache is never
 * cached, and a timer removes stalled incomplete files (`image_cache_stall_time`), files
 * without a record, Glance's `invalid/` leftovers and copies of images deleted elsewhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { eventually } from '../data/data-harness.js';
import { startCacheApi, type CacheApi } from './cache-harness.js';

const MiB = 1024 * 1024;

describe('pruning to image_cache_max_size', () => {
  let api: CacheApi;
  before(async () => { api = await startCacheApi({ defaults: { image_cache_max_size: String(3 * MiB) } }); });
  after(async () => { await api?.close(); });

  const cachedIds = async (): Promise<string[]> => [...(await api.rows()).keys()].sort();

  test('a cache filled past its maximum evicts the least recently used copies', async () => {
    const [a, b, c, d] = [await api.makeImage(MiB), await api.makeImage(MiB), await api.makeImage(MiB), await api.makeImage(MiB)];
    for (const img of [a!, b!, c!]) {
      assert.equal((await api.download(img.id)).status, 200);
      assert.ok(await eventually(async () => (await api.rows()).has(img.id)), `${img.id} cached`);
    }
    assert.deepEqual(await cachedIds(), [a!.id, b!.id, c!.id].sort(), 'exactly at the maximum: nothing pruned');
    // A hit makes `a` the most recently used; `b` is now the least.
    assert.ok((await api.download(a!.id)).body.equals(a!.data));
    assert.equal((await api.rows()).get(a!.id)!.hits, 1);
    await api.download(d!.id);
    assert.ok(await eventually(async () => (await cachedIds()).join() === [a!.id, c!.id, d!.id].sort().join()),
      `b pruned, got ${(await cachedIds()).join()}`);
    assert.equal(existsSync(api.cached(b!.id)), false);
    for (const img of [a!, c!, d!]) assert.ok(existsSync(api.cached(img.id)));
  });

  test('an image larger than the whole cache is never cached', async () => {
    const big = await api.makeImage(4 * MiB);
    assert.ok((await api.download(big.id)).body.equals(big.data));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(api.cached(big.id)), false);
    assert.equal((await api.rows()).has(big.id), false);
  });
});

describe('cleaning on a timer', () => {
  let api: CacheApi;
  // Stall time 4 s: the timer runs every 2 s.
  before(async () => { api = await startCacheApi({ defaults: { image_cache_stall_time: '4' } }); });
  after(async () => { await api?.close(); });

  test('stalled incomplete files go once not written for image_cache_stall_time, fresh ones stay until then', async () => {
    const stalled = join(api.cacheDir, 'incomplete', randomUUID());
    const fresh = join(api.cacheDir, 'incomplete', randomUUID());
    await writeFile(stalled, 'half an image');
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(stalled, hourAgo, hourAgo);
    await writeFile(fresh, 'being written');
    assert.ok(await eventually(async () => !existsSync(stalled), 5000), 'stalled file removed');
    assert.ok(existsSync(fresh), 'a file written less than image_cache_stall_time ago stays');
    assert.ok(await eventually(async () => !existsSync(fresh), 8000), 'removed once stalled');
  });

  test('files without a record and invalid/ leftovers are removed; other files are left alone', async () => {
    const orphan = api.cached(randomUUID());
    await writeFile(orphan, 'left by a crash');
    const old = new Date(Date.now() - 3600_000);
    await utimes(orphan, old, old);
    await mkdir(join(api.cacheDir, 'invalid'), { recursive: true });
    const invalid = join(api.cacheDir, 'invalid', randomUUID());
    await writeFile(invalid, 'failed fetch');
    const sqliteDb = join(api.cacheDir, 'cache.db');
    await writeFile(sqliteDb, 'Glance sqlite driver database');
    assert.ok(await eventually(async () => !existsSync(orphan) && !existsSync(invalid), 5000));
    assert.ok(existsSync(sqliteDb));
  });

  test('a copy of an image deleted through another node is evicted', async () => {
    const { id } = await api.makeImage(50_000);
    await api.download(id);
    assert.ok(await eventually(async () => (await api.rows()).has(id)));
    // Another node deleted the image: only the shared database says so.
    await sql`UPDATE images SET status = 'deleted', deleted = 1 WHERE id = ${id}`.execute(api.app.database.db);
    assert.ok(await eventually(async () => !existsSync(api.cached(id)) && !(await api.rows()).has(id), 5000));
  });
});

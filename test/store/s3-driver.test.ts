/**
 * The s3 driver's own behaviour against Swift's s3api (beyond the conformance suite): glance_store
 * locations and the key pair they carry, the streamed single PUT and its size checks, multipart
 * uploads (ETag of parts, abort on cancel), retries and clean failure through a fault-injecting
 * proxy, a missing bucket, and the sweep of abandoned uploads.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { after, describe, test } from 'node:test';
import type { StoreError } from '../../src/store/errors.js';
import type { S3Driver, S3DriverOptions } from '../../src/store/s3/s3-driver.js';
import { startFaultProxy, type Fault } from './fault-proxy.js';
import { BucketProbe, freshBucket, openTestDriver, s3Credentials, s3SkipReason, swiftListing } from './s3-fixture.js';
import { patternBytes, putBytes, readAll, rejectsWith } from './store-test-kit.js';

const MiB = 1024 * 1024;
const skip = await s3SkipReason();
const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

/** A driver on a bucket of its own (removed after the file's tests). */
async function setup(overrides: Partial<S3DriverOptions> = {}): Promise<{ driver: S3Driver; probe: BucketProbe }> {
  const probe = new BucketProbe(freshBucket('glance-ts-drv'));
  const driver = await openTestDriver(probe.bucket, overrides);
  cleanups.push(async () => { await driver.close(); await probe.remove(); });
  return { driver, probe };
}

async function headEtag(probe: BucketProbe, key: string): Promise<string> {
  const res = await probe.client.send({ method: 'HEAD', bucket: probe.bucket, key }, probe.creds);
  await res.body.dump();
  return String(res.headers.etag);
}

describe('s3 driver against Swift s3api', { skip: skip ?? false }, () => {
  test('the location is glance_store\'s s3://ACCESS:SECRET@host/bucket/id; reads use the key pair written there', async () => {
    const { driver, probe } = await setup();
    const creds = s3Credentials()!;
    const id = randomUUID();
    const loc = await putBytes(driver, id, Buffer.from('location test'));
    assert.equal(loc.url, `s3://${creds.accessKey}:${creds.secretKey}@127.0.0.1:8080/${probe.bucket}/${id}`);
    assert.deepEqual(loc.metadata, { store: 's3' });
    assert.ok(driver.owns(loc.url));
    assert.equal(driver.owns(loc.url.replace(probe.bucket, 'another-bucket')), false);
    assert.deepEqual(await driver.locate(id), loc);
    assert.equal(await driver.locate(randomUUID()), null);
    // No key pair in the URL: the configured one is used.
    const bare = { url: `s3://127.0.0.1:8080/${probe.bucket}/${id}`, metadata: {} };
    assert.equal((await readAll(await driver.read(bare))).toString(), 'location test');
    // A wrong secret in the location is refused by S3, and the error never shows the secret.
    const wrong = { url: loc.url.replace(`:${creds.secretKey}@`, ':not-the-secret@'), metadata: {} };
    const err = await rejectsWith(driver.read(wrong), 'io');
    assert.doesNotMatch(`${err.message} ${err.storeMessage} ${String((err.cause as Error).message)}`, /not-the-secret/);
    const bad = await rejectsWith(driver.stat({ url: `s3://AK:${creds.secretKey}@bucket-only/k`, metadata: {} }), 'bad_uri');
    assert.ok(!bad.message.includes(creds.secretKey), bad.message);
  });

  test('a declared size below s3_store_large_object_size is one streamed PUT, invisible until commit', async () => {
    const { driver, probe } = await setup();
    const data = patternBytes(3 * MiB + 5, 4);
    const id = randomUUID();
    const w = await driver.write(id, { sizeHint: data.length });
    await pipeline([data.subarray(0, MiB), data.subarray(MiB)], w.stream);
    assert.equal(w.bytesWritten, data.length);
    assert.deepEqual(await probe.residue(), [], 'nothing stored before commit (the last byte is held back)');
    const loc = await w.commit();
    assert.doesNotMatch(await headEtag(probe, id), /-/, 'a single-part ETag');
    assert.ok((await readAll(await driver.read(loc))).equals(data));
    // Cancelled after the stream ended but before commit: nothing either.
    const w2 = await driver.write(randomUUID(), { sizeHint: 1000 });
    await pipeline([patternBytes(1000)], w2.stream);
    await w2.cancel();
    assert.deepEqual(await probe.residue(), [id]);
  });

  test('data shorter or longer than the declared size fails the streamed PUT and leaves nothing', async () => {
    const { driver, probe } = await setup();
    const short = await driver.write(randomUUID(), { sizeHint: 1000 });
    await assert.rejects(pipeline([patternBytes(500)], short.stream), (e: StoreError) => e.storeMessage === 'Size mismatch: expected 1000 bytes, got 500 bytes');
    await short.cancel();
    const long = await driver.write(randomUUID(), { sizeHint: 1000 });
    await assert.rejects(pipeline([patternBytes(600), patternBytes(600)], long.stream), (e: StoreError) => e.storeMessage === 'Size exceeds: expected 1000 bytes, got 1200 bytes');
    await long.cancel();
    assert.deepEqual(await probe.residue(), []);
  });

  test('past s3_store_large_object_size: a multipart upload of chunk-size parts; cancelling it removes the parts sent', async () => {
    const { driver, probe } = await setup({ largeObjectSizeMiB: 5, largeObjectChunkSizeMiB: 5 });
    const data = patternBytes(12 * MiB + 1, 9);
    const id = randomUUID();
    const loc = await putBytes(driver, id, data, 256 * 1024);
    assert.match(await headEtag(probe, id), /-3"$/, 'three parts: 5 + 5 + 2 MiB');
    assert.ok((await readAll(await driver.read(loc, { start: 5 * MiB - 10, end: 5 * MiB + 9 }))).equals(data.subarray(5 * MiB - 10, 5 * MiB + 10)));
    const before = await probe.residue();

    const w = await driver.write(randomUUID());
    for (let i = 0; i < 11; i++) await new Promise<void>((resolve, reject) => w.stream.write(patternBytes(MiB, i), (e) => (e ? reject(e) : resolve())));
    const deadline = Date.now() + 10_000;
    while ((await swiftListing(`${probe.bucket}+segments`)).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await probe.uploads()).length === 1, 'the upload is in progress, its parts stored');
    await w.cancel();
    assert.deepEqual(await probe.uploads(), []);
    assert.deepEqual(await probe.residue(), before);
    await driver.delete(loc);
    assert.deepEqual(await probe.residue(), [], 'deleting a multipart object removes its parts');
  });

  test('transient failures are retried: a part answered 503 twice, a reset HEAD, a 500 on complete', async () => {
    const failures = new Map<string, number>([['part2', 2], ['head', 1], ['complete', 1]]);
    const once = (name: string, fault: Fault): Fault => {
      const left = failures.get(name) ?? 0;
      if (left === 0) return 'pass';
      failures.set(name, left - 1);
      return fault;
    };
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: 8080 }, (method, url) => {
      if (method === 'PUT' && url.includes('partNumber=2')) return once('part2', { status: 503, code: 'SlowDown' });
      if (method === 'HEAD' && !url.endsWith('/') && url.split('/').length > 2) return once('head', 'reset');
      if (method === 'POST' && url.includes('uploadId=')) return once('complete', { status: 500, code: 'InternalError' });
      return 'pass';
    });
    cleanups.push(() => proxy.close());
    const { driver } = await setup({ host: proxy.url, largeObjectSizeMiB: 5, largeObjectChunkSizeMiB: 5, retryBaseMs: 10 });
    const data = patternBytes(11 * MiB, 3);
    const loc = await putBytes(driver, randomUUID(), data, 512 * 1024);
    assert.ok((await readAll(await driver.read(loc))).equals(data));
    assert.deepEqual([...failures.values()], [0, 0, 0], 'every injected failure was met and retried');
  });

  test('a part that keeps failing fails the write (unavailable) and the upload is aborted: nothing left', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: 8080 }, (method, url) =>
      (method === 'PUT' && url.includes('partNumber=2') ? { status: 503, code: 'ServiceUnavailable' } : 'pass'));
    cleanups.push(() => proxy.close());
    const { driver, probe } = await setup({ host: proxy.url, largeObjectSizeMiB: 5, largeObjectChunkSizeMiB: 5, retries: 2, retryBaseMs: 10 });
    const w = await driver.write(randomUUID());
    async function* source() { for (let i = 0; i < 16; i++) yield patternBytes(MiB, i); }
    const err = await pipeline(source(), w.stream).then(() => w.commit()).then(() => null, (e: unknown) => e);
    assert.ok(err !== null, 'the write failed');
    await rejectsWith(w.commit(), 'unavailable', 'service_unavailable');
    await w.cancel();
    assert.equal(proxy.seen.filter((s) => s.line.includes('partNumber=2')).length, 3, 'part 2 was tried 1 + 2 times');
    assert.deepEqual(await probe.uploads(), []);
    assert.deepEqual(await probe.residue(), []);
  });

  test('a missing bucket without s3_store_create_bucket_on_put: the write fails with glance_store\'s message', async () => {
    const { driver } = await setup({ createBucketOnPut: false });
    const err = await rejectsWith(driver.write(randomUUID()), 'io');
    assert.match(err.storeMessage, /^The bucket glance-ts-drv-\w+ does not exist in S3\. Please set the s3_store_create_bucket_on_put option/);
    await assert.rejects(driver.probe(), (e: StoreError) => e.storeMessage === err.storeMessage);
  });

  test('sweep aborts multipart uploads idle past staleAfterMs and keeps the others', async () => {
    const { driver, probe } = await setup({ largeObjectSizeMiB: 5, largeObjectChunkSizeMiB: 5 });
    assert.deepEqual(await driver.sweep(), [], 'no bucket yet: nothing to sweep');
    const id = randomUUID();
    const w = await driver.write(id);
    for (let i = 0; i < 6; i++) await new Promise<void>((resolve, reject) => w.stream.write(patternBytes(MiB, i), (e) => (e ? reject(e) : resolve())));
    const deadline = Date.now() + 10_000;
    while ((await probe.uploads()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Abandon the write as a crashed process would (no cancel); a fresh upload is not swept.
    assert.deepEqual(await driver.sweep(), []);
    assert.equal((await probe.uploads()).length, 1);
    const sweeper = await openTestDriver(probe.bucket, { staleAfterMs: -60_000 });
    cleanups.push(() => sweeper.close());
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await sweeper.sweep(), [id]);
    assert.deepEqual(await probe.uploads(), []);
    assert.deepEqual(await probe.residue(), []);
    await w.cancel();
  });

  test('the probe names the bucket and endpoint', async () => {
    const { driver } = await setup();
    assert.match(await driver.probe(), /^bucket glance-ts-drv-\w+ at 127\.0\.0\.1:8080 missing \(created on the first upload\)$/);
    await putBytes(driver, randomUUID(), Buffer.from('x'));
    assert.match(await driver.probe(), /reachable$/);
  });
});

/**
 * A 1 GiB image through the API into an s3 store on Swift's s3api with glance_store's default
 * s3 options (multipart past 100 MiB, 10 MiB parts): uploaded as a stream with a declared size,
 * downloaded as a stream, both with the process's RSS sampled throughout, which must stay far
 * below the image size; then deleted with every part.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { identityHeaders } from '../api/api-harness.js';
import { BucketProbe, S3_HOST, freshBucket, s3Credentials, s3SkipReason } from '../store/s3-fixture.js';
import { startDataApi } from './data-harness.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
/** Allowed RSS growth: a few parts in flight (5 × 10 MiB) plus stream and socket buffers. */
const RSS_BOUND = 200 * MiB;

test('a 1 GiB image goes up and comes back through an s3 store with bounded memory', { skip: (await s3SkipReason()) ?? false, timeout: 600_000 }, async () => {
  const creds = s3Credentials()!;
  const probe = new BucketProbe(freshBucket('glance-ts-big'));
  const api = await startDataApi({
    ini: {
      DEFAULT: { enabled_backends: 'fs:file,s3:s3' },
      glance_store: { default_backend: 's3' },
      s3: {
        s3_store_host: S3_HOST, s3_store_access_key: creds.accessKey, s3_store_secret_key: creds.secretKey,
        s3_store_bucket: probe.bucket, s3_store_create_bucket_on_put: 'true',
      },
    },
  });
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const id = await api.create('demo', { disk_format: 'raw' });
    const sent = createHash('md5');
    async function* image() {
      for (let i = 0; i < SIZE / MiB; i++) {
        const chunk = Buffer.alloc(MiB, i % 251);
        chunk.writeUInt32BE(i, 0);
        sent.update(chunk);
        yield chunk;
      }
    }
    const started = Date.now();
    const put = await request(`${api.url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE), ...identityHeaders('demo') },
      body: Readable.from(image()),
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    assert.equal(put.statusCode, 204, await put.body.text());
    const upSeconds = (Date.now() - started) / 1000;
    const md5 = sent.digest('hex');
    const record = await api.image(id, 'demo');
    assert.equal(record.size, SIZE);
    assert.equal(record.checksum, md5);
    const upPeak = peak - rss0;

    const back = createHash('md5');
    let got = 0;
    const downStarted = Date.now();
    const get = await request(`${api.url}/v2/images/${id}/file`, { headers: identityHeaders('demo'), bodyTimeout: 600_000 });
    assert.equal(get.statusCode, 200);
    for await (const chunk of get.body) { back.update(chunk as Buffer); got += (chunk as Buffer).length; }
    const downSeconds = (Date.now() - downStarted) / 1000;
    assert.equal(got, SIZE);
    assert.equal(back.digest('hex'), md5);

    const grew = peak - rss0;
    console.log(`1 GiB through s3: up ${upSeconds.toFixed(1)} s (${(1024 / upSeconds).toFixed(0)} MiB/s), down ${downSeconds.toFixed(1)} s `
      + `(${(1024 / downSeconds).toFixed(0)} MiB/s); RSS growth ${(upPeak / MiB).toFixed(0)} MiB after the upload, ${(grew / MiB).toFixed(0)} MiB at most`);
    assert.ok(grew < RSS_BOUND, `RSS grew by ${(grew / MiB).toFixed(0)} MiB for a 1 GiB image`);

    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual(await probe.residue(), [], 'the object and all its parts are gone');
  } finally {
    clearInterval(sampler);
    await api.close();
    await probe.remove();
  }
});

/**
 * A 1 GiB image through the API into an s3 store on Swift's s3api with glance_store's default
 * s3 options (multipart past 100 MiB, 10 MiB parts): uploaded as a stream with a declared size,
 * downloaded as a stream, both with the process's RSS sampled throughout, which must stay far
 * below the image size; then deleted with every part.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketProbe, S3_HOST, freshBucket, s3Credentials, s3SkipReason } from '../store/s3-fixture.js';
import { startDataApi } from './data-harness.js';
import { describeRoundTrip, largeImageRoundTrip } from './large-image-roundtrip.js';

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
  try {
    const r = await largeImageRoundTrip(api, SIZE);
    console.log(describeRoundTrip('s3', SIZE, r));
    assert.ok(r.peakGrowth < RSS_BOUND, `RSS grew by ${(r.peakGrowth / MiB).toFixed(0)} MiB for a 1 GiB image`);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${r.id}`)).status, 204);
    assert.deepEqual(await probe.residue(), [], 'the object and all its parts are gone');
  } finally {
    await api.close();
    await probe.remove();
  }
});

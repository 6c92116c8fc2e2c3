/**
 * Image data through the API into an s3 store on Swift's s3api (`enabled_backends = fs:file,
 * s3:s3`, default s3, thresholds lowered to 5 MiB): an upload round trip with the object under
 * the image id, the store's `/v2/info/stores/detail` entry, and an upload cut off mid-stream
 * while its multipart upload is under way, which must leave no parts, no upload and no object.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BucketProbe, S3_HOST, freshBucket, s3Credentials, s3SkipReason, swiftListing } from '../store/s3-fixture.js';
import { patternBytes } from '../store/store-test-kit.js';
import { eventually, startDataApi, type DataApi } from './data-harness.js';
import { openUpload } from './raw-upload.js';

const MiB = 1024 * 1024;
const skip = await s3SkipReason();

describe('image data in an s3 store (Swift s3api)', { skip: skip ?? false }, () => {
  let api: DataApi;
  let probe: BucketProbe;

  before(async () => {
    const creds = s3Credentials()!;
    probe = new BucketProbe(freshBucket('glance-ts-api'));
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file,s3:s3' },
        glance_store: { default_backend: 's3' },
        s3: {
          s3_store_host: S3_HOST,
          s3_store_access_key: creds.accessKey,
          s3_store_secret_key: creds.secretKey,
          s3_store_bucket: probe.bucket,
          s3_store_create_bucket_on_put: 'true',
          s3_store_large_object_size: '5',
          s3_store_large_object_chunk_size: '5',
        },
      },
    });
  });

  after(async () => {
    await api?.close();
    await probe?.remove();
  });

  test('an upload lands under the image id, downloads byte for byte, and goes with the image', async () => {
    const data = patternBytes(2 * MiB + 3, 21);
    const id = await api.create('demo', { disk_format: 'raw' });
    const res = await api.upload('demo', id, data);
    assert.equal(res.status, 204, res.text);
    const image = await api.image(id, 'demo');
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 's3');
    assert.equal(image.checksum, createHash('md5').update(data).digest('hex'));
    assert.deepEqual(await probe.residue(), [id]);
    const back = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(back.status, 200);
    assert.ok(back.body.equals(data));
    const range = await api.call('demo', 'GET', `/v2/images/${id}/file`, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(data.subarray(1000, 2000)));
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual(await probe.residue(), []);
  });

  test('/v2/info/stores/detail shows the s3 store with Glance\'s s3 properties (sizes in bytes)', async () => {
    const res = await api.call('admin', 'GET', '/v2/info/stores/detail');
    assert.equal(res.status, 200, res.text);
    const s3 = (JSON.parse(res.text) as { stores: Record<string, unknown>[] }).stores.find((s) => s.id === 's3');
    assert.deepEqual(s3, {
      id: 's3', default: 'true', type: 's3',
      properties: { s3_store_large_object_size: 5 * MiB, s3_store_large_object_chunk_size: 5 * MiB, s3_store_thread_pools: 10 },
    });
    assert.ok(!res.text.includes(s3Credentials()!.secretKey));
  });

  test('an upload cut off during its multipart upload leaves no part, no upload and no object', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const upload = await openUpload(api.port, id, { contentLength: 40 * MiB });
    for (let i = 0; i < 17; i++) await upload.send(patternBytes(MiB, i));
    // Parts 1-3 are stored (or on their way) before the client goes away.
    const stored = await eventually(async () => (await swiftListing(`${probe.bucket}+segments`)).length >= 3, 20_000);
    assert.ok(stored, 'parts of the multipart upload reached Swift');
    assert.equal((await probe.uploads()).length, 1);
    upload.destroy();
    assert.ok(await eventually(async () => (await api.image(id)).status === 'queued', 20_000), 'the image is back to queued');
    assert.ok(await eventually(async () => (await probe.uploads()).length === 0, 20_000), 'the multipart upload is aborted');
    assert.deepEqual(await probe.residue(), [], 'no part and no object left');
  });
});

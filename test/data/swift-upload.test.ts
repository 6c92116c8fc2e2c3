/**
 * Image data through the API into a swift store on the real Swift (tempauth): upload, whole and
 * ranged download, `/v2/info/stores/detail`, delete, with low thresholds so the image is a DLO of
 * several segments; and an upload whose client hangs up mid-body, which must leave the image
 * `queued` and not one segment in the container.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RawSwift, swiftSkipReason, writeReferences } from '../store/swift-test-kit.js';
import { eventually, startDataApi, type DataApi } from './data-harness.js';
import { openUpload } from './raw-upload.js';

const MiB = 1024 * 1024;
const skip = await swiftSkipReason(8081);

describe('image data in a swift store', { skip: skip ?? false }, () => {
  let dir: string;
  let api: DataApi;
  let raw: RawSwift;
  const container = `glance-ts-api-${randomUUID().slice(0, 8)}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-swift-api-'));
    raw = await RawSwift.login('tempauth');
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file,swift:swift' },
        glance_store: { default_backend: 'swift' },
        swift: {
          swift_store_config_file: await writeReferences(dir), default_swift_reference: 'tempauth',
          swift_store_container: container, swift_store_create_container_on_put: 'true',
          swift_store_large_object_size: '1', swift_store_large_object_chunk_size: '1',
        },
      },
    });
  });
  after(async () => {
    await api?.close();
    await raw.dropContainer(container);
    await rm(dir, { recursive: true, force: true });
  });

  test('upload, whole and ranged download, stores detail, delete: the image is a DLO of 1 MiB segments', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const data = randomBytes(2 * MiB + 300_000);
    const put = await api.upload('demo', id, data);
    assert.equal(put.status, 204, put.text);
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 'swift');
    assert.equal(image.checksum, createHash('md5').update(data).digest('hex'));
    assert.deepEqual(await raw.residue(container), [`${id} [DLO, 3 segments]`]);

    const whole = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(data));
    const ranged = await api.call('demo', 'GET', `/v2/images/${id}/file`, { headers: { range: `bytes=${MiB - 5}-${MiB + 4}` } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes ${MiB - 5}-${MiB + 4}/${data.length}`);
    assert.ok(ranged.body.equals(data.subarray(MiB - 5, MiB + 5)));

    const detail = JSON.parse((await api.call('admin', 'GET', '/v2/info/stores/detail')).text) as { stores: { id: string; type: string; properties: unknown }[] };
    assert.deepEqual(detail.stores.find((s) => s.id === 'swift'), {
      id: 'swift', default: 'true', type: 'swift',
      properties: { container, large_object_size: MiB, large_object_chunk_size: MiB },
    });

    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual(await raw.objects(container), []);
  });

  test('a client that hangs up mid-body leaves the image queued and no segment in Swift', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const mine = async () => (await raw.objects(container)).map((o) => o.name).filter((n) => n.startsWith(id));
    const upload = await openUpload(api.port, id, { contentLength: 4 * MiB });
    await upload.send(randomBytes(2 * MiB + 500_000));
    // Segments must really have been written before the hang-up, or this proves nothing.
    assert.ok(await eventually(async () => (await mine()).length >= 2), 'no segment was ever written');
    assert.equal((await api.image(id)).status, 'saving');
    upload.destroy();
    assert.ok(await eventually(async () => (await api.image(id)).status === 'queued'), 'the image did not go back to queued');
    assert.ok(await eventually(async () => (await mine()).length === 0), `left: ${(await mine()).join(', ')}`);
    const image = await api.image(id);
    assert.equal(image.size, null);
    assert.equal(image.checksum, null);
  });
});

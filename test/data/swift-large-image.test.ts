/**
 * A 1 GiB image through the API into a swift store on the real Swift (tempauth), past a lowered
 * `swift_store_large_object_size` (512 MiB) so it is written as glance_store writes big images: a
 * DLO of `swift_store_large_object_chunk_size` (default 200 MiB) segments, each streamed with its
 * length. The process's RSS is sampled throughout the upload and the download and must stay far
 * below the image size; the delete then removes every segment.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { identityHeaders } from '../api/api-harness.js';
import { RawSwift, swiftSkipReason, writeReferences } from '../store/swift-test-kit.js';
import { startDataApi } from './data-harness.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
/** Allowed RSS growth: one segment's stream and socket buffers, the hashing pool, the HTTP stacks. */
const RSS_BOUND = 200 * MiB;

test('a 1 GiB image goes up as a DLO and comes back through a swift store with bounded memory', { skip: (await swiftSkipReason(8081)) ?? false, timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glance-swift-big-'));
  const container = `glance-ts-big-${randomUUID().slice(0, 8)}`;
  const raw = await RawSwift.login('tempauth');
  const api = await startDataApi({
    ini: {
      DEFAULT: { enabled_backends: 'fs:file,swift:swift' },
      glance_store: { default_backend: 'swift' },
      swift: {
        swift_store_config_file: await writeReferences(dir), default_swift_reference: 'tempauth', swift_store_container: container,
        swift_store_create_container_on_put: 'true', swift_store_large_object_size: '512',
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
        const chunk = Buffer.alloc(MiB, i % 253);
        chunk.writeUInt32BE(i, 8);
        sent.update(chunk);
        yield chunk;
      }
    }
    const upStart = Date.now();
    const put = await request(`${api.url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE), ...identityHeaders('demo') },
      body: Readable.from(image()),
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    assert.equal(put.statusCode, 204, await put.body.text());
    const upSeconds = (Date.now() - upStart) / 1000;
    const upPeak = peak - rss0;
    const md5 = sent.digest('hex');
    const record = await api.image(id, 'demo');
    assert.equal(record.size, SIZE);
    assert.equal(record.checksum, md5);
    const segments = (await raw.objects(container)).filter((o) => o.name !== id);
    assert.deepEqual(segments.map((s) => s.bytes), [200, 200, 200, 200, 200, 24].map((m) => m * MiB));

    const back = createHash('md5');
    let got = 0;
    const downStart = Date.now();
    const get = await request(`${api.url}/v2/images/${id}/file`, { headers: identityHeaders('demo'), bodyTimeout: 600_000 });
    assert.equal(get.statusCode, 200);
    for await (const chunk of get.body) { back.update(chunk as Buffer); got += (chunk as Buffer).length; }
    const downSeconds = (Date.now() - downStart) / 1000;
    assert.equal(got, SIZE);
    assert.equal(back.digest('hex'), md5);

    const grew = peak - rss0;
    console.log(`1 GiB through swift (DLO of 200 MiB segments): up ${upSeconds.toFixed(1)} s (${(1024 / upSeconds).toFixed(0)} MiB/s), `
      + `down ${downSeconds.toFixed(1)} s (${(1024 / downSeconds).toFixed(0)} MiB/s); RSS growth ${(upPeak / MiB).toFixed(0)} MiB after the upload, `
      + `${(grew / MiB).toFixed(0)} MiB at most`);
    assert.ok(grew < RSS_BOUND, `RSS grew by ${(grew / MiB).toFixed(0)} MiB for a 1 GiB image`);

    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual(await raw.objects(container), [], 'the manifest and every segment are gone');
  } finally {
    clearInterval(sampler);
    await api.close();
    await raw.dropContainer(container);
    await rm(dir, { recursive: true, force: true });
  }
});

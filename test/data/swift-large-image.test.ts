/**
 * A 1 GiB image through the API into a swift store on the real Swift (tempauth), past a lowered
 * `swift_store_large_object_size` (512 MiB) so it is written as glance_store writes big images: a
 * DLO of `swift_store_large_object_chunk_size` (default 200 MiB) segments, each streamed with its
 * length. The process's RSS is sampled throughout the upload and the download and must stay far
 * below the image size; the delete then removes every segment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RawSwift, swiftSkipReason, writeReferences } from '../store/swift-test-kit.js';
import { startDataApi } from './data-harness.js';
import { describeRoundTrip, largeImageRoundTrip } from './large-image-roundtrip.js';

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
  try {
    const r = await largeImageRoundTrip(api, SIZE, async (id) => {
      const segments = (await raw.objects(container)).filter((o) => o.name !== id);
      assert.deepEqual(segments.map((s) => s.bytes), [200, 200, 200, 200, 200, 24].map((m) => m * MiB));
    });
    console.log(describeRoundTrip('swift (DLO of 200 MiB segments)', SIZE, r));
    assert.ok(r.peakGrowth < RSS_BOUND, `RSS grew by ${(r.peakGrowth / MiB).toFixed(0)} MiB for a 1 GiB image`);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${r.id}`)).status, 204);
    assert.deepEqual(await raw.objects(container), [], 'the manifest and every segment are gone');
  } finally {
    await api.close();
    await raw.dropContainer(container);
    await rm(dir, { recursive: true, force: true });
  }
});

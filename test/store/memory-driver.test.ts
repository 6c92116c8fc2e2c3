/**
 * The memory driver's failure knobs, which other tests use to reach paths a real backend cannot
 * produce on demand: capacity (storage full mid-write), injected write and commit errors,
 * read-only and no-random-access capabilities.
 */
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { StoreError } from '../../src/store/errors.js';
import { MemoryDriver } from '../../src/store/memory/memory-driver.js';
import { patternBytes, putBytes, rejectsWith } from './store-test-kit.js';

test('capacity: a write that overflows it fails storage_full (413) and frees its bytes', async () => {
  const d = new MemoryDriver({ id: 'm', capacity: 100_000 });
  await putBytes(d, 'small', patternBytes(40_000));
  const w = await d.write('big');
  await rejectsWith(pipeline([patternBytes(50_000), patternBytes(50_000)], w.stream), 'storage_full', 'too_large');
  await w.cancel();
  assert.deepEqual(d.contents(), ['small']);
  assert.equal(d.usedBytes, 40_000);
});

test('an injected write error fails the stream at the chosen offset and leaves nothing', async () => {
  const d = new MemoryDriver({ id: 'm', faults: { write: (_id, offset) => (offset >= 64 * 1024 ? new StoreError('m', 'write_denied') : undefined) } });
  const w = await d.write('x');
  await rejectsWith(pipeline([patternBytes(64 * 1024), patternBytes(10)], w.stream), 'write_denied', 'service_unavailable');
  await rejectsWith(w.commit(), 'write_denied');
  assert.deepEqual(d.contents(), []);
});

test('an injected commit error leaves nothing', async () => {
  const d = new MemoryDriver({ id: 'm', faults: { commit: () => new StoreError('m', 'io', 'disk vanished') } });
  const w = await d.write('x');
  await pipeline([Buffer.from('data')], w.stream);
  await rejectsWith(w.commit(), 'io');
  assert.deepEqual(d.contents(), []);
});

test('reduced capabilities: read-only refuses writes and deletes; no random access refuses ranges (400)', async () => {
  const ro = new MemoryDriver({ id: 'm', capabilities: { write: false } });
  await rejectsWith(ro.write('x'), 'add_disabled', 'gone');
  await rejectsWith(ro.delete(ro.locationOf('x')), 'delete_not_supported');
  const seq = new MemoryDriver({ id: 'm', capabilities: { randomRead: false } });
  const loc = await putBytes(seq, 'x', patternBytes(100));
  await rejectsWith(seq.read(loc, { start: 0, end: 9 }), 'random_read_not_supported', 'bad_request');
});

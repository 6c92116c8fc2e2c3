import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StoreError } from './errors.js';
import { MemoryDriver } from './memory/memory-driver.js';
import { observeDriverErrors, type StoreOperation } from './observed-driver.js';

function observed(driver: MemoryDriver): { d: ReturnType<typeof observeDriverErrors>; seen: Array<[string, StoreOperation]> } {
  const seen: Array<[string, StoreOperation]> = [];
  return { d: observeDriverErrors(driver, (store, op) => seen.push([store, op])), seen };
}

test('a write that fails storage_full mid-stream counts once, though commit rejects with the same error', async () => {
  const { d, seen } = observed(new MemoryDriver({ id: 'mem', capacity: 4 }));
  const w = await d.write('img1');
  await assert.rejects(pipeline(Readable.from([Buffer.from('abc'), Buffer.from('defg')]), w.stream), (e: unknown) => e instanceof StoreError && e.reason === 'storage_full');
  await assert.rejects(w.commit(), (e: unknown) => e instanceof StoreError && e.reason === 'storage_full');
  await w.cancel();
  assert.deepEqual(seen, [['mem', 'write']]);
});

test('a commit failure, a missing object on read, stat and delete are each counted with their operation', async () => {
  const { d, seen } = observed(new MemoryDriver({ id: 'mem', faults: { commit: (id) => (id === 'bad' ? new StoreError('mem', 'io', 'disk on fire') : undefined) } }));
  const w = await d.write('bad');
  await pipeline(Readable.from([Buffer.from('x')]), w.stream);
  await assert.rejects(w.commit(), (e: unknown) => e instanceof StoreError && e.storeMessage === 'disk on fire');
  const missing = { url: 'memory://mem/none', metadata: {} };
  await assert.rejects(d.read(missing));
  await assert.rejects(d.stat(missing));
  await assert.rejects(d.delete(missing));
  assert.deepEqual(seen, [['mem', 'write'], ['mem', 'read'], ['mem', 'stat'], ['mem', 'delete']]);
});

test('refusals and caller-made stream errors are not store failures; results pass through unchanged', async () => {
  const driver = new MemoryDriver({ id: 'ro', capabilities: { write: false } });
  const { d, seen } = observed(driver);
  await assert.rejects(d.write('x'), (e: unknown) => e instanceof StoreError && e.reason === 'add_disabled');

  const rw = observed(new MemoryDriver({ id: 'rw' }));
  const w = await rw.d.write('img');
  // A client hanging up mid-upload: the pipeline destroys the write stream with its own error.
  const aborted = new Readable({ read() { this.destroy(Object.assign(new Error('client went away'), { code: 'ECONNRESET' })); } });
  await assert.rejects(pipeline(aborted, w.stream), /client went away/);
  await w.cancel();
  const ok = await rw.d.write('img2');
  await pipeline(Readable.from([Buffer.from('hello')]), ok.stream);
  assert.equal(ok.bytesWritten, 5);
  const location = await ok.commit();
  await assert.rejects(rw.d.read(location, { start: 10, end: 20 }), (e: unknown) => e instanceof StoreError && e.reason === 'invalid_range');
  const chunks: Buffer[] = [];
  for await (const c of await rw.d.read(location)) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'hello');
  assert.deepEqual(await rw.d.stat(location), { size: 5 });
  assert.deepEqual(seen, []);
  assert.deepEqual(rw.seen, []);
});

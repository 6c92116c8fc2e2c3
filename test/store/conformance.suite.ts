/**
 * The one behaviour suite every store driver passes. A harness gives a fresh driver over a real
 * backend, a way to list everything the backend holds (to prove nothing is left behind) and, for
 * read-only stores, a way to put an object there by the side door. Writable drivers go through
 * the whole write contract; read-only ones get the read side and must refuse writes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test, type TestContext } from 'node:test';
import type { StoreDriver, StoreLocation } from '../../src/store/driver.js';
import { digestOf, patternBytes, putBytes, readAll, rejectsWith } from './store-test-kit.js';

/** One driver over a fresh backend. */
export interface StoreHarness {
  driver: StoreDriver;
  /** Everything the backend holds, partial data included (file names, object keys). */
  residue(): Promise<string[]>;
  /** A location this driver owns where nothing is stored. */
  missing(imageId: string): StoreLocation;
  /** Stores `data` without the driver (read-only stores). */
  seed?(imageId: string, data: Buffer | AsyncIterable<Buffer>): Promise<StoreLocation>;
  cleanup(): Promise<void>;
}

/** Suite options. */
export interface ConformanceOptions {
  /** Bytes of the backpressure write (default 256 MiB). */
  bigWriteBytes?: number;
  /** The backend keeps data in this process's memory: skip the RSS bound, keep the lag bound. */
  storesInProcessMemory?: boolean;
}

const MiB = 1024 * 1024;

/** Registers the conformance tests for the driver `make` builds. */
export function storeConformanceSuite(name: string, make: () => Promise<StoreHarness>, opts: ConformanceOptions = {}): void {
  const withHarness = (fn: (h: StoreHarness, t: TestContext) => Promise<void>) => async (t: TestContext) => {
    const h = await make();
    try { await fn(h, t); } finally { await h.cleanup(); }
  };
  const put = (h: StoreHarness, id: string, data: Buffer) =>
    h.driver.capabilities.write ? putBytes(h.driver, id, data) : h.seed!(id, data);

  describe(`store conformance: ${name}`, () => {
    test('an object reads back byte for byte; stat gives its size', withHarness(async (h) => {
      const data = patternBytes(3 * MiB + 17, 7);
      const loc = await put(h, randomUUID(), data);
      assert.ok(h.driver.owns(loc.url), `driver owns its location ${loc.url}`);
      assert.ok((await readAll(await h.driver.read(loc))).equals(data));
      assert.deepEqual(await h.driver.stat(loc), { size: data.length });
    }));

    test('an empty object is stored and read back', withHarness(async (h) => {
      const loc = await put(h, randomUUID(), Buffer.alloc(0));
      assert.equal((await readAll(await h.driver.read(loc))).length, 0);
      assert.deepEqual(await h.driver.stat(loc), { size: 0 });
    }));

    test('ranged reads: first byte, middle, last byte, whole; past the end is invalid_range (416)', withHarness(async (h) => {
      const data = patternBytes(200_000, 3);
      const loc = await put(h, randomUUID(), data);
      const last = data.length - 1;
      for (const [start, end] of [[0, 0], [1000, 99_999], [last, last], [0, last], [last - 5000, last]] as const) {
        const got = await readAll(await h.driver.read(loc, { start, end }));
        assert.ok(got.equals(data.subarray(start, end + 1)), `range ${start}-${end}`);
      }
      await rejectsWith(h.driver.read(loc, { start: last, end: last + 1 }), 'invalid_range', 'range_not_satisfiable');
      await rejectsWith(h.driver.read(loc, { start: data.length, end: data.length + 10 }), 'invalid_range');
      await rejectsWith(h.driver.read(loc, { start: 10, end: 5 }), 'invalid_range');
    }));

    test('reading or stat-ing a missing object is not_found (404)', withHarness(async (h) => {
      const loc = h.missing(randomUUID());
      await rejectsWith(h.driver.read(loc), 'not_found', 'not_found');
      await rejectsWith(h.driver.stat(loc), 'not_found', 'not_found');
    }));

    test('reading a big object with a slow consumer keeps memory flat', { timeout: 300_000 }, withHarness(async (h, t) => {
      if (opts.storesInProcessMemory) { t.skip('the backend is this process\'s own memory'); return; }
      const total = 128 * MiB;
      async function* chunks() { for (let i = 0; i < total / MiB; i++) yield Buffer.alloc(MiB, i); }
      const id = randomUUID();
      let loc: StoreLocation;
      if (h.driver.capabilities.write) {
        const w = await h.driver.write(id);
        await pipeline(chunks(), w.stream);
        loc = await w.commit();
      } else {
        loc = await h.seed!(id, chunks());
      }
      const rss0 = process.memoryUsage().rss;
      let maxRss = rss0;
      let got = 0;
      const slow = new Writable({
        write(chunk: Buffer, _enc, cb) {
          got += chunk.length;
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
          setTimeout(cb, 1);
        },
      });
      await pipeline(await h.driver.read(loc), slow);
      assert.equal(got, total);
      const grew = (maxRss - rss0) / MiB;
      assert.ok(grew < 64, `RSS grew by ${grew.toFixed(0)} MiB while reading ${total / MiB} MiB`);
    }));

    test('read-only stores refuse writes (410, text/plain) and deletes', withHarness(async (h, t) => {
      if (h.driver.capabilities.write) { t.skip('the store is writable'); return; }
      const err = await rejectsWith(h.driver.write(randomUUID()), 'add_disabled', 'gone');
      assert.equal(err.forcePlain, true);
      assert.equal(err.message, 'Error in store configuration. Adding images to store is disabled.');
      const loc = await put(h, randomUUID(), Buffer.from('x'));
      await rejectsWith(h.driver.delete(loc), 'delete_not_supported');
    }));

    describe('write contract', () => {
      const writable = (fn: (h: StoreHarness) => Promise<void>) => withHarness(async (h, t) => {
        if (!h.driver.capabilities.write) { t.skip('read-only store: it has no write contract'); return; }
        await fn(h);
      });

      test('commit returns a location tagged with the store id, and bytesWritten is the size', writable(async (h) => {
        const id = randomUUID();
        const w = await h.driver.write(id);
        await pipeline([patternBytes(5000, 1), patternBytes(7000, 2)], w.stream);
        const loc = await w.commit();
        assert.equal(w.bytesWritten, 12_000);
        assert.equal(loc.metadata.store, h.driver.id);
        assert.ok(loc.url.includes(id));
        assert.deepEqual(await w.commit(), loc, 'commit again gives the same location');
        await w.cancel();
        assert.deepEqual(await h.driver.stat(loc), { size: 12_000 }, 'cancel after commit is a no-op');
      }));

      test('commit ends the stream if the caller did not', writable(async (h) => {
        const w = await h.driver.write(randomUUID());
        w.stream.write(Buffer.from('hello'));
        const loc = await w.commit();
        assert.equal((await readAll(await h.driver.read(loc))).toString(), 'hello');
      }));

      test('nothing is visible before commit; cancel leaves nothing and is idempotent', writable(async (h) => {
        const before = await h.residue();
        const id = randomUUID();
        const w = await h.driver.write(id);
        await pipeline([patternBytes(100_000)], w.stream);
        await rejectsWith(h.driver.stat(h.missing(id)), 'not_found');
        await w.cancel();
        await w.cancel();
        assert.deepEqual(await h.residue(), before);
        await rejectsWith(w.commit(), 'io');
        assert.deepEqual(await h.residue(), before);
      }));

      test('cancel in the middle of a write (stream still open) leaves nothing', writable(async (h) => {
        const before = await h.residue();
        const w = await h.driver.write(randomUUID());
        await new Promise<void>((resolve, reject) => w.stream.write(patternBytes(300_000), (err) => (err ? reject(err) : resolve())));
        await w.cancel();
        assert.deepEqual(await h.residue(), before);
      }));

      test('a failing source (pipeline error): cancel leaves nothing; so does the stream on its own once closed', writable(async (h) => {
        const before = await h.residue();
        async function* failing() { yield patternBytes(200_000); throw new Error('client went away'); }
        const w1 = await h.driver.write(randomUUID());
        await assert.rejects(pipeline(failing(), w1.stream), /client went away/);
        await w1.cancel();
        assert.deepEqual(await h.residue(), before);
        // Without cancel(): pipeline destroys the stream, which removes the data before 'close'.
        const w2 = await h.driver.write(randomUUID());
        const closed = new Promise((resolve) => w2.stream.once('close', resolve));
        await assert.rejects(pipeline(failing(), w2.stream), /client went away/);
        await closed;
        assert.deepEqual(await h.residue(), before);
      }));

      test('an abort signal removes the partial data', writable(async (h) => {
        const before = await h.residue();
        const ac = new AbortController();
        const w = await h.driver.write(randomUUID(), { signal: ac.signal });
        async function* endless() { for (;;) yield patternBytes(64 * 1024); }
        const piping = pipeline(endless(), w.stream);
        setTimeout(() => ac.abort(), 20);
        await assert.rejects(piping);
        await w.cancel();
        assert.deepEqual(await h.residue(), before);
      }));

      test('writing an existing id is duplicate (409), at write() and at commit of a racing write', writable(async (h) => {
        const id = randomUUID();
        const first = await h.driver.write(id);
        const second = await h.driver.write(id);
        await pipeline([Buffer.from('first')], first.stream);
        await pipeline([Buffer.from('second!')], second.stream);
        const loc = await first.commit();
        await rejectsWith(second.commit(), 'duplicate', 'conflict');
        await rejectsWith(h.driver.write(id), 'duplicate', 'conflict');
        assert.equal((await readAll(await h.driver.read(loc))).toString(), 'first');
        const residue = await h.residue();
        assert.equal(residue.length, 1, `only the committed object is left: ${residue.join(', ')}`);
      }));

      test('delete removes the object; deleting it again is not_found', writable(async (h) => {
        const before = await h.residue();
        const loc = await putBytes(h.driver, randomUUID(), patternBytes(1000));
        await h.driver.delete(loc);
        await rejectsWith(h.driver.read(loc), 'not_found');
        await rejectsWith(h.driver.delete(loc), 'not_found', 'not_found');
        assert.deepEqual(await h.residue(), before);
      }));

      test('concurrent writes of different ids do not mix', writable(async (h) => {
        const items = Array.from({ length: 8 }, (_, i) => ({ id: randomUUID(), data: patternBytes(MiB + i * 4099, i + 10) }));
        const locs = await Promise.all(items.map((it) => putBytes(h.driver, it.id, it.data, 8192 + it.data.length % 1000)));
        for (const [i, loc] of locs.entries()) {
          assert.ok((await readAll(await h.driver.read(loc))).equals(items[i]!.data), `object ${i}`);
        }
      }));

      test('backpressure: a big write from a fast generator keeps memory flat', { timeout: 300_000 }, writable(async (h) => {
        const total = opts.bigWriteBytes ?? 256 * MiB;
        const chunk = MiB;
        const w = await h.driver.write(randomUUID(), { sizeHint: total });
        const rss0 = process.memoryUsage().rss;
        let produced = 0;
        let maxLag = 0;
        let maxRss = rss0;
        async function* source() {
          while (produced < total) {
            maxLag = Math.max(maxLag, produced - w.bytesWritten);
            maxRss = Math.max(maxRss, process.memoryUsage().rss);
            const b = Buffer.allocUnsafe(chunk).fill(produced / chunk);
            produced += chunk;
            yield b;
          }
        }
        await pipeline(source(), w.stream);
        // The producer never runs more than a few buffers ahead of what the store has accepted.
        assert.ok(maxLag <= 8 * MiB, `producer ran ${maxLag / MiB} MiB ahead of the store`);
        if (!opts.storesInProcessMemory) {
          const grew = (maxRss - rss0) / MiB;
          assert.ok(grew < 128, `RSS grew by ${grew.toFixed(0)} MiB while writing ${total / MiB} MiB`);
        }
        const loc = await w.commit();
        assert.equal((await h.driver.stat(loc)).size, total);
        const { size } = await digestOf(await h.driver.read(loc, { start: total - chunk, end: total - 1 }));
        assert.equal(size, chunk);
        await h.driver.delete(loc);
      }));
    });
  });
}

import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { BadRequest, GlanceError, TooLarge } from '../domain/errors.js';
import { IMAGE_SIZE_CAP_MESSAGE, SizeLimit } from './size-limit.js';

/** Streams `sizes` chunks through a SizeLimit and reports what came out, or the error. */
async function run(sizes: number[], limit: SizeLimit): Promise<{ out: Buffer; error?: unknown }> {
  const chunks = sizes.map((n, i) => Buffer.alloc(n, i + 1));
  const received: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => { received.push(c); cb(); } });
  try {
    await pipeline(Readable.from(chunks), limit, sink);
    return { out: Buffer.concat(received) };
  } catch (error) {
    return { out: Buffer.concat(received), error };
  }
}

describe('SizeLimit', () => {
  it('passes data through unchanged and counts it', async () => {
    const limit = new SizeLimit({ limit: 100 });
    const { out, error } = await run([10, 0, 30, 60], limit);
    assert.equal(error, undefined);
    assert.equal(out.length, 100);
    assert.deepEqual(out, Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(30, 3), Buffer.alloc(60, 4)]));
    assert.equal(limit.bytes, 100);
  });

  it('fails with TooLarge and Glance\'s text one byte past the cap, forwarding nothing past it', async () => {
    const { out, error } = await run([60, 40, 1, 50], new SizeLimit({ limit: 100 }));
    assert.ok(error instanceof TooLarge);
    assert.equal(error.kind, 'too_large');
    assert.equal(error.message, IMAGE_SIZE_CAP_MESSAGE);
    assert.equal(out.length, 100);
  });

  it('rejects a single chunk larger than the cap', async () => {
    const { out, error } = await run([101], new SizeLimit({ limit: 100 }));
    assert.ok(error instanceof TooLarge);
    assert.equal(out.length, 0);
  });

  it('uses the caller\'s error for a quota limit', async () => {
    const limit = new SizeLimit({ limit: 5, tooLarge: (n) => new TooLarge(`quota: ${n} bytes left`) });
    const { error } = await run([3, 3], limit);
    assert.ok(error instanceof GlanceError);
    assert.equal(error.message, 'quota: 5 bytes left');
  });

  it('accepts data of exactly the declared size', async () => {
    const { out, error } = await run([7, 8, 9], new SizeLimit({ expectedSize: 24 }));
    assert.equal(error, undefined);
    assert.equal(out.length, 24);
  });

  it('accepts an empty body declared as 0 bytes', async () => {
    const { error } = await run([], new SizeLimit({ expectedSize: 0, limit: 10 }));
    assert.equal(error, undefined);
  });

  it('fails with BadRequest when fewer bytes arrive than declared', async () => {
    const { error } = await run([7, 8], new SizeLimit({ expectedSize: 24 }));
    assert.ok(error instanceof BadRequest);
    assert.match(error.message, /ended after 15 bytes, but 24 bytes were declared/);
  });

  it('fails with BadRequest as soon as more bytes arrive than declared', async () => {
    const { out, error } = await run([20, 5, 100], new SizeLimit({ expectedSize: 24, limit: 1000 }));
    assert.ok(error instanceof BadRequest);
    assert.match(error.message, /larger than the declared size of 24 bytes/);
    assert.equal(out.length, 20);
  });

  it('reports the cap before the declared size when both are crossed', async () => {
    const { error } = await run([50], new SizeLimit({ expectedSize: 30, limit: 40 }));
    assert.ok(error instanceof TooLarge);
  });

  it('refuses nonsensical bounds at construction', () => {
    assert.throws(() => new SizeLimit({ limit: -1 }), RangeError);
    assert.throws(() => new SizeLimit({ expectedSize: 1.5 }), RangeError);
  });
});

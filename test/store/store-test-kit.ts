/**
 * Small helpers shared by the store tests: deterministic data, reading a stream back, writing
 * a whole buffer through a StoreWrite, and asserting a StoreError's reason and HTTP-facing kind.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoreDriver, StoreLocation } from '../../src/store/driver.js';
import { StoreError, type StoreErrorReason } from '../../src/store/errors.js';

/** `size` bytes that differ from one seed to another and from one offset to another. */
export function patternBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads a stream to the end into one buffer (test data only, small). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** sha256 of a stream, without keeping it. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) { h.update(c as Buffer); size += (c as Buffer).length; }
  return { sha256: h.digest('hex'), size };
}

/** Writes `data` in chunks of `chunk` bytes to a new object and commits it. */
export async function putBytes(driver: StoreDriver, imageId: string, data: Buffer, chunk = 64 * 1024): Promise<StoreLocation> {
  const w = await driver.write(imageId, { sizeHint: data.length });
  async function* pieces() { for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk); }
  await pipeline(pieces(), w.stream);
  return w.commit();
}

/** Asserts that `p` rejects with a StoreError of `reason` (and GlanceError kind `kind` if given). */
export async function rejectsWith(p: Promise<unknown>, reason: StoreErrorReason, kind?: string): Promise<StoreError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof StoreError, `expected StoreError(${reason}), got ${String(caught)}`);
  assert.equal(caught.reason, reason, `reason of: ${caught.message}`);
  if (kind !== undefined) assert.equal(caught.kind, kind);
  return caught;
}

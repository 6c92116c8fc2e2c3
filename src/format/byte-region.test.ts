import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteRegion, TailRegion } from './byte-region.js';

const STREAM = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff));

/** Offers STREAM to `region` in chunks of `size`; returns how many calls reported completion. */
function offer(region: ByteRegion, size: number): number {
  let completions = 0;
  for (let at = 0; at < STREAM.length; at += size) {
    if (region.capture(STREAM.subarray(at, at + size), at)) completions++;
  }
  return completions;
}

test('a region collects exactly its bytes whatever the chunk boundaries', () => {
  for (const size of [1, 3, 7, 511, 512, 513, 4096, 10000]) {
    const region = new ByteRegion(1000, 1234);
    assert.equal(offer(region, size), 1, `completes once (${size})`);
    assert.ok(region.complete);
    assert.deepEqual(region.data, STREAM.subarray(1000, 2234), `chunks of ${size}`);
    assert.ok(region.heldBytes >= 1234 && region.heldBytes <= 2048);
  }
});

test('a region past the end of the stream stays incomplete; minLength decides at the end', () => {
  const region = new ByteRegion(4900, 512, 64);
  offer(region, 7);
  assert.equal(region.complete, false);
  assert.equal(region.data.length, 100);
  assert.equal(region.satisfiedAtEnd(), true);
  assert.equal(new ByteRegion(4990, 512, 64).satisfiedAtEnd(), false);
});

test('a region whose bytes already went by is missed, never filled with later bytes', () => {
  const region = new ByteRegion(10, 100);
  assert.equal(region.capture(STREAM.subarray(200, 300), 200), false);
  assert.equal(region.missed, true);
  assert.equal(region.data.length, 0);
  assert.equal(region.satisfiedAtEnd(), false);
});

test('a seeded region continues where the seed ends', () => {
  const region = new ByteRegion(0, 2000);
  region.seed(STREAM.subarray(0, 512));
  region.capture(STREAM.subarray(300, 1500), 300);
  region.capture(STREAM.subarray(1500, 2500), 1500);
  assert.deepEqual(region.data, STREAM.subarray(0, 2000));
});

test('a zero-length region is complete from the start', () => {
  const region = new ByteRegion(512, 0);
  assert.equal(region.complete, true);
  assert.equal(region.capture(STREAM, 0), false);
});

test('the tail ring keeps the last bytes in order for any chunk size', () => {
  for (const size of [1, 7, 1535, 1536, 1537, 4096]) {
    const tail = new TailRegion(1536);
    for (let at = 0; at < STREAM.length; at += size) tail.push(STREAM.subarray(at, at + size));
    assert.ok(tail.complete);
    assert.deepEqual(tail.data(), STREAM.subarray(STREAM.length - 1536), `chunks of ${size}`);
  }
  const short = new TailRegion(1536);
  short.push(STREAM.subarray(0, 100));
  assert.equal(short.complete, false);
  assert.deepEqual(short.data(), STREAM.subarray(0, 100));
});

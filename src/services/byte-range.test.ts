import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestedRange } from './byte-range.js';
import { GlanceError } from '../domain/errors.js';

const fails = (kind: string, detail: RegExp) => (e: unknown) =>
  e instanceof GlanceError && e.kind === kind && detail.test(e.detail ?? e.message);

test('no range header: whole image', () => {
  assert.equal(requestedRange(undefined, undefined, 10), null);
});

test('closed, open and suffix ranges', () => {
  assert.deepEqual(requestedRange('bytes=0-15', undefined, 100), { start: 0, end: 15 });
  assert.deepEqual(requestedRange('bytes=90-', undefined, 100), { start: 90, end: 99 });
  assert.deepEqual(requestedRange('bytes=-10', undefined, 100), { start: 90, end: 99 });
  assert.deepEqual(requestedRange('bytes=-1000', undefined, 100), { start: 0, end: 99 });
  assert.deepEqual(requestedRange('bytes=99-99', undefined, 100), { start: 99, end: 99 });
  assert.deepEqual(requestedRange('bytes=10-500', undefined, 100), { start: 10, end: 99 });
});

test('start past the end is 416 with the recorded detail (ref 115)', () => {
  assert.throws(() => requestedRange('bytes=99999999-', undefined, 12910592),
    fails('range_not_satisfiable', /^Invalid start position in Range header\. Start position MUST be in the inclusive range \[0, 12910591\]\.$/));
});

test('malformed and reversed ranges are 416; several ranges are 400', () => {
  assert.throws(() => requestedRange('bytes=5-3', undefined, 10), fails('range_not_satisfiable', /^Invalid Range header\.$/));
  assert.throws(() => requestedRange('items=0-1', undefined, 10), fails('range_not_satisfiable', /^Invalid Range header\.$/));
  assert.throws(() => requestedRange('bytes=-0', undefined, 10), fails('range_not_satisfiable', /Invalid Range header/));
  assert.throws(() => requestedRange('bytes=0-1,3-4', undefined, 10), fails('bad_request', /multiple ranges/));
});

test('legacy request Content-Range', () => {
  assert.deepEqual(requestedRange(undefined, 'bytes 2-4/10', 10), { start: 2, end: 4 });
  assert.throws(() => requestedRange(undefined, 'bytes 2-40/*', 10), fails('range_not_satisfiable', /stop position/));
  assert.throws(() => requestedRange(undefined, 'bytes 20-40/50', 10), fails('range_not_satisfiable', /start position in Content-Range/));
  assert.throws(() => requestedRange(undefined, 'nonsense', 10), fails('range_not_satisfiable', /Invalid Content-Range/));
});

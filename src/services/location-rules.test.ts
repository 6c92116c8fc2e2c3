import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newImage, type Image } from '../domain/image.js';
import {
  addPosition, assertLocationQuota, checkLocationMetadata, isRestrictedScheme, newValidationValues, parseAddLocationBody,
  removePosition,
} from './location-rules.js';

const image = (fields: Partial<Image> = {}): Image => ({ ...newImage({ id: 'i', now: new Date(), owner: 'p' }), ...fields });
const rejects = (fn: () => unknown, kind: string, message: string): void => {
  assert.throws(fn, (err: { kind?: string; message?: string }) => {
    assert.equal(err.kind, kind);
    assert.equal(err.message, message);
    return true;
  });
};

test('positions: add appends with "-" or past the end, remove needs an existing index', () => {
  assert.equal(addPosition('-', 2), 2);
  assert.equal(addPosition('0', 2), 0);
  assert.equal(addPosition('7', 2), 2);
  rejects(() => addPosition('x', 2), 'bad_request', 'Invalid position for adding a location.');
  assert.equal(removePosition('-', 2), 1);
  assert.equal(removePosition('1', 2), 1);
  rejects(() => removePosition('2', 2), 'bad_request', 'Invalid position for removing a location.');
  rejects(() => removePosition('-1', 2), 'bad_request', 'Invalid position for removing a location.');
});

test('validation data of PATCH: conflicts are 409, new values only while queued and with the configured algorithm', () => {
  const vd = { checksum: 'a'.repeat(32), os_hash_algo: 'sha512', os_hash_value: 'b'.repeat(128) };
  assert.deepEqual(newValidationValues(image(), [{ validation_data: vd }], 'sha512'), vd);
  assert.deepEqual(newValidationValues(image({ ...vd, status: 'active' }), [{ validation_data: vd }], 'sha512'), {});
  rejects(() => newValidationValues(image(), [{ validation_data: vd }, { validation_data: { ...vd, checksum: 'c'.repeat(32) } }], 'sha512'),
    'conflict', 'Conflicting values for checksum');
  rejects(() => newValidationValues(image({ status: 'active' }), [{ validation_data: vd }], 'sha512'),
    'conflict', "New value(s) for checksum, os_hash_algo, os_hash_value may only be provided when image status is 'queued'");
  rejects(() => newValidationValues(image(), [{ validation_data: vd }], 'sha256'), 'conflict', 'os_hash_algo must be sha256, not sha512');
  rejects(() => newValidationValues(image(), [{ validation_data: { ...vd, os_hash_value: 'b'.repeat(64) } }], 'sha512'),
    'conflict', `os_hash_value (${'b'.repeat(64)}) is not the correct size for sha512 (should be 64 bytes)`);
  rejects(() => newValidationValues(image(), [{ validation_data: { ...vd, checksum: 'z'.repeat(32) } }], 'sha512'),
    'conflict', `checksum (${'z'.repeat(32)}) is not a valid hexadecimal value`);
});

test('the 2.17 body: url required, validation data complete, algorithm listed, digest of its length', () => {
  assert.deepEqual(parseAddLocationBody({ url: 'http://a/b' }), { url: 'http://a/b', validation: null });
  const ok = { url: 'http://a/b', validation_data: { os_hash_algo: 'md5', os_hash_value: 'ab'.repeat(16) } };
  assert.deepEqual(parseAddLocationBody(ok).validation, ok.validation_data);
  for (const bad of [[], 'x', { url: '' }, { url: 'u'.repeat(256) }, { url: 'x', extra: 1 }, { url: 'x', validation_data: { os_hash_algo: 'md5' } },
    { url: 'x', validation_data: { os_hash_algo: 'sha3_256', os_hash_value: 'ab'.repeat(32) } }]) {
    assert.throws(() => parseAddLocationBody(bad), (err: { kind?: string }) => err.kind === 'bad_request', JSON.stringify(bad));
  }
});

test('schemes, metadata and the location quota', () => {
  assert.equal(isRestrictedScheme('file:///etc/passwd'), true);
  assert.equal(isRestrictedScheme('FILESYSTEM:///x'), true);
  assert.equal(isRestrictedScheme('swift+config://ref/c/o'), true);
  assert.equal(isRestrictedScheme('http://h/x'), false);
  checkLocationMetadata({ a: 'b', c: ['d', { e: 'f' }] });
  rejects(() => checkLocationMetadata({ a: { b: true } }), 'bad_request',
    'The image metadata key b has an invalid type of bool. Only dict, list, and unicode are supported.');
  assertLocationQuota(2, 2);
  assertLocationQuota(50, -1);
  rejects(() => assertLocationQuota(3, 2), 'too_large', 'The limit has been exceeded on the number of allowed image locations. Attempted: 3, Maximum: 2');
});

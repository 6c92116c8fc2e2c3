import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { resolveHashAlgorithm } from './hash-algorithm.js';

describe('resolveHashAlgorithm', () => {
  const cases: Array<[string, string]> = [
    ['sha512', 'sha512'],
    ['sha256', 'sha256'],
    ['SHA384', 'sha384'],
    ['sha3_256', 'sha3-256'],
    ['sha3_512', 'sha3-512'],
    ['sha512_256', 'sha512-256'],
    ['blake2b', 'blake2b512'],
    ['blake2s', 'blake2s256'],
    ['md5', 'md5'],
    ['sha1', 'sha1'],
  ];
  for (const [hashlib, node] of cases) {
    it(`maps hashlib's ${hashlib} to node's ${node}, keeping the configured spelling`, () => {
      assert.deepEqual(resolveHashAlgorithm(hashlib), { name: hashlib, nodeName: node });
    });
  }

  it('maps to the same function hashlib computes (sha3_256 of "abc", FIPS 202 vector)', () => {
    const a = resolveHashAlgorithm('sha3_256')!;
    assert.equal(
      createHash(a.nodeName).update('abc').digest('hex'),
      '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
    );
  });

  it('refuses unknown names and extendable-output functions', () => {
    for (const name of ['', 'sha513', 'crc32', 'shake_128', 'shake_256', 'md5;rm']) {
      assert.equal(resolveHashAlgorithm(name), undefined, name);
    }
  });
});

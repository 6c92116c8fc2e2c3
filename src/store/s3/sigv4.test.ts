/**
 * SigV4 against the inputs of AWS's published test suite (generic service) and of the S3
 * signature examples. The expected signatures were recomputed for this file with botocore
 * 1.43's `SigV4Auth` / `S3SigV4Auth` (an independent implementation), not copied from AWS's
 * pages; they agree with AWS's published values.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { EMPTY_SHA256, amzDate, authorization, canonicalQuery, canonicalRequest, encodePath, encodeRfc3986, type SignInput, type SigningScope } from './sigv4.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const signatureOf = (input: SignInput, scope: SigningScope) => /Signature=([0-9a-f]{64})$/.exec(authorization(input, scope))?.[1];

const suite: SigningScope = { accessKey: 'AKIDEXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1', service: 'service' };
const suiteHeaders = { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' };

const generic: { name: string; input: SignInput; signature: string }[] = [
  { name: 'get-vanilla', input: { method: 'GET', path: '/', headers: suiteHeaders, payloadHash: EMPTY_SHA256 }, signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  {
    name: 'get-vanilla-query-order-key-case',
    input: { method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']], headers: suiteHeaders, payloadHash: EMPTY_SHA256 },
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-unreserved',
    input: {
      method: 'GET', path: '/', headers: suiteHeaders, payloadHash: EMPTY_SHA256,
      query: [['-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']],
    },
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    input: { method: 'GET', path: '/', query: [['\u1234', 'bar']], headers: suiteHeaders, payloadHash: EMPTY_SHA256 },
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-header-value-trim',
    input: { method: 'GET', path: '/', headers: { ...suiteHeaders, 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' }, payloadHash: EMPTY_SHA256 },
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  { name: 'get-space', input: { method: 'GET', path: encodePath(['example space', '']), headers: suiteHeaders, payloadHash: EMPTY_SHA256 }, signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741' },
  { name: 'get-utf8', input: { method: 'GET', path: encodePath(['\u1234']), headers: suiteHeaders, payloadHash: EMPTY_SHA256 }, signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'post-vanilla', input: { method: 'POST', path: '/', headers: suiteHeaders, payloadHash: EMPTY_SHA256 }, signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  {
    name: 'post-x-www-form-urlencoded',
    input: { method: 'POST', path: '/', headers: { ...suiteHeaders, 'Content-Type': 'application/x-www-form-urlencoded' }, payloadHash: sha256('Param1=value1') },
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
];

for (const v of generic) {
  test(`SigV4 test suite: ${v.name}`, () => {
    assert.equal(signatureOf(v.input, suite), v.signature);
  });
}

test('SigV4: the Authorization header names the credential scope and the signed headers', () => {
  assert.equal(
    authorization(generic[0]!.input, suite),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  );
});

const s3: SigningScope = { accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1', service: 's3' };
const s3Headers = (payloadHash: string, extra: Record<string, string> = {}) => ({
  host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': payloadHash, ...extra,
});

test('S3 example: GET object with Range (canonical request and signature)', () => {
  const input: SignInput = { method: 'GET', path: encodePath(['test.txt']), headers: s3Headers(EMPTY_SHA256, { range: 'bytes=0-9' }), payloadHash: EMPTY_SHA256 };
  assert.equal(canonicalRequest(input), [
    'GET', '/test.txt', '',
    'host:examplebucket.s3.amazonaws.com', 'range:bytes=0-9', `x-amz-content-sha256:${EMPTY_SHA256}`, 'x-amz-date:20130524T000000Z', '',
    'host;range;x-amz-content-sha256;x-amz-date', EMPTY_SHA256,
  ].join('\n'));
  assert.equal(signatureOf(input, s3), 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
});

test('S3 example: PUT object with a signed payload; `$` in the key is encoded once', () => {
  const hash = sha256('Welcome to Amazon S3.');
  const input: SignInput = {
    method: 'PUT', path: encodePath(['test$file.text']), payloadHash: hash,
    headers: s3Headers(hash, { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' }),
  };
  assert.equal(input.path, '/test%24file.text');
  assert.equal(signatureOf(input, s3), '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
});

test('S3 example: a sub-resource without value is signed as `name=`', () => {
  const input: SignInput = { method: 'GET', path: '/', query: [['lifecycle', '']], headers: s3Headers(EMPTY_SHA256), payloadHash: EMPTY_SHA256 };
  assert.equal(canonicalQuery(input.query), 'lifecycle=');
  assert.equal(signatureOf(input, s3), 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
});

test('S3 example: list objects, query sorted by name', () => {
  const input: SignInput = { method: 'GET', path: '/', query: [['prefix', 'J'], ['max-keys', '2']], headers: s3Headers(EMPTY_SHA256), payloadHash: EMPTY_SHA256 };
  assert.equal(canonicalQuery(input.query), 'max-keys=2&prefix=J');
  assert.equal(signatureOf(input, s3), '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
});

test('encoding: RFC 3986 unreserved characters stay, the rest (also !\'()* and spaces) is %XX', () => {
  assert.equal(encodeRfc3986("a-b_c.d~e f!'()*+/=&"), 'a-b_c.d~e%20f%21%27%28%29%2A%2B%2F%3D%26');
  assert.equal(encodePath(['my bucket', 'dir/obj+1']), '/my%20bucket/dir/obj%2B1');
  assert.equal(amzDate(new Date(Date.UTC(2015, 7, 30, 12, 36, 0, 123))), '20150830T123600Z');
});

test('a request without x-amz-date is refused (the signature would not name its time)', () => {
  assert.throws(() => authorization({ method: 'GET', path: '/', headers: { host: 'h' }, payloadHash: EMPTY_SHA256 }, s3), /x-amz-date/);
});

/**
 * s3 locations as glance_store writes and parses them, endpoint/region/addressing derivation
 * from `s3_store_*` values, and the XML helpers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressingOf, endpointOf, formatS3Location, parseS3Location, redactS3Location, regionOf } from './s3-location.js';
import { completeMultipartXml, xmlAll, xmlText } from './s3-xml.js';

test('glance_store locations parse into key pair, host, bucket and key, and format back', () => {
  const url = 's3://AKIA123:se/cr+et@s3.example.com:8080/glance/7c8e2f5e-1111-4b5e-9a5e-0a1b2c3d4e5f';
  const p = parseS3Location(url);
  assert.deepEqual(p, {
    scheme: 's3', accessKey: 'AKIA123', secretKey: 'se/cr+et', host: 's3.example.com:8080', bucket: 'glance', key: '7c8e2f5e-1111-4b5e-9a5e-0a1b2c3d4e5f',
  });
  assert.equal(formatS3Location(p!), url);
  assert.deepEqual(parseS3Location('s3+https://a:b@host/prefix/path/bkt/id'), {
    scheme: 's3+https', accessKey: 'a', secretKey: 'b', host: 'host/prefix/path', bucket: 'bkt', key: 'id',
  });
  assert.equal(parseS3Location('s3+http://host/bkt/id')?.accessKey, null, 'no key pair in the URL');
  // A key pair with ':' in the access key (tempauth's `test:tester`) is split at the first ':'.
  assert.deepEqual([parseS3Location('s3://test:tester:testing@h/b/k')?.accessKey, parseS3Location('s3://test:tester:testing@h/b/k')?.secretKey], ['test', 'tester:testing']);
});

test('malformed s3 locations are refused (glance_store BadStoreUri cases)', () => {
  for (const bad of [
    's3://a:b@https://s3.amazonaws.com/bucket/key',  // two schemes
    's3://a:b@bucket/key',                           // no host
    's3://a:b@host/key',                             // no bucket
    's3://ab@host/bucket/key',                       // key pair without ':'
    'swift://a:b@host/bucket/key',
    'https://host/bucket/key',
  ]) assert.equal(parseS3Location(bad), null, bad);
});

test('redaction hides the key pair, also of URLs that do not parse', () => {
  assert.equal(redactS3Location('s3://AK:SECRET@h:1/b/k'), 's3://***:***@h:1/b/k');
  assert.equal(redactS3Location('s3://AK:SECRET@https://h/b/k'), 's3://***@https://h/b/k');
  assert.equal(redactS3Location('s3://h/b/k'), 's3://h/b/k');
});

test('s3_store_host: http by default, s3+https for https hosts, location host without scheme', () => {
  assert.deepEqual(endpointOf('127.0.0.1:8080'), { endpoint: 'http://127.0.0.1:8080', locationHost: '127.0.0.1:8080', https: false });
  assert.deepEqual(endpointOf('https://s3.example.com/'), { endpoint: 'https://s3.example.com/', locationHost: 's3.example.com', https: true });
});

test('region: the option, else an AWS host name, else us-east-1', () => {
  assert.equal(regionOf('RegionTwo', 's3-eu-west-1.amazonaws.com'), 'RegionTwo');
  assert.equal(regionOf('', 'https://s3-eu-west-1.amazonaws.com'), 'eu-west-1');
  assert.equal(regionOf('', 's3.ap-south-1.amazonaws.com'), 'ap-south-1');
  assert.equal(regionOf('', 'http://127.0.0.1:8080'), 'us-east-1');
  assert.equal(regionOf('', 's3.amazonaws.com'), 'us-east-1');
});

test('addressing: path and virtual as configured; auto is virtual only on AWS without a region and with a DNS bucket', () => {
  assert.equal(addressingOf('path', 's3.amazonaws.com', '', 'glance'), 'path');
  assert.equal(addressingOf('virtual', '127.0.0.1:8080', '', 'glance'), 'virtual');
  assert.equal(addressingOf('auto', 'http://127.0.0.1:8080', '', 'glance'), 'path');
  assert.equal(addressingOf('auto', 's3.amazonaws.com', '', 'glance'), 'virtual');
  assert.equal(addressingOf('auto', 's3-eu-west-1.amazonaws.com', '', 'Not_DNS'), 'path');
  assert.equal(addressingOf('auto', 's3.amazonaws.com', 'us-east-2', 'glance'), 'path');
});

test('XML: elements read with entities decoded; the complete document lists parts in order', () => {
  const xml = '<R><Upload><Key>a&amp;b</Key></Upload><Upload><Key>c&#x3C;</Key></Upload><Prefix/></R>';
  assert.deepEqual(xmlAll(xml, 'Upload').map((u) => xmlText(u, 'Key')), ['a&b', 'c<']);
  assert.equal(xmlText(xml, 'Prefix'), '');
  assert.equal(xmlText(xml, 'Missing'), null);
  assert.equal(
    completeMultipartXml([{ partNumber: 2, etag: '"b"' }, { partNumber: 1, etag: '"a"' }]),
    '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part>'
    + '<Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part></CompleteMultipartUpload>',
  );
});

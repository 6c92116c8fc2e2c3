/**
 * Swift location URIs as glance_store writes and parses them (its StoreLocation): the
 * `swift+config://` form, the credential-bearing forms with Python's quoting, the rejected
 * shapes with glance_store's messages, and redaction of the key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskUrlCredentials } from '../../logging/redaction.js';
import { SwiftUriError, configUri, credentialUri, isSwiftUri, parseSwiftUri, pyQuote, pyUnquote } from './swift-location.js';

const ID = '6d0e4a38-1b7a-4e1f-9c8e-0a1d8c1f3b11';

test('swift+config://<reference>/<container>/<object> (what glance_store writes with a config file)', () => {
  const url = configUri('ref1', 'glance', ID);
  assert.equal(url, `swift+config://ref1/glance/${ID}`);
  assert.deepEqual(parseSwiftUri(url), {
    scheme: 'swift+config', container: 'glance', object: ID, reference: 'ref1', authAddress: null, user: null, key: null,
  });
  assert.equal(parseSwiftUri(`swift+config://ref1/glance_6d0/${ID}`).container, 'glance_6d0');
});

test('credential forms: Keystone project:user quoted, the auth address path kept, http or https by scheme', () => {
  const url = credentialUri('http://127.0.0.1:5000/v3', 'service:glance', 'Passw0rd', 'glance', ID);
  assert.equal(url, `swift+http://service%3Aglance:Passw0rd@127.0.0.1:5000/v3/glance/${ID}`);
  assert.deepEqual(parseSwiftUri(url), {
    scheme: 'swift+http', container: 'glance', object: ID, reference: null,
    authAddress: 'http://127.0.0.1:5000/v3', user: 'service:glance', key: 'Passw0rd',
  });
  assert.equal(credentialUri('https://keystone.example.com/v3/', 'p:u', 'k', 'glance', ID), `swift+https://p%3Au:k@keystone.example.com/v3/glance/${ID}`);
  // glance_store's docstring examples: swift:// and swift+https:// mean an https auth address.
  const legacy = parseSwiftUri('swift://account:user:pass@authurl.com/container/obj-id');
  assert.deepEqual([legacy.user, legacy.key, legacy.authAddress, legacy.container, legacy.object], ['account:user', 'pass', 'https://authurl.com', 'container', 'obj-id']);
  assert.equal(parseSwiftUri('swift+http://user:pass@authurl.com/v1/container/obj').authAddress, 'http://authurl.com/v1');
  assert.equal(parseSwiftUri('swift+https://user:pass@authurl.com:8443/auth/v1.0/c/o').authAddress, 'https://authurl.com:8443/auth/v1.0');
  // tempauth's account:user, as written by a Glance without a config file.
  const tempauth = parseSwiftUri(`swift+http://test%3Atester:testing@127.0.0.1:8081/auth/v1.0/glance/${ID}`);
  assert.deepEqual([tempauth.user, tempauth.key, tempauth.authAddress], ['test:tester', 'testing', 'http://127.0.0.1:8081/auth/v1.0']);
  // A multi-tenant location (a storage URL, no credentials).
  const mt = parseSwiftUri(`swift+https://swift.example.com/v1/AUTH_abc/glance_${ID}/${ID}`);
  assert.deepEqual([mt.user, mt.key, mt.authAddress, mt.container], [null, null, 'https://swift.example.com/v1/AUTH_abc', `glance_${ID}`]);
});

test('the decoded user:key is split at its last colon; keys are quoted as Python quotes them', () => {
  assert.equal(pyQuote("a b+c/d~e!'()*@:%"), "a%20b%2Bc/d~e%21%27%28%29%2A%40%3A%25");
  assert.equal(pyUnquote('a%20b%2Bc%zz%E2%82%AC'), 'a b+c%zz€');
  const url = credentialUri('http://h:5000/v3', 'proj:user', 'p@ss w%rd', 'glance', ID);
  assert.equal(url, `swift+http://proj%3Auser:p%40ss%20w%25rd@h:5000/v3/glance/${ID}`);
  const back = parseSwiftUri(url);
  assert.deepEqual([back.user, back.key], ['proj:user', 'p@ss w%rd']);
});

test('malformed URIs are refused with glance_store\'s reasons, never quoting the URI', () => {
  const cases: [string, RegExp][] = [
    ['swift://user:secretkey@http://authurl.com/v1/container/obj', /more than one occurrence of a scheme/],
    ['swift+http://secretkey@authurl.com/v1/container/obj', /^Badly formed credentials in Swift URI\.$/],
    ['swift+http://u:secretkey@a@authurl.com/c/o', /^Badly formed credentials in Swift URI\.$/],
    ['swift+http://u:secretkey@authurl.com/obj', /^Badly formed Swift URI\.$/],
    ['swift+config://ref1/', /^Badly formed Swift URI\.$/],
  ];
  for (const [uri, reason] of cases) {
    assert.throws(() => parseSwiftUri(uri), (err: unknown) => {
      assert.ok(err instanceof SwiftUriError);
      assert.match(err.message, reason);
      assert.ok(!err.message.includes('secretkey'), err.message);
      return true;
    });
  }
});

test('scheme detection; the logger masks the key of a credential location', () => {
  for (const u of ['swift://a', 'SWIFT+HTTP://a', 'swift+https://a', 'swift+config://ref/c/o']) assert.ok(isSwiftUri(u), u);
  for (const u of ['swiftx://a', 'http://a', 's3://a', 'file:///swift']) assert.ok(!isSwiftUri(u), u);
  const url = credentialUri('http://127.0.0.1:5000/v3', 'service:glance', 'Passw0rd', 'glance', ID);
  assert.equal(maskUrlCredentials(`location ${url} failed`), `location swift+http://service%3Aglance:***@127.0.0.1:5000/v3/glance/${ID} failed`);
});

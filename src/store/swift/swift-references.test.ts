/**
 * glance-swift.conf read with Python configparser's rules, as glance_store reads it: case of
 * section names, `:` separators, `[DEFAULT]`, `%(name)s` and `%%`, continuation lines, the domain
 * defaults, the auth_version fallback, incomplete sections skipped, duplicates refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SwiftReferencesError, parseSwiftReferences } from './swift-references.js';

test('the notes\' example file: a Keystone and a tempauth reference', () => {
  const refs = parseSwiftReferences([
    '# glance-swift.conf', '[ref1]', 'auth_version = 3', 'auth_address = http://controller:5000/v3', 'user = service:glance',
    'key = Passw0rd', 'user_domain_id = default', 'project_domain_id = default', '', '; tempauth', '[ref-tempauth]',
    'auth_version: 1', 'auth_address: http://127.0.0.1:8081/auth/v1.0', 'User = test:tester', 'key = testing',
  ].join('\n'), 'f.conf', '2');
  assert.deepEqual([...refs.keys()], ['ref1', 'ref-tempauth']);
  assert.deepEqual(refs.get('ref1'), {
    name: 'ref1', authVersion: '3', authAddress: 'http://controller:5000/v3', user: 'service:glance', key: 'Passw0rd',
    userDomainId: 'default', userDomainName: 'default', projectDomainId: 'default', projectDomainName: 'default',
  });
  const t = refs.get('ref-tempauth')!;
  assert.deepEqual([t.authVersion, t.authAddress, t.user, t.key], ['1', 'http://127.0.0.1:8081/auth/v1.0', 'test:tester', 'testing']);
});

test('[DEFAULT] applies to every section; interpolation; %% is a percent; continuation lines; case-sensitive names', () => {
  const refs = parseSwiftReferences([
    '[DEFAULT]', 'auth_address = http://keystone:5000/v3', 'project = service',
    '[Ref1]', 'user = %(project)s:glance', 'key = 50%%off', '   and more', 'user_domain_name = Example',
    '[ref1]', 'user = u', 'key = k', 'auth_version = 1',
  ].join('\n'), 'f.conf', '3');
  const a = refs.get('Ref1')!;
  assert.deepEqual([a.authAddress, a.user, a.key, a.authVersion, a.userDomainName], ['http://keystone:5000/v3', 'service:glance', '50%off\nand more', '3', 'Example']);
  assert.equal(refs.get('ref1')!.authVersion, '1');
});

test('a section without auth_address, user or key is skipped and reported', () => {
  const skipped: string[] = [];
  const refs = parseSwiftReferences('[a]\nuser = u\nkey = k\n[b]\nauth_address = x\nuser = u\nkey = k\n', 'f', '3', (n, m) => skipped.push(`${n}:${m}`));
  assert.deepEqual([...refs.keys()], ['b']);
  assert.deepEqual(skipped, ['a:auth_address']);
});

test('what configparser refuses is refused, with file and line', () => {
  for (const [text, re] of [
    ['[a]\nkey = 1\n[a]\n', /f:3: section \[a\] appears twice/],
    ['[a]\nkey = 1\nKEY = 2\n', /f:3: key "key" appears twice/],
    ['user = x\n', /f:1: a value before any \[section\]/],
    ['[a]\njust words\n', /f:2: expected "key = value"/],
    ['[a]\nauth_address = a\nuser = u\nkey = 5%\n', /a lone "%" must be written "%%"/],
    ['[a]\nauth_address = a\nuser = u\nkey = %(nope)s\n', /names no key/],
  ] as const) {
    assert.throws(() => parseSwiftReferences(text, 'f', '3'), (err: unknown) => err instanceof SwiftReferencesError && re.test(err.message));
  }
});

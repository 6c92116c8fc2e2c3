import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertValue, type OptionType } from './option-types.js';
import { OptionValueError } from './config-error.js';

const bad = (type: OptionType, raw: string, expected?: RegExp) =>
  assert.throws(
    () => convertValue(type, raw),
    (e: unknown) => e instanceof OptionValueError && (!expected || expected.test(e.expected)),
    `${raw} should be refused`,
  );

test('bool accepts oslo spellings in any case and nothing else', () => {
  for (const t of ['true', 'TRUE', 'True', 'yes', 'on', '1', 'YeS']) assert.equal(convertValue({ kind: 'bool' }, t), true);
  for (const f of ['false', 'No', 'off', '0', 'FALSE']) assert.equal(convertValue({ kind: 'bool' }, f), false);
  for (const x of ['', 'y', 'enabled', '2', 'truee']) bad({ kind: 'bool' }, x, /boolean/);
});

test('int: bounds, signs, empty means unset', () => {
  const t: OptionType = { kind: 'int', min: 0, max: 10 };
  assert.equal(convertValue(t, '7'), 7);
  assert.equal(convertValue(t, '+3'), 3);
  assert.equal(convertValue(t, ''), null);
  assert.equal(convertValue({ kind: 'int' }, '-1'), -1);
  assert.equal(convertValue({ kind: 'int' }, '1_000'), 1000);
  bad(t, '11', /between 0 and 10/);
  bad(t, '-1');
  bad(t, '1.5');
  bad(t, 'abc');
  bad({ kind: 'int' }, '0x10');
});

test('port: 0..65535', () => {
  assert.equal(convertValue({ kind: 'port' }, '9292'), 9292);
  bad({ kind: 'port' }, '65536', /an integer between 0 and 65535/);
});

test('float', () => {
  assert.equal(convertValue({ kind: 'float' }, '0.1'), 0.1);
  assert.equal(convertValue({ kind: 'float' }, '1e3'), 1000);
  assert.equal(convertValue({ kind: 'float' }, ''), null);
  bad({ kind: 'float' }, 'x');
  bad({ kind: 'float', min: 0 }, '-1');
});

test('string choices, ignore case, quotes', () => {
  const t: OptionType = { kind: 'string', choices: ['roles', 'policies'] };
  assert.equal(convertValue(t, 'roles'), 'roles');
  bad(t, 'Roles', /one of "roles", "policies"/);
  assert.equal(convertValue({ kind: 'string', choices: ['None', 'MAC'], ignoreCase: true }, 'mac'), 'mac');
  assert.equal(convertValue({ kind: 'string', quotes: true }, '"a"'), 'a');
  bad({ kind: 'string', quotes: true }, '"a');
});

test('host accepts IPs and host names', () => {
  for (const h of ['0.0.0.0', '127.0.0.1', '::', 'fe80::1', 'controller', 'api.example.org', 'my_host']) {
    assert.equal(convertValue({ kind: 'host' }, h), h);
  }
  for (const h of ['', 'bad host', '-x.example', '1.2.3.999', 'a..b']) bad({ kind: 'host' }, h);
});

test('list: comma-separated, items trimmed, trailing comma dropped, dotted tokens kept', () => {
  const t: OptionType = { kind: 'list' };
  assert.deepEqual(convertValue(t, 'ami, ari ,aki,iso,ploop.root-tar'), ['ami', 'ari', 'aki', 'iso', 'ploop.root-tar']);
  assert.deepEqual(convertValue(t, 'a,b,'), ['a', 'b']);
  assert.deepEqual(convertValue(t, ''), []);
  assert.deepEqual(convertValue(t, 'a,,b'), ['a', '', 'b']);
  assert.deepEqual(convertValue({ kind: 'list', item: { kind: 'int', min: 1 } }, '80, 443'), [80, 443]);
  bad({ kind: 'list', item: { kind: 'int', min: 1 } }, '80,x');
});

test('bracketed list requires brackets; quoted items are unquoted', () => {
  const t: OptionType = { kind: 'list', bounds: true, item: { kind: 'string', quotes: true } };
  assert.deepEqual(convertValue(t, '[glance-direct, web-download]'), ['glance-direct', 'web-download']);
  assert.deepEqual(convertValue(t, "['glance-direct','copy-image']"), ['glance-direct', 'copy-image']);
  assert.deepEqual(convertValue(t, '[]'), []);
  bad(t, 'glance-direct,web-download', /list in brackets/);
  bad(t, '[glance-direct');
});

test('dict: k:v pairs, value may contain colons, duplicates refused', () => {
  const t: OptionType = { kind: 'dict' };
  assert.deepEqual(convertValue(t, 'fs:file, cheap : rbd'), { fs: 'file', cheap: 'rbd' });
  assert.deepEqual(convertValue(t, 'proxy:http://p:3128'), { proxy: 'http://p:3128' });
  assert.deepEqual(convertValue(t, ''), {});
  bad(t, 'fs', /key:value/);
  bad(t, 'fs:file,fs:rbd');
  bad(t, ':file');
  const proto = convertValue(t, '__proto__:x') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(proto['__proto__'], 'x');
});

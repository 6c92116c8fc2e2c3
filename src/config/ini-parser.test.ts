import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIni } from './ini-parser.js';
import { ConfigError } from './config-error.js';

const values = (text: string, section: string, key: string): string[] =>
  (parseIni(text, 'f.conf').sections.get(section)?.get(key) ?? []).map((v) => v.value);

test('comments only at column 0; # and ; later in a line are data', () => {
  const text = '[DEFAULT]\n# comment = 1\n; other = 2\nname = a # not a comment\nurl = rabbit://u:p;x@h:5672/\n';
  assert.deepEqual(values(text, 'DEFAULT', 'name'), ['a # not a comment']);
  assert.deepEqual(values(text, 'DEFAULT', 'url'), ['rabbit://u:p;x@h:5672/']);
  assert.equal(parseIni(text, 'f').sections.get('DEFAULT')!.has('# comment'), false);
  assert.equal(parseIni(text, 'f').sections.get('DEFAULT')!.size, 2);
});

test('= or : separates, whichever comes first; whitespace trimmed', () => {
  const text = '[s]\na: b=c\nd = e:f\n  \ng  =   h  \n';
  assert.deepEqual(values(text, 's', 'a'), ['b=c']);
  assert.deepEqual(values(text, 's', 'd'), ['e:f']);
  assert.deepEqual(values(text, 's', 'g'), ['h']);
});

test('empty values and matching quotes', () => {
  const text = '[s]\nempty =\nq1 = "quoted value"\nq2 = \'x\'\nhalf = "open\nmixed = "a\'\n';
  assert.deepEqual(values(text, 's', 'empty'), ['']);
  assert.deepEqual(values(text, 's', 'q1'), ['quoted value']);
  assert.deepEqual(values(text, 's', 'q2'), ['x']);
  assert.deepEqual(values(text, 's', 'half'), ['"open']);
  assert.deepEqual(values(text, 's', 'mixed'), ['"a\'']);
});

test('indented lines continue the previous value; blank line ends it', () => {
  const text = '[s]\nmulti = first\n  second\n\tthird\n   # indented hash is data\n\nnext = 1\n';
  assert.deepEqual(values(text, 's', 'multi'), ['first\nsecond\nthird\n# indented hash is data']);
  assert.deepEqual(values(text, 's', 'next'), ['1']);
});

test('repeated keys are all kept in order, with line numbers', () => {
  const file = parseIni('[s]\nk = 1\nother = x\nk = 2\n[s]\nk = 3\n', '/etc/x.conf');
  const list = file.sections.get('s')!.get('k')!;
  assert.deepEqual(list.map((v) => v.value), ['1', '2', '3']);
  assert.deepEqual(list.map((v) => v.line), [2, 4, 6]);
  assert.equal(list[0]!.file, '/etc/x.conf');
});

test('dotted section names; names lower-cased except DEFAULT', () => {
  const file = parseIni('[glance.store.http.store]\na = 1\n[Keystone_AuthToken]\nb = 2\n[DEFAULT]\nc = 3\n[default]\nd = 4\n', 'f');
  assert.deepEqual([...file.sections.keys()], ['glance.store.http.store', 'keystone_authtoken', 'DEFAULT', 'default']);
  assert.equal(file.sections.get('keystone_authtoken')!.get('b')![0]!.section, 'Keystone_AuthToken');
});

test('CRLF line endings and a BOM are accepted', () => {
  const file = parseIni('\uFEFF[DEFAULT]\r\nbind_port = 1\r\n', 'f');
  assert.deepEqual(file.sections.get('DEFAULT')!.get('bind_port')![0]!.value, '1');
});

test('syntax errors name file and line', () => {
  const cases: [string, RegExp][] = [
    ['key = 1\n', /f\.conf:1: assignment before any \[section\]/],
    ['[s]\nno separator here\n', /f\.conf:2: no "=" or ":"/],
    ['[s\n', /f\.conf:1: invalid section header/],
    ['[]\n', /f\.conf:1: empty section name/],
    ['  indented = 1\n', /f\.conf:1: unexpected continuation/],
    ['[s]\n# c\n  cont\n', /f\.conf:3: unexpected continuation/],
    ['[s]\n= v\n', /f\.conf:2: empty key/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseIni(text, 'f.conf'), (err: unknown) => err instanceof ConfigError && re.test(err.message), text);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfigFiles, helpText, parseCliArgs } from './cli-args.js';
import { ConfigError } from './config-error.js';

test('--config-file in both spellings, repeatable, with --config-dir', () => {
  const a = parseCliArgs(['--config-file', '/a.conf', '--config-file=/b.conf', '--config-dir', '/d', '--config-dir=/e']);
  assert.deepEqual(a.configFiles, ['/a.conf', '/b.conf']);
  assert.deepEqual(a.configDirs, ['/d', '/e']);
  assert.equal(a.help, false);
  assert.equal(a.version, false);
  assert.deepEqual(a.positionals, []);
});

test('help and version flags', () => {
  assert.equal(parseCliArgs(['--help']).help, true);
  assert.equal(parseCliArgs(['-h']).help, true);
  assert.equal(parseCliArgs(['--version']).version, true);
});

test('subcommands and their unknown flags pass through untouched and in order', () => {
  const a = parseCliArgs(['--config-file', '/etc/glance/glance-api.conf', 'db', 'purge', '--age_in_days', '30', '--max_rows=100', '-x', '--', '--config-file']);
  assert.deepEqual(a.configFiles, ['/etc/glance/glance-api.conf']);
  assert.deepEqual(a.positionals, ['db', 'purge', '--age_in_days', '30', '--max_rows=100', '-x', '--', '--config-file']);
  assert.deepEqual(parseCliArgs(['-vh', 'x']).positionals, ['-vh', 'x']);
});

test('a config option without its value is an error', () => {
  assert.throws(() => parseCliArgs(['--config-file']), ConfigError);
  assert.throws(() => parseCliArgs(['--config-file', '--debug']), ConfigError);
  assert.throws(() => parseCliArgs(['--config-dir=']), ConfigError);
});

test('default files: existing ones only, in Glance order', () => {
  const has = (...paths: string[]) => (p: string) => paths.includes(p);
  assert.deepEqual(defaultConfigFiles('glance-api', has('/etc/glance/glance-api.conf')), ['/etc/glance/glance-api.conf']);
  assert.deepEqual(
    defaultConfigFiles('glance-api', has('/etc/glance/glance-api.conf', '/etc/glance/glance-image-import.conf')),
    ['/etc/glance/glance-api.conf', '/etc/glance/glance-image-import.conf'],
  );
  assert.deepEqual(defaultConfigFiles('glance-api', has('/etc/glance/glance-image-import.conf')), ['/etc/glance/glance-image-import.conf']);
  assert.deepEqual(defaultConfigFiles('glance-api', has()), []);
  assert.deepEqual(
    defaultConfigFiles('glance-manage', has('/etc/glance/glance-api.conf', '/etc/glance/glance-manage.conf', '/etc/glance/glance-image-import.conf')),
    ['/etc/glance/glance-api.conf', '/etc/glance/glance-manage.conf'],
  );
});

test('help text mentions the options and the program', () => {
  assert.match(helpText('glance-api'), /Usage: glance-api/);
  assert.match(helpText('glance-api'), /--config-file/);
  assert.match(helpText('glance-manage'), /db_sync/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load-config.js';
import { ConfigError } from './config-error.js';

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const load = (text: string, log?: (m: string) => void) => {
  const dir = tmp({ 'glance-api.conf': text });
  return loadConfig({ configFiles: [join(dir, 'glance-api.conf')], configDirs: [] }, log);
};

const configError = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test(e.message);

test('int bounds error names file, section, option and expectation', () => {
  const dir = tmp({ 'a.conf': '[DEFAULT]\nbind_port = abc\n' });
  const file = join(dir, 'a.conf');
  assert.throws(
    () => loadConfig({ configFiles: [file], configDirs: [] }),
    (e: unknown) =>
      e instanceof ConfigError && e.message === `${file} [DEFAULT] bind_port: expected an integer between 0 and 65535, got "abc"`,
  );
  assert.throws(() => load('[DEFAULT]\nworkers = -1\n'), configError(/\[DEFAULT\] workers: expected an integer >= 0, got "-1"/));
  assert.throws(() => load('[DEFAULT]\ndebug = maybe\n'), configError(/\[DEFAULT\] debug: expected a boolean/));
});

test('a bad value is refused even when a later file overrides it', () => {
  const dir = tmp({ 'a.conf': '[DEFAULT]\nbind_port = x\n', 'b.conf': '[DEFAULT]\nbind_port = 1\n' });
  assert.throws(() => loadConfig({ configFiles: [join(dir, 'a.conf'), join(dir, 'b.conf')], configDirs: [] }), configError(/a\.conf/));
});

test('secret values never appear in error messages', () => {
  // keystone_authtoken password is a string, so provoke through a typed secret-free path instead:
  // a substitution error on a secret option must not echo the value either.
  assert.throws(
    () => load('[database]\nconnection = mysql://u:pa$word@h/glance\n'),
    (e: unknown) => e instanceof ConfigError && /\$word/.test(e.message) && !/pa\$word@h/.test(e.message),
  );
});

test('later files override earlier ones; config-dir files come after, in name order', () => {
  const dir = tmp({
    'one.conf': '[DEFAULT]\nbind_port = 1\nworkers = 1\nimage_tag_quota = 1\n',
    'two.conf': '[DEFAULT]\nbind_port = 2\n',
    'conf.d/20-b.conf': '[DEFAULT]\nworkers = 20\nimage_tag_quota = 20\n',
    'conf.d/10-a.conf': '[DEFAULT]\nworkers = 10\nbind_port = 10\n',
    'conf.d/30-c.txt': '[DEFAULT]\nworkers = 30\n',
    'conf.d/.hidden.conf': '[DEFAULT]\nworkers = 40\n',
  });
  const c = loadConfig({ configFiles: [join(dir, 'one.conf'), join(dir, 'two.conf')], configDirs: [join(dir, 'conf.d')] });
  assert.equal(c.get('DEFAULT', 'bind_port'), 10);
  assert.equal(c.get('DEFAULT', 'workers'), 20);
  assert.equal(c.get('DEFAULT', 'image_tag_quota'), 20);
  assert.deepEqual(
    c.sources().map((s) => s.slice(dir.length + 1)),
    ['one.conf', 'two.conf', 'conf.d/10-a.conf', 'conf.d/20-b.conf'],
  );
  assert.equal(c.origin('DEFAULT', 'workers')!.file, join(dir, 'conf.d/20-b.conf'));
});

test('a missing explicit file or config-dir is an error', () => {
  assert.throws(() => loadConfig({ configFiles: ['/nonexistent/glance-api.conf'], configDirs: [] }), configError(/not found: \/nonexistent/));
  assert.throws(() => loadConfig({ configFiles: [], configDirs: ['/nonexistent/conf.d'] }), configError(/\/nonexistent\/conf\.d/));
});

test('unknown sections and options are ignored and reported to the log', () => {
  const log: string[] = [];
  const c = load('[DEFAULT]\nno_such_option = 1\nbind_port = 5\n[barbican]\nx = 1\n[oslo_concurrency]\nlock_path = /var/lock\n', (m) => log.push(m));
  assert.equal(c.get('DEFAULT', 'bind_port'), 5);
  assert.ok(log.some((m) => /unknown option \[DEFAULT\] no_such_option/.test(m)));
  assert.ok(log.some((m) => /unknown section \[barbican\]/.test(m)));
  assert.ok(!log.some((m) => /lock_path/.test(m)));
});

test('repeated keys: last wins for plain options, all kept for multi options', () => {
  const c = load('[DEFAULT]\nbind_port = 1\nbind_port = 2\n[fs]\nfilesystem_store_datadirs = /a:100\nfilesystem_store_datadirs = /b:200\n[DEFAULT]\nenabled_backends = fs:file\n');
  assert.equal(c.get('DEFAULT', 'bind_port'), 2);
  assert.deepEqual(c.get('fs', 'filesystem_store_datadirs'), ['/a:100', '/b:200']);
});

test('multi options collect occurrences across files in load order', () => {
  const dir = tmp({ 'a.conf': '[oslo_policy]\npolicy_dirs = a\n', 'b.conf': '[oslo_policy]\npolicy_dirs = b\npolicy_dirs = c\n' });
  const c = loadConfig({ configFiles: [join(dir, 'a.conf'), join(dir, 'b.conf')], configDirs: [] });
  assert.deepEqual(c.get('oslo_policy', 'policy_dirs'), ['a', 'b', 'c']);
});

test('deprecated names and groups: DEFAULT fallbacks, current spelling wins, deprecation logged', () => {
  const log: string[] = [];
  const c = load('[DEFAULT]\ndisk_formats = raw,qcow2\nsql_connection = sqlite:///old.db\nlogfile = /var/log/g.log\n[keystone_authtoken]\nauth_uri = http://ks:5000\n', (m) => log.push(m));
  assert.deepEqual(c.get('image_format', 'disk_formats'), ['raw', 'qcow2']);
  assert.equal(c.get('database', 'connection'), 'sqlite:///old.db');
  assert.equal(c.get('DEFAULT', 'log_file'), '/var/log/g.log');
  assert.equal(c.get('keystone_authtoken', 'www_authenticate_uri'), 'http://ks:5000');
  assert.ok(log.some((m) => /\[DEFAULT\] disk_formats is deprecated, use \[image_format\] disk_formats/.test(m)));
  assert.ok(!log.some((m) => /unknown option \[DEFAULT\] disk_formats/.test(m)));

  const both = load('[DEFAULT]\ndisk_formats = raw\n[image_format]\ndisk_formats = qcow2\n');
  assert.deepEqual(both.get('image_format', 'disk_formats'), ['qcow2']);
});

test('bracketed list option: with brackets accepted, without refused', () => {
  const ok = load('[DEFAULT]\nenabled_import_methods = [glance-direct, copy-image]\n');
  assert.deepEqual(ok.get('DEFAULT', 'enabled_import_methods'), ['glance-direct', 'copy-image']);
  assert.throws(
    () => load('[DEFAULT]\nenabled_import_methods = glance-direct,copy-image\n'),
    configError(/\[DEFAULT\] enabled_import_methods: expected a list in brackets/),
  );
  assert.throws(() => load('[DEFAULT]\nenabled_import_methods = [glance-direct, teleport]\n'), configError(/enabled_import_methods/));
});

test('; inside transport_url survives, and $ substitution follows oslo', () => {
  const c = load(
    '[DEFAULT]\ntransport_url = rabbit://u:p;x@h:5672/\nbind_host = 10.0.0.5\npublic_endpoint = http://$bind_host:${DEFAULT.bind_port}/\nbind_port = 9393\n' +
      '[keystone_authtoken]\npassword = pa$$w\\$rd\n',
  );
  assert.equal(c.get('DEFAULT', 'transport_url'), 'rabbit://u:p;x@h:5672/');
  assert.equal(c.get('DEFAULT', 'public_endpoint'), 'http://10.0.0.5:9393/');
  assert.equal(c.get('keystone_authtoken', 'password'), 'pa$w$rd');
  assert.equal(c.isSecret('keystone_authtoken', 'password'), true);
  assert.throws(() => load('[DEFAULT]\npublic_endpoint = $public_endpoint\n'), configError(/refers back to itself/));
});

test('per-store sections are declared from enabled_backends', () => {
  const c = load('[DEFAULT]\nenabled_backends = fast:file, web:http\n[fast]\nfilesystem_store_datadir = /srv/fast\nweight = 5\n[web]\nhttps_insecure = false\n');
  assert.equal(c.hasGroup('fast'), true);
  assert.equal(c.get('fast', 'filesystem_store_datadir'), '/srv/fast');
  assert.equal(c.get('fast', 'filesystem_store_chunk_size'), 65536);
  assert.equal(c.get('fast', 'weight'), 5);
  assert.equal(c.get('web', 'https_insecure'), false);
  assert.throws(() => load('[DEFAULT]\nenabled_backends = fs:file\n[fs]\nweight = heavy\n'), configError(/\[fs\] weight: expected an integer/));
  assert.throws(() => load('[DEFAULT]\nenabled_backends = os_glance_mine:file\n'), configError(/reserved/));
});

test('values are frozen', () => {
  const c = load('[DEFAULT]\n');
  assert.throws(() => (c.get<string[]>('image_format', 'disk_formats') as string[]).push('x'));
});

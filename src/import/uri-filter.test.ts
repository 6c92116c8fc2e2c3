import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlanceError } from '../domain/errors.js';
import { loadConfig } from '../config/load-config.js';
import { importFilteringSlice, type ImportFilteringConfig } from '../config/slices.js';
import { checkImportUri, systemResolver, type HostResolver } from './uri-filter.js';

const GLANCE_DEFAULTS: ImportFilteringConfig = {
  allowedSchemes: ['http', 'https'],
  disallowedSchemes: [],
  allowedHosts: [],
  disallowedHosts: [],
  allowedPorts: [80, 443],
  disallowedPorts: [],
};
const cfg = (over: Partial<ImportFilteringConfig>): ImportFilteringConfig => ({ ...GLANCE_DEFAULTS, ...over });

/** A fixed DNS table; names outside it fail as getaddrinfo does. Counts lookups. */
function dns(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: isIPv6(address) ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}
const PUBLIC = dns({ 'example.org': ['93.184.215.14'], 'download.cirros-cloud.net': ['64.90.42.13'] });

async function refused(uri: string, c: ImportFilteringConfig = GLANCE_DEFAULTS, resolve: HostResolver = PUBLIC): Promise<void> {
  await assert.rejects(checkImportUri(uri, c, resolve), (e: unknown) => {
    assert.ok(e instanceof GlanceError, `not a GlanceError: ${String(e)}`);
    assert.equal(e.kind, 'bad_request');
    assert.equal(e.message, `URI for web-download does not pass filtering: ${uri}`);
    return true;
  }, `expected ${uri} to be refused`);
}

test('the recorded refusals with Glance defaults: loopback (215), unresolvable (216), port 8080 (217)', async () => {
  await refused('http://127.0.0.1/cirros-test.qcow2');
  await refused('http://download.cirros-cloud.net/0.4.0/cirros-0.4.0-x86_64-disk.img', GLANCE_DEFAULTS, dns({}));
  const resolver = dns({ 'example.org': ['93.184.215.14'] });
  await refused('http://example.org:8080/x.img', GLANCE_DEFAULTS, resolver);
  assert.deepEqual(resolver.calls, [], 'a port refusal needs no DNS lookup');
});

test('an acceptable URI yields the normalised target and the addresses to connect to', async () => {
  const t = await checkImportUri('http://EXAMPLE.org./path/x.img?a=1#frag', GLANCE_DEFAULTS, PUBLIC);
  assert.equal(t.scheme, 'http');
  assert.equal(t.host, 'example.org');
  assert.equal(t.port, 80);
  assert.deepEqual(t.addresses, [{ address: '93.184.215.14', family: 4 }]);
  assert.equal(t.url.pathname + t.url.search, '/path/x.img?a=1');
  const s = await checkImportUri('HTTPS://example.org:443/x', GLANCE_DEFAULTS, PUBLIC);
  assert.deepEqual([s.scheme, s.port], ['https', 443]);
  const ip = await checkImportUri('http://93.184.215.14/x', GLANCE_DEFAULTS, dns({}));
  assert.deepEqual(ip.addresses, [{ address: '93.184.215.14', family: 4 }], 'an IP literal is not looked up');
});

test('numeric encodings of an address are refused even when the dotted address is allowed', async () => {
  const c = cfg({ allowedHosts: ['127.0.0.1'], allowedPorts: [80, 8080] });
  assert.equal((await checkImportUri('http://127.0.0.1:8080/x', c, dns({}))).host, '127.0.0.1');
  for (const uri of [
    'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://127.0.1/',
    'http://0x7f.0.0.1/', 'http://127.0.0.01/', 'http://0x/', 'http://017700000001/', 'http://%31%32%37.0.0.1/',
    'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[::127.0.0.1]/', 'http://[64:ff9b::7f00:1]/',
    'http://[::ffff:93.184.215.14]/', 'http://[fe80::1%25eth0]/', 'http://127.0.0.1.:8080/x\t',
  ]) {
    await refused(uri, c, dns({}));
  }
  // With no lists at all, public addresses in those spellings are refused all the same; the
  // system resolver is what would read them as addresses (getaddrinfo accepts inet_aton forms).
  for (const uri of ['http://1572395790/', 'http://0x5db8d70e/', 'http://93.184.55054/', 'http://[::ffff:93.184.215.14]/', 'http://[::ffff:5db8:d70e]/']) {
    await refused(uri, GLANCE_DEFAULTS, systemResolver);
  }
});

test('user information and parser tricks are refused', async () => {
  const c = cfg({ allowedHosts: ['allowed.example'] });
  const resolver = dns({ 'allowed.example': ['93.184.215.14'], 'evil.example': ['203.0.113.9'] });
  assert.equal((await checkImportUri('http://allowed.example/x', c, resolver)).host, 'allowed.example');
  for (const uri of [
    'http://allowed.example@evil.example/', 'http://user:pw@allowed.example/', 'http://evil.example\\@allowed.example/',
    'http://allowed.example\\.evil.example/', 'http://allowed.example:80@evil.example/', 'http://allowed.example /',
  ]) {
    await refused(uri, c, resolver);
  }
});

test('a missing or malformed scheme, host or port is refused', async () => {
  for (const uri of [
    '', 'example.org/x.img', '//example.org/x.img', 'http:///x.img', 'http://:80/x.img', 'http:example.org/x',
    'http://example.org:0/', 'http://example.org:65536/', 'http://example.org:8o/', 'http://[::1/', 'http://ex ample.org/',
  ]) {
    await refused(uri);
  }
});

test('hosts resolving to loopback, link-local, unspecified or multicast are refused; private ranges are not', async () => {
  const table: Record<string, string[]> = {
    'lo.test': ['127.0.0.1'], 'lo6.test': ['::1'], 'meta.test': ['169.254.169.254'], 'll6.test': ['fe80::1'],
    'zero.test': ['0.0.0.0'], 'mcast.test': ['224.0.0.251'], 'mapped.test': ['::ffff:127.0.0.1'],
    'mixed.test': ['93.184.215.14', '127.0.0.1'], 'garbage.test': ['not-an-address'],
    'ten.test': ['10.0.0.5'], 'lan.test': ['192.168.1.10'], 'ula.test': ['fd00::1'], 'empty.test': [],
  };
  const resolver = dns(table);
  for (const host of ['lo', 'lo6', 'meta', 'll6', 'zero', 'mcast', 'mapped', 'mixed', 'garbage', 'empty']) {
    await refused(`http://${host}.test/x`, GLANCE_DEFAULTS, resolver);
  }
  for (const uri of ['http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://0.0.0.0/', 'http://255.255.255.255/']) {
    await refused(uri);
  }
  for (const host of ['ten', 'lan', 'ula']) {
    const t = await checkImportUri(`http://${host}.test/x`, GLANCE_DEFAULTS, resolver);
    assert.equal(t.addresses[0]!.address, table[`${host}.test`]![0]);
  }
});

test('listing a host in allowed_hosts exempts it from the loopback refusal (system resolver for localhost)', async () => {
  await refused('http://localhost/x', GLANCE_DEFAULTS, systemResolver);
  const t = await checkImportUri('http://localhost/x', cfg({ allowedHosts: ['LocalHost'] }), systemResolver);
  assert.ok(t.addresses.length > 0 && t.addresses.every((a) => a.address === '127.0.0.1' || a.address === '::1'));
  const v6 = await checkImportUri('http://[0:0:0:0:0:0:0:1]/', cfg({ allowedHosts: ['[::1]'] }), dns({}));
  assert.deepEqual([v6.host, v6.addresses], ['::1', [{ address: '::1', family: 6 }]]);
});

test('schemes: the allow-list wins over the deny-list; without one the deny-list applies', async () => {
  await refused('ftp://example.org/x');
  await refused('file:///etc/passwd');
  const denyHttp = cfg({ allowedSchemes: [], disallowedSchemes: ['HTTP'], allowedPorts: [] });
  await refused('http://example.org/x', denyHttp);
  assert.equal((await checkImportUri('https://example.org/x', denyHttp, PUBLIC)).scheme, 'https');
  assert.equal((await checkImportUri('ftp://example.org/x', denyHttp, PUBLIC)).port, 21);
  const both = cfg({ allowedSchemes: ['https'], disallowedSchemes: ['https'] });
  assert.equal((await checkImportUri('https://example.org/x', both, PUBLIC)).scheme, 'https');
  await refused('http://example.org/x', both);
});

test('hosts: the allow-list wins over the deny-list; the deny-list also covers the addresses a name resolves to', async () => {
  const resolver = dns({ 'a.example': ['93.184.215.14'], 'b.example': ['203.0.113.9'] });
  const both = cfg({ allowedHosts: ['a.example'], disallowedHosts: ['a.example'] });
  assert.equal((await checkImportUri('http://a.example/x', both, resolver)).host, 'a.example');
  await refused('http://b.example/x', both, resolver);
  const deny = cfg({ disallowedHosts: ['B.Example.', '93.184.215.14', '[2001:DB8:0::1]'] });
  await refused('http://b.EXAMPLE./x', deny, resolver);
  await refused('http://a.example/x', deny, resolver);
  await refused('http://93.184.215.14/x', deny, resolver);
  await refused('http://[2001:db8::1]/x', deny, resolver);
  assert.equal((await checkImportUri('http://[2001:db8::2]/x', deny, resolver)).host, '2001:db8::2');
  const allowV6 = cfg({ allowedHosts: ['2001:db8:0:0::1'] });
  assert.equal((await checkImportUri('http://[2001:DB8::1]/x', allowV6, resolver)).host, '2001:db8::1');
  await refused('http://a.example/x', cfg({ allowedHosts: ['93.184.215.14'] }), resolver);
});

test('ports: the effective port is checked; the allow-list wins over the deny-list', async () => {
  const deny80 = cfg({ allowedPorts: [], disallowedPorts: [80] });
  await refused('http://example.org/x', deny80);
  await refused('http://example.org:80/x', deny80);
  assert.equal((await checkImportUri('http://example.org:8080/x', deny80, PUBLIC)).port, 8080);
  const both = cfg({ allowedPorts: [8080], disallowedPorts: [8080] });
  assert.equal((await checkImportUri('http://example.org:8080/x', both, PUBLIC)).port, 8080);
  await refused('http://example.org/x', both);
  await refused('https://example.org/x', both);
});

test('the [import_filtering_opts] slice reads Glance defaults and configured lists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-filtering-'));
  const file = join(dir, 'g.conf');
  writeFileSync(file, '[DEFAULT]\n');
  assert.deepEqual(importFilteringSlice(loadConfig({ configFiles: [file], configDirs: [] })), GLANCE_DEFAULTS);
  writeFileSync(file, '[import_filtering_opts]\nallowed_schemes = https\ndisallowed_hosts = Evil.Example, 10.0.0.1\nallowed_ports = 8443,443\n');
  const s = importFilteringSlice(loadConfig({ configFiles: [file], configDirs: [] }));
  assert.deepEqual(s, { ...GLANCE_DEFAULTS, allowedSchemes: ['https'], disallowedHosts: ['evil.example', '10.0.0.1'], allowedPorts: [8443, 443] });
});

/**
 * The swift store from glance-api.conf: glance_store's `swift_store_*` options in a multi-store
 * section (the references file found beside the configuration) and in the legacy
 * `[glance_store]`, the `/v2/info/stores/detail` properties, the configurations glance_store
 * refuses or runs read-only, and the key kept out of the option dump and of every log line of an
 * upload, a download and a failed read of a credential-bearing location.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { storeSlice } from '../../src/config/store-slice.js';
import { StoreRegistry } from '../../src/store/registry.js';
import { buildAppFromConfigFile } from '../support/config-app.js';
import { rejectsWith } from './store-test-kit.js';
import { RawSwift, TEMPAUTH, swiftSkipReason } from './swift-test-kit.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'glance-swift-conf-')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

const reserved = () => ['[os_glance_staging_store]', `filesystem_store_datadir = ${dir}/staging`, '[os_glance_tasks_store]', `filesystem_store_datadir = ${dir}/tasks`];

async function registryFrom(lines: string[], warnings: string[] = []): Promise<StoreRegistry> {
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, [...lines, ...reserved()].join('\n'));
  return StoreRegistry.create(storeSlice(loadConfig({ configFiles: [file], configDirs: [] })), { warn: (m) => warnings.push(m) });
}

const REFS = '[ref1]\nauth_version = 3\nauth_address = http://controller:5000/v3\nuser = service:glance\nkey = S3cret\n';
const multi = (extra: string[] = []) => ['[DEFAULT]', 'enabled_backends = objects:swift', '[glance_store]', 'default_backend = objects',
  '[objects]', 'swift_store_config_file = glance-swift.conf', ...extra];

test('a swift section: references found beside glance-api.conf, Glance\'s detail properties, swift+config locations owned', async () => {
  await writeFile(join(dir, 'glance-swift.conf'), REFS);
  const warnings: string[] = [];
  const registry = await registryFrom(multi(['store_description = Object storage']), warnings);
  try {
    assert.deepEqual(warnings, []);
    assert.deepEqual(registry.infoStoresDetail().stores, [{
      id: 'objects', description: 'Object storage', default: 'true', type: 'swift',
      properties: { container: 'glance', large_object_size: 5368709120, large_object_chunk_size: 209715200 },
    }]);
    assert.equal(registry.defaultStore.capabilities.write, true);
    assert.equal(registry.forLocation(`swift+config://ref1/glance/${randomUUID()}`).id, 'objects');
    assert.equal(registry.forLocation(`swift+https://u:k@keystone:5000/v3/glance/${randomUUID()}`).id, 'objects');
    assert.throws(() => registry.forLocation(`swift+config://other/glance/${randomUUID()}`), /Unknown scheme 'swift\+config'/);
  } finally {
    await registry.close();
  }
});

test('the legacy single store: [glance_store] stores = file,swift with the deprecated in-section account', async () => {
  const registry = await registryFrom(['[glance_store]', 'stores = file,swift', 'default_store = swift', 'swift_store_auth_version = 1',
    `swift_store_auth_address = ${TEMPAUTH.authAddress}`, `swift_store_user = ${TEMPAUTH.user}`, `swift_store_key = ${TEMPAUTH.key}`,
    'swift_store_container = images', 'swift_store_large_object_size = 100', `filesystem_store_datadir = ${dir}/images`]);
  try {
    assert.equal(registry.defaultStore.type, 'swift');
    assert.equal(registry.defaultStore.id, 'swift');
    const loc = (registry.defaultStore as unknown as { locationOf(id: string): { url: string; metadata: object } }).locationOf('img');
    assert.deepEqual(loc, { url: 'swift+http://test%3Atester:testing@127.0.0.1:8081/auth/v1.0/images/img', metadata: {} });
  } finally {
    await registry.close();
  }
});

test('what cannot work: multi-tenant and unreadable files stop start-up; no usable default reference means read-only', async () => {
  await assert.rejects(registryFrom(multi(['swift_store_multi_tenant = true'])), /swift_store_multi_tenant = True is not supported by glance-ts/);
  await assert.rejects(registryFrom(multi()), /swift config file glance-swift\.conf cannot be read: ENOENT/);
  await writeFile(join(dir, 'glance-swift.conf'), '[ref1]\nuser = u\nkey\n');
  await assert.rejects(registryFrom(multi()), /glance-swift\.conf:3: expected "key = value"/);
  for (const [refs, why] of [
    ['[other]\nauth_address = a\nuser = u\nkey = k\n', /A value for swift_store_auth_address is required \(no account reference "ref1" in .*glance-swift\.conf\)/],
    ['[ref1]\nauth_address = http://k:5000/v2.0\nuser = t:u\nkey = k\n', /auth_version 2 of reference "ref1" is not supported/],
  ] as const) {
    await writeFile(join(dir, 'glance-swift.conf'), refs);
    const warnings: string[] = [];
    const registry = await registryFrom(multi(), warnings);
    try {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, why);
      assert.match(warnings[0]!, /adding images to this store is disabled$/);
      const err = await rejectsWith(registry.defaultStore.write(randomUUID()), 'add_disabled', 'gone');
      assert.equal(err.forcePlain, true);
    } finally {
      await registry.close();
    }
  }
  await assert.rejects(registryFrom(multi(['swift_buffer_on_upload = true'])), /"swift_upload_buffer_dir" is not set/);
  await assert.rejects(registryFrom(multi(['swift_store_multiple_containers_seed = 33'])), /swift_store_multiple_containers_seed/);
});

test('swift_store_user and swift_store_key are secrets: masked in the option dump', async () => {
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, ['[glance_store]', 'stores = swift', 'default_store = swift', 'swift_store_user = acct:usr', 'swift_store_key = Sup3rKey'].join('\n'));
  const described = loadConfig({ configFiles: [file], configDirs: [] }).describe().join('\n');
  assert.match(described, /swift_store_key = \*\*\*\*/);
  assert.ok(!described.includes('Sup3rKey') && !described.includes('acct:usr'));
});

test('no log line or answer of an upload, a download and a read of a vanished object shows the key', { skip: (await swiftSkipReason(8081)) ?? false }, async () => {
  const container = `glance-ts-logs-${randomUUID().slice(0, 8)}`;
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, [
    '[DEFAULT]', 'enabled_backends = swift:swift', 'debug = true', '[database]', `connection = sqlite:///${dir}/glance.sqlite`,
    '[glance_store]', 'default_backend = swift',
    '[swift]', 'swift_store_auth_version = 1', `swift_store_auth_address = ${TEMPAUTH.authAddress}`, `swift_store_user = ${TEMPAUTH.user}`,
    `swift_store_key = ${TEMPAUTH.key}`, `swift_store_container = ${container}`, 'swift_store_create_container_on_put = true', ...reserved(),
  ].join('\n'));
  const { app, logLines } = await buildAppFromConfigFile(file);
  const raw = await RawSwift.login('tempauth');
  try {
    const created = await app.server.inject({ method: 'POST', url: '/v2/images', payload: { name: 'log', disk_format: 'raw', container_format: 'bare' } });
    const id = (JSON.parse(created.body) as { id: string }).id;
    const put = await app.server.inject({ method: 'PUT', url: `/v2/images/${id}/file`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(4096, 1) });
    assert.equal(put.statusCode, 204, put.body);
    assert.equal((await app.server.inject({ method: 'GET', url: `/v2/images/${id}/file` })).statusCode, 200);
    await raw.req('DELETE', `/${container}/${id}`);
    const gone = await app.server.inject({ method: 'GET', url: `/v2/images/${id}/file` });
    assert.ok(gone.statusCode >= 400, `a vanished object is an error: ${gone.statusCode}`);
    assert.ok(!gone.body.includes(`:${TEMPAUTH.key}@`));
    assert.ok(logLines().length > 0);
    assert.deepEqual(logLines().filter((l) => l.includes(`:${TEMPAUTH.key}@`) || l.includes(`"${TEMPAUTH.key}"`)), []);
  } finally {
    await app.close();
    await raw.dropContainer(container);
  }
});

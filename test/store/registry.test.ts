/**
 * StoreRegistry built from store slices on real temporary directories: multi-store and legacy
 * single-store, the default and reserved stores, the store of an existing location, the
 * `OpenStack-image-store-ids` value, the info views, unsupported types, and the start-up sweep.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { pyJson } from '../../src/http/py-json.js';
import { StoreRegistry, STAGING_STORE, TASKS_STORE } from '../../src/store/registry.js';
import { readRef } from '../http/helpers.js';
import { fileBackend, httpBackend, multiStoreConfig, singleStoreConfig } from './store-configs.js';
import { putBytes, rejectsWith } from './store-test-kit.js';

let root: string;
let registry: StoreRegistry | null;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'glance-registry-')); registry = null; });
afterEach(async () => {
  await registry?.close();
  await rm(root, { recursive: true, force: true });
});

test('the reference deployment (fs:file): store ids header of ref 100, info views of refs 011/012', async () => {
  registry = await StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs')], 'fs'));
  assert.equal(registry.storeIdsHeader(), 'fs,os_glance_staging_store,os_glance_tasks_store');
  assert.equal(registry.storeIdsHeader(), readRef('100-image-create.txt').headers['openstack-image-store-ids']);
  assert.equal(pyJson(registry.infoStores()), readRef('011-info-stores.txt').body);
  const detail = readRef('012-info-stores-detail-admin.txt').body.replace('/var/lib/glance/images/', `${join(root, 'fs')}/`);
  assert.equal(pyJson(registry.infoStoresDetail()), detail);
  assert.equal(registry.defaultStore.id, 'fs');
  assert.deepEqual(await readdir(root), ['fs', 'os_glance_staging_store', 'os_glance_tasks_store'].sort(), 'data dirs are created');
});

test('several stores: description, default, read-only http; reserved stores hidden from info', async () => {
  registry = await StoreRegistry.create(multiStoreConfig(root, [
    fileBackend(root, 'fast', { description: 'SSD' }),
    fileBackend(root, 'slow'),
    httpBackend('web', { description: 'remote' }),
  ], 'slow'));
  assert.equal(pyJson(registry.infoStores()),
    '{"stores": [{"id": "fast", "description": "SSD"}, {"id": "slow", "default": "true"}, {"id": "web", "description": "remote", "read-only": "true"}]}');
  const detail = registry.infoStoresDetail().stores;
  assert.deepEqual(detail.map((s) => [s.id, s.type]), [['fast', 'file'], ['slow', 'file'], ['web', 'http']]);
  assert.deepEqual(detail[2]!.properties, {});
  assert.deepEqual(registry.storeIds(), ['fast', 'slow', 'web', STAGING_STORE, TASKS_STORE]);
  assert.deepEqual(registry.writableStores().map((d) => d.id), ['fast', 'slow']);
  assert.equal(registry.get(STAGING_STORE).type, 'file');
  const err = await rejectsWith(Promise.reject(catchSync(() => registry!.get('nope'))), 'unknown_scheme', 'bad_request');
  assert.equal(err.message, "Unknown scheme 'nope' found in URI");
});

test('new locations are tagged with their store; forLocation finds it by tag, legacy key or URL', async () => {
  registry = await StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'a'), fileBackend(root, 'b'), httpBackend('web')], 'a'));
  const loc = await putBytes(registry.get('b'), randomUUID(), Buffer.from('x'));
  assert.deepEqual(loc.metadata, { store: 'b' });
  assert.equal(registry.forLocation(loc.url, loc.metadata).id, 'b');
  assert.equal(registry.forLocation(loc.url, { backend: 'b' }).id, 'b', 'pre-Train "backend" key');
  assert.equal(registry.forLocation(loc.url, {}).id, 'b', 'by data directory');
  assert.equal(registry.forLocation(loc.url, { store: 'gone-store' }).id, 'b', 'unknown tag falls back to the URL');
  assert.equal(registry.forLocation(`file://${join(root, 'os_glance_staging_store')}/${randomUUID()}`).id, STAGING_STORE);
  assert.equal(registry.forLocation('https://example.com/cirros.img').id, 'web');
  await rejectsWith(Promise.reject(catchSync(() => registry!.forLocation('rbd://fsid/images/x/snap'))), 'unknown_scheme');
  await rejectsWith(Promise.reject(catchSync(() => registry!.forLocation('file:///etc/passwd'))), 'bad_uri');
});

test('legacy single store: stores file,http; no header, untagged locations, http locations readable', async () => {
  registry = await StoreRegistry.create(singleStoreConfig(root));
  assert.equal(registry.multistore, false);
  assert.equal(registry.storeIdsHeader(), null);
  assert.deepEqual(registry.storeIds(), []);
  assert.equal(registry.defaultStore.id, 'file');
  const loc = await putBytes(registry.defaultStore, randomUUID(), Buffer.from('x'));
  assert.deepEqual(loc.metadata, {});
  assert.equal(registry.forLocation(loc.url).id, 'file');
  assert.equal(registry.forLocation('http://example.com/x').id, 'http');
  assert.equal(registry.staging.id, STAGING_STORE);
  assert.equal(registry.forLocation(`file://${join(root, 'staging')}/${randomUUID()}`).id, STAGING_STORE);
});

test('unsupported types: refused in enabled_backends, skipped with a warning in a legacy stores list', async () => {
  await assert.rejects(StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs'), { id: 'ceph', type: 'rbd', description: null, weight: 0 }])),
    (e: unknown) => e instanceof ConfigError && /ceph.*rbd.*not support/.test(e.message));
  const legacy = singleStoreConfig(root);
  legacy.backends.push({ id: 'rbd', type: 'rbd', description: null, weight: 0 });
  const warnings: string[] = [];
  registry = await StoreRegistry.create(legacy, { warn: (m) => warnings.push(m) });
  assert.deepEqual(registry.operatorStores().map((d) => d.id), ['file', 'http']);
  assert.match(warnings.join('\n'), /"rbd".*ignored/);
  await assert.rejects(StoreRegistry.create({ ...legacy, defaultBackend: 'rbd' }), ConfigError);
  await assert.rejects(StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs')], null)), /default_backend/);
});

test('sweepAll removes crash leftovers of every file store, reserved ones included', async () => {
  registry = await StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs')], 'fs'));
  const imageId = randomUUID();
  const dead = `.glance-partial.1.0123456789ab.gone-host.${imageId}`;
  const old = new Date(Date.now() - 3 * 3600_000);
  for (const dir of ['fs', 'os_glance_staging_store']) {
    await writeFile(join(root, dir, dead), 'half');
    await utimes(join(root, dir, dead), old, old);
  }
  assert.deepEqual(await registry.sweepAll(), { fs: [imageId], [STAGING_STORE]: [imageId], [TASKS_STORE]: [] });
  assert.deepEqual(await readdir(join(root, 'fs')), []);
});

function catchSync(fn: () => unknown): unknown {
  try { fn(); } catch (err) { return err; }
  return new Error('did not throw');
}

/**
 * The s3 store from glance-api.conf: glance_store's `s3_store_*` options in a multi-store section
 * and in the legacy `[glance_store]`, the `/v2/info/stores/detail` properties, unusable values
 * disabling writes with glance_store's warnings, and the key pair kept out of the option dump
 * and out of every log line of an upload, a download and a failed read.
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
import { BucketProbe, S3_HOST, freshBucket, s3Credentials, s3SkipReason } from './s3-fixture.js';
import { rejectsWith } from './store-test-kit.js';

const SECRET = 'Sup3r/Secret+Key';
let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'glance-s3-conf-')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

async function registryFrom(lines: string[], warnings: string[] = []): Promise<StoreRegistry> {
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, [...lines, '[os_glance_staging_store]', `filesystem_store_datadir = ${dir}/staging`,
    '[os_glance_tasks_store]', `filesystem_store_datadir = ${dir}/tasks`].join('\n'));
  return StoreRegistry.create(storeSlice(loadConfig({ configFiles: [file], configDirs: [] })), { warn: (m) => warnings.push(m) });
}

const s3Section = (extra: string[] = []) => [
  '[DEFAULT]', 'enabled_backends = objects:s3',
  '[glance_store]', 'default_backend = objects',
  '[objects]', 's3_store_host = https://s3.example.com:8443', 's3_store_access_key = AKEXAMPLE', `s3_store_secret_key = ${SECRET}`,
  's3_store_bucket = images', ...extra,
];

test('an s3 section: the driver, its locations and Glance\'s detail properties (defaults: 100 MiB, 10 MiB, 10)', async () => {
  const warnings: string[] = [];
  const registry = await registryFrom(s3Section(), warnings);
  try {
    assert.deepEqual(warnings, []);
    assert.deepEqual(registry.infoStoresDetail().stores, [{
      id: 'objects', default: 'true', type: 's3',
      properties: { s3_store_large_object_size: 104857600, s3_store_large_object_chunk_size: 10485760, s3_store_thread_pools: 10 },
    }]);
    const url = `s3+https://AKEXAMPLE:${SECRET}@s3.example.com:8443/images/${randomUUID()}`;
    assert.equal(registry.forLocation(url).id, 'objects', 'an https host gives s3+https locations this store owns');
    assert.equal(registry.defaultStore.capabilities.write, true);
  } finally {
    await registry.close();
  }
});

test('the legacy single store: [glance_store] stores = s3 with the s3_store_* options there', async () => {
  const registry = await registryFrom(['[glance_store]', 'stores = s3', 'default_store = s3', 's3_store_host = 127.0.0.1:9000',
    's3_store_access_key = AK', 's3_store_secret_key = SK', 's3_store_bucket = glance', 's3_store_large_object_size = 200']);
  try {
    assert.equal(registry.defaultStore.type, 's3');
    assert.equal(registry.forLocation('s3://AK:SK@127.0.0.1:9000/glance/x').id, 's3');
  } finally {
    await registry.close();
  }
});

test('unusable values disable writes with glance_store\'s warning (the secret never in it)', async () => {
  for (const [extra, why] of [
    [['s3_store_large_object_chunk_size = 4'], 's3_store_large_object_chunk_size must be at least 5 MB.'],
    [['s3_store_thread_pools = 0'], 's3_store_thread_pools must be a positive integer. 0'],
    [['s3_store_bucket_url_format = virtual', 's3_store_bucket = Not_DNS'], 'Bucket named Not_DNS is not DNS compatible.'],
  ] as const) {
    const warnings: string[] = [];
    const registry = await registryFrom(s3Section([...extra]), warnings);
    try {
      assert.deepEqual(warnings, [`Store objects could not be configured correctly: ${why} Disabling add method.`]);
      await rejectsWith(registry.defaultStore.write(randomUUID()), 'add_disabled', 'gone');
    } finally {
      await registry.close();
    }
  }
  const warnings: string[] = [];
  const registry = await registryFrom(s3Section().filter((l) => !l.startsWith('s3_store_access_key')), warnings);
  await registry.close();
  assert.deepEqual(warnings, ['Store objects could not be configured correctly: Could not find s3_store_access_key in configuration options. Disabling add method.']);
  await assert.rejects(registryFrom(s3Section(['s3_store_bucket_url_format = subdomain'])), /s3_store_bucket_url_format/);
});

test('the key pair options are secrets: masked in the option dump', async () => {
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, s3Section().join('\n'));
  const described = loadConfig({ configFiles: [file], configDirs: [] }).describe().join('\n');
  assert.match(described, /s3_store_secret_key = \*\*\*\*/);
  assert.match(described, /s3_store_access_key = \*\*\*\*/);
  assert.ok(!described.includes(SECRET));
});

test('no log line of an upload, a download and a read of a vanished object shows the key pair', { skip: (await s3SkipReason()) ?? false }, async () => {
  const creds = s3Credentials()!;
  const probe = new BucketProbe(freshBucket('glance-ts-log'));
  const file = join(dir, 'glance-api.conf');
  await writeFile(file, [
    '[DEFAULT]', 'enabled_backends = s3:s3', 'debug = true', `[database]`, `connection = sqlite:///${dir}/glance.sqlite`,
    '[glance_store]', 'default_backend = s3',
    '[s3]', `s3_store_host = ${S3_HOST}`, `s3_store_access_key = ${creds.accessKey}`, `s3_store_secret_key = ${creds.secretKey}`,
    `s3_store_bucket = ${probe.bucket}`, 's3_store_create_bucket_on_put = true',
    '[os_glance_staging_store]', `filesystem_store_datadir = ${dir}/staging`, '[os_glance_tasks_store]', `filesystem_store_datadir = ${dir}/tasks`,
  ].join('\n'));
  const { app, logLines } = await buildAppFromConfigFile(file);
  try {
    const created = await app.server.inject({ method: 'POST', url: '/v2/images', payload: { name: 'log', disk_format: 'raw', container_format: 'bare' } });
    const id = (JSON.parse(created.body) as { id: string }).id;
    const put = await app.server.inject({ method: 'PUT', url: `/v2/images/${id}/file`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(4096, 1) });
    assert.equal(put.statusCode, 204, put.body);
    assert.equal((await app.server.inject({ method: 'GET', url: `/v2/images/${id}/file` })).statusCode, 200);
    await (await probe.client.send({ method: 'DELETE', bucket: probe.bucket, key: id }, probe.creds)).body.dump();
    const gone = await app.server.inject({ method: 'GET', url: `/v2/images/${id}/file` });
    assert.ok(gone.statusCode >= 400, `a vanished object is an error: ${gone.statusCode}`);
    assert.ok(!gone.body.includes(creds.secretKey));
    const leaks = logLines().filter((l) => l.includes(creds.secretKey) || l.includes(creds.accessKey));
    assert.deepEqual(leaks, []);
    assert.ok(logLines().length > 0);
  } finally {
    await app.close();
    await probe.remove();
  }
});

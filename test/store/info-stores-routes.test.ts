/**
 * `GET /v2/info/stores` and `/v2/info/stores/detail` through the real server (fastify inject),
 * compared byte for byte with the reference Glance (refs 011, 012, 013), and the 404 when
 * multi-store is off.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { infoStoresRoutes } from '../../src/http/routes/info-stores.js';
import { StoreRegistry } from '../../src/store/registry.js';
import { readRef, testServer } from '../http/helpers.js';
import { fileBackend, multiStoreConfig, singleStoreConfig } from './store-configs.js';

let root: string;
let multi: StoreRegistry;
let single: StoreRegistry;
let app: FastifyInstance;
let legacyApp: FastifyInstance;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'glance-info-stores-'));
  multi = await StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs')], 'fs'));
  single = await StoreRegistry.create(singleStoreConfig(join(root, 'legacy')));
  app = await testServer({ routes: [infoStoresRoutes(multi)], versions: { multistore: true } });
  legacyApp = await testServer({ routes: [infoStoresRoutes(single)] });
});
after(async () => {
  await app.close();
  await legacyApp.close();
  await multi.close();
  await single.close();
  await rm(root, { recursive: true, force: true });
});

const member = { 'x-roles': 'member', 'x-user-id': 'u1', 'x-project-id': 'p1' };

test('GET /v2/info/stores is ref 011 byte for byte, for any user', async () => {
  const ref = readRef('011-info-stores.txt');
  const res = await app.inject({ method: 'GET', url: ref.path, headers: { accept: 'application/json', ...member } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.body, ref.body);
  assert.equal(res.headers['content-length'], ref.headers['content-length']);
});

test('GET /v2/info/stores/detail as admin is ref 012 (data_dir as configured)', async () => {
  const ref = readRef('012-info-stores-detail-admin.txt');
  const res = await app.inject({ method: 'GET', url: ref.path, headers: { accept: 'application/json', 'x-roles': 'admin' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, ref.body.replace('/var/lib/glance/images/', `${join(root, 'fs')}/`));
});

test('GET /v2/info/stores/detail as a member is the 403 of ref 013', async () => {
  const ref = readRef('013-info-stores-detail-demo-403.txt');
  const res = await app.inject({ method: 'GET', url: ref.path, headers: { accept: 'application/json', ...member } });
  assert.equal(res.statusCode, 403);
  assert.equal(res.headers['content-type'], ref.headers['content-type']);
  assert.equal(res.body, ref.body);
  assert.equal(res.headers['content-length'], ref.headers['content-length']);
});

test('without multi-store both are 404 "Multi backend is not supported at this site." (before the policy check)', async () => {
  for (const [url, headers] of [['/v2/info/stores', {}], ['/v2/info/stores/detail', { 'x-roles': 'admin' }], ['/v2/info/stores/detail', member]] as const) {
    const res = await legacyApp.inject({ method: 'GET', url, headers: { accept: 'application/json', ...headers } });
    assert.equal(res.statusCode, 404, url);
    assert.equal(JSON.parse(res.body).message, 'Multi backend is not supported at this site.<br /><br />\n\n\n');
  }
});

test('other methods on the info paths are 405 with Allow: GET', async () => {
  const res = await app.inject({ method: 'POST', url: '/v2/info/stores', headers: { accept: 'application/json' } });
  assert.equal(res.statusCode, 405);
  assert.equal(res.headers.allow, 'GET');
});

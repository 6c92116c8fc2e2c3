/**
 * Version discovery and negotiation: the document compared field by field with the recorded
 * multistore server (ref 000/001), 300 vs 200, prefixes accepted per configuration, the vendor
 * media type, and hrefs from public_endpoint or the Host header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedVersions, negotiate } from '../../src/http/plugins/version-negotiation.js';
import { readRef, testServer } from './helpers.js';

type Doc = { versions: Array<{ id: string; status: string; links: Array<{ rel: string; href: string }> }> };

async function server(versions: { multistore?: boolean; cacheEnabled?: boolean; publicEndpoint?: string | null } = {}) {
  return testServer({
    versions,
    routes: [(app) => { app.get('/v2/images', async (req) => ({ url: req.url })); }],
  });
}

for (const [name, url, status] of [['000-versions-root.txt', '/', 300], ['001-versions.txt', '/versions', 200]] as const) {
  test(`GET ${url} answers ${status} with the document of ref ${name} (multistore)`, async () => {
    const ref = readRef(name);
    const app = await server({ multistore: true });
    // The recording was made at 127.0.0.1:19292; with that Host our bytes match exactly.
    const res = await app.inject({ method: 'GET', url, headers: { accept: 'application/json', host: '127.0.0.1:19292' } });
    assert.equal(res.statusCode, status);
    assert.equal(res.headers['content-type'], 'application/json');
    const want = JSON.parse(ref.body) as Doc;
    const got = JSON.parse(res.body) as Doc;
    assert.equal(got.versions.length, want.versions.length);
    got.versions.forEach((v, i) => {
      const w = want.versions[i]!;
      assert.equal(v.id, w.id);
      assert.equal(v.status, w.status);
      assert.deepEqual(v.links.map((l) => l.rel), w.links.map((l) => l.rel));
    });
    assert.equal(res.body, ref.body);
    assert.equal(res.headers['content-length'], ref.headers['content-length']);
    await app.close();
  });
}

test('single store without cache: 2.15 CURRENT, 2.9, then 2.7 … 2.0; cache adds 2.16 CURRENT and 2.14', async () => {
  const single = await server();
  const ids = (JSON.parse((await single.inject({ method: 'GET', url: '/versions' })).body) as Doc).versions.map((v) => `${v.id}:${v.status}`);
  assert.deepEqual(ids, ['v2.15:CURRENT', 'v2.9:SUPPORTED', 'v2.7:SUPPORTED', 'v2.6:SUPPORTED', 'v2.5:SUPPORTED',
    'v2.4:SUPPORTED', 'v2.3:SUPPORTED', 'v2.2:SUPPORTED', 'v2.1:SUPPORTED', 'v2.0:SUPPORTED']);
  await single.close();
  const cached = await server({ cacheEnabled: true });
  const head = (JSON.parse((await cached.inject({ method: 'GET', url: '/versions' })).body) as Doc).versions.slice(0, 4).map((v) => `${v.id}:${v.status}`);
  assert.deepEqual(head, ['v2.16:CURRENT', 'v2.15:SUPPORTED', 'v2.14:SUPPORTED', 'v2.9:SUPPORTED']);
  await cached.close();
});

test('unknown version prefixes answer 300 with the document, for any method, without parsing the body', async () => {
  const app = await server();
  for (const [method, url] of [['GET', '/v2.99/'], ['GET', '/v3/images'], ['POST', '/v1/images'], ['GET', '/images'], ['DELETE', '/']] as const) {
    const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : '{bad' });
    assert.equal(res.statusCode, 300, `${method} ${url}`);
    assert.equal((JSON.parse(res.body) as Doc).versions[0]!.id, 'v2.15');
  }
  assert.equal((await app.inject({ method: 'POST', url: '/versions/x' })).statusCode, 200);
  await app.close();
});

test('accepted prefixes are rewritten to /v2; /v2.8 and /v2.10–13 only with multistore, /v2.14 and /v2.16 only with cache', async () => {
  const single = await server();
  for (const p of ['v2', 'v2.0', 'v2.7', 'v2.9', 'v2.15']) {
    const res = await single.inject({ method: 'GET', url: `/${p}/images?limit=1` });
    assert.equal(res.statusCode, 200, p);
    assert.deepEqual(JSON.parse(res.body), { url: '/v2/images?limit=1' });
  }
  for (const p of ['v2.8', 'v2.10', 'v2.13', 'v2.14', 'v2.16', 'v2.17']) {
    assert.equal((await single.inject({ method: 'GET', url: `/${p}/images` })).statusCode, 300, p);
  }
  await single.close();
  const multi = await server({ multistore: true });
  for (const p of ['v2.8', 'v2.10', 'v2.11', 'v2.12', 'v2.13']) assert.equal((await multi.inject({ method: 'GET', url: `/${p}/images` })).statusCode, 200, p);
  assert.equal((await multi.inject({ method: 'GET', url: '/v2.14/images' })).statusCode, 300);
  await multi.close();
  const cache = await server({ cacheEnabled: true });
  for (const p of ['v2.14', 'v2.16']) assert.equal((await cache.inject({ method: 'GET', url: `/${p}/images` })).statusCode, 200, p);
  assert.equal((await cache.inject({ method: 'GET', url: '/v2.8/images' })).statusCode, 300);
  await cache.close();
});

test('Accept: application/vnd.openstack.images-v2.x selects the version instead of the path', async () => {
  const app = await server();
  const ok = await app.inject({ method: 'GET', url: '/images', headers: { accept: 'application/vnd.openstack.images-v2.1' } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(JSON.parse(ok.body), { url: '/v2/images' });
  const bad = await app.inject({ method: 'GET', url: '/images', headers: { accept: 'application/vnd.openstack.images-v9' } });
  assert.equal(bad.statusCode, 300);
  await app.close();
  assert.deepEqual(negotiate('/v2/images', 'application/vnd.openstack.images-v2', acceptedVersions({ multistore: false, cacheEnabled: false })).url, '/v2/v2/images');
});

test('hrefs use public_endpoint when set, else the request scheme and Host', async () => {
  const pub = await server({ publicEndpoint: 'https://images.example.com/glance/' });
  const doc = JSON.parse((await pub.inject({ method: 'GET', url: '/' })).body) as Doc;
  assert.ok(doc.versions.every((v) => v.links[0]!.href === 'https://images.example.com/glance/v2/'));
  await pub.close();
  const host = await server();
  const doc2 = JSON.parse((await host.inject({ method: 'GET', url: '/', headers: { host: 'controller:9292' } })).body) as Doc;
  assert.equal(doc2.versions[0]!.links[0]!.href, 'http://controller:9292/v2/');
  await host.close();
});

/**
 * x-openstack-request-id: generated format, reuse of an inbound id, `req-` prefixing, 431 for an
 * over-long one; plus the noauth context the same requests run with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../src/auth/request-context.js';
import { testServer } from './helpers.js';

const UUID4 = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function server(maxRequestIdLength = 64) {
  return testServer({
    server: { maxRequestIdLength },
    routes: [(app) => { app.get('/v2/whoami', async (req) => ({ id: req.id, ctx: req.ctx as RequestContext })); }],
  });
}

test('every response carries a generated req-<uuid4>, errors and versions included', async () => {
  const app = await server();
  const seen = new Set<string>();
  for (const url of ['/v2/whoami', '/v2/missing', '/', '/versions']) {
    const res = await app.inject({ method: 'GET', url });
    const id = res.headers['x-openstack-request-id'] as string;
    assert.match(id, UUID4, url);
    seen.add(id);
  }
  assert.equal(seen.size, 4);
  const body = JSON.parse((await app.inject({ method: 'GET', url: '/v2/whoami' })).body) as { id: string; ctx: RequestContext };
  assert.equal(body.ctx.requestId, body.id);
  await app.close();
});

test('an inbound X-Openstack-Request-ID is reused, prefixed with req- when missing', async () => {
  const app = await server();
  const kept = await app.inject({ method: 'GET', url: '/v2/whoami', headers: { 'X-Openstack-Request-ID': 'req-0123-abc' } });
  assert.equal(kept.headers['x-openstack-request-id'], 'req-0123-abc');
  assert.equal((JSON.parse(kept.body) as { ctx: RequestContext }).ctx.requestId, 'req-0123-abc');
  const prefixed = await app.inject({ method: 'GET', url: '/v2/missing', headers: { 'x-openstack-request-id': 'my-trace-42' } });
  assert.equal(prefixed.headers['x-openstack-request-id'], 'req-my-trace-42');
  await app.close();
});

test('an inbound id longer than max_request_id_length is 431; 0 disables the limit', async () => {
  const app = await server(64);
  const ok = await app.inject({ method: 'GET', url: '/v2/whoami', headers: { 'x-openstack-request-id': 'x'.repeat(64) } });
  assert.equal(ok.statusCode, 200);
  const long = await app.inject({ method: 'GET', url: '/v2/whoami', headers: { 'x-openstack-request-id': 'x'.repeat(65), accept: 'application/json' } });
  assert.equal(long.statusCode, 431);
  assert.match(long.headers['x-openstack-request-id'] as string, UUID4);
  assert.equal(long.body, '{"message": "The request header fields were too large<br /><br />\\n\\n<!-- x-openstack-request-id is too long, max size 64 -->\\n", "code": "431 Request Header Fields Too Large", "title": "Request Header Fields Too Large"}');
  await app.close();
  const unlimited = await server(0);
  const res = await unlimited.inject({ method: 'GET', url: '/v2/whoami', headers: { 'x-openstack-request-id': 'y'.repeat(500) } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-openstack-request-id'], `req-${'y'.repeat(500)}`);
  await unlimited.close();
});

test('noauth: admin context by default; identity headers refine it', async () => {
  const app = await server();
  const anon = (JSON.parse((await app.inject({ method: 'GET', url: '/v2/whoami' })).body) as { ctx: RequestContext }).ctx;
  assert.equal(anon.isAdmin, true);
  assert.equal(anon.userId, null);
  assert.equal(anon.projectId, null);
  assert.deepEqual(anon.roles, []);
  const demo = (JSON.parse((await app.inject({
    method: 'GET', url: '/v2/whoami',
    headers: { 'x-user-id': 'u1', 'x-tenant-id': 'p1', 'x-roles': 'Member, reader' },
  })).body) as { ctx: RequestContext }).ctx;
  assert.deepEqual([demo.userId, demo.projectId, demo.roles, demo.isAdmin], ['u1', 'p1', ['member', 'reader'], false]);
  const admin = (JSON.parse((await app.inject({
    method: 'GET', url: '/v2/whoami', headers: { 'x-project-id': 'p2', 'x-tenant-id': 'ignored', 'x-roles': 'ADMIN' },
  })).body) as { ctx: RequestContext }).ctx;
  assert.deepEqual([admin.projectId, admin.roles, admin.isAdmin], ['p2', ['admin'], true]);
  const invalid = (JSON.parse((await app.inject({
    method: 'GET', url: '/v2/whoami', headers: { 'x-user-id': 'u1', 'x-roles': 'admin', 'x-identity-status': 'Invalid' },
  })).body) as { ctx: RequestContext }).ctx;
  assert.deepEqual([invalid.userId, invalid.roles, invalid.isAdmin], [null, [], false]);
  await app.close();
});

test('a [paste_deploy] flavor refuses to start, naming the option', async () => {
  await assert.rejects(testServer({ server: { pasteFlavor: 'keystone' } }), (err: Error) => {
    assert.equal(err.name, 'StartupError');
    assert.match(err.message, /\[paste_deploy\] flavor = keystone/);
    return true;
  });
});

/**
 * Keystone token authentication against the real Keystone on 127.0.0.1:5000 (installed, started
 * and seeded by scripts/keystone.sh in `before`): who a request runs as, the 401 answers
 * byte-compared with the recorded Glance ones (refs 002, 004, 005), service tokens, revocation
 * with and without a cached validation, and the sharing of one Keystone call by concurrent
 * requests. The server is built in-process (auth-harness.ts) with the real client and cache.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readRef } from '../http/helpers.js';
import { authServer, sleep, whoami, type AuthHarness } from './auth-harness.js';
import { ensureKeystone, issueToken, keystoneIni, revokeToken, type IssuedToken, type KeystoneFacts } from './keystone-fixture.js';

describe('Keystone authentication (real Keystone, in-process cache)', () => {
  let ks: KeystoneFacts;
  let h: AuthHarness;
  let demo: IssuedToken;
  let admin: IssuedToken;

  before(async () => {
    ks = await ensureKeystone();
    // The recorded samples name the guide's host in WWW-Authenticate: use the same value.
    h = await authServer(keystoneIni(ks, ['token_cache_time = 3']).replace(`www_authenticate_uri = ${ks.url}`, 'www_authenticate_uri = http://controller:5000'));
    [demo, admin] = await Promise.all([issueToken(ks, 'demo'), issueToken(ks, 'admin')]);
  });
  after(async () => {
    await h?.close();
  });

  test('a demo token runs as demo in project demo with role member, not admin', async () => {
    const r = await whoami(h, { 'x-auth-token': demo.token });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.userId, ks.vars.DEMO_USER_ID);
    assert.equal(r.body.projectId, ks.vars.DEMO_PROJECT_ID);
    assert.equal(r.body.projectDomainId, 'default');
    assert.equal(r.body.userDomainId, 'default');
    assert.ok((r.body.roles as string[]).includes('member'), String(r.body.roles));
    assert.ok(!(r.body.roles as string[]).includes('admin'));
    assert.equal(r.body.isAdmin, false);
    assert.equal(r.body.systemScope, null);
    assert.deepEqual(r.body.serviceRoles, []);
    assert.equal(r.body.authToken, demo.token);
    assert.match(String(r.headers['x-openstack-request-id']), /^req-/);
  });

  test('an admin token is an administrator of project admin', async () => {
    const r = await whoami(h, { 'x-auth-token': admin.token });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.projectId, ks.vars.ADMIN_PROJECT_ID);
    assert.ok((r.body.roles as string[]).includes('admin'));
    assert.equal(r.body.isAdmin, true);
  });

  test('a system-scoped token carries system scope "all" and no project', async () => {
    const sys = await issueToken(ks, 'glance-system');
    const r = await whoami(h, { 'x-auth-token': sys.token });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.systemScope, 'all');
    assert.equal(r.body.projectId, null);
    assert.deepEqual(r.body.roles, ['reader']);
    assert.equal(r.body.isAdmin, false);
  });

  for (const [name, headers] of [
    ['002-v2-root', {}],
    ['004-images-no-token', {}],
    ['005-images-bad-token', { 'x-auth-token': 'bad token' }],
  ] as const) {
    test(`401 like the recorded Glance (${name})`, async () => {
      const ref = readRef(`${name}.txt`);
      const res = await h.server.inject({ method: 'GET', url: ref.path, headers: { accept: 'application/json', ...headers } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.body, ref.body);
      assert.equal(res.headers['content-type'], ref.headers['content-type']);
      assert.equal(res.headers['www-authenticate'], ref.headers['www-authenticate']);
      assert.equal(res.headers['content-length'], ref.headers['content-length']);
      assert.equal(res.headers['x-openstack-request-id'], undefined, 'Glance refuses before assigning a request id');
    });
  }

  test('a garbage token of the right shape is refused by Keystone (401)', async () => {
    const before = h.validations();
    const r = await whoami(h, { 'x-auth-token': 'gAAAAABnot-a-real-fernet-token' });
    assert.equal(r.status, 401);
    assert.equal(h.validations(), before + 1, 'asked Keystone');
    assert.equal(r.headers['www-authenticate'], 'Keystone uri="http://controller:5000"');
  });

  test('the 401 body follows Accept as WebOb does (plain text without Accept, HTML for */*)', async () => {
    const plain = await h.server.inject({ method: 'GET', url: '/v2/images', headers: {} });
    assert.equal(plain.statusCode, 401);
    assert.equal(plain.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.match(plain.body, /^401 Unauthorized\n\nThis server could not verify/);
    const html = await h.server.inject({ method: 'GET', url: '/v2/images', headers: { accept: '*/*' } });
    assert.equal(html.headers['content-type'], 'text/html; charset=UTF-8');
    assert.match(html.body, /<title>401 Unauthorized<\/title>/);
  });

  test('the versions documents need no token', async () => {
    const root = await h.server.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 300);
    const versions = await h.server.inject({ method: 'GET', url: '/versions' });
    assert.equal(versions.statusCode, 200);
  });

  test('a token with characters no Keystone token has is refused without asking Keystone', async () => {
    const before = h.validations();
    const r = await whoami(h, { 'x-auth-token': 'é'.repeat(10) });
    assert.equal(r.status, 401);
    assert.equal(h.validations(), before);
  });

  test('X-Storage-Token is accepted as the older spelling of X-Auth-Token', async () => {
    const r = await whoami(h, { 'x-storage-token': demo.token });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.projectId, ks.vars.DEMO_PROJECT_ID);
  });

  test('a valid X-Service-Token adds its roles; an invalid one is ignored', async () => {
    const service = await issueToken(ks, 'glance');
    const r = await whoami(h, { 'x-auth-token': demo.token, 'x-service-token': service.token });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.projectId, ks.vars.DEMO_PROJECT_ID, 'the user token decides who the caller is');
    assert.ok((r.body.serviceRoles as string[]).includes('admin'), String(r.body.serviceRoles));
    const bad = await whoami(h, { 'x-auth-token': demo.token, 'x-service-token': 'gAAAAAB-bogus' });
    assert.equal(bad.status, 200, bad.raw);
    assert.deepEqual(bad.body.serviceRoles, []);
  });

  test('with service_token_roles_required, a service token without those roles is ignored', async () => {
    const strict = await authServer(keystoneIni(ks, ['service_token_roles = service', 'service_token_roles_required = true']));
    try {
      const service = await issueToken(ks, 'glance');
      const r = await whoami(strict, { 'x-auth-token': demo.token, 'x-service-token': service.token });
      assert.equal(r.status, 200, r.raw);
      assert.deepEqual(r.body.serviceRoles, []);
    } finally {
      await strict.close();
    }
  });

  test('concurrent requests with one uncached token make one Keystone call; later ones use the cache', async () => {
    const t = await issueToken(ks, 'alt');
    const before = h.validations();
    const results = await Promise.all(Array.from({ length: 8 }, () => whoami(h, { 'x-auth-token': t.token })));
    for (const r of results) assert.equal(r.status, 200, r.raw);
    assert.equal(h.validations(), before + 1);
    await whoami(h, { 'x-auth-token': t.token });
    assert.equal(h.validations(), before + 1);
    assert.equal(results[0]!.body.projectId, ks.vars.ALT_PROJECT_ID);
  });

  test('a revoked token is refused at once when not cached', async () => {
    const t = await issueToken(ks, 'demo');
    revokeToken(ks, t.token);
    const r = await whoami(h, { 'x-auth-token': t.token });
    assert.equal(r.status, 401, r.raw);
  });

  test('a revoked token that was cached is refused once its cache entry expires (token_cache_time = 3)', async () => {
    const t = await issueToken(ks, 'demo');
    const first = await whoami(h, { 'x-auth-token': t.token });
    assert.equal(first.status, 200, first.raw);
    const cachedAt = Date.now();
    revokeToken(ks, t.token);
    // Still inside the cache lifetime the validation is reused, as keystonemiddleware does.
    if (Date.now() - cachedAt < 2500) {
      const during = await whoami(h, { 'x-auth-token': t.token });
      assert.equal(during.status, 200, 'served from the cache');
    }
    await sleep(Math.max(0, cachedAt + 3200 - Date.now()));
    const afterExpiry = await whoami(h, { 'x-auth-token': t.token });
    assert.equal(afterExpiry.status, 401, afterExpiry.raw);
  });

  test('secrets are never logged', async () => {
    const text = JSON.stringify(h.logs);
    assert.ok(!text.includes(demo.token), 'user token logged');
    assert.ok(!/gAAAAA/.test(text), 'a Fernet token (user or service) logged');
    assert.ok(!text.includes(ks.vars.GLANCE_PASSWORD!), 'service password logged');
    assert.ok(h.logs.some((l) => l.msg === 'authenticated with Keystone as the service user'));
  });
});

/**
 * Failures a real Keystone does not produce on demand, injected with a small fake Identity API
 * on a local port: HTTP 500 to a validation (→ 503, then recovery), a 401 to the service token
 * (→ one re-authentication and retry), service credentials refused (→ 503, never a 500), and a
 * catalog whose identity endpoint differs from auth_url (validation follows the catalog).
 * Everything else about Keystone is tested against the real one (keystone-auth/outage tests).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authServer, whoami, type AuthHarness } from './auth-harness.js';

interface FakeState {
  authStatus: number;
  validateStatus: number[];
  posts: number;
  gets: string[];
}

const USER_TOKEN = 'fake-user-token';

function tokenBody(expiresInS: number): Record<string, unknown> {
  return {
    token: {
      issued_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + expiresInS * 1000).toISOString(),
      user: { id: 'u1', name: 'demo', domain: { id: 'default' } },
      project: { id: 'p1', name: 'demo', domain: { id: 'default' } },
      roles: [{ name: 'Member' }, { name: 'reader' }],
    },
  };
}

describe('Keystone failures injected by a fake Identity API', () => {
  const state: FakeState = { authStatus: 201, validateStatus: [], posts: 0, gets: [] };
  let fake: Server;
  let base: string;
  let h: AuthHarness;

  before(async () => {
    fake = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
          state.posts++;
          if (state.authStatus !== 201) return res.writeHead(state.authStatus).end('{}');
          const body = tokenBody(3600) as { token: Record<string, unknown> };
          // The catalog sends validations to /identity/v3 on the same host.
          body.token.catalog = [{ type: 'identity', endpoints: [
            { interface: 'public', region_id: 'RegionOne', url: `${base}/public` },
            { interface: 'internal', region_id: 'RegionOne', url: `${base}/identity` },
          ] }];
          res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `svc-${state.posts}` });
          return res.end(JSON.stringify(body));
        }
        if (req.method === 'GET' && req.url?.startsWith('/identity/v3/auth/tokens')) {
          state.gets.push(String(req.headers['x-auth-token']));
          const status = state.validateStatus.shift() ?? 200;
          if (status !== 200) return res.writeHead(status).end('{"error": {}}');
          if (req.headers['x-subject-token'] !== USER_TOKEN) return res.writeHead(404).end('{}');
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(tokenBody(3600)));
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    h = await authServer([
      '[keystone_authtoken]', `auth_url = ${base}`, 'auth_type = password', 'username = glance', 'password = x',
      'user_domain_name = Default', 'project_name = service', 'project_domain_name = Default', 'token_cache_time = -1',
    ].join('\n'));
  });
  after(async () => {
    await h?.close();
    await new Promise((r) => fake.close(r));
  });

  test('validation goes to the catalog identity endpoint of interface internal; roles are lower-cased', async () => {
    const r = await whoami(h, { 'x-auth-token': USER_TOKEN });
    assert.equal(r.status, 200, r.raw);
    assert.deepEqual(r.body.roles, ['member', 'reader']);
    assert.equal(state.gets.length, 1);
    assert.equal(state.gets[0], 'svc-1');
  });

  test('HTTP 500 from Keystone gives 503 with keystonemiddleware\'s text; the next request recovers', async () => {
    state.validateStatus = [500];
    const r = await whoami(h, { 'x-auth-token': USER_TOKEN });
    assert.equal(r.status, 503);
    assert.equal(r.raw, '{"message": "The server is currently unavailable. Please try again at a later time.<br /><br />\\nThe Keystone service is temporarily unavailable.\\n\\n", "code": "503 Service Unavailable", "title": "Service Unavailable"}');
    assert.match(String(r.headers['x-openstack-request-id']), /^req-/);
    assert.equal((await whoami(h, { 'x-auth-token': USER_TOKEN })).status, 200);
  });

  test('a 401 to the service token makes one re-authentication and retry', async () => {
    const posts = state.posts;
    state.validateStatus = [401];
    const r = await whoami(h, { 'x-auth-token': USER_TOKEN });
    assert.equal(r.status, 200, r.raw);
    assert.equal(state.posts, posts + 1);
    assert.equal(state.gets.at(-1), `svc-${posts + 1}`);
  });

  test('service credentials refused: 503, never 500, and no retry storm', async () => {
    const fresh = await authServer([
      '[keystone_authtoken]', `auth_url = ${base}/v3`, 'auth_type = password', 'username = glance', 'password = wrong',
      'user_domain_id = default', 'project_id = p0',
    ].join('\n'));
    state.authStatus = 401;
    try {
      const posts = state.posts;
      const r = await whoami(fresh, { 'x-auth-token': USER_TOKEN });
      assert.equal(r.status, 503, r.raw);
      assert.equal(state.posts, posts + 1);
      assert.ok(fresh.logs.some((l) => l.msg === 'Keystone refused the service credentials of [keystone_authtoken]'));
    } finally {
      state.authStatus = 201;
      await fresh.close();
    }
  });

  test('Keystone not listening at all: 503 after the connection retries, quickly', async () => {
    const closed = await authServer([
      '[keystone_authtoken]', 'auth_url = http://127.0.0.1:9', 'auth_type = password', 'username = glance', 'password = x',
      'user_domain_name = Default', 'project_name = service', 'project_domain_name = Default',
    ].join('\n'));
    try {
      const t0 = Date.now();
      const r = await whoami(closed, { 'x-auth-token': USER_TOKEN });
      assert.equal(r.status, 503, r.raw);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.ok(closed.logs.some((l) => l.msg === 'cannot reach Keystone'));
    } finally {
      await closed.close();
    }
  });
});

/**
 * Keystone failures and token lifetimes, against a second real Keystone on 127.0.0.1:5001
 * (scripts/keystone.sh with KEYSTONE_PORT=5001 and 40-second tokens) so that stopping or
 * freezing it cannot disturb tests using the main instance, and the real memcached as the cache:
 *  - a validation cached in memcached keeps working while Keystone is stopped, new tokens get a
 *    quick 503, and the same server recovers once Keystone is back;
 *  - a Keystone that accepts connections but never answers gives a 503 within the deadline;
 *  - an expired token is refused (cache entries never outlive the token); with a service token
 *    carrying the `service` role it is accepted (allow_expired);
 *  - the service's own token is renewed before it expires.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli-runner.js';
import { authServer, sleep, whoami, type AuthHarness } from './auth-harness.js';
import {
  ensureKeystone, ensureMemcached, issueToken, keystoneIni, osEnv, signalKeystone, startKeystone, stopKeystone,
  type KeystoneFacts,
} from './keystone-fixture.js';

const PORT = 5001;
const LIFETIME_S = 40;

describe('Keystone outages and token lifetimes (second real Keystone, memcached)', () => {
  let ks: KeystoneFacts;
  let ini: string;
  let h: AuthHarness;

  before(async () => {
    [ks] = await Promise.all([ensureKeystone(PORT, { tokenExpiration: LIFETIME_S }), ensureMemcached()]);
    const probe = await issueToken(ks, 'demo');
    const life = (probe.expiresAt - Date.now()) / 1000;
    assert.ok(life <= LIFETIME_S + 2, `tokens of the Keystone on ${PORT} live ${life} s; expected ${LIFETIME_S}`);
    // The `service` role on the glance user makes its tokens real service tokens (allow_expired).
    const r = runCli('openstack', ['role', 'create', '--or-show', 'service'], osEnv(ks, 'admin'));
    assert.equal(r.status, 0, r.stderr);
    const a = runCli('openstack', ['role', 'add', '--project', 'service', '--user', 'glance', 'service'], osEnv(ks, 'admin'));
    assert.equal(a.status, 0, a.stderr);
    ini = keystoneIni(ks, ['memcached_servers = 127.0.0.1:11211', 'http_connect_timeout = 2', 'http_request_max_retries = 1']);
    h = await authServer(ini);
  });
  after(async () => {
    await h?.close();
    // Leave the instance running for the next run, whatever happened here.
    await signalKeystone(PORT, 'SIGCONT').catch(() => {});
    await startKeystone(PORT);
  });

  test('memcached keeps a validation usable while Keystone is down; new tokens get 503; recovery without restart', async () => {
    const [t, u] = await Promise.all([issueToken(ks, 'demo'), issueToken(ks, 'alt')]);
    assert.equal((await whoami(h, { 'x-auth-token': t.token })).status, 200);
    await stopKeystone(PORT);
    try {
      // A second server (as another worker would be) reads the validation from memcached.
      const other = await authServer(ini);
      try {
        const r = await whoami(other, { 'x-auth-token': t.token });
        assert.equal(r.status, 200, r.raw);
        assert.equal(r.body.projectId, ks.vars.DEMO_PROJECT_ID);
        assert.equal(other.validations(), 0, 'answered from memcached');
      } finally {
        await other.close();
      }
      assert.equal((await whoami(h, { 'x-auth-token': t.token })).status, 200);
      const t0 = Date.now();
      const down = await whoami(h, { 'x-auth-token': u.token });
      assert.equal(down.status, 503, down.raw);
      assert.ok(Date.now() - t0 < 3000, `503 took ${Date.now() - t0} ms`);
      assert.equal(down.body.title, 'Service Unavailable');
      assert.match(String(down.body.message), /The Keystone service is temporarily unavailable\./);
    } finally {
      await startKeystone(PORT);
    }
    const back = await whoami(h, { 'x-auth-token': u.token });
    assert.equal(back.status, 200, back.raw);
    assert.equal(back.body.projectId, ks.vars.ALT_PROJECT_ID);
  });

  test('a Keystone that never answers gives 503 within http_connect_timeout, then recovery', async () => {
    const u = await issueToken(ks, 'alt');
    await signalKeystone(PORT, 'SIGSTOP');
    let elapsed: number;
    try {
      const t0 = Date.now();
      const r = await whoami(h, { 'x-auth-token': u.token });
      elapsed = Date.now() - t0;
      assert.equal(r.status, 503, r.raw);
    } finally {
      await signalKeystone(PORT, 'SIGCONT');
    }
    // Generous upper bound: a loaded CI machine delays timers, but a hang would never end.
    assert.ok(elapsed >= 1500 && elapsed < 8000, `503 after ${elapsed} ms with a 2 s deadline`);
    const back = await whoami(h, { 'x-auth-token': u.token });
    assert.equal(back.status, 200, back.raw);
  });

  test('an expired token is refused (cache and Keystone); a service token lets it through; the service token is renewed', async () => {
    const serviceAuths = (): number => h.logs.filter((l) => l.msg === 'authenticated with Keystone as the service user').length;
    const e = await issueToken(ks, 'demo');
    assert.equal((await whoami(h, { 'x-auth-token': e.token })).status, 200);
    const authsBefore = serviceAuths();
    assert.ok(authsBefore >= 1);
    await sleep(Math.max(0, e.expiresAt - Date.now() + 1500));

    const cachedServer = await whoami(h, { 'x-auth-token': e.token });
    assert.equal(cachedServer.status, 401, 'the cache entry did not outlive the token');
    const fresh = await authServer(ini);
    try {
      assert.equal((await whoami(fresh, { 'x-auth-token': e.token })).status, 401);
      assert.equal(fresh.validations(), 1, 'Keystone was asked and said no');
    } finally {
      await fresh.close();
    }

    // The harness's service token (40 s) has expired by now: validating needs a renewed one.
    const n = await issueToken(ks, 'alt');
    assert.equal((await whoami(h, { 'x-auth-token': n.token })).status, 200);
    assert.ok(serviceAuths() > authsBefore, 'the service token was renewed');
    assert.ok(!h.logs.some((l) => l.msg === 'Keystone rejected the service token; authenticating again'), 'renewed before expiry, not after a rejection');

    const service = await issueToken(ks, 'glance');
    const allowed = await whoami(h, { 'x-auth-token': e.token, 'x-service-token': service.token });
    assert.equal(allowed.status, 200, allowed.raw);
    assert.equal(allowed.body.projectId, ks.vars.DEMO_PROJECT_ID);
    assert.ok((allowed.body.serviceRoles as string[]).includes('service'));
  });
});

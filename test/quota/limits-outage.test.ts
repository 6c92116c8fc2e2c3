/**
 * Unified limits when Keystone cannot tell them: tokens still validate against the real
 * Keystone, but `[oslo_limit] auth_url` points at a closed port, or at a server that accepts
 * connections and never answers. Quota-checked calls get a prompt 503 with a clear message (no
 * hang, no leak of Keystone's address); calls that need no quota keep working.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort, startApi, type ApiProcess } from '../support/api-process.js';
import { ensureKeystone, issueToken, keystoneIni, type KeystoneFacts } from '../auth/keystone-fixture.js';
import { unifiedLimitsIni } from './limits-fixture.js';
import { QUOTAS_UNAVAILABLE } from '../../src/quota/quota-checker.js';

describe('unified limits with Keystone unreachable for [oslo_limit]', () => {
  let ks: KeystoneFacts;
  let token: string;
  let silent: Server;
  const sockets: Socket[] = [];
  let refused: ApiProcess;
  let hanging: ApiProcess;

  before(async () => {
    ks = await ensureKeystone();
    token = (await issueToken(ks, 'demo')).token;
    silent = createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    const limitsAt = (url: string) => `${keystoneIni(ks)}\n${unifiedLimitsIni({ ...ks, url }, ['timeout = 1', 'connect_retries = 0'])}`;
    refused = await startApi(limitsAt(`http://127.0.0.1:${await freePort()}`));
    hanging = await startApi(limitsAt(`http://127.0.0.1:${silentPort}`));
  });
  after(async () => {
    await refused?.stop();
    await hanging?.stop();
    for (const s of sockets) s.destroy();
    silent?.close();
  });

  const post = (api: ApiProcess) => fetch(`${api.url}/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ name: 'q', disk_format: 'raw', container_format: 'bare' }),
  });

  for (const [name, api] of [['refuses connections', () => refused], ['never answers', () => hanging]] as const) {
    it(`answers 503 promptly when Keystone ${name}, and other calls still work`, async () => {
      const started = Date.now();
      const res = await post(api());
      const body = (await res.json()) as { message: string; code: string };
      assert.equal(res.status, 503);
      assert.equal(body.code, '503 Service Unavailable');
      assert.ok(body.message.startsWith(QUOTAS_UNAVAILABLE), body.message);
      assert.ok(!body.message.includes('127.0.0.1'), 'Keystone\'s address is not shown to the caller');
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      const list = await fetch(`${api().url}/v2/images`, { headers: { 'x-auth-token': token } });
      assert.equal(list.status, 200);
      const usage = await fetch(`${api().url}/v2/info/usage`, { headers: { 'x-auth-token': token } });
      assert.equal(usage.status, 503);
      assert.ok(!api().stderr().includes(ks.vars.GLANCE_PASSWORD!), 'the [oslo_limit] password is never logged');
    });
  }
});

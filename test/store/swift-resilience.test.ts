/**
 * The swift driver when things go wrong, against the real Swift behind a fault-injecting proxy
 * (and the real Keystone): transient 5xx and connection resets retried with backoff, reads cut
 * off mid-body resumed with Range (`swift_store_retry_get_count`), tokens renewed after a 401
 * and before they expire, and every kind of silence (refused, no answer, an upload nobody reads)
 * ending in an error instead of a hang.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import type { StoreDriver } from '../../src/store/driver.js';
import { SwiftAuth } from '../../src/store/swift/swift-auth.js';
import { openSwiftStore } from '../../src/store/swift/swift-setup.js';
import { startFaultProxy, type FaultProxy } from './swift-fault-proxy.js';
import { patternBytes, putBytes, readAll, rejectsWith } from './store-test-kit.js';
import { KEYSTONE_URL, RawSwift, TEMPAUTH, glancePassword, swiftOptions, swiftSkipReason } from './swift-test-kit.js';

const FAST_RETRY = { retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 400 } };
const tempauthSkip = await swiftSkipReason(8081);
const keystoneSkip = await swiftSkipReason(8080);

describe('swift driver through a faulty proxy (tempauth)', { skip: tempauthSkip ?? false }, () => {
  let dir: string;
  let proxy: FaultProxy;
  let raw: RawSwift;
  let driver: StoreDriver;
  const container = `glance-ts-faults-${randomUUID().slice(0, 8)}`;
  const opened: StoreDriver[] = [];
  const open = async (retryGetCount: number) => {
    const d = await openSwiftStore('swift', swiftOptions({
      configFile: join(dir, 'refs.conf'), defaultReference: 'proxied', container, retryGetCount, endpoint: `${proxy.origin}/v1/AUTH_test`,
    }), true, FAST_RETRY);
    opened.push(d);
    return d;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-swift-faults-'));
    proxy = await startFaultProxy('http://127.0.0.1:8081');
    // Authentication through the proxy as well, so 401s and re-authentication show in its log.
    await writeFile(join(dir, 'refs.conf'), `[proxied]\nauth_version = 1\nauth_address = ${proxy.origin}/auth/v1.0\nuser = ${TEMPAUTH.user}\nkey = ${TEMPAUTH.key}\n`);
    raw = await RawSwift.login('tempauth');
    driver = await open(0);
  });
  after(async () => {
    for (const d of opened) await d.close?.();
    await proxy.close();
    await raw.dropContainer(container);
    await rm(dir, { recursive: true, force: true });
  });

  test('transient 503s and connection resets are retried with backoff; a lasting 503 is unavailable (503)', async () => {
    const loc = await putBytes(driver, randomUUID(), Buffer.from('steady'));
    proxy.log.length = 0;
    const isHead = (m: string) => m === 'HEAD';
    proxy.inject({ match: isHead, fault: { kind: 'status', status: 503 } }, { match: isHead, fault: { kind: 'reset' } });
    const t0 = Date.now();
    assert.deepEqual(await driver.stat(loc), { size: 6 });
    assert.deepEqual(proxy.log.map((r) => r.fault), ['status', 'reset', null]);
    assert.ok(Date.now() - t0 >= 150, 'the retries waited (backoff)');
    proxy.inject(...[1, 2, 3].map(() => ({ match: isHead, fault: { kind: 'status' as const, status: 503 } })));
    const err = await rejectsWith(driver.stat(loc), 'unavailable', 'service_unavailable');
    assert.match(err.storeMessage, /Swift answered 503/);
  });

  test('a read cut off mid-body resumes with Range (swift_store_retry_get_count); without retries it fails', async () => {
    const data = patternBytes(3 * 1024 * 1024, 8);
    const loc = await putBytes(driver, randomUUID(), data);
    const isGet = (m: string, p: string) => m === 'GET' && p.includes(container);
    const resilient = await open(2);
    proxy.log.length = 0;
    proxy.inject({ match: isGet, fault: { kind: 'cut', afterBytes: 100_000 } }, { match: isGet, fault: { kind: 'cut', afterBytes: 700_000 } });
    assert.ok((await readAll(await resilient.read(loc))).equals(data));
    assert.deepEqual(proxy.log.filter((r) => r.method === 'GET' && r.path.includes(container)).map((r) => [r.range, r.fault]),
      [[undefined, 'cut'], ['bytes=100000-', 'cut'], ['bytes=800000-', null]]);
    proxy.log.length = 0;
    proxy.inject({ match: isGet, fault: { kind: 'cut', afterBytes: 5000 } });
    assert.ok((await readAll(await resilient.read(loc, { start: 1000, end: 400_000 }))).equals(data.subarray(1000, 400_001)));
    assert.deepEqual(proxy.log.filter((r) => r.method === 'GET').map((r) => r.range), ['bytes=1000-400000', 'bytes=6000-400000']);
    proxy.inject({ match: isGet, fault: { kind: 'cut', afterBytes: 100_000 } });
    const stream = await driver.read(loc);
    await assert.rejects(readAll(stream), (err: unknown) => {
      assert.match((err as { storeMessage?: string }).storeMessage ?? '', /broke off after 100000 of 3145728 bytes/);
      return true;
    });
  });

  test('a 401 (token expired or revoked) makes the driver authenticate again, once', async () => {
    const loc = await putBytes(driver, randomUUID(), Buffer.from('renewed'));
    proxy.log.length = 0;
    proxy.inject({ match: (m) => m === 'HEAD', fault: { kind: 'status', status: 401 } });
    assert.deepEqual(await driver.stat(loc), { size: 7 });
    assert.deepEqual(proxy.log.map((r) => `${r.method} ${r.path.startsWith('/auth') ? 'auth' : 'object'} ${r.fault ?? ''}`.trim()),
      ['HEAD object status', 'GET auth', 'HEAD object']);
    proxy.inject(...[1, 2].map(() => ({ match: (m: string) => m === 'HEAD', fault: { kind: 'status' as const, status: 401 } })));
    await rejectsWith(driver.stat(loc), 'write_denied');
  });
});

describe('swift driver when nobody answers', () => {
  const servers: Server[] = [];
  after(() => { for (const s of servers) { s.closeAllConnections(); s.close(); } });
  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  // Authentication answers at once; the storage URL is the server under test.
  const driverFor = async (storage: string) => {
    const auth = await listen((_req, res) => res.writeHead(200, { 'x-auth-token': 't', 'x-storage-url': `${storage}/v1/AUTH_x` }).end());
    return openSwiftStore('swift', swiftOptions({ configFile: null, legacyAccount: { authAddress: `${auth}/auth/v1.0`, user: 'a:b', key: 'k' }, authVersion: '1' }),
      false, { ...FAST_RETRY, headersTimeoutMs: 400, idleTimeoutMs: 400, connectTimeoutMs: 400 });
  };

  test('a refused connection and a server that never answers are unavailable (503) within the retry budget', async () => {
    const closedPort = await listen(() => undefined);
    servers.pop()!.close();
    for (const storage of [closedPort, await listen(() => { /* never answers */ })]) {
      const driver = await driverFor(storage);
      const t0 = Date.now();
      const err = await rejectsWith(driver.locate('img'), 'unavailable', 'service_unavailable');
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
      assert.match(err.storeMessage, /Swift did not answer/);
      await driver.close();
    }
  });

  test('an upload Swift stops reading is cut off after the idle timeout', async () => {
    const storage = await listen((req, res) => {
      if (req.method === 'HEAD') { res.writeHead(req.url?.split('/').length === 4 ? 204 : 404).end(); return; }
      req.pause(); // never reads the body, never answers
    });
    const driver = await driverFor(storage);
    const w = await driver.write('img', { sizeHint: 256 * 1024 * 1024 });
    const t0 = Date.now();
    const source = Readable.from((function* () { for (let i = 0; i < 256; i++) yield Buffer.alloc(1024 * 1024, i); })());
    await assert.rejects(pipeline(source, w.stream), (err: unknown) => {
      assert.match((err as { storeMessage?: string }).storeMessage ?? '', /Swift accepted no data for 0\.4 s/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    await w.cancel();
    await driver.close();
  });
});

describe('Keystone tokens for the swift store', { skip: keystoneSkip ?? false }, () => {
  const dispatcher = new Agent();
  after(() => dispatcher.close());
  const session = (over: { expireSoonMs?: number; region?: string | null; endpointType?: string } = {}) => new SwiftAuth({
    authVersion: '3', authAddress: KEYSTONE_URL, user: 'service:glance', key: glancePassword()!,
    userDomainId: 'default', userDomainName: 'default', projectDomainId: 'default', projectDomainName: 'default',
  }, {
    store: 'swift', dispatcher, endpoint: null, region: over.region ?? null, endpointType: over.endpointType ?? 'publicURL',
    serviceType: 'object-store', expireSoonMs: over.expireSoonMs ?? 60_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000,
  });

  test('the storage URL comes from the catalog; a token is reused until swift_store_expire_soon_interval before its expiry', async () => {
    const s = session();
    const a = await s.token();
    assert.match(a.storageUrl, /^http:\/\/127\.0\.0\.1:8080\/v1\/AUTH_[0-9a-f]{32}$/);
    assert.ok(a.expiresAt! > Date.now());
    assert.equal((await s.token()).token, a.token);
    s.invalidate(a.token);
    assert.notEqual((await s.token()).token, a.token, 'a token Swift refused is replaced');
    // An interval longer than the token's lifetime: every use renews it.
    const eager = session({ expireSoonMs: a.expiresAt! - Date.now() + 60_000 });
    const [t1, t2] = [await eager.token(), await eager.token()];
    assert.notEqual(t1.token, t2.token);
    assert.equal((await session({ endpointType: 'internalURL', region: 'RegionOne' }).token()).storageUrl, a.storageUrl);
    await rejectsWith(session({ region: 'Atlantis' }).token(), 'bad_config');
  });
});

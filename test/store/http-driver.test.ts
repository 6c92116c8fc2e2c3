/**
 * The http store against a real local HTTP server: the conformance suite's read side (with a
 * server that honours Range and one that ignores it), then redirects, error statuses,
 * credentials in the URL, an unreachable server and a stalled one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpDriver } from '../../src/store/http/http-driver.js';
import { storeConformanceSuite, type StoreHarness } from './conformance.suite.js';
import { startFileServer, type FileServer } from './static-file-server.js';
import { patternBytes, readAll, rejectsWith } from './store-test-kit.js';

async function harness(ignoreRange: boolean): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-http-store-'));
  const server = await startFileServer(dir, { ignoreRange });
  const driver = await HttpDriver.open({ id: 'web' });
  return {
    driver,
    residue: async () => (await readdir(dir)).sort(),
    missing: (id) => ({ url: `${server.origin}/${id}`, metadata: {} }),
    seed: async (id, data) => {
      await writeFile(join(dir, id), data);
      return { url: `${server.origin}/${id}`, metadata: { store: 'web' } };
    },
    cleanup: async () => {
      await driver.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

storeConformanceSuite('http', () => harness(false));
storeConformanceSuite('http, server without Range support', () => harness(true));

describe('http store specifics', () => {
  let dir: string;
  let server: FileServer;
  let driver: HttpDriver;
  const data = patternBytes(100_000, 5);
  const loc = (path: string) => ({ url: `${server.origin}${path}`, metadata: {} });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-http-store-'));
    await writeFile(join(dir, 'img'), data);
    server = await startFileServer(dir);
    driver = await HttpDriver.open({ id: 'web', connectTimeoutMs: 2000, headersTimeoutMs: 500 });
  });
  after(async () => {
    await driver.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('capabilities: read and random read, no write', () => {
    assert.deepEqual({ ...driver.capabilities }, { read: true, write: false, randomRead: true });
    assert.ok(driver.owns('https://example.com/x') && driver.owns('http://h/x'));
    assert.ok(!driver.owns('file:///var/lib/glance/images/x'));
  });

  test('ranged reads send Range and use the 206 answer', async () => {
    server.log.length = 0;
    const got = await readAll(await driver.read(loc('/img'), { start: 99_990, end: 99_999 }));
    assert.ok(got.equals(data.subarray(99_990)));
    assert.equal(server.log[0]?.range, 'bytes=99990-99999');
  });

  test('up to 5 redirects (302) are followed; the sixth is bad_uri', async () => {
    assert.ok((await readAll(await driver.read(loc('/redirect/4/img')))).equals(data));
    assert.deepEqual(await driver.stat(loc('/redirect/2/img')), { size: data.length });
    await rejectsWith(driver.read(loc('/redirect/5/img')), 'bad_uri', 'bad_request');
  });

  test('404 is not_found with glance_store\'s message; 500 is bad_uri; 403 too', async () => {
    const nf = await rejectsWith(driver.read(loc('/status/404')), 'not_found', 'not_found');
    assert.equal(nf.message, 'HTTP datastore could not find image at URI.');
    await rejectsWith(driver.read(loc('/status/500')), 'bad_uri');
    await rejectsWith(driver.stat(loc('/status/403')), 'bad_uri');
  });

  test('credentials in the URL become Basic authentication', async () => {
    const url = `${server.origin.replace('http://', 'http://user:pass@')}/basic/img`;
    assert.ok((await readAll(await driver.read({ url, metadata: {} }))).equals(data));
    await rejectsWith(driver.read(loc('/basic/img')), 'bad_uri');
  });

  test('a malformed or non-http location is bad_uri', async () => {
    await rejectsWith(driver.read({ url: 'http://', metadata: {} }), 'bad_uri');
    await rejectsWith(driver.read({ url: 'ftp://host/x', metadata: {} }), 'bad_uri');
  });

  test('an unreachable server is unavailable (503)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await rejectsWith(driver.read({ url: `http://127.0.0.1:${port}/x`, metadata: {} }), 'unavailable', 'service_unavailable');
    assert.equal(err.message, 'Remote server where the image is present is unavailable.');
  });

  test('a server that never answers is cut off by the header timeout', async () => {
    const silent = createServer(() => { /* never responds */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const t0 = Date.now();
      await rejectsWith(driver.read({ url: `http://127.0.0.1:${port}/x`, metadata: {} }), 'unavailable');
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

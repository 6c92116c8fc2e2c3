/**
 * The swift driver against the real Swift (tempauth) beyond the conformance suite: the object
 * layout glance_store writes and reads (DLO segments and manifest, SLOs), locations with
 * credentials in them, container naming and creation, the start-up sweep of interrupted writes,
 * and `swift_buffer_on_upload` (segments spooled to disk and retried).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SwiftStoreOptions } from '../../src/config/swift-store-slice.js';
import type { StoreDriver } from '../../src/store/driver.js';
import { configUri } from '../../src/store/swift/swift-location.js';
import { openSwiftStore, type SwiftSetupExtras } from '../../src/store/swift/swift-setup.js';
import { startFaultProxy } from './swift-fault-proxy.js';
import { patternBytes, putBytes, readAll, rejectsWith } from './store-test-kit.js';
import { RawSwift, TEMPAUTH, swiftOptions, swiftSkipReason, writeReferences } from './swift-test-kit.js';

const MiB = 1024 * 1024;
const skip = await swiftSkipReason(8081);

describe('swift driver on tempauth', { skip: skip ?? false }, () => {
  let dir: string;
  let refs: string;
  let raw: RawSwift;
  const containers: string[] = [];
  const drivers: StoreDriver[] = [];
  const fresh = (tag: string) => { const c = `glance-ts-${tag}-${randomUUID().slice(0, 8)}`; containers.push(c); return c; };
  const open = async (over: Partial<SwiftStoreOptions>, extras: SwiftSetupExtras = {}) => {
    const d = await openSwiftStore('swift', swiftOptions({ configFile: refs, defaultReference: 'tempauth', ...over }), true, extras);
    drivers.push(d);
    return d;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-swift-driver-'));
    refs = await writeReferences(dir);
    raw = await RawSwift.login('tempauth');
  });
  after(async () => {
    for (const d of drivers) await d.close?.();
    for (const c of containers) await raw.dropContainer(c);
    await rm(dir, { recursive: true, force: true });
  });

  test('DLO layout: <id>-<write id>-NNNNN segments beside the manifest, with writer metadata; ranges across segments; delete takes all', async () => {
    const container = fresh('dlo');
    const driver = await open({ container, largeObjectSizeMb: 1, largeObjectChunkSizeMb: 1 });
    const id = randomUUID();
    const data = patternBytes(2 * MiB + 500_000, 4);
    const loc = await putBytes(driver, id, data);
    assert.equal(loc.url, `swift+config://tempauth/${container}/${id}`);
    const objects = await raw.objects(container);
    const segs = objects.filter((o) => o.name !== id);
    assert.deepEqual(segs.map((s) => s.bytes), [MiB, MiB, 500_000]);
    const prefix = segs[0]!.name.slice(0, -5);
    assert.match(prefix, new RegExp(`^${id}-[0-9a-f]{12}-$`));
    assert.deepEqual(segs.map((s) => s.name), [1, 2, 3].map((n) => `${prefix}0000${n}`));
    assert.equal(objects.find((o) => o.name === id)?.manifest, `${container}/${prefix}`);
    const head = await raw.req('HEAD', `/${container}/${segs[0]!.name}`);
    assert.equal(head.headers.get('x-object-meta-glance-ts-writer'), `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')} ${process.pid}`);
    assert.ok((await readAll(await driver.read(loc, { start: MiB - 10, end: 2 * MiB + 9 }))).equals(data.subarray(MiB - 10, 2 * MiB + 10)));
    assert.deepEqual(await driver.stat(loc), { size: data.length });
    await driver.delete(loc);
    assert.deepEqual(await raw.objects(container), []);
  });

  test('an unknown size is written as a DLO of chunked segments, as glance_store does', async () => {
    const container = fresh('chunked');
    const driver = await open({ container, largeObjectChunkSizeMb: 1 });
    const w = await driver.write(randomUUID());
    const data = patternBytes(MiB + 1234, 9);
    w.stream.end(data);
    const loc = await w.commit();
    assert.deepEqual((await raw.residue(container)).map((r) => r.replace(/^[^ ]+/, 'X')), ['X [DLO, 2 segments]']);
    assert.ok((await readAll(await driver.read(loc))).equals(data));
    assert.equal(await driver.probe!(), `container ${container} reachable at http://127.0.0.1:8081/v1/AUTH_test`);
  });

  test('what glance_store wrote: a DLO of <id>-00001 segments and an SLO are read, ranged and deleted with their segments', async () => {
    const container = fresh('compat');
    const driver = await open({ container });
    await raw.req('PUT', `/${container}`);
    const id = randomUUID();
    const a = patternBytes(600_000, 1);
    const b = patternBytes(500_000, 2);
    await raw.req('PUT', `/${container}/${id}-00001`, {}, a);
    await raw.req('PUT', `/${container}/${id}-00002`, {}, b);
    await raw.req('PUT', `/${container}/${id}`, { 'x-object-manifest': `${container}/${id}-` }, Buffer.alloc(0));
    const loc = { url: configUri('tempauth', container, id), metadata: {} };
    assert.ok((await readAll(await driver.read(loc))).equals(Buffer.concat([a, b])));
    assert.ok((await readAll(await driver.read(loc, { start: 599_990, end: 600_009 }))).equals(Buffer.concat([a, b]).subarray(599_990, 600_010)));
    await driver.delete(loc);
    assert.deepEqual(await raw.objects(container), []);

    const slo = randomUUID();
    const parts = [patternBytes(MiB, 3), patternBytes(1000, 4)];
    const manifest = [];
    for (const [i, p] of parts.entries()) {
      const put = await raw.req('PUT', `/${container}/${slo}-part${i}`, {}, p);
      manifest.push({ path: `/${container}/${slo}-part${i}`, etag: put.headers.get('etag'), size_bytes: p.length });
    }
    assert.equal((await raw.req('PUT', `/${container}/${slo}?multipart-manifest=put`, {}, Buffer.from(JSON.stringify(manifest)))).status, 201);
    const sloLoc = { url: configUri('tempauth', container, slo), metadata: {} };
    assert.deepEqual(await driver.stat(sloLoc), { size: MiB + 1000 });
    await driver.delete(sloLoc);
    assert.deepEqual(await raw.objects(container), []);
  });

  test('without swift_store_config_file, locations carry the credentials exactly as glance_store writes them', async () => {
    const container = fresh('creds');
    const legacy = await open({ container, configFile: null, defaultReference: 'ref1', authVersion: '1', legacyAccount: TEMPAUTH });
    const id = randomUUID();
    const loc = await putBytes(legacy, id, Buffer.from('with credentials'));
    assert.equal(loc.url, `swift+http://test%3Atester:testing@127.0.0.1:8081/auth/v1.0/${container}/${id}`);
    assert.equal((await readAll(await legacy.read(loc))).toString(), 'with credentials');
    // A store with a config file reads them too (auth_version of its default reference).
    const configured = await open({ container });
    assert.ok(configured.owns(loc.url));
    assert.equal((await readAll(await configured.read(loc))).toString(), 'with credentials');
    const wrong = { url: loc.url.replace(':testing@', ':n0tTheKey@'), metadata: {} };
    const err = await rejectsWith(configured.read(wrong), 'bad_config');
    assert.match(err.storeMessage, /^Swift authentication as test:tester at http:\/\/127\.0\.0\.1:8081\/auth\/v1\.0 failed: the authentication service answered 401$/);
    const noCreds = { url: `swift+http://127.0.0.1:8081/auth/v1.0/${container}/${id}`, metadata: {} };
    assert.equal((await rejectsWith(configured.read(noCreds), 'bad_uri')).message, 'Location is missing user:password information.');
    const unknownRef = { url: configUri('elsewhere', container, id), metadata: {} };
    assert.ok(!configured.owns(unknownRef.url));
    await rejectsWith(configured.stat(unknownRef), 'bad_uri');
  });

  test('swift_store_multiple_containers_seed names containers as glance_store does and creates them on put; off, a missing one is an error', async () => {
    const prefix = fresh('seed');
    const seeded = await open({ container: prefix, multipleContainersSeed: 2 });
    const id = `ab${randomUUID().slice(2)}`;
    const loc = await putBytes(seeded, id, Buffer.from('x'));
    containers.push(`${prefix}_ab`);
    assert.equal(loc.url, `swift+config://tempauth/${prefix}_ab/${id}`);
    assert.deepEqual(await seeded.locate(id), loc);
    const drv = seeded as unknown as { containerFor(id: string): string };
    assert.equal(drv.containerFor('FDAE39A1-bac5-4238-aba4-69bcc726e848'), `${prefix}_fd`);
    const ten = await open({ container: 'glance', multipleContainersSeed: 10 }) as unknown as { containerFor(id: string): string };
    assert.equal(ten.containerFor('fdae39a1-bac5-4238-aba4-69bcc726e848'), 'glance_fdae39a1-ba');
    const strict = await open({ container: fresh('missing'), createContainerOnPut: false });
    const err = await rejectsWith(strict.write(randomUUID()), 'io');
    assert.match(err.storeMessage, /does not exist in Swift\. Please set the swift_store_create_container_on_put option/);
  });

  test('sweep: a dead writer\'s segments go at once, a live foreign writer\'s stay until stale, committed DLOs stay', async () => {
    const container = fresh('sweep');
    const driver = await open({ container, largeObjectSizeMb: 1, largeObjectChunkSizeMb: 1 });
    const kept = await putBytes(driver, randomUUID(), patternBytes(MiB + 10));
    const [dead, foreign] = [randomUUID(), randomUUID()];
    const me = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    await raw.req('PUT', `/${container}/${dead}-aaaaaaaaaaaa-00001`, { 'x-object-meta-glance-ts-writer': `${me} 4194303` }, Buffer.from('x'));
    await raw.req('PUT', `/${container}/${dead}-aaaaaaaaaaaa-00002`, { 'x-object-meta-glance-ts-writer': `${me} 4194303` }, Buffer.from('y'));
    await raw.req('PUT', `/${container}/${foreign}-bbbbbbbbbbbb-00001`, { 'x-object-meta-glance-ts-writer': 'another-node 1' }, Buffer.from('z'));
    assert.deepEqual(await driver.sweep!(), [dead]);
    assert.equal((await raw.residue(container)).length, 2);
    const impatient = await open({ container }, { staleAfterMs: 0 });
    assert.deepEqual(await impatient.sweep!(), [foreign]);
    assert.deepEqual(await raw.residue(container), [`${kept.url.split('/').pop()} [DLO, 2 segments]`]);
    assert.ok((await readAll(await driver.read(kept))).equals(patternBytes(MiB + 10)));
  });

  test('swift_buffer_on_upload: segments spooled to disk, a failed segment PUT retried, nothing left in the buffer dir', async () => {
    const container = fresh('buffered');
    const bufferDir = join(dir, 'buffer');
    await mkdir(bufferDir);
    const proxy = await startFaultProxy('http://127.0.0.1:8081');
    try {
      const driver = await open({
        container, largeObjectSizeMb: 1, largeObjectChunkSizeMb: 1, bufferOnUpload: true, uploadBufferDir: bufferDir,
        endpoint: `${proxy.origin}/v1/AUTH_test`,
      }, { retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } });
      proxy.inject({ match: (m, p) => m === 'PUT' && p.endsWith('-00002'), fault: { kind: 'status', status: 503 } });
      const data = patternBytes(2 * MiB + 77, 6);
      const loc = await putBytes(driver, randomUUID(), data);
      assert.deepEqual(proxy.log.filter((r) => r.method === 'PUT' && r.path.endsWith('-00002')).map((r) => r.fault), ['status', null]);
      assert.ok((await readAll(await driver.read(loc))).equals(data));
      assert.deepEqual(await readdir(bufferDir), []);
      await assert.rejects(openSwiftStore('b', swiftOptions({ bufferOnUpload: true, uploadBufferDir: join(dir, 'nope') }), false),
        /Unable to use buffer directory set with "swift_upload_buffer_dir"\. Error: ENOENT/);
    } finally {
      await proxy.close();
    }
  });
});

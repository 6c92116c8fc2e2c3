/**
 * The conformance suite over the swift driver against the repository's real Swift, once per auth
 * kind: tempauth (auth_version 1, proxy :8081) with thresholds low enough that most objects
 * become DLOs of several segments, and Keystone (auth_version 3, service:glance, proxy :8080)
 * with glance_store's default thresholds (plain objects; unknown sizes as one-segment DLOs). Each
 * harness writes to a container of its own; `residue` lists what is really in it, a DLO manifest
 * with its segments counting as one entry.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configUri } from '../../src/store/swift/swift-location.js';
import { openSwiftStore } from '../../src/store/swift/swift-setup.js';
import { storeConformanceSuite, type StoreHarness } from './conformance.suite.js';
import { RawSwift, swiftOptions, swiftSkipReason, writeReferences } from './swift-test-kit.js';

const MiB = 1024 * 1024;

async function harness(kind: 'tempauth' | 'keystone', sizes: { large: number; chunk: number }): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-swift-conf-'));
  const container = `glance-ts-conformance-${randomUUID().slice(0, 8)}`;
  const driver = await openSwiftStore('swift', swiftOptions({
    configFile: await writeReferences(dir), defaultReference: kind, container,
    largeObjectSizeMb: sizes.large, largeObjectChunkSizeMb: sizes.chunk,
  }), true);
  const raw = await RawSwift.login(kind);
  return {
    driver,
    residue: () => raw.residue(container),
    missing: (id) => ({ url: configUri(kind, container, id), metadata: { store: 'swift' } }),
    cleanup: async () => {
      await driver.close();
      await raw.dropContainer(container);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const tempauthSkip = await swiftSkipReason(8081);
const keystoneSkip = await swiftSkipReason(8080);

if (tempauthSkip === null) {
  storeConformanceSuite('swift, tempauth, DLO thresholds 3 MiB / 8 MiB segments', () => harness('tempauth', { large: 3, chunk: 8 }), { bigWriteBytes: 64 * MiB });
} else {
  describe('store conformance: swift, tempauth', () => { test('skipped', (t) => t.skip(tempauthSkip)); });
}
if (keystoneSkip === null) {
  storeConformanceSuite('swift, Keystone v3, default thresholds', () => harness('keystone', { large: 5120, chunk: 200 }), { bigWriteBytes: 64 * MiB });
} else {
  describe('store conformance: swift, Keystone', () => { test('skipped', (t) => t.skip(keystoneSkip)); });
}

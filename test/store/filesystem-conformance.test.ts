/**
 * The conformance suite over the filesystem driver, on real temporary directories (one store
 * with a single data directory, one with several `filesystem_store_datadirs`).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemDriver } from '../../src/store/filesystem/filesystem-driver.js';
import { storeConformanceSuite, type StoreHarness } from './conformance.suite.js';

async function harness(dirCount: number): Promise<StoreHarness> {
  const root = await mkdtemp(join(tmpdir(), 'glance-fs-store-'));
  const dirs = Array.from({ length: dirCount }, (_, i) => join(root, `d${i}`));
  const driver = await FilesystemDriver.open({
    id: 'fs',
    datadir: dirCount === 1 ? dirs[0]! : '',
    datadirs: dirCount === 1 ? [] : dirs.map((d, i) => `${d}:${i * 100}`),
    tagLocations: true,
  });
  return {
    driver,
    residue: async () => (await Promise.all(dirs.map(async (d) => (await readdir(d)).map((n) => join(d, n))))).flat().sort(),
    missing: (id) => ({ url: `file://${dirs[0]}/${id}`, metadata: { store: 'fs' } }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

storeConformanceSuite('filesystem', () => harness(1));
storeConformanceSuite('filesystem with datadirs', () => harness(3), { bigWriteBytes: 32 * 1024 * 1024 });

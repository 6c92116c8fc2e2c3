/** The conformance suite over the memory driver (the test double other tests rely on). */
import { MemoryDriver } from '../../src/store/memory/memory-driver.js';
import { storeConformanceSuite } from './conformance.suite.js';

storeConformanceSuite('memory', async () => {
  const driver = new MemoryDriver({ id: 'mem' });
  return {
    driver,
    residue: async () => driver.contents().sort(),
    missing: (id) => driver.locationOf(id),
    cleanup: async () => undefined,
  };
}, { storesInProcessMemory: true });

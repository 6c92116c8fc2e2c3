import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import { imageCacheSlice, isCachingFlavor } from './image-cache-slice.js';
import { loadConfig } from './load-config.js';

const load = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-cache-slice-'));
  try {
    writeFileSync(join(dir, 'g.conf'), text);
    return loadConfig({ configFiles: [join(dir, 'g.conf')], configDirs: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('no image_cache_dir: no cache', () => {
  assert.equal(imageCacheSlice(load('[DEFAULT]\n')), null);
  assert.equal(imageCacheSlice(load('[DEFAULT]\nimage_cache_dir =\n')), null);
});

test("Glance's defaults, the node identity and the flavor's cache filter", () => {
  const s = imageCacheSlice(load('[DEFAULT]\nimage_cache_dir = /var/lib/glance/image-cache\nworker_self_reference_url = http://node1:9292\n' +
    'image_cache_driver = SQLite\n[paste_deploy]\nflavor = keystone+cachemanagement\n'));
  assert.deepEqual(s, {
    dir: '/var/lib/glance/image-cache',
    maxSize: 10 * 1024 ** 3,
    stallTimeSeconds: 86400,
    nodeUrl: 'http://node1:9292',
    driver: 'sqlite',
    transparent: true,
  });
  const plain = imageCacheSlice(load('[DEFAULT]\nimage_cache_dir = /c\nworker_self_reference_url = http://n\nimage_cache_max_size = 5\n[paste_deploy]\nflavor = keystone\n'));
  assert.deepEqual([plain?.transparent, plain?.maxSize, plain?.driver], [false, 5, 'centralized_db']);
});

test('image_cache_dir without worker_self_reference_url refuses to start, naming both options', () => {
  assert.throws(() => imageCacheSlice(load('[DEFAULT]\nimage_cache_dir = /c\n')), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /worker_self_reference_url needs to be set when image_cache_dir is set/);
    return true;
  });
});

test('the flavors with the cache filter', () => {
  for (const f of ['caching', 'cachemanagement', 'keystone+caching', ' Keystone+CacheManagement ']) assert.equal(isCachingFlavor(f), true, f);
  for (const f of [null, 'keystone', '', 'keystone+cache']) assert.equal(isCachingFlavor(f), false, String(f));
});

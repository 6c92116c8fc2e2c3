import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from './load-config.js';
import { ConfigError } from './config-error.js';
import {
  databaseSlice, imageApiSlice, imageFormatSlice, loggingSlice, parseStorageQuota, serverSlice, storeSlice, versionsSlice,
} from './slices.js';

const load = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-slices-'));
  writeFileSync(join(dir, 'g.conf'), text);
  return loadConfig({ configFiles: [join(dir, 'g.conf')], configDirs: [] });
};

test('embedded mode (no file): local defaults', () => {
  const c = loadConfig({ configFiles: [], configDirs: [] });
  assert.equal(c.embedded, true);
  assert.deepEqual(c.sources(), []);
  const s = serverSlice(c);
  assert.equal(s.bindHost, '127.0.0.1');
  assert.equal(s.bindPort, 9292);
  assert.equal(s.workers, 0);
  assert.equal(s.pasteFlavor, null);
  assert.equal(s.shutdownTimeout, 60);
  assert.equal(databaseSlice(c).connection, 'sqlite:///data/glance.sqlite');
  const st = storeSlice(c);
  assert.equal(st.backends[0]!.file!.datadir, resolve('data/images'));
  assert.equal(st.staging.datadir, resolve('data/staging'));
});

test('with a file: Glance defaults', () => {
  const c = load('[database]\nconnection = mysql+pymysql://g:p@db/glance\n');
  assert.equal(c.embedded, false);
  const s = serverSlice(c);
  assert.equal(s.bindHost, '0.0.0.0');
  assert.equal(s.bindPort, 9292);
  assert.equal(s.workers, availableParallelism());
  assert.equal(s.backlog, 4096);
  assert.equal(s.clientSocketTimeout, 900);
  assert.equal(s.httpKeepalive, true);
  const d = databaseSlice(c);
  assert.deepEqual(d, {
    connection: 'mysql+pymysql://g:p@db/glance', maxPoolSize: 5, maxOverflow: 50, poolTimeout: null,
    connectionRecycleTime: 3600, maxRetries: 10, retryInterval: 10, mysqlSqlMode: 'TRADITIONAL',
  });
  assert.throws(() => databaseSlice(load('[DEFAULT]\n')), ConfigError);
  const st = storeSlice(c);
  assert.equal(st.multistore, false);
  assert.deepEqual(st.backends.map((b) => b.id), ['file', 'http']);
  assert.equal(st.defaultBackend, 'file');
  assert.equal(st.staging.datadir, '/tmp/staging/');
});

test('empty numeric values mean unset, so Glance defaults apply', () => {
  const s = serverSlice(load('[DEFAULT]\nworkers =\nbind_port =\n'));
  assert.equal(s.workers, availableParallelism());
  assert.equal(s.bindPort, 9292);
});

test('logging file follows oslo.log rules', () => {
  assert.equal(loggingSlice(load('[DEFAULT]\nlog_dir = /var/log/glance\n')).logFile, '/var/log/glance/glance-api.log');
  assert.equal(loggingSlice(load('[DEFAULT]\nlog_dir = /var/log/glance\nlog_file = api.log\n')).logFile, '/var/log/glance/api.log');
  assert.equal(loggingSlice(load('[DEFAULT]\nlog_file = /tmp/x.log\ndebug = yes\n')).debug, true);
  assert.equal(loggingSlice(load('[DEFAULT]\n')).logFile, null);
});

test('versions, image format and image API slices', () => {
  const c = load('[DEFAULT]\nenabled_backends = fs:file\nimage_cache_dir = /var/lib/glance/cache\nuser_storage_quota = 10GB\n[glance_store]\ndefault_backend = fs\n');
  assert.deepEqual(versionsSlice(c), { multistore: true, cacheEnabled: true, publicEndpoint: null });
  assert.deepEqual(versionsSlice(load('[DEFAULT]\n')), { multistore: false, cacheEnabled: false, publicEndpoint: null });
  const f = imageFormatSlice(c);
  assert.deepEqual(f.containerFormats, ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']);
  assert.equal(f.requireImageFormatMatch, true);
  const api = imageApiSlice(c);
  assert.equal(api.userStorageQuota, 10 * 1024 ** 3);
  assert.deepEqual(api.enabledImportMethods, ['glance-direct', 'web-download', 'copy-image']);
  assert.equal(api.imageSizeCap, 1099511627776);
  assert.throws(() => imageApiSlice(load('[DEFAULT]\nuser_storage_quota = 10 GiB\n')), ConfigError);
  assert.equal(parseStorageQuota('0'), 0);
  assert.equal(parseStorageQuota('5KB'), 5120);
  assert.equal(parseStorageQuota('5kb'), null);
  assert.throws(() => storeSlice(load('[DEFAULT]\nenabled_backends = fs:file\n[glance_store]\ndefault_backend = nope\n')), ConfigError);
});

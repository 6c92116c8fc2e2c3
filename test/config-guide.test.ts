// Loads the install guide's glance-api.conf unchanged and checks the typed values Glance sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load-config.js';
import { databaseSlice, imageFormatSlice, serverSlice, storeSlice, versionsSlice, imageApiSlice } from '../src/config/slices.js';

const GUIDE = fileURLToPath(new URL('../../test/fixtures/config/guide-glance-api.conf', import.meta.url));

test('the guide file loads and yields the reference Glance values', () => {
  const log: string[] = [];
  const c = loadConfig({ configFiles: [GUIDE], configDirs: [] }, (m) => log.push(m));
  assert.deepEqual(c.sources(), [GUIDE]);
  assert.equal(c.embedded, false);

  assert.equal(c.get('DEFAULT', 'bind_host'), '127.0.0.1');
  assert.equal(c.get('DEFAULT', 'bind_port'), 19292);
  assert.equal(c.get('DEFAULT', 'use_keystone_limits'), true);
  assert.deepEqual(c.get('DEFAULT', 'enabled_backends'), { fs: 'file' });
  assert.equal(c.get('fs', 'filesystem_store_datadir'), '/var/lib/glance/images/');
  assert.equal(c.get('glance_store', 'default_backend'), 'fs');
  assert.deepEqual(c.get('image_format', 'disk_formats'), ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop.root-tar']);
  assert.equal(c.get('paste_deploy', 'flavor'), 'keystone');
  assert.equal(c.get('database', 'connection'), 'mysql+pymysql://glance:Passw0rd@controller/glance');

  assert.equal(c.get('keystone_authtoken', 'www_authenticate_uri'), 'http://controller:5000');
  assert.equal(c.get('keystone_authtoken', 'auth_url'), 'http://controller:5000');
  assert.deepEqual(c.get('keystone_authtoken', 'memcached_servers'), ['controller:11211']);
  assert.equal(c.get('keystone_authtoken', 'auth_type'), 'password');
  assert.equal(c.get('keystone_authtoken', 'project_domain_name'), 'Default');
  assert.equal(c.get('keystone_authtoken', 'user_domain_name'), 'Default');
  assert.equal(c.get('keystone_authtoken', 'project_name'), 'service');
  assert.equal(c.get('keystone_authtoken', 'username'), 'glance');
  assert.equal(c.get('keystone_authtoken', 'password'), 'Passw0rd');
  assert.equal(c.isSecret('keystone_authtoken', 'password'), true);
  assert.equal(c.get('keystone_authtoken', 'token_cache_time'), 300);
  assert.deepEqual(c.get('keystone_authtoken', 'service_token_roles'), ['service']);

  assert.equal(c.get('oslo_limit', 'endpoint_id'), '349c158c68e54aad93ea37fe0f9cba8f');
  assert.equal(c.get('oslo_limit', 'system_scope'), 'all');
  assert.equal(c.get('oslo_limit', 'user_domain_id'), 'default');
  assert.equal(c.get('oslo_limit', 'region_name'), 'RegionOne');
  assert.equal(c.isSecret('oslo_limit', 'password'), true);

  // The effective-config defaults of the reference Glance that the guide does not set.
  assert.equal(c.get('DEFAULT', 'image_size_cap'), 1099511627776);
  assert.equal(c.get('DEFAULT', 'limit_param_default'), 25);
  assert.equal(c.get('DEFAULT', 'api_limit_max'), 1000);
  assert.equal(c.get('DEFAULT', 'hashing_algorithm'), 'sha512');
  assert.equal(c.get('DEFAULT', 'node_staging_uri'), 'file:///tmp/staging/');
  assert.equal(c.get('DEFAULT', 'user_storage_quota'), '0');

  const server = serverSlice(c);
  assert.equal(server.bindPort, 19292);
  assert.equal(server.pasteFlavor, 'keystone');
  assert.equal(databaseSlice(c).connection, 'mysql+pymysql://glance:Passw0rd@controller/glance');
  assert.equal(versionsSlice(c).multistore, true);
  assert.equal(imageFormatSlice(c).diskFormats.includes('ploop'), false);
  assert.equal(imageApiSlice(c).useKeystoneLimits, true);
  const stores = storeSlice(c);
  assert.deepEqual(stores.backends.map((b) => [b.id, b.type, b.file?.datadir]), [['fs', 'file', '/var/lib/glance/images/']]);
  assert.equal(stores.defaultBackend, 'fs');
  assert.equal(stores.staging.datadir, '/var/lib/glance/os_glance_staging_store');

  // Sections the guide lists but glance-ts does not read are reported, not fatal.
  assert.ok(log.some((m) => /unknown section \[barbican\]/.test(m)));
  // Nothing logged may contain a secret.
  assert.ok(!log.some((m) => m.includes('Passw0rd')));
  assert.ok(!c.describe().some((l) => l.includes('Passw0rd')));
});

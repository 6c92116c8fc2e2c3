import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { osloLimitSlice } from './oslo-limit-slice.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function load(ini: string) {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-limit-'));
  try {
    writeFileSync(join(dir, 'glance-api.conf'), ini);
    return loadConfig({ configFiles: [join(dir, 'glance-api.conf')], configDirs: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const GUIDE = '[oslo_limit]\nauth_url = http://controller:5000\nauth_type = password\nuser_domain_id = default\n'
  + 'username = glance\nsystem_scope = all\npassword = Passw0rd\n';

test('off unless use_keystone_limits is True', () => {
  assert.equal(osloLimitSlice(load(`${GUIDE}endpoint_id = e1\n`)), null);
});

test('the guide\'s section: system-scoped glance user, endpoint by id, 30 s cache', () => {
  const s = osloLimitSlice(load(`[DEFAULT]\nuse_keystone_limits = True\n${GUIDE}endpoint_id = 819e03175c65484c9d7998600f6d7a64\nregion_name = RegionOne\n`))!;
  assert.deepEqual(s.endpoint, { endpointId: '819e03175c65484c9d7998600f6d7a64' });
  assert.equal(s.credentials.systemScope, 'all');
  assert.equal(s.credentials.userDomainId, 'default');
  assert.equal(s.credentials.username, 'glance');
  assert.equal(s.cacheSeconds, 30);
});

test('endpoint by service type, region and interface (publicURL spelled as keystoneauth allows)', () => {
  const s = osloLimitSlice(load(`[DEFAULT]\nuse_keystone_limits = True\n${GUIDE}endpoint_service_type = image\nendpoint_region_name = RegionOne\nendpoint_interface = publicURL\nlimits_cache_time = 0\n`))!;
  assert.deepEqual(s.endpoint, { serviceType: 'image', serviceName: null, regionName: 'RegionOne', interface: 'public' });
  assert.equal(s.cacheSeconds, 0);
});

test('no way to find the endpoint, or no password: ConfigError naming the option', () => {
  assert.throws(() => osloLimitSlice(load(`[DEFAULT]\nuse_keystone_limits = True\n${GUIDE}`)), (e: unknown) => e instanceof ConfigError && /endpoint_id/.test(e.message));
  assert.throws(() => osloLimitSlice(load(`[DEFAULT]\nuse_keystone_limits = True\n${GUIDE.replace('password = Passw0rd\n', '')}endpoint_id = e\n`)),
    (e: unknown) => e instanceof ConfigError && /\[oslo_limit\] password/.test(e.message));
});

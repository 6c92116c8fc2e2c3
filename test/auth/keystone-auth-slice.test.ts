/**
 * The `[keystone_authtoken]` slice: the install guide's section as written, the fallbacks
 * keystonemiddleware and keystoneauth apply, the settings refused at start-up, and which
 * `[paste_deploy] flavor` values mean Keystone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/config-error.js';
import { isKeystoneFlavor, keystoneAuthSlice } from '../../src/config/keystone-auth-slice.js';
import { checkServerConfig, StartupError } from '../../src/http/server.js';
import { serverConfig } from '../http/helpers.js';
import { configFrom } from './auth-harness.js';

const GUIDE = `[keystone_authtoken]
www_authenticate_uri  = http://controller:5000
auth_url = http://controller:5000
memcached_servers = controller:11211
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = Passw0rd
[paste_deploy]
flavor = keystone
`;

const slice = (ini: string) => keystoneAuthSlice(configFrom(ini));

describe('keystoneAuthSlice', () => {
  test("the guide's section", () => {
    const s = slice(GUIDE);
    assert.equal(s.wwwAuthenticateUri, 'http://controller:5000');
    assert.deepEqual(s.service, {
      authUrl: 'http://controller:5000', userId: null, username: 'glance', userDomainId: null, userDomainName: 'Default',
      password: 'Passw0rd', projectId: null, projectName: 'service', projectDomainId: null, projectDomainName: 'Default',
      systemScope: null, domainId: null, domainName: null,
    });
    assert.equal(s.interface, 'internal');
    assert.equal(s.regionName, null);
    assert.deepEqual(s.cache.memcachedServers, ['controller:11211']);
    assert.equal(s.cache.tokenCacheTime, 300);
    assert.equal(s.cache.securityStrategy, 'none');
    assert.deepEqual(s.serviceTokenRoles, ['service']);
    assert.equal(s.serviceTokenRolesRequired, false);
    assert.equal(s.maxRetries, 3);
  });

  test('www_authenticate_uri falls back to the older auth_uri, then to auth_url', () => {
    assert.equal(slice(GUIDE.replace('www_authenticate_uri  = http://controller:5000', 'auth_uri = http://old:5000')).wwwAuthenticateUri, 'http://old:5000');
    assert.equal(slice(GUIDE.replace('www_authenticate_uri  = http://controller:5000\n', '')).wwwAuthenticateUri, 'http://controller:5000');
  });

  test('ids win over names; default_domain_id stands in for missing domains', () => {
    const s = slice(`${GUIDE}[keystone_authtoken]\nuser_domain_id = d1\n`);
    assert.equal(s.service.userDomainId, 'd1');
    assert.equal(s.service.userDomainName, null);
    const d = slice(GUIDE.replace('user_domain_name = Default\n', '').replace('project_domain_name = Default\n', '') + '[keystone_authtoken]\ndefault_domain_id = default\n');
    assert.equal(d.service.userDomainId, 'default');
    assert.equal(d.service.projectDomainId, 'default');
  });

  test('refuses what cannot authenticate, naming the option', () => {
    assert.throws(() => slice(GUIDE.replace('password = Passw0rd\n', '')), (e: Error) => e instanceof ConfigError && /password is not set/.test(e.message));
    assert.throws(() => slice(GUIDE.replace('auth_type = password', 'auth_type = v3token')), /supports the "password" auth plugin only/);
    assert.throws(() => slice(GUIDE.replace('auth_url = http://controller:5000\n', '')), /auth_url is not set/);
    assert.throws(() => slice(GUIDE.replace('user_domain_name = Default\n', '')), /user_domain_name/);
    assert.throws(() => slice(`${GUIDE}[keystone_authtoken]\nmemcache_security_strategy = ENCRYPT\n`), /needs memcache_secret_key/);
  });

  test('memcache_security_strategy and service token roles are normalised', () => {
    const s = slice(`${GUIDE}[keystone_authtoken]\nmemcache_security_strategy = Encrypt\nmemcache_secret_key = k\nservice_token_roles = Service,admin\nservice_token_roles_required = true\ntoken_cache_time = 30\n`);
    assert.equal(s.cache.securityStrategy, 'encrypt');
    assert.equal(s.cache.secretKey, 'k');
    assert.deepEqual(s.serviceTokenRoles, ['service', 'admin']);
    assert.equal(s.serviceTokenRolesRequired, true);
    assert.equal(s.cache.tokenCacheTime, 30);
  });

  test('the keystone flavors, and only they, mean Keystone; flavors Glance does not have are refused at start-up', () => {
    for (const f of ['keystone', 'keystone+caching', 'keystone+cachemanagement', ' Keystone ']) assert.equal(isKeystoneFlavor(f), true, f);
    for (const f of [null, 'caching', 'cachemanagement', 'keystonex']) assert.equal(isKeystoneFlavor(f), false, String(f));
    assert.doesNotThrow(() => checkServerConfig(serverConfig({ pasteFlavor: 'keystone+caching' })));
    // Glance's unauthenticated pipelines with the image cache.
    assert.doesNotThrow(() => checkServerConfig(serverConfig({ pasteFlavor: 'caching' })));
    assert.throws(() => checkServerConfig(serverConfig({ pasteFlavor: 'keystonex' })), StartupError);
  });
});

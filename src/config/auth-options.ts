/**
 * Declarations of the Keystone-facing sections: `[keystone_authtoken]` (keystonemiddleware)
 * and `[oslo_limit]` (oslo.limit). Both also carry keystoneauth's session options and the
 * options of the `password` auth plugin, which is what every install guide configures.
 */

import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';

// keystoneauth: `password`/`v3password` plugin, session and adapter options.
const keystoneAuthOptions: readonly OptionSpec[] = [
  opt.str('auth_type', null, { deprecated: ['auth_plugin'] }),
  opt.str('auth_section'),
  opt.str('auth_url'),
  opt.str('system_scope'),
  opt.str('domain_id'),
  opt.str('domain_name'),
  opt.str('project_id', null, { deprecated: ['tenant_id', 'tenant-id'] }),
  opt.str('project_name', null, { deprecated: ['tenant_name', 'tenant-name'] }),
  opt.str('project_domain_id'),
  opt.str('project_domain_name'),
  opt.str('trust_id'),
  opt.str('default_domain_id'),
  opt.str('default_domain_name'),
  opt.str('user_id'),
  opt.str('username', null, { deprecated: ['user_name', 'user-name'] }),
  opt.str('user_domain_id'),
  opt.str('user_domain_name'),
  opt.str('password', null, { secret: true }),
  opt.str('passcode', null, { secret: true }),
  opt.str('cafile'),
  opt.str('certfile'),
  opt.str('keyfile'),
  opt.bool('insecure', false),
  opt.int('timeout'),
  opt.bool('collect_timing', false),
  opt.bool('split_loggers', false),
  opt.str('region_name'),
];

/** `[keystone_authtoken]`: token validation middleware settings plus its service credentials. */
export const keystoneAuthtokenOptions: readonly OptionSpec[] = [
  opt.str('www_authenticate_uri', null, { deprecated: ['auth_uri'] }),
  opt.str('auth_uri', null, { deprecatedForRemoval: true }),
  opt.str('auth_version'),
  opt.str('interface', 'internal'),
  opt.bool('delay_auth_decision', false),
  opt.int('http_connect_timeout'),
  opt.int('http_request_max_retries', 3),
  opt.str('cache'),
  opt.list('memcached_servers', null, { deprecated: ['memcache_servers'] }),
  opt.int('token_cache_time', 300),
  opt.str('memcache_security_strategy', 'None', { choices: ['None', 'MAC', 'ENCRYPT'], ignoreCase: true }),
  opt.str('memcache_secret_key', null, { secret: true }),
  opt.int('memcache_pool_dead_retry', 300),
  opt.int('memcache_pool_maxsize', 10),
  opt.int('memcache_pool_socket_timeout', 3),
  opt.int('memcache_pool_unused_timeout', 60),
  opt.int('memcache_pool_conn_get_timeout', 10),
  opt.bool('memcache_use_advanced_pool', true),
  opt.bool('memcache_tls_enabled', false),
  opt.bool('include_service_catalog', true),
  opt.str('enforce_token_bind', 'permissive'),
  opt.list('service_token_roles', ['service']),
  opt.bool('service_token_roles_required', false),
  opt.str('service_type'),
  ...keystoneAuthOptions,
];

/** `[oslo_limit]`: how Glance finds its endpoint's limits in Keystone (unified limits). */
export const osloLimitOptions: readonly OptionSpec[] = [
  opt.str('endpoint_id'),
  opt.str('endpoint_service_type'),
  opt.str('endpoint_service_name'),
  opt.str('endpoint_region_name'),
  opt.str('endpoint_interface', 'publicURL'),
  opt.list('valid_interfaces'),
  opt.str('service_type'),
  opt.str('service_name'),
  opt.str('endpoint_override'),
  opt.int('connect_retries'),
  opt.int('status_code_retries'),
  // glance-ts: how long a project's limits read from Keystone are reused (seconds; 0 = ask every time).
  opt.int('limits_cache_time', 30),
  ...keystoneAuthOptions,
];

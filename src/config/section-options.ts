/**
 * Declarations of glance-api's fixed sections other than `[DEFAULT]`, the auth sections
 * (`auth-options.ts`) and the stores (`store-options.ts`). Defaults are Glance's current ones
 * (inventory §10); deprecated spellings are those operators' older files still use.
 */

import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';

const DEFAULT_DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const DEFAULT_CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
const inDefault = (name: string) => ({ group: 'DEFAULT', name });

/** Group name → its option declarations. */
export const sectionOptions: Readonly<Record<string, readonly OptionSpec[]>> = {
  database: [
    opt.str('connection', null, {
      secret: true,
      deprecated: [inDefault('sql_connection'), { group: 'DATABASE', name: 'sql_connection' }, { group: 'sql', name: 'connection' }],
    }),
    opt.str('slave_connection', null, { secret: true }),
    opt.str('backend', 'sqlalchemy'),
    opt.bool('sqlite_synchronous', true, { deprecated: [inDefault('sqlite_synchronous')] }),
    opt.str('mysql_sql_mode', 'TRADITIONAL'),
    opt.int('mysql_wsrep_sync_wait', null),
    opt.bool('mysql_enable_ndb', false),
    opt.int('connection_recycle_time', 3600, {
      deprecated: [inDefault('sql_idle_timeout'), { group: 'DATABASE', name: 'sql_idle_timeout' }, { group: 'sql', name: 'idle_timeout' }, 'idle_timeout'],
    }),
    opt.int('max_pool_size', 5, { deprecated: [inDefault('sql_max_pool_size'), { group: 'DATABASE', name: 'sql_max_pool_size' }] }),
    opt.int('max_retries', 10, { deprecated: [inDefault('sql_max_retries'), { group: 'DATABASE', name: 'sql_max_retries' }] }),
    opt.int('retry_interval', 10, { deprecated: [inDefault('sql_retry_interval'), { group: 'DATABASE', name: 'reconnect_interval' }] }),
    opt.int('max_overflow', 50, { deprecated: [inDefault('sql_max_overflow'), { group: 'DATABASE', name: 'sqlalchemy_max_overflow' }] }),
    opt.int('connection_debug', 0, { min: 0, max: 100, deprecated: [inDefault('sql_connection_debug')] }),
    opt.bool('connection_trace', false, { deprecated: [inDefault('sql_connection_trace')] }),
    opt.int('pool_timeout', null, { deprecated: [{ group: 'DATABASE', name: 'sqlalchemy_pool_timeout' }] }),
    opt.bool('use_db_reconnect', false),
    opt.int('db_retry_interval', 1),
    opt.bool('db_inc_retry_interval', true),
    opt.int('db_max_retry_interval', 10),
    opt.int('db_max_retries', 20),
    opt.str('connection_parameters', ''),
  ],
  paste_deploy: [opt.str('flavor'), opt.str('config_file')],
  oslo_policy: [
    opt.bool('enforce_scope', true),
    opt.bool('enforce_new_defaults', true),
    opt.str('policy_file', 'policy.yaml', { deprecated: [inDefault('policy_file')] }),
    opt.str('policy_default_rule', 'default', { deprecated: [inDefault('policy_default_rule')] }),
    opt.multiStr('policy_dirs', ['policy.d'], { deprecated: [inDefault('policy_dirs')] }),
    opt.str('remote_content_type', 'application/x-www-form-urlencoded', {
      choices: ['application/x-www-form-urlencoded', 'application/json'],
    }),
    opt.bool('remote_ssl_verify_server_crt', false),
    opt.str('remote_ssl_ca_crt_file'),
    opt.str('remote_ssl_client_crt_file'),
    opt.str('remote_ssl_client_key_file'),
    opt.float('remote_timeout', 60, { min: 0 }),
  ],
  image_format: [
    opt.list('disk_formats', DEFAULT_DISK_FORMATS, { deprecated: [{ group: 'DEFAULT' }] }),
    opt.list('container_formats', DEFAULT_CONTAINER_FORMATS, { deprecated: [{ group: 'DEFAULT' }] }),
    opt.list('vmdk_allowed_types', ['streamOptimized', 'monolithicSparse']),
    opt.bool('require_image_format_match', true),
    opt.list('gpt_safety_checks_nonfatal', []),
  ],
  cors: [
    opt.list('allowed_origin'),
    opt.bool('allow_credentials', true),
    opt.list('expose_headers', ['X-Image-Meta-Checksum', 'X-Auth-Token', 'X-Subject-Token', 'X-Service-Token', 'X-OpenStack-Request-ID']),
    opt.int('max_age', 3600),
    opt.list('allow_methods', ['GET', 'PUT', 'POST', 'DELETE', 'PATCH']),
    opt.list('allow_headers', [
      'Content-MD5', 'X-Image-Meta-Checksum', 'X-Storage-Token', 'Accept-Encoding', 'X-Auth-Token',
      'X-Identity-Status', 'X-Roles', 'X-Service-Catalog', 'X-User-Id', 'X-Tenant-Id', 'X-OpenStack-Request-ID',
    ]),
  ],
  healthcheck: [
    opt.str('path', '/healthcheck', { deprecatedForRemoval: true }),
    opt.bool('detailed', false),
    opt.list('backends', []),
    opt.list('allowed_source_ranges', []),
    opt.bool('ignore_proxied_requests', false),
    opt.str('disable_by_file_path'),
    opt.list('disable_by_file_paths', []),
  ],
  oslo_middleware: [
    opt.bool('enable_proxy_headers_parsing', false),
    opt.int('max_request_body_size', 114688),
    opt.str('http_basic_auth_user_file', '/etc/htpasswd'),
  ],
  task: [
    opt.int('task_time_to_live', 48, { deprecated: [{ group: 'DEFAULT' }] }),
    opt.str('task_executor', 'taskflow'),
    opt.str('work_dir'),
  ],
  taskflow_executor: [
    opt.str('engine_mode', 'parallel', { choices: ['serial', 'parallel'] }),
    opt.int('max_workers', 10, { min: 1, deprecated: ['num_engine_workers'] }),
    opt.str('conversion_format', null, { choices: ['qcow2', 'raw', 'vmdk'] }),
  ],
  wsgi: [opt.int('task_pool_threads', 16, { min: 1 }), opt.str('python_interpreter')],
  oslo_messaging_notifications: [
    opt.multiStr('driver', [], { deprecated: [inDefault('notification_driver')] }),
    opt.str('transport_url', null, { secret: true, deprecated: [inDefault('notification_transport_url')] }),
    opt.list('topics', ['notifications'], { deprecated: [inDefault('notification_topics'), { group: 'rpc_notifier2', name: 'topics' }] }),
    opt.int('retry', -1),
    // glance-ts: notifications waiting for the broker, per messaging driver; past it new ones
    // are dropped and counted, so a broker outage costs bounded memory and never an API call.
    opt.int('send_queue_size', 10000, { min: 1 }),
  ],
  // The subset of oslo.messaging's RabbitMQ driver options that the notification publisher honours.
  oslo_messaging_rabbit: [
    opt.bool('amqp_durable_queues', false, { deprecated: [inDefault('amqp_durable_queues'), inDefault('rabbit_durable_queues')] }),
    opt.bool('amqp_auto_delete', false, { deprecated: [inDefault('amqp_auto_delete')] }),
    opt.bool('rabbit_quorum_queue', false),
    opt.int('rabbit_retry_interval', 1, { min: 1 }),
    opt.int('rabbit_retry_backoff', 2, { min: 0, deprecated: [inDefault('rabbit_retry_backoff')] }),
    opt.int('rabbit_interval_max', 30, { min: 1 }),
    opt.int('heartbeat_timeout_threshold', 60),
    opt.bool('ssl', false, { deprecated: ['rabbit_use_ssl', inDefault('rabbit_use_ssl')] }),
  ],
  import_filtering_opts: [
    opt.list('allowed_schemes', ['http', 'https']),
    opt.list('disallowed_schemes', []),
    opt.list('allowed_hosts', []),
    opt.list('disallowed_hosts', []),
    opt.list('allowed_ports', [80, 443], { item: opt.intItem({ min: 1, max: 65535 }) }),
    opt.list('disallowed_ports', [], { item: opt.intItem({ min: 1, max: 65535 }) }),
  ],
  image_import_opts: [
    opt.list('image_import_plugins', [], { bounds: true, item: opt.stringItem({ quotes: true }) }),
    opt.int('max_parallel_stores', 1, { min: 1 }),
  ],
  image_conversion: [opt.str('output_format', 'raw', { choices: ['qcow2', 'raw', 'vmdk'] })],
  inject_metadata_properties: [opt.list('ignore_user_roles', ['admin']), opt.dict('inject', {})],
  glance_download_properties: [
    opt.list('extra_properties', ['hw_', 'trait:', 'os_distro', 'os_secure_boot', 'os_type']),
  ],
  store_type_location_strategy: [opt.list('store_type_preference', [])],
  oslo_concurrency: [opt.str('lock_path'), opt.bool('disable_process_locking', false)],
  profiler: [
    opt.bool('enabled', false),
    opt.bool('trace_sqlalchemy', false),
    opt.str('hmac_keys', 'SECRET_KEY', { secret: true }),
    opt.str('connection_string', 'messaging://', { secret: true }),
    opt.bool('filter_error_trace', false),
  ],
};

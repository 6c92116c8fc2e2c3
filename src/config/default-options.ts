/**
 * The `[DEFAULT]` options glance-api reads: Glance's own (server, image API, quotas, import,
 * cache, notifications) plus those of the libraries Glance embeds (oslo.log, oslo.messaging,
 * oslo.service). Defaults are Glance's (inventory §10); types match the upstream Opt classes.
 */

import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';

/** Every import method Glance knows; `enabled_import_methods` may only name these. */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download'] as const;

/** Declarations of the `[DEFAULT]` group. */
export const defaultOptions: readonly OptionSpec[] = [
  // The standalone server (glance/common/wsgi.py up to 2026.1).
  opt.host('bind_host', null, { help: 'Address to listen on (0.0.0.0 when a config file is loaded).' }),
  opt.port('bind_port', null, { help: 'Port to listen on (9292 when unset).' }),
  opt.int('backlog', 4096, { min: 1 }),
  opt.int('tcp_keepidle', 600),
  opt.int('workers', null, { min: 0, help: 'Worker processes; unset = CPU count, 0 = primary process only.' }),
  opt.int('max_header_line', 16384),
  opt.bool('http_keepalive', true),
  opt.int('client_socket_timeout', 900, { min: 0 }),
  opt.str('ca_file'),
  opt.str('cert_file'),
  opt.str('key_file'),
  opt.str('public_endpoint'),
  opt.str('secure_proxy_ssl_header', null, { deprecatedForRemoval: true }),
  opt.int('max_request_id_length', 64),
  // oslo.service; glance-ts uses it as the drain time for in-flight requests on SIGTERM.
  opt.int('graceful_shutdown_timeout', 60, { min: 0 }),
  // glance-ts: seconds between the `updated_at` refreshes of a running upload; an upload silent
  // for three intervals is taken as interrupted (process killed) and its image requeued.
  opt.int('upload_heartbeat_interval', 10, { min: 1 }),
  opt.bool('log_options', true),

  // Image API behaviour.
  opt.dict('enabled_backends'),
  opt.bool('use_keystone_limits', false),
  opt.bool('show_image_direct_url', false),
  opt.bool('show_multiple_locations', false, { deprecatedForRemoval: true }),
  opt.int('image_size_cap', 1099511627776, { min: 1, max: Number.MAX_SAFE_INTEGER }),
  opt.str('user_storage_quota', '0'),
  opt.int('image_member_quota', 128),
  opt.int('image_property_quota', 128),
  opt.int('image_tag_quota', 128),
  opt.int('image_location_quota', 10),
  opt.int('limit_param_default', 25, { min: 1 }),
  opt.int('api_limit_max', 1000, { min: 1 }),
  opt.str('hashing_algorithm', 'sha512'),
  opt.bool('do_secure_hash', true),
  opt.int('http_retries', 3),
  opt.list('enabled_import_methods', ['glance-direct', 'web-download', 'copy-image'], {
    bounds: true,
    item: opt.stringItem({ quotes: true, choices: IMPORT_METHODS }),
  }),
  opt.str('node_staging_uri', 'file:///tmp/staging/'),
  opt.str('worker_self_reference_url'),
  opt.bool('allow_anonymous_access', false),
  opt.bool('allow_additional_image_properties', true, { deprecatedForRemoval: true }),
  opt.str('property_protection_file'),
  opt.str('property_protection_rule_format', 'roles', { choices: ['roles', 'policies'] }),
  opt.str('location_strategy', 'location_order', { choices: ['location_order', 'store_type'] }),
  opt.str('data_api', 'glance.db.sqlalchemy.api'),
  // Where `glance-manage db load_metadefs` reads and `db export_metadefs` writes metadefs files.
  opt.str('metadata_source_path', '/etc/glance/metadefs/'),
  opt.str('metadata_encryption_key', null, { secret: true }),
  opt.str('digest_algorithm', 'sha256', { deprecatedForRemoval: true }),

  // Scrubber and delayed delete.
  opt.bool('delayed_delete', false),
  opt.int('scrub_time', 0, { min: 0 }),
  opt.int('scrub_pool_size', 1, { min: 1 }),
  opt.int('wakeup_time', 300, { min: 0 }),
  opt.bool('daemon', false),
  // glance-ts: glance-api runs the scrubber itself every wakeup_time seconds (no glance-scrubber daemon).
  opt.bool('scrubber_in_api', false, { help: 'Run scrubber passes inside glance-api every wakeup_time seconds.' }),

  // Image cache.
  opt.str('image_cache_dir'),
  opt.str('image_cache_driver', 'centralized_db', { choices: ['sqlite', 'xattr', 'centralized_db'], ignoreCase: true }),
  opt.int('image_cache_max_size', 10737418240, { min: 0 }),
  opt.int('image_cache_stall_time', 86400, { min: 0 }),
  opt.str('image_cache_sqlite_db', 'cache.db'),

  // Notifications and messaging (oslo.messaging).
  opt.str('default_publisher_id', 'image.localhost'),
  opt.list('disabled_notifications', []),
  opt.str('transport_url', 'rabbit://', { secret: true }),
  opt.str('control_exchange', 'glance'),
  opt.int('rpc_response_timeout', 60),
  opt.int('executor_thread_pool_size', 64),

  // Logging (oslo.log).
  opt.bool('debug', false),
  opt.str('log_config_append', null, { deprecated: ['log-config', 'log_config'] }),
  opt.str('log_date_format', '%Y-%m-%d %H:%M:%S'),
  opt.str('log_file', null, { deprecated: ['logfile'] }),
  opt.str('log_dir', null, { deprecated: ['logdir'] }),
  opt.bool('watch_log_file', false),
  opt.bool('use_syslog', false),
  opt.bool('use_journal', false),
  opt.str('syslog_log_facility', 'LOG_USER'),
  opt.bool('use_json', false),
  opt.bool('use_stderr', false),
  opt.bool('use_eventlog', false),
  opt.str('log_rotation_type', 'none', { choices: ['interval', 'size', 'none'], ignoreCase: true }),
  opt.int('log_rotate_interval', 1),
  opt.str('log_rotate_interval_type', 'days', {
    choices: ['Seconds', 'Minutes', 'Hours', 'Days', 'Weekday', 'Midnight'],
    ignoreCase: true,
  }),
  opt.int('max_logfile_count', 30),
  opt.int('max_logfile_size_mb', 200),
  opt.str('logging_context_format_string'),
  opt.str('logging_default_format_string'),
  opt.str('logging_debug_format_suffix'),
  opt.str('logging_exception_prefix'),
  opt.str('logging_user_identity_format'),
  opt.list('default_log_levels'),
  opt.bool('publish_errors', false),
  opt.str('instance_format', '[instance: %(uuid)s] '),
  opt.str('instance_uuid_format', '[instance: %(uuid)s] '),
  opt.int('rate_limit_interval', 0),
  opt.int('rate_limit_burst', 0),
  opt.str('rate_limit_except_level', 'CRITICAL'),
  opt.bool('fatal_deprecations', false),
];

/**
 * glance_store's swift driver options, with its names and defaults: they go in a `[<id>]`
 * section whose `enabled_backends` type is `swift`, or in `[glance_store]` for the legacy single
 * store. Sizes are in MiB as glance_store counts them. The account references live in the file
 * named by `swift_store_config_file` (see src/store/swift/swift-references.ts).
 */
import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';

/** The swift driver's options (glance_store 4.x: `_SWIFT_OPTS`, `swift_opts`, `BUFFERING_OPTS`). */
export const swiftDriverOptions: readonly OptionSpec[] = [
  opt.bool('swift_store_auth_insecure', false),
  opt.str('swift_store_cacert'),
  opt.str('swift_store_region'),
  opt.str('swift_store_endpoint'),
  opt.str('swift_store_endpoint_type', 'publicURL', { choices: ['publicURL', 'adminURL', 'internalURL'] }),
  opt.str('swift_store_service_type', 'object-store'),
  opt.str('swift_store_container', 'glance'),
  opt.int('swift_store_large_object_size', 5120, { min: 1 }),
  opt.int('swift_store_large_object_chunk_size', 200, { min: 1 }),
  opt.bool('swift_store_create_container_on_put', false),
  opt.bool('swift_store_multi_tenant', false),
  opt.int('swift_store_multiple_containers_seed', 0, { min: 0, max: 32 }),
  opt.list('swift_store_admin_tenants', []),
  opt.bool('swift_store_ssl_compression', true),
  opt.int('swift_store_retry_get_count', 0, { min: 0 }),
  opt.int('swift_store_expire_soon_interval', 60, { min: 0 }),
  opt.bool('swift_store_use_trusts', true),
  opt.bool('swift_buffer_on_upload', false),
  opt.str('swift_upload_buffer_dir'),
  opt.str('default_swift_reference', 'ref1'),
  opt.str('swift_store_config_file'),
  opt.str('swift_store_auth_version', '2', { deprecatedForRemoval: true }),
  opt.str('swift_store_auth_address', null, { deprecatedForRemoval: true }),
  opt.str('swift_store_user', null, { secret: true, deprecatedForRemoval: true }),
  opt.str('swift_store_key', null, { secret: true, deprecatedForRemoval: true }),
];

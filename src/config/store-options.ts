/**
 * Store (glance_store) declarations. Per-store sections are dynamic: `[DEFAULT] enabled_backends`
 * (`id:type,...`) names them, so their options are declared only once that value is known.
 * The legacy single-store options live in `[glance_store]`, and the reserved staging and tasks
 * stores always use the file driver.
 */

import { ConfigError } from './config-error.js';
import type { Config } from './config.js';
import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';
import { swiftDriverOptions } from './swift-store-options.js';

const fileDriverOptions = (datadir: string): OptionSpec[] => [
  opt.str('filesystem_store_datadir', datadir),
  opt.multiStr('filesystem_store_datadirs', []),
  opt.str('filesystem_store_metadata_file'),
  opt.int('filesystem_store_file_perm', 0),
  opt.int('filesystem_store_chunk_size', 65536, { min: 1 }),
  opt.bool('filesystem_thin_provisioning', false),
];

const httpDriverOptions: readonly OptionSpec[] = [
  opt.str('https_ca_certificates_file'),
  opt.bool('https_insecure', true),
  opt.dict('http_proxy_information', {}),
];

const rbdDriverOptions: readonly OptionSpec[] = [
  opt.int('rbd_store_chunk_size', 8, { min: 1 }),
  opt.str('rbd_store_pool', 'images'),
  opt.str('rbd_store_user'),
  opt.str('rbd_store_ceph_conf', ''),
  opt.int('rados_connect_timeout', 0),
  opt.bool('rbd_thin_provisioning', false),
];

// glance_store's s3 driver options (sizes in MiB).
const s3DriverOptions: readonly OptionSpec[] = [
  opt.str('s3_store_host'),
  opt.str('s3_store_region_name', ''),
  opt.str('s3_store_access_key', null, { secret: true }),
  opt.str('s3_store_secret_key', null, { secret: true }),
  opt.str('s3_store_bucket'),
  opt.bool('s3_store_create_bucket_on_put', false),
  opt.str('s3_store_bucket_url_format', 'auto', { choices: ['auto', 'path', 'virtual'] }),
  opt.int('s3_store_large_object_size', 100),
  opt.int('s3_store_large_object_chunk_size', 10),
  opt.int('s3_store_thread_pools', 10),
  opt.str('s3_store_cacert', ''),
];

// Options every store section has, whatever its driver.
const commonStoreOptions: readonly OptionSpec[] = [opt.str('store_description'), opt.int('weight', 0)];

/** Options of a `[<id>]` section whose `enabled_backends` type is `type` (unknown types: common ones only). */
export function storeOptions(type: string): OptionSpec[] {
  switch (type) {
    case 'file':
      return [...fileDriverOptions('/var/lib/glance/images'), ...commonStoreOptions];
    case 'http':
      return [...httpDriverOptions, ...commonStoreOptions];
    case 'rbd':
      return [...rbdDriverOptions, ...commonStoreOptions];
    case 's3':
      return [...s3DriverOptions, ...commonStoreOptions];
    case 'swift':
      return [...swiftDriverOptions, ...commonStoreOptions];
    default:
      return [...commonStoreOptions];
  }
}

/** Static store groups: `[glance_store]` (with the legacy single-store driver options) and the reserved stores. */
export const staticStoreGroups: Readonly<Record<string, readonly OptionSpec[]>> = {
  glance_store: [
    opt.str('default_backend'),
    opt.list('stores', ['file', 'http'], { deprecatedForRemoval: true }),
    opt.str('default_store', 'file', {
      deprecatedForRemoval: true,
      choices: ['file', 'filesystem', 'http', 'https', 'swift', 'swift+http', 'swift+https', 'swift+config', 'rbd', 'cinder', 'vsphere', 's3'],
    }),
    opt.int('store_capabilities_update_min_interval', 0, { min: 0 }),
    ...fileDriverOptions('/var/lib/glance/images'),
    ...httpDriverOptions,
    ...rbdDriverOptions,
    ...s3DriverOptions,
    ...swiftDriverOptions,
  ],
  os_glance_staging_store: [...fileDriverOptions('/var/lib/glance/os_glance_staging_store'), ...commonStoreOptions],
  os_glance_tasks_store: [...fileDriverOptions('/var/lib/glance/os_glance_tasks_store'), ...commonStoreOptions],
};

/**
 * Declares a group per `enabled_backends` entry with its driver's options, and validates the
 * values found there. Throws ConfigError for a reserved id.
 */
export function registerStoreGroups(config: Config): void {
  const backends = config.get<Readonly<Record<string, string>> | null>('DEFAULT', 'enabled_backends') ?? {};
  for (const [id, type] of Object.entries(backends)) {
    if (id.startsWith('os_glance_')) {
      const where = config.origin('DEFAULT', 'enabled_backends');
      const prefix = where ? `${where.file} [${where.section}] ${where.key}` : '[DEFAULT] enabled_backends';
      throw new ConfigError(`${prefix}: store id "${id}" is reserved (ids starting with os_glance_ belong to Glance)`);
    }
    config.registerGroup(id, storeOptions(type));
  }
}

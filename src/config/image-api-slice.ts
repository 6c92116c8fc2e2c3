/**
 * The image API slice: the `[DEFAULT]` options that shape image requests (size cap, legacy
 * quotas, paging limits, hashing, import methods, location visibility, property protections).
 */

import type { Config } from './config.js';
import { ConfigError } from './config-error.js';

/** What the image services need from `[DEFAULT]`. */
export interface ImageApiConfig {
  /** Bytes; uploads and stages beyond it get 413. */
  imageSizeCap: number;
  /** `user_storage_quota` in bytes (0 = unlimited); ignored by callers when useKeystoneLimits. */
  userStorageQuota: number;
  useKeystoneLimits: boolean;
  /** -1 = unlimited, as in Glance. */
  imageMemberQuota: number;
  imagePropertyQuota: number;
  imageTagQuota: number;
  imageLocationQuota: number;
  limitParamDefault: number;
  apiLimitMax: number;
  showImageDirectUrl: boolean;
  showMultipleLocations: boolean;
  /** hashlib-style name for `os_hash_algo` (default sha512). */
  hashingAlgorithm: string;
  doSecureHash: boolean;
  httpRetries: number;
  enabledImportMethods: string[];
  workerSelfReferenceUrl: string | null;
  publicEndpoint: string | null;
  allowAnonymousAccess: boolean;
  propertyProtectionFile: string | null;
  propertyProtectionRuleFormat: 'roles' | 'policies';
  delayedDelete: boolean;
  imageCacheDir: string | null;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/**
 * Parses `user_storage_quota` as Glance does: digits optionally followed by B, KB, MB, GB or
 * TB (binary multiples). Returns null for anything else.
 */
export function parseStorageQuota(value: string): number | null {
  const m = /^(\d+)((?:K|M|G|T)?B)?$/.exec(value);
  if (!m) return null;
  const bytes = Number(m[1]) * UNITS[m[2] ?? 'B']!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Builds the image API slice; throws ConfigError for an unparsable `user_storage_quota`. */
export function imageApiSlice(c: Config): ImageApiConfig {
  const quotaText = c.get<string>('DEFAULT', 'user_storage_quota');
  const userStorageQuota = parseStorageQuota(quotaText);
  if (userStorageQuota === null) {
    const at = c.origin('DEFAULT', 'user_storage_quota');
    const where = at ? `${at.file} [${at.section}] ${at.key}` : '[DEFAULT] user_storage_quota';
    throw new ConfigError(`${where}: expected a size such as 0, 500MB or 10GB, got ${JSON.stringify(quotaText)}`);
  }
  const int = (name: string, dflt: number): number => c.get<number | null>('DEFAULT', name) ?? dflt;
  const str = (name: string): string | null => {
    const v = c.get<string | null>('DEFAULT', name);
    return v === '' ? null : v;
  };
  return {
    imageSizeCap: int('image_size_cap', 1099511627776),
    userStorageQuota,
    useKeystoneLimits: c.get<boolean>('DEFAULT', 'use_keystone_limits'),
    imageMemberQuota: int('image_member_quota', 128),
    imagePropertyQuota: int('image_property_quota', 128),
    imageTagQuota: int('image_tag_quota', 128),
    imageLocationQuota: int('image_location_quota', 10),
    limitParamDefault: int('limit_param_default', 25),
    apiLimitMax: int('api_limit_max', 1000),
    showImageDirectUrl: c.get<boolean>('DEFAULT', 'show_image_direct_url'),
    showMultipleLocations: c.get<boolean>('DEFAULT', 'show_multiple_locations'),
    hashingAlgorithm: str('hashing_algorithm') ?? 'sha512',
    doSecureHash: c.get<boolean>('DEFAULT', 'do_secure_hash'),
    httpRetries: int('http_retries', 3),
    enabledImportMethods: [...c.get<string[]>('DEFAULT', 'enabled_import_methods')],
    workerSelfReferenceUrl: str('worker_self_reference_url'),
    publicEndpoint: str('public_endpoint'),
    allowAnonymousAccess: c.get<boolean>('DEFAULT', 'allow_anonymous_access'),
    propertyProtectionFile: str('property_protection_file'),
    propertyProtectionRuleFormat: c.get<'roles' | 'policies'>('DEFAULT', 'property_protection_rule_format'),
    delayedDelete: c.get<boolean>('DEFAULT', 'delayed_delete'),
    imageCacheDir: str('image_cache_dir'),
  };
}

/**
 * The swift part of the store slice: one store's `swift_store_*` options as glance_store reads
 * them, with `swift_store_config_file` resolved as oslo.config's `find_file` does. The file
 * itself is read when the store is built (src/store/swift/swift-setup.ts).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Config } from './config.js';

/** The swift options of one store (sizes in MiB, as configured). */
export interface SwiftStoreOptions {
  container: string;
  largeObjectSizeMb: number;
  largeObjectChunkSizeMb: number;
  createContainerOnPut: boolean;
  multiTenant: boolean;
  multipleContainersSeed: number;
  retryGetCount: number;
  expireSoonIntervalS: number;
  authInsecure: boolean;
  cacert: string | null;
  region: string | null;
  endpoint: string | null;
  endpointType: string;
  serviceType: string;
  bufferOnUpload: boolean;
  uploadBufferDir: string | null;
  defaultReference: string;
  /** `swift_store_config_file`, resolved to the file found (or as written when none is), or null. */
  configFile: string | null;
  /** `swift_store_auth_version`: the reference files' fallback. */
  authVersion: string;
  /** The deprecated in-section account (`swift_store_auth_address`, `_user`, `_key`), when all three are set. */
  legacyAccount: { authAddress: string; user: string; key: string } | null;
}

/** Reads the swift options of `[group]`. */
export function swiftStoreOptions(c: Config, group: string): SwiftStoreOptions {
  const str = (name: string) => c.get<string | null>(group, name);
  const authAddress = str('swift_store_auth_address');
  const user = str('swift_store_user');
  const key = str('swift_store_key');
  const configFile = str('swift_store_config_file');
  return {
    container: str('swift_store_container') ?? 'glance',
    largeObjectSizeMb: c.get<number>(group, 'swift_store_large_object_size'),
    largeObjectChunkSizeMb: c.get<number>(group, 'swift_store_large_object_chunk_size'),
    createContainerOnPut: c.get<boolean>(group, 'swift_store_create_container_on_put'),
    multiTenant: c.get<boolean>(group, 'swift_store_multi_tenant'),
    multipleContainersSeed: c.get<number>(group, 'swift_store_multiple_containers_seed'),
    retryGetCount: c.get<number>(group, 'swift_store_retry_get_count'),
    expireSoonIntervalS: c.get<number>(group, 'swift_store_expire_soon_interval'),
    authInsecure: c.get<boolean>(group, 'swift_store_auth_insecure'),
    cacert: str('swift_store_cacert'),
    region: str('swift_store_region'),
    endpoint: str('swift_store_endpoint'),
    endpointType: str('swift_store_endpoint_type') ?? 'publicURL',
    serviceType: str('swift_store_service_type') ?? 'object-store',
    bufferOnUpload: c.get<boolean>(group, 'swift_buffer_on_upload'),
    uploadBufferDir: str('swift_upload_buffer_dir'),
    defaultReference: str('default_swift_reference') ?? 'ref1',
    configFile: configFile === null || configFile === '' ? null : findFile(c, configFile),
    authVersion: str('swift_store_auth_version') ?? '2',
    legacyAccount: authAddress && user && key ? { authAddress, user, key } : null,
  };
}

// oslo.config's find_file: an absolute name as it is; a relative one in the directories of the
// loaded files (last loaded first), ~/.glance, ~, /etc/glance, /etc.
function findFile(c: Config, name: string): string {
  if (isAbsolute(name)) return name;
  const home = homedir();
  const dirs = [...new Set([...[...c.sources()].reverse().map((f) => dirname(f)), join(home, '.glance'), home, '/etc/glance', '/etc'])];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p)) ?? name;
}

/**
 * The store slice: which backends exist and how each is configured, for `src/store/registry.ts`.
 * Multi-store (`enabled_backends` set) reads `[<id>]` sections; single-store (legacy) reads
 * `[glance_store] stores/default_store` and the driver options in `[glance_store]`; embedded
 * mode (no file) uses one file store under ./data.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { EMBEDDED_DEFAULTS } from './slice-builders.js';
import { swiftStoreOptions, type SwiftStoreOptions } from './swift-store-slice.js';

/** File driver options (`filesystem_*`). */
export interface FileStoreOptions {
  datadir: string;
  /** `filesystem_store_datadirs` lines as written (`path[:priority]`). */
  datadirs: string[];
  metadataFile: string | null;
  /** Octal-meaning permission bits as configured (0 = leave the umask's). */
  filePerm: number;
  chunkSize: number;
  thinProvisioning: boolean;
}

/** s3 driver options (`s3_store_*`; sizes in MiB as configured). */
export interface S3StoreOptions {
  host: string | null;
  regionName: string;
  accessKey: string | null;
  secretKey: string | null;
  bucket: string | null;
  createBucketOnPut: boolean;
  bucketUrlFormat: string;
  largeObjectSize: number;
  largeObjectChunkSize: number;
  threadPools: number;
  cacert: string;
}

/** One configured backend. */
export interface StoreBackendConfig {
  /** Store id (`fs` in `enabled_backends=fs:file`); in single-store mode the driver type. */
  id: string;
  /** Driver type: file, http, rbd, swift, cinder, s3, vmware. */
  type: string;
  description: string | null;
  weight: number;
  /** Present for `file` stores. */
  file?: FileStoreOptions;
  /** Present for `http` stores. */
  http?: { caCertificatesFile: string | null; insecure: boolean; proxyInformation: Record<string, string> };
  /** Present for `s3` stores. */
  s3?: S3StoreOptions;
  /** Present for `swift` stores. */
  swift?: SwiftStoreOptions;
}

/** Everything the store registry needs. */
export interface StoreConfig {
  /** True when `[DEFAULT] enabled_backends` is non-empty. */
  multistore: boolean;
  /** Operator stores in `enabled_backends` order (single-store: one per `[glance_store] stores` type). */
  backends: StoreBackendConfig[];
  /** `[glance_store] default_backend` (multi) or `default_store` (single); null if unset. */
  defaultBackend: string | null;
  /** Reserved staging store (`os_glance_staging_store`); single-store mode derives it from `node_staging_uri`. */
  staging: FileStoreOptions;
  /** Reserved tasks store (`os_glance_tasks_store`). */
  tasks: FileStoreOptions;
  /** `[DEFAULT] node_staging_uri` (embedded: a file:// URL of ./data/staging/). */
  nodeStagingUri: string;
}

function fileOptions(c: Config, group: string, datadirOverride?: string): FileStoreOptions {
  return {
    datadir: datadirOverride ?? c.get<string>(group, 'filesystem_store_datadir'),
    datadirs: [...c.get<string[]>(group, 'filesystem_store_datadirs')],
    metadataFile: c.get<string | null>(group, 'filesystem_store_metadata_file'),
    filePerm: c.get<number | null>(group, 'filesystem_store_file_perm') ?? 0,
    chunkSize: c.get<number | null>(group, 'filesystem_store_chunk_size') ?? 65536,
    thinProvisioning: c.get<boolean>(group, 'filesystem_thin_provisioning'),
  };
}

function s3Options(c: Config, group: string): S3StoreOptions {
  return {
    host: c.get<string | null>(group, 's3_store_host'),
    regionName: c.get<string | null>(group, 's3_store_region_name') ?? '',
    accessKey: c.get<string | null>(group, 's3_store_access_key'),
    secretKey: c.get<string | null>(group, 's3_store_secret_key'),
    bucket: c.get<string | null>(group, 's3_store_bucket'),
    createBucketOnPut: c.get<boolean>(group, 's3_store_create_bucket_on_put'),
    bucketUrlFormat: c.get<string>(group, 's3_store_bucket_url_format'),
    largeObjectSize: c.get<number>(group, 's3_store_large_object_size'),
    largeObjectChunkSize: c.get<number>(group, 's3_store_large_object_chunk_size'),
    threadPools: c.get<number>(group, 's3_store_thread_pools'),
    cacert: c.get<string | null>(group, 's3_store_cacert') ?? '',
  };
}

function backend(c: Config, group: string, id: string, type: string, withCommon: boolean): StoreBackendConfig {
  const b: StoreBackendConfig = {
    id,
    type,
    description: withCommon ? c.get<string | null>(group, 'store_description') : null,
    weight: withCommon ? (c.get<number | null>(group, 'weight') ?? 0) : 0,
  };
  if (type === 'file') b.file = fileOptions(c, group);
  if (type === 'http') {
    b.http = {
      caCertificatesFile: c.get<string | null>(group, 'https_ca_certificates_file'),
      insecure: c.get<boolean>(group, 'https_insecure'),
      proxyInformation: { ...c.get<Record<string, string>>(group, 'http_proxy_information') },
    };
  }
  if (type === 's3') b.s3 = s3Options(c, group);
  if (type === 'swift') b.swift = swiftStoreOptions(c, group);
  return b;
}

/** Builds the store slice (see StoreConfig). Throws ConfigError when `default_backend` names no enabled store. */
export function storeSlice(c: Config): StoreConfig {
  const nodeStagingUri = c.get<string>('DEFAULT', 'node_staging_uri');
  if (c.embedded) {
    const dir = (p: string) => resolve(p);
    const plain = (datadir: string): FileStoreOptions => ({ datadir, datadirs: [], metadataFile: null, filePerm: 0, chunkSize: 65536, thinProvisioning: false });
    return {
      multistore: false,
      backends: [{ id: 'file', type: 'file', description: null, weight: 0, file: plain(dir(EMBEDDED_DEFAULTS.imagesDir)) }],
      defaultBackend: 'file',
      staging: plain(dir(EMBEDDED_DEFAULTS.stagingDir)),
      tasks: plain(dir(EMBEDDED_DEFAULTS.tasksDir)),
      nodeStagingUri: pathToFileURL(dir(EMBEDDED_DEFAULTS.stagingDir)).href + '/',
    };
  }
  const enabled = c.get<Readonly<Record<string, string>> | null>('DEFAULT', 'enabled_backends') ?? {};
  const multistore = Object.keys(enabled).length > 0;
  const tasks = fileOptions(c, 'os_glance_tasks_store');
  if (multistore) {
    const backends = Object.entries(enabled).map(([id, type]) => backend(c, id, id, type, true));
    const defaultBackend = c.get<string | null>('glance_store', 'default_backend');
    if (defaultBackend !== null && !(defaultBackend in enabled)) {
      throw new ConfigError(`[glance_store] default_backend "${defaultBackend}" is not one of enabled_backends (${Object.keys(enabled).join(', ')})`);
    }
    return { multistore, backends, defaultBackend, staging: fileOptions(c, 'os_glance_staging_store'), tasks, nodeStagingUri };
  }
  const types = [...new Set(c.get<string[]>('glance_store', 'stores').map(legacyType))];
  const backends = types.map((t) => backend(c, 'glance_store', t, t, false));
  // Single store: staging is wherever node_staging_uri points (a file:// URL).
  const stagingDir = nodeStagingUri.startsWith('file://') ? nodeStagingUri.slice('file://'.length) : nodeStagingUri;
  return {
    multistore,
    backends,
    defaultBackend: legacyType(c.get<string>('glance_store', 'default_store')),
    staging: { ...fileOptions(c, 'os_glance_staging_store'), datadir: stagingDir },
    tasks,
    nodeStagingUri,
  };
}

// glance_store's legacy scheme names for the same drivers.
function legacyType(name: string): string {
  if (name === 'filesystem') return 'file';
  if (name === 'https') return 'http';
  if (name.startsWith('swift')) return 'swift';
  if (name === 'vsphere') return 'vmware';
  return name;
}

/**
 * Store slices for registry and route tests, built literally (as `storeSlice` returns them) on
 * temporary directories: the reference deployment's `enabled_backends=fs:file` (optionally with
 * more stores) and the legacy single-store default (`stores = file,http`).
 */
import { join } from 'node:path';
import type { FileStoreOptions, StoreBackendConfig, StoreConfig } from '../../src/config/store-slice.js';

/** File options as Glance's defaults set them, on `datadir`. */
export function fileOptions(datadir: string, overrides: Partial<FileStoreOptions> = {}): FileStoreOptions {
  return { datadir, datadirs: [], metadataFile: null, filePerm: 0, chunkSize: 65536, thinProvisioning: false, ...overrides };
}

/** A `file` backend `id` on `<root>/<id>/` (configured with a trailing slash, as in ref 012). */
export function fileBackend(root: string, id: string, extra: Partial<StoreBackendConfig> = {}): StoreBackendConfig {
  return { id, type: 'file', description: null, weight: 0, file: fileOptions(`${join(root, id)}/`), ...extra };
}

/** An `http` backend with Glance's defaults. */
export function httpBackend(id: string, extra: Partial<StoreBackendConfig> = {}): StoreBackendConfig {
  return { id, type: 'http', description: null, weight: 0, http: { caCertificatesFile: null, insecure: true, proxyInformation: {} }, ...extra };
}

/** Multi-store with `backends`, default `defaultBackend`, reserved stores under `root`. */
export function multiStoreConfig(root: string, backends: StoreBackendConfig[], defaultBackend: string | null = backends[0]?.id ?? null): StoreConfig {
  return {
    multistore: true,
    backends,
    defaultBackend,
    staging: fileOptions(join(root, 'os_glance_staging_store')),
    tasks: fileOptions(join(root, 'os_glance_tasks_store')),
    nodeStagingUri: 'file:///tmp/staging/',
  };
}

/** Legacy single store: `stores = file,http`, `default_store = file`. */
export function singleStoreConfig(root: string): StoreConfig {
  return {
    multistore: false,
    backends: [{ ...fileBackend(root, 'file') }, httpBackend('http')],
    defaultBackend: 'file',
    staging: fileOptions(join(root, 'staging')),
    tasks: fileOptions(join(root, 'os_glance_tasks_store')),
    nodeStagingUri: `file://${join(root, 'staging')}`,
  };
}

/**
 * Builds a swift driver from its store slice, checking the configuration as glance_store does at
 * start-up: the references file must be readable; without a usable default reference (or the
 * deprecated in-section account) the store only reads, with a warning, as glance_store disables
 * `add`; `swift_buffer_on_upload` needs a writable `swift_upload_buffer_dir`. Multi-tenant mode
 * is refused: it writes with each user's token, which store writes here do not carry.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../config/config-error.js';
import type { SwiftStoreOptions } from '../../config/swift-store-slice.js';
import { SwiftDriver, type SwiftDriverOptions } from './swift-driver.js';
import { SwiftReferencesError, parseSwiftReferences, type SwiftReference } from './swift-references.js';

const MiB = 1024 * 1024;

/** Tuning passed down from the registry (timeouts) or a test (retries, sweep age), and the warning sink. */
export type SwiftSetupExtras = Partial<Pick<SwiftDriverOptions,
  'connectTimeoutMs' | 'headersTimeoutMs' | 'idleTimeoutMs' | 'keepAliveMs' | 'retry' | 'staleAfterMs'>> & {
  warn?: (message: string) => void;
};

/** `properties` of `/v2/info/stores/detail` for a swift store (sizes in bytes, as Glance shows them). */
export function swiftStoreProperties(o: SwiftStoreOptions): Record<string, unknown> {
  return { container: o.container, large_object_size: o.largeObjectSizeMb * MiB, large_object_chunk_size: o.largeObjectChunkSizeMb * MiB };
}

/** Opens the swift store `id`; throws ConfigError for a configuration that cannot work at all. */
export async function openSwiftStore(id: string, o: SwiftStoreOptions, tagLocations: boolean, extras: SwiftSetupExtras = {}): Promise<SwiftDriver> {
  const where = `store "${id}"`;
  const { warn, ...tuning } = extras;
  if (o.multiTenant) {
    throw new ConfigError(`${where}: swift_store_multi_tenant = True is not supported by glance-ts (it stores images with each `
      + 'user\'s own token, which glance-ts\'s store writes do not carry); use the single-tenant store with swift_store_config_file');
  }
  const references = o.configFile === null ? null : await readReferences(where, o, warn);
  const legacy = o.legacyAccount === null ? null : {
    name: o.defaultReference, authVersion: o.authVersion, ...o.legacyAccount,
    userDomainId: 'default', userDomainName: null, projectDomainId: 'default', projectDomainName: null,
  };
  let writeAs: SwiftReference | null = references !== null ? references.get(o.defaultReference) ?? null : legacy;
  if (writeAs === null) {
    warn?.(`${where}: A value for swift_store_auth_address is required (no account reference "${o.defaultReference}"`
      + `${o.configFile ? ` in ${o.configFile}` : '; set swift_store_config_file'}); adding images to this store is disabled`);
  } else if (!['1', '3'].includes(writeAs.authVersion.trim())) {
    warn?.(`${where}: auth_version ${writeAs.authVersion} of reference "${writeAs.name}" is not supported (3: Keystone, 1: tempauth); adding images to this store is disabled`);
    writeAs = null;
  }
  const bufferDir = o.bufferOnUpload ? await checkBufferDir(where, o.uploadBufferDir) : null;
  const domains = writeAs ?? { userDomainId: 'default', userDomainName: null, projectDomainId: 'default', projectDomainName: null };
  const opts: SwiftDriverOptions = {
    id, tagLocations,
    container: o.container,
    largeObjectSize: o.largeObjectSizeMb * MiB,
    largeObjectChunkSize: o.largeObjectChunkSizeMb * MiB,
    createContainerOnPut: o.createContainerOnPut,
    multipleContainersSeed: o.multipleContainersSeed,
    retryGetCount: o.retryGetCount,
    references, writeAs,
    uriDefaults: {
      authVersion: writeAs?.authVersion ?? o.authVersion,
      userDomainId: domains.userDomainId, userDomainName: domains.userDomainName,
      projectDomainId: domains.projectDomainId, projectDomainName: domains.projectDomainName,
    },
    endpoint: o.endpoint, region: o.region, endpointType: o.endpointType, serviceType: o.serviceType,
    expireSoonMs: o.expireSoonIntervalS * 1000,
    insecure: o.authInsecure, cacertFile: o.cacert, bufferDir,
    ...tuning,
  };
  try {
    return await SwiftDriver.open(opts);
  } catch (err) {
    throw new ConfigError(`${where}: swift_store_cacert ${o.cacert}: ${(err as Error).message}`, { cause: err });
  }
}

async function readReferences(where: string, o: SwiftStoreOptions, warn?: (m: string) => void): Promise<Map<string, SwiftReference>> {
  const file = o.configFile!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${where}: swift config file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    return parseSwiftReferences(text, file, o.authVersion, (name, missing) =>
      warn?.(`${where}: ${file} [${name}] has no ${missing}; the reference is ignored`));
  } catch (err) {
    if (err instanceof SwiftReferencesError) throw new ConfigError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

// As glance_store's validate_buffering: the option must be set and a file must be creatable there.
async function checkBufferDir(where: string, dir: string | null): Promise<string> {
  if (!dir) {
    throw new ConfigError(`${where}: Configuration option "swift_upload_buffer_dir" is not set. Please set it to a valid path to buffer during Swift uploads.`);
  }
  const probe = join(dir, `.glance-swift-probe.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx', 0o600)).close();
    await unlink(probe);
  } catch (err) {
    throw new ConfigError(`${where}: Unable to use buffer directory set with "swift_upload_buffer_dir". Error: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return dir;
}

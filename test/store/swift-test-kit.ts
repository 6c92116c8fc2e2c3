/**
 * What the swift store tests share: the repository's real single-node Swift (scripts/swift.sh:
 * tempauth proxy on :8081, Keystone proxy on :8080 behind the test Keystone), a references file
 * with one section per auth kind, swift store options with glance_store's defaults, and a small
 * raw Swift client of its own (not the driver's) to look at what is really in a container.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SwiftStoreOptions } from '../../src/config/swift-store-slice.js';

/** The tempauth account of scripts/swift.sh. */
export const TEMPAUTH = { authAddress: 'http://127.0.0.1:8081/auth/v1.0', user: 'test:tester', key: 'testing' };
/** The test Keystone (scripts/keystone.sh). */
export const KEYSTONE_URL = 'http://127.0.0.1:5000/v3';

/** The glance user's password in the test Keystone, or null when it is not seeded. */
export function glancePassword(): string | null {
  try {
    const line = readFileSync('/var/lib/glance-ts-test/keystone.env', 'utf8').split('\n').find((l) => l.startsWith('GLANCE_PASSWORD='));
    return line ? line.slice('GLANCE_PASSWORD='.length) : null;
  } catch {
    return null;
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthcheck`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Null when the Swift proxy on `port` answers (and, for :8080, Keystone is seeded); else why the
 * tests must skip. With CI=true an absent Swift is a failure, not a skip.
 */
export async function swiftSkipReason(port: 8081 | 8080): Promise<string | null> {
  const up = (await answers(port)) && (port === 8081 || glancePassword() !== null);
  if (up) return null;
  const why = `Swift on 127.0.0.1:${port} is not reachable (start it with scripts/swift.sh start${port === 8080 ? ' after scripts/swift.sh keystone, SWIFT_KEYSTONE=1' : ''})`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
  return why;
}

/** Writes a glance-swift.conf with `[tempauth]` and `[keystone]` references; returns its path. */
export async function writeReferences(dir: string): Promise<string> {
  const file = join(dir, 'glance-swift.conf');
  await writeFile(file, [
    '[tempauth]', 'auth_version = 1', `auth_address = ${TEMPAUTH.authAddress}`, `user = ${TEMPAUTH.user}`, `key = ${TEMPAUTH.key}`, '',
    '[keystone]', 'auth_version = 3', `auth_address = ${KEYSTONE_URL}`, 'user = service:glance',
    `key = ${(glancePassword() ?? '').replace(/%/g, '%%')}`, 'user_domain_id = default', 'project_domain_id = default', '',
  ].join('\n'));
  return file;
}

/** Swift store options with glance_store's defaults, then `over`. */
export function swiftOptions(over: Partial<SwiftStoreOptions> = {}): SwiftStoreOptions {
  return {
    container: 'glance', largeObjectSizeMb: 5120, largeObjectChunkSizeMb: 200, createContainerOnPut: true,
    multiTenant: false, multipleContainersSeed: 0, retryGetCount: 0, expireSoonIntervalS: 60, authInsecure: false,
    cacert: null, region: null, endpoint: null, endpointType: 'publicURL', serviceType: 'object-store',
    bufferOnUpload: false, uploadBufferDir: null, defaultReference: 'tempauth', configFile: null, authVersion: '2',
    legacyAccount: null, ...over,
  };
}

/** An object as a container listing shows it, with its manifest when it has one. */
export interface RawObject {
  name: string;
  bytes: number;
  manifest?: string;
}

/** A minimal Swift client of the tests' own, authenticated as tempauth or as Keystone's glance user. */
export class RawSwift {
  private constructor(readonly storageUrl: string, readonly token: string) {}

  /** Authenticates as the tempauth account or as service:glance in Keystone. */
  static async login(kind: 'tempauth' | 'keystone'): Promise<RawSwift> {
    if (kind === 'tempauth') {
      const res = await fetch(TEMPAUTH.authAddress, { headers: { 'x-auth-user': TEMPAUTH.user, 'x-auth-key': TEMPAUTH.key } });
      return new RawSwift(res.headers.get('x-storage-url')!, res.headers.get('x-auth-token')!);
    }
    const res = await fetch(`${KEYSTONE_URL}/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: 'glance', domain: { id: 'default' }, password: glancePassword() } } },
        scope: { project: { name: 'service', domain: { id: 'default' } } },
      } }),
    });
    const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } };
    const url = body.token.catalog.find((s) => s.type === 'object-store')!.endpoints.find((e) => e.interface === 'public')!.url;
    return new RawSwift(url, res.headers.get('x-subject-token')!);
  }

  /** One request to `path` under the account. */
  async req(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Response> {
    return fetch(`${this.storageUrl}${path}`, { method, headers: { 'x-auth-token': this.token, ...headers }, ...(body ? { body } : {}) });
  }

  /** Every object of `container` (manifests with their `X-Object-Manifest`); [] when it does not exist. */
  async objects(container: string): Promise<RawObject[]> {
    const res = await this.req('GET', `/${container}?format=json`);
    if (res.status === 404 || res.status === 204) return [];
    const list = (await res.json()) as RawObject[];
    for (const o of list) {
      if (o.bytes !== 0) continue;
      const head = await this.req('HEAD', `/${container}/${encodeURIComponent(o.name)}`);
      const m = head.headers.get('x-object-manifest');
      if (m) o.manifest = m;
    }
    return list.map((o) => ({ name: o.name, bytes: o.bytes, ...(o.manifest ? { manifest: o.manifest } : {}) }));
  }

  /**
   * What `container` holds, one entry per stored image: a DLO manifest with the segments its
   * prefix covers folded in (`<name> [DLO, n segments]`), and every other object on its own.
   */
  async residue(container: string): Promise<string[]> {
    const all = await this.objects(container);
    const covered = new Set<string>();
    const out: string[] = [];
    for (const m of all.filter((o) => o.manifest?.startsWith(`${container}/`))) {
      const prefix = decodeURIComponent(m.manifest!.slice(container.length + 1));
      const segs = all.filter((o) => o !== m && o.name.startsWith(prefix));
      segs.forEach((s) => covered.add(s.name));
      out.push(`${m.name} [DLO, ${segs.length} segments]`);
    }
    for (const o of all) if (!o.manifest && !covered.has(o.name)) out.push(o.name);
    return out.sort();
  }

  /** Deletes every object of `container`, then the container. */
  async dropContainer(container: string): Promise<void> {
    for (const o of await this.objects(container)) await this.req('DELETE', `/${container}/${encodeURIComponent(o.name)}`);
    await this.req('DELETE', `/${container}`);
  }
}

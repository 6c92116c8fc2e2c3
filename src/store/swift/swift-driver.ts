/**
 * The `swift` store: images as objects of an OpenStack Swift account, with glance_store's
 * single-tenant behaviour (its options, container naming, object and segment layout, location
 * URIs; see the other files of this folder). Beyond glance_store: ranged reads (Swift serves
 * Range, across DLO segments too), nothing visible before commit, duplicates refused, retries of
 * transient failures with backoff, timeouts on every exchange, and a start-up sweep of segments
 * left by interrupted writes.
 *
 * Identities: new images are written as the default reference (`default_swift_reference` of
 * `swift_store_config_file`, or the deprecated `swift_store_auth_address`/`_user`/`_key`);
 * existing locations are read as the reference they name (`swift+config://`) or with the
 * credentials they carry. Without a default identity the store is read-only, as in glance_store.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { ByteRange, StoreCapabilities, StoreDriver, StoreLocation, StoreWrite, WriteOptions } from '../driver.js';
import { StoreError, checkRangeShape } from '../errors.js';
import { SwiftAuth, type SwiftCredentials } from './swift-auth.js';
import { SwiftHttp, header, statusError } from './swift-http.js';
import { SwiftUriError, configUri, credentialUri, isSwiftUri, parseSwiftUri } from './swift-location.js';
import { openSwiftRead } from './swift-read.js';
import type { SwiftReference } from './swift-references.js';
import { DEFAULT_RETRY, type RetryPolicy } from './swift-retry.js';
import { segmentPrefix, writerTag } from './swift-segments.js';
import { deleteSwiftObject, sweepSegments } from './swift-sweep.js';
import { SwiftWrite } from './swift-write.js';

/** Configuration of one swift store (sizes in bytes, times in ms). */
export interface SwiftDriverOptions {
  id: string;
  /** Put `{ store: id }` in location metadata (multi-store). */
  tagLocations: boolean;
  /** `swift_store_container`: the container, or with a seed the containers' name prefix. */
  container: string;
  largeObjectSize: number;
  largeObjectChunkSize: number;
  createContainerOnPut: boolean;
  /** `swift_store_multiple_containers_seed` (0-32). */
  multipleContainersSeed: number;
  retryGetCount: number;
  /** References of `swift_store_config_file`, or null when no file is configured. */
  references: ReadonlyMap<string, SwiftReference> | null;
  /** The identity new images are written as: the default reference (or the legacy options), if any. */
  writeAs: SwiftReference | null;
  /** auth_version and domains used with credentials taken from a location URI. */
  uriDefaults: Pick<SwiftCredentials, 'authVersion' | 'userDomainId' | 'userDomainName' | 'projectDomainId' | 'projectDomainName'>;
  endpoint: string | null;
  region: string | null;
  endpointType: string;
  serviceType: string;
  expireSoonMs: number;
  insecure: boolean;
  cacertFile: string | null;
  /** Spool segments here before their PUT (`swift_buffer_on_upload`), or null. */
  bufferDir: string | null;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence of a response body, and longest wait for Swift to take upload data. */
  idleTimeoutMs?: number;
  keepAliveMs?: number;
  retry?: RetryPolicy;
  /** Leftover segments nobody wrote to for this long are swept whoever wrote them (default 1 h). */
  staleAfterMs?: number;
}

/** The swift driver (see the module comment). Build it with `SwiftDriver.open`. */
export class SwiftDriver implements StoreDriver {
  readonly type = 'swift';
  readonly capabilities: StoreCapabilities;
  readonly id: string;
  private readonly sessions = new Map<string, SwiftAuth>();
  private readonly active = new Set<string>();
  private readonly http: SwiftHttp;
  private readonly writer = writerTag();

  private constructor(private readonly opts: SwiftDriverOptions, private readonly dispatcher: Agent) {
    this.id = opts.id;
    this.capabilities = { read: true, write: opts.writeAs !== null, randomRead: true };
    this.http = new SwiftHttp({
      store: opts.id, dispatcher,
      headersTimeoutMs: opts.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: opts.idleTimeoutMs ?? 60_000,
      retry: opts.retry ?? DEFAULT_RETRY,
    });
  }

  /** Builds the connection pool; rejects if the CA file cannot be read. */
  static async open(opts: SwiftDriverOptions): Promise<SwiftDriver> {
    const ca = opts.cacertFile ? await readFile(opts.cacertFile, 'utf8') : undefined;
    const dispatcher = new Agent({
      connect: { timeout: opts.connectTimeoutMs ?? 10_000, rejectUnauthorized: !opts.insecure, ...(ca ? { ca } : {}) },
      keepAliveTimeout: opts.keepAliveMs ?? 30_000,
    });
    return new SwiftDriver(opts, dispatcher);
  }

  /** True for swift URIs; a `swift+config` one only when its reference is one of this store's. */
  owns(url: string): boolean {
    if (!isSwiftUri(url)) return false;
    if (!/^swift\+config:/i.test(url)) return true;
    try {
      const ref = parseSwiftUri(url).reference;
      return ref !== null && (this.opts.references?.has(ref) ?? false);
    } catch {
      return false;
    }
  }

  /** The container of `imageId`: glance_store's `get_container_name`. */
  containerFor(imageId: string): string {
    const seed = this.opts.multipleContainersSeed;
    if (seed <= 0) return this.opts.container;
    const id = imageId.toLowerCase();
    const dashes = (id.slice(0, seed).match(/-/g) ?? []).length;
    return `${this.opts.container}_${id.slice(0, seed + dashes)}`;
  }

  /** Where `imageId` is (or would be) stored, as glance_store writes it. */
  locationOf(imageId: string): StoreLocation {
    const w = this.writeIdentity();
    const container = this.containerFor(imageId);
    const url = this.opts.references !== null
      ? configUri(w.name, container, imageId)
      : credentialUri(w.authAddress, w.user, w.key, container, imageId);
    return { url, metadata: this.opts.tagLocations ? { store: this.id } : {} };
  }

  async write(imageId: string, opts: WriteOptions = {}): Promise<StoreWrite> {
    const w = this.writeIdentity();
    if (imageId === '' || imageId.includes('/') || imageId.startsWith('.')) throw new StoreError(this.id, 'invalid_id', `Invalid image id ${imageId}`);
    if (opts.signal?.aborted) throw new StoreError(this.id, 'io', 'Write aborted', { cause: opts.signal.reason });
    const auth = this.session(w);
    const container = this.containerFor(imageId);
    await this.ensureContainer(auth, container);
    const head = await this.http.call(auth, { method: 'HEAD', container, object: imageId }, `Checking ${container}/${imageId}`);
    await head.body.dump().catch(() => undefined);
    if (head.statusCode < 300) throw new StoreError(this.id, 'duplicate', 'Swift already has an image at this location');
    if (head.statusCode !== 404) throw statusError(this.id, head.statusCode, `Checking ${container}/${imageId}`);
    const size = opts.sizeHint && opts.sizeHint > 0 ? opts.sizeHint : null;
    const prefix = segmentPrefix(imageId);
    this.active.add(`${container}/${prefix}`);
    return SwiftWrite.open({
      store: this.id, http: this.http, auth, container, imageId, size,
      plain: size !== null && size < this.opts.largeObjectSize,
      chunkSize: this.opts.largeObjectChunkSize, prefix, writer: this.writer,
      bufferDir: this.opts.bufferDir, idleTimeoutMs: this.opts.idleTimeoutMs ?? 60_000,
      location: this.locationOf(imageId),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onDone: () => this.active.delete(`${container}/${prefix}`),
    });
  }

  async read(location: StoreLocation, range?: ByteRange): Promise<Readable> {
    if (range) checkRangeShape(this.id, range);
    const t = this.target(location);
    return openSwiftRead({ http: this.http, ...t, retries: this.opts.retryGetCount, ...(range ? { range } : {}) });
  }

  async stat(location: StoreLocation): Promise<{ size: number }> {
    const { auth, container, object } = this.target(location);
    const res = await this.http.call(auth, { method: 'HEAD', container, object }, `Checking ${container}/${object}`);
    await res.body.dump().catch(() => undefined);
    if (res.statusCode === 404) throw new StoreError(this.id, 'not_found', `Swift could not find object ${object}.`);
    if (res.statusCode >= 300) throw statusError(this.id, res.statusCode, `Checking ${container}/${object}`);
    return { size: Number(header(res, 'content-length') ?? 0) };
  }

  async delete(location: StoreLocation): Promise<void> {
    await deleteSwiftObject(this.http, this.target(location));
  }

  async locate(imageId: string): Promise<StoreLocation | null> {
    if (this.opts.writeAs === null) return null;
    const container = this.containerFor(imageId);
    const res = await this.http.call(this.session(this.opts.writeAs), { method: 'HEAD', container, object: imageId }, `Checking ${container}/${imageId}`);
    await res.body.dump().catch(() => undefined);
    if (res.statusCode === 404) return null;
    if (res.statusCode >= 300) throw statusError(this.id, res.statusCode, `Checking ${container}/${imageId}`);
    return this.locationOf(imageId);
  }

  /** Removes segments of interrupted writes (see swift-sweep.ts); returns their image ids. */
  async sweep(): Promise<string[]> {
    if (this.opts.writeAs === null) return [];
    const auth = this.session(this.opts.writeAs);
    const containers = this.opts.multipleContainersSeed > 0
      ? (await this.http.containers(auth, `${this.opts.container}_`))
      : [this.opts.container];
    return sweepSegments(this.http, auth, containers, { active: this.active, writer: this.writer, staleAfterMs: this.opts.staleAfterMs ?? 3_600_000 });
  }

  /** Authenticates as the default identity and checks that the (first) container is reachable. */
  async probe(): Promise<string> {
    const w = this.writeIdentity();
    const auth = this.session(w);
    const token = await auth.token();
    const container = this.opts.multipleContainersSeed > 0 ? undefined : this.opts.container;
    const res = await this.http.call(auth, { method: 'HEAD', ...(container ? { container } : {}) }, 'Probing');
    await res.body.dump().catch(() => undefined);
    if (res.statusCode === 404 && container && this.opts.createContainerOnPut) return `container ${container} will be created on first write (${token.storageUrl})`;
    if (res.statusCode >= 300) throw statusError(this.id, res.statusCode, container ? `Container ${container}` : 'Swift account');
    return `${container ? `container ${container}` : 'account'} reachable at ${token.storageUrl}`;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private writeIdentity(): SwiftReference {
    if (this.opts.writeAs === null) throw new StoreError(this.id, 'add_disabled');
    return this.opts.writeAs;
  }

  // One shared, token-caching session per identity.
  private session(creds: SwiftCredentials): SwiftAuth {
    const key = JSON.stringify([creds.authVersion, creds.authAddress, creds.user, creds.key, creds.userDomainId,
      creds.userDomainName, creds.projectDomainId, creds.projectDomainName]);
    let s = this.sessions.get(key);
    if (!s) {
      s = new SwiftAuth(creds, {
        store: this.id, dispatcher: this.dispatcher, endpoint: this.opts.endpoint, region: this.opts.region,
        endpointType: this.opts.endpointType, serviceType: this.opts.serviceType, expireSoonMs: this.opts.expireSoonMs,
        headersTimeoutMs: this.opts.headersTimeoutMs ?? 60_000, bodyTimeoutMs: this.opts.idleTimeoutMs ?? 60_000,
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  // The identity and object of an existing location.
  private target(location: StoreLocation): { auth: SwiftAuth; container: string; object: string } {
    let loc;
    try {
      loc = parseSwiftUri(location.url);
    } catch (err) {
      throw new StoreError(this.id, 'bad_uri', err instanceof SwiftUriError ? err.message : 'Badly formed Swift URI.');
    }
    if (loc.reference !== null) {
      const ref = this.opts.references?.get(loc.reference);
      if (!ref) throw new StoreError(this.id, 'bad_uri', 'Badly formed Swift URI. Credentials not found for account reference');
      return { auth: this.session(ref), container: loc.container, object: loc.object };
    }
    if (!loc.user || !loc.key) throw new StoreError(this.id, 'bad_uri', 'Location is missing user:password information.');
    const creds: SwiftCredentials = { ...this.opts.uriDefaults, authAddress: loc.authAddress!, user: loc.user, key: loc.key };
    return { auth: this.session(creds), container: loc.container, object: loc.object };
  }

  private async ensureContainer(auth: SwiftAuth, container: string): Promise<void> {
    const head = await this.http.call(auth, { method: 'HEAD', container }, `Checking container ${container}`);
    await head.body.dump().catch(() => undefined);
    if (head.statusCode < 300) return;
    if (head.statusCode !== 404) throw statusError(this.id, head.statusCode, `Checking container ${container}`);
    if (!this.opts.createContainerOnPut) {
      throw new StoreError(this.id, 'io', `The container ${container} does not exist in Swift. Please set the swift_store_create_container_on_put option to add container to Swift automatically.`);
    }
    await this.http.expectOk(auth, { method: 'PUT', container }, `Failed to add container ${container} to Swift`);
  }
}

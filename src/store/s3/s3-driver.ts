/**
 * The `s3` store: images as objects of one bucket of an S3 (or S3-compatible: Swift's s3api,
 * Ceph RGW, MinIO) service, with glance_store's options and locations. Requests are signed
 * with SigV4 by `S3Client`; writes stream with bounded memory (`s3-write.ts`).
 *
 * As glance_store: the key is the image id; the location is
 * `s3[+https]://ACCESS:SECRET@host/bucket/id` and later reads, stats and deletes use the key pair
 * written there (falling back to the configured one) against the configured `s3_store_host`;
 * an existing key is `duplicate`; a missing bucket is created on the first write only with
 * `s3_store_create_bucket_on_put`; objects of `s3_store_large_object_size` MiB or more (or of
 * unknown size, past one part) go up as multipart uploads of `s3_store_large_object_chunk_size`
 * MiB parts (larger when 10,000 parts would not hold the declared size); an unusable
 * configuration disables writes with a warning.
 *
 * Beyond glance_store: ranged reads (`randomRead`); transient failures retried; at most
 * min(`s3_store_thread_pools`, 4) parts in flight per upload, so an upload holds at most
 * 5 × chunk size in memory (glance_store queues parts without bound); `sweep()` aborts multipart
 * uploads idle for an hour (a crashed writer's); nothing is left behind by a failed write.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ByteRange, StoreCapabilities, StoreDriver, StoreLocation, StoreWrite, WriteOptions } from '../driver.js';
import { StoreError, checkRangeShape, invalidRange } from '../errors.js';
import { S3Client, S3Error, parseParts, parseUploads, type S3Credentials } from './s3-client.js';
import { MAX_PARTS } from './s3-multipart.js';
import { addressingOf, awsRegionOf, endpointOf, formatS3Location, isDnsBucket, parseS3Location, redactS3Location, regionOf } from './s3-location.js';
import { S3PartsWrite, S3StreamedPut, type S3WriteTarget } from './s3-write.js';
import { createBucketXml } from './s3-xml.js';

/** Configuration of one s3 store (the `s3_store_*` options, sizes in MiB as configured). */
export interface S3DriverOptions {
  id: string;
  host: string | null;
  regionName: string;
  accessKey: string | null;
  secretKey: string | null;
  bucket: string | null;
  createBucketOnPut: boolean;
  /** `auto`, `path` or `virtual`. */
  bucketUrlFormat: string;
  largeObjectSizeMiB: number;
  largeObjectChunkSizeMiB: number;
  threadPools: number;
  /** CA bundle file for https; '' = Node's bundled roots. */
  cacert: string;
  /** Put `{ store: id }` in location metadata (multi-store). */
  tagLocations: boolean;
  /** Receives configuration warnings (the store then refuses writes, as glance_store does). */
  warn?: (message: string) => void;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  keepAliveMs?: number;
  /** Client retries of a replayable request (default 3) and first backoff step. */
  retries?: number;
  retryBaseMs?: number;
  /** `sweep()` aborts multipart uploads with no activity for this long (default one hour). */
  staleAfterMs?: number;
}

const MiB = 1024 * 1024;
const MIN_CHUNK_MIB = 5;
const MAX_PARTS_IN_FLIGHT = 4;

interface Target { creds: S3Credentials; bucket: string; key: string }

/** The s3 driver (see the module comment). Build it with `S3Driver.open`. */
export class S3Driver implements StoreDriver {
  readonly type = 's3';
  readonly capabilities: StoreCapabilities;
  private bucketReady: Promise<void> | null = null;

  private constructor(
    readonly id: string,
    private readonly opts: S3DriverOptions,
    private readonly client: S3Client | null,
    private readonly locationHost: string,
    private readonly https: boolean,
    writable: boolean,
  ) {
    this.capabilities = { read: true, write: writable, randomRead: true };
  }

  /** Builds the client; rejects if `s3_store_cacert` cannot be read. Bad options disable writes (warning). */
  static async open(opts: S3DriverOptions): Promise<S3Driver> {
    const ca = opts.cacert !== '' ? await readFile(opts.cacert, 'utf8') : undefined;
    const problem = configProblem(opts);
    if (problem) opts.warn?.(`Store ${opts.id} could not be configured correctly: ${problem} Disabling add method.`);
    if (!opts.host) return new S3Driver(opts.id, opts, null, '', false, false);
    const { endpoint, locationHost, https } = endpointOf(opts.host);
    const client = new S3Client({
      endpoint,
      region: regionOf(opts.regionName, opts.host),
      addressing: addressingOf(opts.bucketUrlFormat, opts.host, opts.regionName, opts.bucket ?? ''),
      ...(ca ? { ca } : {}),
      ...pick(opts, ['connectTimeoutMs', 'headersTimeoutMs', 'idleTimeoutMs', 'keepAliveMs', 'retries', 'retryBaseMs']),
    });
    return new S3Driver(opts.id, opts, client, locationHost, https, problem === null);
  }

  /** True for an s3 location on this store's host and bucket. */
  owns(url: string): boolean {
    const p = parseS3Location(url);
    return p !== null && this.client !== null && p.host.toLowerCase() === this.locationHost.toLowerCase() && p.bucket === this.opts.bucket;
  }

  /** The location of `imageId` in this store, as glance_store writes it. */
  locationOf(imageId: string): StoreLocation {
    const url = formatS3Location({
      scheme: this.https ? 's3+https' : 's3', accessKey: this.opts.accessKey, secretKey: this.opts.secretKey,
      host: this.locationHost, bucket: this.opts.bucket ?? '', key: imageId,
    });
    return { url, metadata: this.opts.tagLocations ? { store: this.id } : {} };
  }

  async write(imageId: string, opts: WriteOptions = {}): Promise<StoreWrite> {
    if (!this.capabilities.write) throw new StoreError(this.id, 'add_disabled');
    if (imageId === '' || /[/\\\0]/.test(imageId)) throw new StoreError(this.id, 'invalid_id', `Invalid image id for an s3 store: ${JSON.stringify(imageId)}`);
    if (opts.signal?.aborted) throw new StoreError(this.id, 'io', 'Write aborted', { cause: opts.signal.reason });
    const t = this.own(imageId);
    await (this.bucketReady ??= this.prepareBucket(t.creds).catch((err: unknown) => { this.bucketReady = null; throw err; }));
    const checkAbsent = async () => {
      if (await this.exists(t)) throw new StoreError(this.id, 'duplicate', `Image ${imageId} already exists`);
    };
    await checkAbsent();
    const target: S3WriteTarget = {
      storeId: this.id, client: this.client!, ...t, location: this.locationOf(imageId), checkAbsent,
      fail: (err, what) => this.fail(err, imageId, what, true),
      warn: (m) => this.opts.warn?.(m),
    };
    const size = opts.sizeHint ?? 0;
    const large = this.opts.largeObjectSizeMiB * MiB;
    if (size > 0 && size < large) return new S3StreamedPut(target, size, opts.signal);
    const partSize = Math.max(this.opts.largeObjectChunkSizeMiB * MiB, Math.ceil(size / MAX_PARTS));
    return new S3PartsWrite(target, partSize, Math.min(this.opts.threadPools, MAX_PARTS_IN_FLIGHT), opts.signal);
  }

  async read(location: StoreLocation, range?: ByteRange): Promise<Readable> {
    const t = this.target(location);
    if (range) checkRangeShape(this.id, range);
    let res;
    try {
      res = await this.client!.send({ method: 'GET', ...t, headers: range ? { range: `bytes=${range.start}-${range.end}` } : {} }, t.creds);
    } catch (err) {
      if (range && err instanceof S3Error && err.status === 416) throw invalidRange(this.id, range, (await this.stat(location)).size);
      throw this.fail(err, t.key, 'reading', false);
    }
    if (!range) return res.body;
    const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
    if (res.statusCode !== 206 || !cr || Number(cr[1]) !== range.start) {
      discard(res.body);
      throw new StoreError(this.id, 'io', `Unexpected answer to a ranged read of ${t.key}: ${res.statusCode} ${String(res.headers['content-range'])}`);
    }
    // S3 shortens a range running past the end; Glance's contract refuses it.
    if (Number(cr[2]) < range.end) {
      discard(res.body);
      throw invalidRange(this.id, range, Number(cr[3]));
    }
    return res.body;
  }

  async locate(imageId: string): Promise<StoreLocation | null> {
    if (!this.client || !this.opts.bucket || /[/\\\0]/.test(imageId) || imageId === '') return null;
    return (await this.exists(this.own(imageId))) ? this.locationOf(imageId) : null;
  }

  async stat(location: StoreLocation): Promise<{ size: number }> {
    const t = this.target(location);
    try {
      const res = await this.client!.send({ method: 'HEAD', ...t }, t.creds);
      await res.body.dump();
      return { size: Number(res.headers['content-length'] ?? 0) };
    } catch (err) {
      throw this.fail(err, t.key, 'reading', false);
    }
  }

  async delete(location: StoreLocation): Promise<void> {
    const t = this.target(location);
    // S3 answers 204 for a missing key; glance_store checks first to report NotFound.
    if (!(await this.exists(t))) throw this.notFound(t.key);
    try {
      await (await this.client!.send({ method: 'DELETE', ...t }, t.creds)).body.dump();
    } catch (err) {
      throw this.fail(err, t.key, 'deleting', true);
    }
  }

  /** Aborts multipart uploads of the bucket idle for `staleAfterMs`; returns their keys (image ids). */
  async sweep(): Promise<string[]> {
    if (!this.capabilities.write) return [];
    const creds = this.configuredCreds();
    const bucket = this.opts.bucket!;
    const staleBefore = Date.now() - (this.opts.staleAfterMs ?? 60 * 60 * 1000);
    const removed: string[] = [];
    let marker: { key: string; uploadId: string } | null = { key: '', uploadId: '' };
    try {
      while (marker) {
        const query: [string, string][] = [['uploads', '']];
        if (marker.key !== '') query.push(['key-marker', marker.key], ['upload-id-marker', marker.uploadId]);
        // Once only: an unreachable service must not hold up start-up through retries.
        const page = parseUploads(await this.client!.sendText({ method: 'GET', bucket, query, retries: 0 }, creds));
        for (const u of page.uploads) {
          const uq: [string, string][] = [['uploadId', u.uploadId]];
          const parts = parseParts(await this.client!.sendText({ method: 'GET', bucket, key: u.key, query: uq }, creds));
          const active = Math.max(u.initiated.getTime(), ...parts.map((p) => p.lastModified.getTime()));
          if (active >= staleBefore) continue;
          await (await this.client!.send({ method: 'DELETE', bucket, key: u.key, query: uq }, creds)).body.dump();
          removed.push(u.key);
        }
        marker = page.next;
      }
    } catch (err) {
      if (err instanceof S3Error && err.code === 'NoSuchBucket') return removed;
      throw this.fail(err, bucket, 'sweeping interrupted uploads of', false);
    }
    return removed;
  }

  async probe(): Promise<string> {
    if (!this.client || !this.opts.bucket) throw new StoreError(this.id, 'bad_config', 's3_store_host and s3_store_bucket must be set');
    const where = `bucket ${this.opts.bucket} at ${this.locationHost}`;
    if (await this.bucketExists(this.configuredCreds())) return `${where} reachable`;
    if (this.opts.createBucketOnPut) return `${where} missing (created on the first upload)`;
    throw new StoreError(this.id, 'io', this.missingBucketMessage());
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  private configuredCreds(): S3Credentials {
    return { accessKey: this.opts.accessKey ?? '', secretKey: this.opts.secretKey ?? '' };
  }

  private own(key: string): Target {
    return { creds: this.configuredCreds(), bucket: this.opts.bucket ?? '', key };
  }

  // Bucket, key and key pair of a location (glance_store reads the key pair from the URL).
  private target(location: StoreLocation): Target {
    const p = parseS3Location(location.url);
    if (!p) throw new StoreError(this.id, 'bad_uri', `The Store URI was malformed: ${redactS3Location(location.url)}`);
    if (!this.client) throw new StoreError(this.id, 'bad_config', 'Could not find s3_store_host in configuration options.');
    const creds = p.accessKey !== null ? { accessKey: p.accessKey, secretKey: p.secretKey ?? '' } : this.configuredCreds();
    return { creds, bucket: p.bucket, key: p.key };
  }

  private async exists(t: Target): Promise<boolean> {
    try {
      await (await this.client!.send({ method: 'HEAD', bucket: t.bucket, key: t.key }, t.creds)).body.dump();
      return true;
    } catch (err) {
      if (err instanceof S3Error && err.status === 404) return false;
      throw this.fail(err, t.key, 'getting object info of', false);
    }
  }

  private async bucketExists(creds: S3Credentials): Promise<boolean> {
    try {
      await (await this.client!.send({ method: 'HEAD', bucket: this.opts.bucket! }, creds)).body.dump();
      return true;
    } catch (err) {
      if (err instanceof S3Error && err.status === 404) return false;
      throw this.fail(err, this.opts.bucket!, 'getting bucket info of', false);
    }
  }

  private missingBucketMessage(): string {
    return `The bucket ${this.opts.bucket} does not exist in S3. Please set the s3_store_create_bucket_on_put option to add bucket to S3 automatically.`;
  }

  private async prepareBucket(creds: S3Credentials): Promise<void> {
    if (await this.bucketExists(creds)) return;
    if (!this.opts.createBucketOnPut) throw new StoreError(this.id, 'io', this.missingBucketMessage());
    // us-east-1 is the default location; AWS refuses it as an explicit LocationConstraint.
    const region = this.opts.regionName || awsRegionOf(this.opts.host ?? '');
    const body = region !== '' && region !== 'us-east-1' ? createBucketXml(region) : undefined;
    try {
      await (await this.client!.send({ method: 'PUT', bucket: this.opts.bucket!, ...(body ? { body } : {}) }, creds)).body.dump();
    } catch (err) {
      // Another writer created it meanwhile.
      if (err instanceof S3Error && err.status === 409 && (await this.bucketExists(creds))) return;
      throw this.fail(err, this.opts.bucket!, 'creating bucket', true);
    }
  }

  private notFound(key: string): StoreError {
    return new StoreError(this.id, 'not_found', `Image ${key} not found`);
  }

  // Client failures as StoreErrors (`subject`: the key or bucket `what` was done to); errors the
  // caller injected into a stream pass through.
  private fail(err: unknown, subject: string, what: string, writing: boolean): Error {
    if (err instanceof StoreError) return err;
    const opts = { cause: err };
    if (err instanceof S3Error) {
      if (err.status === 0) return new StoreError(this.id, 'unavailable', undefined, opts);
      // A missing bucket means a missing image too, for readers (glance_store HEADs the key).
      if (err.status === 404 && !writing) return new StoreError(this.id, 'not_found', `Image ${subject} not found`, opts);
      if (err.status === 403 && writing) return new StoreError(this.id, 'write_denied', undefined, opts);
      if (err.status === 413 || err.code === 'EntityTooLarge' || err.code === 'QuotaExceeded') return new StoreError(this.id, 'storage_full', undefined, opts);
      if (err.status >= 500) return new StoreError(this.id, 'unavailable', undefined, opts);
      return new StoreError(this.id, 'io', `S3 error while ${what} ${subject}: ${err.message}`, opts);
    }
    if ((err as { code?: string } | null)?.code === 'UND_ERR_ABORTED') return new StoreError(this.id, 'io', 'Write aborted', opts);
    return err instanceof Error ? err : new StoreError(this.id, 'io', String(err));
  }
}

// glance_store's configure_add checks; null when the options can work.
function configProblem(o: S3DriverOptions): string | null {
  for (const [name, value] of [['s3_store_host', o.host], ['s3_store_access_key', o.accessKey], ['s3_store_secret_key', o.secretKey], ['s3_store_bucket', o.bucket]] as const) {
    if (!value) return `Could not find ${name} in configuration options.`;
  }
  if (o.largeObjectChunkSizeMiB < MIN_CHUNK_MIB) return `s3_store_large_object_chunk_size must be at least ${MIN_CHUNK_MIB} MB.`;
  if (o.threadPools <= 0) return `s3_store_thread_pools must be a positive integer. ${o.threadPools}`;
  if (o.largeObjectSizeMiB <= 0) return `s3_store_large_object_size must be a positive integer. ${o.largeObjectSizeMiB}`;
  if (o.bucketUrlFormat === 'virtual' && !isDnsBucket(o.bucket!)) return `Bucket named ${o.bucket} is not DNS compatible.`;
  return null;
}

// Drops a response body unread (its connection is closed, not reused).
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

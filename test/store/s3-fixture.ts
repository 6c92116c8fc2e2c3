/**
 * The real S3 service behind the s3 store tests: Swift's s3api on the Keystone proxy
 * (`scripts/swift.sh`, port 8080) with the glance user's EC2 key pair from
 * `$GLANCE_TS_TEST_STATE/swift.env` (`scripts/swift.sh keystone`). Also: a fresh bucket per
 * test and what it holds, read through S3 (the bucket's keys, uploads in progress) and through
 * the Swift API (the `<bucket>+segments` container where s3api keeps multipart parts), so a test
 * can prove nothing was left behind.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFacts, issueToken, STATE_BASE } from '../auth/keystone-fixture.js';
import { S3Client, S3Error, parseObjects, parseUploads, type S3Credentials } from '../../src/store/s3/s3-client.js';
import { S3Driver, type S3DriverOptions } from '../../src/store/s3/s3-driver.js';

/** The s3api endpoint (Keystone proxy). */
export const S3_HOST = 'http://127.0.0.1:8080';

/** The glance user's EC2 key pair, or null when `swift.sh keystone` has not run. */
export function s3Credentials(): S3Credentials | null {
  try {
    const vars = Object.fromEntries(readFileSync(`${STATE_BASE}/swift.env`, 'utf8').split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return vars.S3_ACCESS_KEY && vars.S3_SECRET_KEY ? { accessKey: vars.S3_ACCESS_KEY, secretKey: vars.S3_SECRET_KEY } : null;
  } catch {
    return null;
  }
}

/**
 * Why the s3 tests cannot run here, or null when they can. Under CI (`CI=true`) they always run,
 * so a missing Swift fails them instead of skipping them.
 */
export async function s3SkipReason(): Promise<string | null> {
  if (process.env.CI === 'true') return null;
  if (!s3Credentials()) return `no EC2 credentials in ${STATE_BASE}/swift.env (run scripts/swift.sh keystone)`;
  try {
    const res = await fetch(`${S3_HOST}/healthcheck`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) return `Swift's Keystone proxy at ${S3_HOST} answered ${res.status}`;
  } catch {
    return `Swift's Keystone proxy at ${S3_HOST} is not reachable (SWIFT_KEYSTONE=1 scripts/swift.sh start)`;
  }
  return null;
}

/** A bucket name of its own for one test. */
export function freshBucket(prefix = 'glance-ts-test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Driver options on `bucket` with the test credentials; `overrides` win. */
export function s3Options(bucket: string, overrides: Partial<S3DriverOptions> = {}): S3DriverOptions {
  const creds = s3Credentials() ?? { accessKey: 'missing', secretKey: 'missing' };
  return {
    id: 's3', host: S3_HOST, regionName: '', accessKey: creds.accessKey, secretKey: creds.secretKey, bucket,
    createBucketOnPut: true, bucketUrlFormat: 'auto', largeObjectSizeMiB: 100, largeObjectChunkSizeMiB: 10,
    threadPools: 10, cacert: '', tagLocations: true, ...overrides,
  };
}

let swiftAccount: Promise<{ token: string; url: string }> | null = null;

// The glance user's Swift account (its EC2 credentials' project): token and storage URL.
function account(): Promise<{ token: string; url: string }> {
  return (swiftAccount ??= issueToken(readFacts(), 'glance').then((t) => {
    const project = (t.body.token.project as { id: string }).id;
    return { token: t.token, url: `${S3_HOST}/v1/AUTH_${project}` };
  }));
}

/** Object names of a Swift container of the glance account ([] when it does not exist). */
export async function swiftListing(container: string): Promise<string[]> {
  const a = await account();
  const res = await fetch(`${a.url}/${encodeURIComponent(container)}?format=json`, { headers: { 'x-auth-token': a.token } });
  if (res.status === 404) return [];
  if (res.status !== 200 && res.status !== 204) throw new Error(`listing ${container}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? [] : ((await res.json()) as { name: string }[]).map((o) => o.name);
}

/** The test's view of one bucket: listings through S3 and Swift, and removal. */
export class BucketProbe {
  readonly client: S3Client;
  readonly creds: S3Credentials;

  constructor(readonly bucket: string) {
    this.creds = s3Credentials() ?? { accessKey: 'missing', secretKey: 'missing' };
    this.client = new S3Client({ endpoint: S3_HOST, region: 'us-east-1', addressing: 'path' });
  }

  /** Keys of the bucket (S3 ListObjectsV2); [] when the bucket does not exist. */
  async keys(): Promise<string[]> {
    const out: string[] = [];
    let token: string | null = '';
    try {
      while (token !== null) {
        const query: [string, string][] = [['list-type', '2'], ...(token ? [['continuation-token', token] as [string, string]] : [])];
        const page = parseObjects(await this.client.sendText({ method: 'GET', bucket: this.bucket, query }, this.creds));
        out.push(...page.objects.map((o) => o.key));
        token = page.next;
      }
    } catch (err) {
      if (err instanceof S3Error && err.code === 'NoSuchBucket') return [];
      throw err;
    }
    return out;
  }

  /** Multipart uploads in progress (S3 ListMultipartUploads). */
  async uploads(): Promise<{ key: string; uploadId: string }[]> {
    try {
      return parseUploads(await this.client.sendText({ method: 'GET', bucket: this.bucket, query: [['uploads', '']] }, this.creds)).uploads;
    } catch (err) {
      if (err instanceof S3Error && err.code === 'NoSuchBucket') return [];
      throw err;
    }
  }

  /** Everything stored for the bucket: its keys, and `+segments/<name>` for each part or upload marker. */
  async residue(): Promise<string[]> {
    const [keys, segments] = await Promise.all([this.keys(), swiftListing(`${this.bucket}+segments`)]);
    return [...keys, ...segments.map((n) => `+segments/${n}`)].sort();
  }

  /** Deletes the bucket with everything in it (objects, uploads, the segments container). */
  async remove(): Promise<void> {
    for (const u of await this.uploads()) {
      await this.client.send({ method: 'DELETE', bucket: this.bucket, key: u.key, query: [['uploadId', u.uploadId]] }, this.creds).then((r) => r.body.dump(), () => undefined);
    }
    for (const key of await this.keys()) {
      await (await this.client.send({ method: 'DELETE', bucket: this.bucket, key }, this.creds)).body.dump();
    }
    await this.client.send({ method: 'DELETE', bucket: this.bucket }, this.creds).then((r) => r.body.dump(), (err: unknown) => {
      if (!(err instanceof S3Error && err.code === 'NoSuchBucket')) throw err;
    });
    // Anything left in the segments container (a test that failed midway), then the container.
    const a = await account();
    const seg = `${a.url}/${encodeURIComponent(`${this.bucket}+segments`)}`;
    for (const name of await swiftListing(`${this.bucket}+segments`)) {
      await fetch(`${seg}/${name.split('/').map(encodeURIComponent).join('/')}`, { method: 'DELETE', headers: { 'x-auth-token': a.token } });
    }
    await fetch(seg, { method: 'DELETE', headers: { 'x-auth-token': a.token } });
    await this.client.close();
  }
}

/** An S3Driver on a fresh bucket with the test credentials. */
export async function openTestDriver(bucket: string, overrides: Partial<S3DriverOptions> = {}): Promise<S3Driver> {
  return S3Driver.open(s3Options(bucket, overrides));
}

/**
 * s3 store locations as glance_store writes and reads them:
 *
 *   s3://ACCESS:SECRET@host[:port][/path]/BUCKET/KEY        (an http endpoint)
 *   s3+https://ACCESS:SECRET@host[:port][/path]/BUCKET/KEY  (an https endpoint)
 *
 * `s3+http://` is read too. The key pair is written into the URL as it is (AWS secrets may
 * hold `/`, which is why the URL is not parsed as a WHATWG URL): the credentials are the part
 * before the last `@`, split at the first `:`; the key is the last path segment, the bucket
 * the one before it, and everything between `@` and the bucket is the service host. The key
 * is the image id.
 */

/** The parts of an s3 location. */
export interface S3LocationParts {
  scheme: 's3' | 's3+http' | 's3+https';
  /** Null when the URL carries no credentials. */
  accessKey: string | null;
  secretKey: string | null;
  /** Host, port and path prefix of the service, without scheme or slashes at the ends. */
  host: string;
  bucket: string;
  key: string;
}

const SCHEMES = ['s3+https', 's3+http', 's3'] as const;

/** Parses `url`; null when it is not a well-formed s3 location (glance_store's BadStoreUri). */
export function parseS3Location(url: string): S3LocationParts | null {
  // A second scheme (s3://a:b@https://host/…) is refused, as glance_store does.
  if (url.split('://').length !== 2) return null;
  const scheme = SCHEMES.find((s) => url.toLowerCase().startsWith(`${s}://`));
  if (!scheme) return null;
  const rest = url.slice(scheme.length + 3).replace(/^\/+|\/+$/g, '');
  const at = rest.lastIndexOf('@');
  let accessKey: string | null = null;
  let secretKey: string | null = null;
  if (at !== -1) {
    const creds = rest.slice(0, at);
    const colon = creds.indexOf(':');
    if (colon === -1) return null;
    accessKey = creds.slice(0, colon);
    secretKey = creds.slice(colon + 1);
  }
  const parts = rest.slice(at + 1).split('/');
  const key = parts.pop();
  const bucket = parts.pop();
  const host = parts.join('/').replace(/^\/+|\/+$/g, '');
  if (!key || !bucket || host === '') return null;
  return { scheme, accessKey, secretKey, host, bucket, key };
}

/** The location URL of `parts` (glance_store's `get_uri`). */
export function formatS3Location(parts: S3LocationParts): string {
  const creds = parts.accessKey ? `${parts.accessKey}:${parts.secretKey ?? ''}@` : '';
  return `${parts.scheme}://${creds}${parts.host}/${parts.bucket}/${parts.key}`;
}

/** `url` with its key pair replaced by `***`, for messages and logs. */
export function redactS3Location(url: string): string {
  const p = parseS3Location(url);
  if (p) return formatS3Location({ ...p, ...(p.accessKey ? { accessKey: '***', secretKey: '***' } : {}) });
  // Unparseable: drop anything that could be a user:password part.
  return url.replace(/^([a-z0-9+.-]+:\/\/)[^/]*@/i, '$1***@');
}

/**
 * `s3_store_host` split into the endpoint URL requests go to (http:// when no scheme is
 * written, as glance_store does) and the host part locations carry (no scheme, no slashes).
 */
export function endpointOf(storeHost: string): { endpoint: string; locationHost: string; https: boolean } {
  const https = /^https:\/\//i.test(storeHost);
  const endpoint = /^https?:\/\//i.test(storeHost) ? storeHost : `http://${storeHost}`;
  const locationHost = storeHost.replace(/^https?:\/\//i, '').replace(/^\/+|\/+$/g, '');
  return { endpoint, locationHost, https };
}

/**
 * The SigV4 region: `s3_store_region_name` when set, else the one an AWS host name carries
 * (`s3-eu-west-1.amazonaws.com`, `s3.eu-west-1.amazonaws.com`), else `us-east-1` (what boto3
 * signs with when glance_store gives it no region).
 */
export function regionOf(regionName: string, storeHost: string): string {
  if (regionName !== '') return regionName;
  return awsRegionOf(storeHost) || 'us-east-1';
}

/** The region an AWS S3 host name names ('' for `s3.amazonaws.com` and non-AWS hosts). */
export function awsRegionOf(storeHost: string): string {
  const host = storeHost.replace(/^https?:\/\//i, '').replace(/[:/].*$/, '').toLowerCase();
  return /^s3[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ?? '';
}

/** True when `host` is an Amazon S3 endpoint (virtual-host addressing is possible). */
export function isAwsHost(storeHost: string): boolean {
  const host = storeHost.replace(/^https?:\/\//i, '').replace(/[:/].*$/, '').toLowerCase();
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

/** A bucket name usable as a DNS label (virtual-host addressing): 3-63 of `a-z0-9-`, no edge `-`. */
export function isDnsBucket(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

/**
 * The addressing style of `s3_store_bucket_url_format`: `path` and `virtual` as written; `auto`
 * is virtual only for an AWS host, no configured region, and a DNS-compatible bucket. (boto3,
 * which glance_store drives, uses path style whenever it is given an endpoint URL, which
 * glance_store does for every non-AWS host and whenever a region is configured.)
 */
export function addressingOf(format: string, storeHost: string, regionName: string, bucket: string): 'path' | 'virtual' {
  if (format === 'virtual') return 'virtual';
  if (format === 'path') return 'path';
  const awsRegion = awsRegionOf(storeHost);
  const knownAws = isAwsHost(storeHost) && (awsRegion !== '' || /^(https?:\/\/)?s3\.amazonaws\.com/i.test(storeHost));
  return knownAws && regionName === '' && isDnsBucket(bucket) ? 'virtual' : 'path';
}

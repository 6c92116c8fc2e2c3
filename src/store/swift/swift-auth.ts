/**
 * Authentication of the swift store's own account, as glance_store does it:
 *
 * - `auth_version = 1` (tempauth, swauth): `GET <auth_address>` with `X-Auth-User`/`X-Auth-Key`;
 *   the storage URL is `X-Storage-Url`, the lifetime `X-Auth-Token-Expires` (seconds).
 * - `auth_version = 3` (Keystone): password authentication of `user` = `project:user`, scoped to
 *   the project, domains from the reference (ids win over names); the storage URL is the
 *   catalog's `swift_store_service_type` endpoint of interface `swift_store_endpoint_type` in
 *   `swift_store_region` (any region when unset).
 * - `swift_store_endpoint`, when set, replaces the storage URL in both cases.
 *
 * Tokens are shared by every request and renewed `swift_store_expire_soon_interval` before they
 * expire, or at once when Swift rejects one (`invalidate`). Concurrent callers share one
 * authentication request. Keystone v2 (`auth_version = 2`) is refused: Keystone no longer has it.
 * Errors never contain the key.
 */
import { request, type Dispatcher } from 'undici';
import { StoreError } from '../errors.js';
import { header } from './swift-http.js';
import { DEFAULT_RETRY, errorCode, isTransientStatus, withRetries } from './swift-retry.js';
import type { SwiftReference } from './swift-references.js';

/** Who authenticates: a reference of the config file, or the credentials of a location URI. */
export type SwiftCredentials = Omit<SwiftReference, 'name'>;

/** Where the storage URL comes from and how requests are made. */
export interface SwiftAuthOptions {
  store: string;
  dispatcher: Dispatcher;
  /** `swift_store_endpoint`: overrides the storage URL. */
  endpoint: string | null;
  region: string | null;
  /** `publicURL`, `internalURL` or `adminURL`. */
  endpointType: string;
  serviceType: string;
  expireSoonMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** A usable token and the account URL it opens. */
export interface SwiftToken {
  token: string;
  /** The account URL, without a trailing slash (`http://host:8080/v1/AUTH_<project>`). */
  storageUrl: string;
  /** Epoch ms, or null when the auth service did not say. */
  expiresAt: number | null;
}

/** One authenticated identity (see the module comment). */
export class SwiftAuth {
  private current: SwiftToken | null = null;
  private pending: Promise<SwiftToken> | null = null;

  constructor(private readonly creds: SwiftCredentials, private readonly opts: SwiftAuthOptions) {
    if (!['1', '3'].includes(creds.authVersion.trim())) {
      throw new StoreError(opts.store, 'bad_config', `Swift auth_version ${creds.authVersion} is not supported (use 3 for Keystone, 1 for tempauth/swauth)`);
    }
  }

  /** A token that will not expire for `expireSoonMs`; authenticates when needed. */
  async token(): Promise<SwiftToken> {
    const t = this.current;
    if (t && (t.expiresAt === null || t.expiresAt - Date.now() > this.opts.expireSoonMs)) return t;
    this.pending ??= this.authenticate().finally(() => { this.pending = null; });
    return this.pending;
  }

  /** Forgets `token` (Swift answered 401 with it), so the next `token()` authenticates again. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }

  private async authenticate(): Promise<SwiftToken> {
    const t = this.creds.authVersion.trim() === '1' ? await this.v1() : await this.v3();
    const storageUrl = (this.opts.endpoint ?? t.storageUrl).replace(/\/+$/, '');
    this.current = { ...t, storageUrl };
    return this.current;
  }

  private async v1(): Promise<SwiftToken> {
    const res = await this.call(this.creds.authAddress, 'GET', { 'x-auth-user': this.creds.user, 'x-auth-key': this.creds.key });
    await res.body.dump();
    const token = header(res, 'x-auth-token') ?? header(res, 'x-storage-token');
    const storageUrl = header(res, 'x-storage-url');
    if (!token || !storageUrl) throw this.failed(`no token or storage URL in the answer (${res.statusCode})`);
    const expires = Number(header(res, 'x-auth-token-expires'));
    return { token, storageUrl, expiresAt: Number.isFinite(expires) && expires > 0 ? Date.now() + expires * 1000 : null };
  }

  private async v3(): Promise<SwiftToken> {
    const [project, user, ...extra] = this.creds.user.split(':');
    if (!project || !user || extra.length > 0) {
      throw new StoreError(this.opts.store, 'bad_config', `Badly formed tenant:user '${this.creds.user}' in the Swift configuration`);
    }
    const domain = (id: string | null, name: string | null) => (id ? { id } : { name: name ?? 'Default' });
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password: this.creds.key, domain: domain(this.creds.userDomainId, this.creds.userDomainName) } } },
        scope: { project: { name: project, domain: domain(this.creds.projectDomainId, this.creds.projectDomainName) } },
      },
    });
    const base = this.creds.authAddress.replace(/\/+$/, '');
    const url = /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
    const res = await this.call(url, 'POST', { 'content-type': 'application/json' }, body);
    const token = header(res, 'x-subject-token');
    const parsed = (await res.body.json().catch(() => null)) as { token?: KeystoneToken } | null;
    if (!token || !parsed?.token) throw this.failed(`no token in Keystone's answer (${res.statusCode})`);
    const expiresAt = parsed.token.expires_at ? Date.parse(parsed.token.expires_at) : NaN;
    return { token, storageUrl: this.opts.endpoint ?? this.catalogUrl(parsed.token), expiresAt: Number.isFinite(expiresAt) ? expiresAt : null };
  }

  private catalogUrl(t: KeystoneToken): string {
    const iface = this.opts.endpointType.replace(/URL$/, '');
    const region = this.opts.region;
    for (const service of t.catalog ?? []) {
      if (service.type !== this.opts.serviceType) continue;
      const ep = (service.endpoints ?? []).find((e) => e.interface === iface && (!region || e.region_id === region || e.region === region));
      if (ep?.url) return ep.url;
    }
    throw new StoreError(this.opts.store, 'bad_config',
      `Cannot find swift service endpoint : no ${this.opts.serviceType} endpoint with interface ${iface}${region ? ` in region ${region}` : ''} in the catalog`);
  }

  private async call(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<Dispatcher.ResponseData> {
    let res: Dispatcher.ResponseData;
    try {
      res = await withRetries(DEFAULT_RETRY, () => request(url, {
        method, headers, body: body ?? null, dispatcher: this.opts.dispatcher,
        headersTimeout: this.opts.headersTimeoutMs, bodyTimeout: this.opts.bodyTimeoutMs,
      }), (r) => {
        if (!isTransientStatus(r.statusCode)) return false;
        r.body.dump().catch(() => undefined);
        return true;
      });
    } catch (err) {
      const code = errorCode(err);
      throw new StoreError(this.opts.store, 'unavailable', `Swift authentication service at ${redactUrl(url)} is unavailable: ${code ?? (err as Error).message}`,
        { cause: err, ...(code ? { errno: code } : {}) });
    }
    if (res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      if (isTransientStatus(res.statusCode)) {
        throw new StoreError(this.opts.store, 'unavailable', `Swift authentication service at ${redactUrl(url)} answered ${res.statusCode}`);
      }
      throw this.failed(`the authentication service answered ${res.statusCode}`);
    }
    return res;
  }

  private failed(why: string): StoreError {
    return new StoreError(this.opts.store, 'bad_config', `Swift authentication as ${this.creds.user} at ${redactUrl(this.creds.authAddress)} failed: ${why}`);
  }
}

interface KeystoneToken {
  expires_at?: string;
  catalog?: { type?: string; endpoints?: { interface?: string; region_id?: string; region?: string; url?: string }[] }[];
}

// An auth address could embed user:password; never show it.
function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

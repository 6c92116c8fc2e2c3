/**
 * The Identity API calls token authentication makes, as keystonemiddleware makes them: the
 * service's own password authentication (`[keystone_authtoken]` credentials), renewed before
 * its token expires, and `GET /v3/auth/tokens` to validate a caller's token (`X-Auth-Token` =
 * the service token, `X-Subject-Token` = the caller's). Validation goes to the identity endpoint
 * of the service token's catalog for the configured `interface` and `region_name`, falling back
 * to `auth_url`.
 *
 * Every call runs on one keep-alive connection pool with connect, header and body deadlines;
 * connection failures are retried `http_request_max_retries` times with a short back-off. The
 * outcome is a TokenInfo, an InvalidToken (Keystone says no) or a KeystoneUnavailable (Keystone
 * could not say). Tokens and passwords are never logged.
 */
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { readFileSync } from 'node:fs';
import type { KeystoneAuthConfig } from '../config/keystone-auth-slice.js';

/** The part of a validated token the image service uses; serialisable (it is what gets cached). */
export interface TokenInfo {
  userId: string;
  userName: string | null;
  userDomainId: string | null;
  projectId: string | null;
  projectName: string | null;
  projectDomainId: string | null;
  /** Set for a domain-scoped token. */
  domainId: string | null;
  /** `'all'` for a system-scoped token. */
  systemScope: string | null;
  /** Role names as Keystone spells them. */
  roles: string[];
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
  /** True when the token comes from an application credential restricted by access rules. */
  accessRules: boolean;
}

/** Keystone examined the token and rejected it (unknown, malformed, revoked or expired). */
export class InvalidToken extends Error {
  constructor(message = 'Token authorization failed') {
    super(message);
    this.name = 'InvalidToken';
  }
}

/** Keystone could not be asked or did not answer usefully (down, timed out, 5xx, bad service credentials). */
export class KeystoneUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeystoneUnavailable';
  }
}

/** The service's own token and where it validates other tokens. */
export interface ServiceToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** Base of the Identity v3 API used for validation, without a trailing slash. */
  validateBase: string;
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const DEFAULT_CONNECT_MS = 5_000;
const DEFAULT_RESPONSE_MS = 10_000;
// keystoneauth renews a token two minutes before it expires; short-lived tokens renew at 3/4 of their life.
const RENEW_MARGIN_MS = 120_000;
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const TOKEN_SHAPE = /^[\x21-\x7e]{1,8192}$/;

/** False for a value no Keystone issues (empty, over 8 KiB, blanks or non-ASCII), which could not even be sent on. */
export function isPlausibleToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** `http://host:5000`, `.../v3/` or `.../v2.0` → the v3 API base `http://host:5000/v3`. */
export function identityV3Base(url: string): string {
  const base = url.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
  return base.endsWith('/v3') ? base : `${base}/v3`;
}

/** Client of the Identity API for token authentication; one per process (it owns a connection pool). */
export class KeystoneClient {
  private readonly agent: Agent;
  private current: ServiceToken | null = null;
  private pending: Promise<ServiceToken> | null = null;

  constructor(private readonly cfg: KeystoneAuthConfig, private readonly logger: Logger) {
    const timeoutMs = cfg.httpTimeoutSeconds !== null && cfg.httpTimeoutSeconds > 0 ? cfg.httpTimeoutSeconds * 1000 : null;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: timeoutMs ?? DEFAULT_RESPONSE_MS,
      bodyTimeout: timeoutMs ?? DEFAULT_RESPONSE_MS,
      connect: {
        timeout: timeoutMs ?? DEFAULT_CONNECT_MS,
        rejectUnauthorized: !cfg.insecure,
        ...(cfg.cafile !== null ? { ca: readFileSync(cfg.cafile) } : {}),
        ...(cfg.certfile !== null ? { cert: readFileSync(cfg.certfile) } : {}),
        ...(cfg.keyfile !== null ? { key: readFileSync(cfg.keyfile) } : {}),
      },
    });
  }

  /**
   * Validates a caller's token. `allowExpired` (granted to callers bearing a service token)
   * accepts a token past its expiry, as Keystone's `allow_expired` does. Throws InvalidToken or
   * KeystoneUnavailable. A 401 to the service token triggers one re-authentication and retry.
   */
  async validate(token: string, opts: { allowExpired?: boolean } = {}): Promise<TokenInfo> {
    // A token Keystone could never have issued is refused without a round trip (and could not be sent as a header).
    if (!isPlausibleToken(token)) throw new InvalidToken('Malformed token');
    for (let attempt = 0; ; attempt++) {
      const service = await this.serviceToken();
      const query = opts.allowExpired ? '?nocatalog&allow_expired=1' : '?nocatalog';
      const res = await this.send('GET', `${service.validateBase}/auth/tokens${query}`, {
        'x-auth-token': service.token,
        'x-subject-token': token,
      });
      if (res.status === 200) return parseToken(res.text);
      if (res.status === 404 || res.status === 400) throw new InvalidToken();
      if (res.status === 401 && attempt === 0) {
        this.logger.info('Keystone rejected the service token; authenticating again');
        if (this.current === service) this.current = null;
        continue;
      }
      this.logger.error({ status: res.status }, 'unexpected answer from Keystone while validating a token');
      throw new KeystoneUnavailable(`Keystone answered HTTP ${res.status} to a token validation`);
    }
  }

  /**
   * The service's own token, authenticating when there is none or it is about to expire.
   * Concurrent callers share one authentication. Throws KeystoneUnavailable.
   */
  async serviceToken(): Promise<ServiceToken> {
    const t = this.current;
    if (t !== null && Date.now() < t.expiresAt - Math.min(RENEW_MARGIN_MS, (t.expiresAt - t.issuedAt) / 4)) return t;
    this.pending ??= this.authenticate().finally(() => { this.pending = null; });
    return this.pending;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async authenticate(): Promise<ServiceToken> {
    const s = this.cfg.service;
    const domain = (id: string | null, name: string | null): object => (id !== null ? { id } : { name });
    const user = s.userId !== null
      ? { id: s.userId, password: s.password }
      : { name: s.username, domain: domain(s.userDomainId, s.userDomainName), password: s.password };
    let scope: object | undefined;
    if (s.projectId !== null) scope = { project: { id: s.projectId } };
    else if (s.projectName !== null) scope = { project: { name: s.projectName, domain: domain(s.projectDomainId, s.projectDomainName) } };
    else if (s.systemScope !== null) scope = { system: { [s.systemScope]: true } };
    else if (s.domainId !== null || s.domainName !== null) scope = { domain: domain(s.domainId, s.domainName) };
    const body = JSON.stringify({ auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } });
    const authBase = identityV3Base(s.authUrl);
    const res = await this.send('POST', `${authBase}/auth/tokens`, { 'content-type': 'application/json' }, body);
    if (res.status !== 201) {
      this.logger.error({ status: res.status, auth_url: s.authUrl }, 'Keystone refused the service credentials of [keystone_authtoken]');
      throw new KeystoneUnavailable(`service authentication failed with HTTP ${res.status}`);
    }
    const header = res.headers['x-subject-token'];
    const token = Array.isArray(header) ? header[0] : header;
    let data: { token?: { issued_at?: string; expires_at?: string; catalog?: CatalogEntry[] } };
    try {
      data = JSON.parse(res.text) as typeof data;
    } catch {
      data = {};
    }
    const expiresAt = Date.parse(data.token?.expires_at ?? '');
    if (token === undefined || Number.isNaN(expiresAt)) throw new KeystoneUnavailable('malformed answer to the service authentication');
    const issued = Date.parse(data.token?.issued_at ?? '');
    const validateBase = this.identityEndpoint(data.token?.catalog ?? []) ?? authBase;
    this.logger.info({ expires_at: data.token?.expires_at, identity_endpoint: validateBase }, 'authenticated with Keystone as the service user');
    const fresh: ServiceToken = { token, issuedAt: Number.isNaN(issued) ? Date.now() : issued, expiresAt, validateBase };
    this.current = fresh;
    return fresh;
  }

  // The catalog's identity endpoint for the configured interface (and region), as a v3 base.
  private identityEndpoint(catalog: CatalogEntry[]): string | null {
    const region = this.cfg.regionName;
    for (const svc of catalog) {
      if (svc.type !== 'identity') continue;
      const ep = (svc.endpoints ?? []).find((e) => e.interface === this.cfg.interface &&
        (region === null || e.region_id === region || e.region === region));
      if (ep?.url) return identityV3Base(ep.url);
    }
    return null;
  }

  // One HTTP exchange with deadlines; connection failures are retried with a doubling back-off.
  private async send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await request(url, {
          method,
          headers: { accept: 'application/json', 'user-agent': 'glance-ts keystone-client', ...headers },
          body,
          dispatcher: this.agent,
        });
        return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE.has(code) && attempt < this.cfg.maxRetries) {
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          continue;
        }
        const where = new URL(url).origin;
        this.logger.error({ keystone: where, code, reason: (err as Error).message }, 'cannot reach Keystone');
        throw new KeystoneUnavailable(`cannot reach Keystone at ${where}: ${code || (err as Error).message}`, { cause: err });
      }
    }
  }
}

interface CatalogEntry {
  type?: string;
  endpoints?: { interface?: string; region_id?: string; region?: string; url?: string }[];
}

interface RawToken {
  user?: { id?: string; name?: string; domain?: { id?: string } };
  project?: { id?: string; name?: string; domain?: { id?: string } };
  domain?: { id?: string };
  system?: Record<string, boolean>;
  roles?: { name?: string }[];
  expires_at?: string;
  application_credential?: { access_rules?: unknown };
}

/** Turns Keystone's validation answer into a TokenInfo; InvalidToken when it lacks the essentials. */
export function parseToken(text: string): TokenInfo {
  let t: RawToken | undefined;
  try {
    t = (JSON.parse(text) as { token?: RawToken }).token;
  } catch {
    t = undefined;
  }
  const expiresAt = Date.parse(t?.expires_at ?? '');
  if (t?.user?.id === undefined || Number.isNaN(expiresAt)) throw new InvalidToken('Invalid token contents');
  const system = t.system ? Object.keys(t.system).find((k) => t!.system![k] === true) ?? null : null;
  return {
    userId: t.user.id,
    userName: t.user.name ?? null,
    userDomainId: t.user.domain?.id ?? null,
    projectId: t.project?.id ?? null,
    projectName: t.project?.name ?? null,
    projectDomainId: t.project?.domain?.id ?? null,
    domainId: t.domain?.id ?? null,
    systemScope: system,
    roles: (t.roles ?? []).map((r) => r.name).filter((n): n is string => typeof n === 'string'),
    expiresAt,
    accessRules: t.application_credential?.access_rules != null,
  };
}

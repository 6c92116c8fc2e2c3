/**
 * A keystoneauth-like session: password authentication with the configured credentials and
 * scope, the token kept and renewed before it expires, and HTTP exchanges with Keystone on one
 * keep-alive pool with connect, header and body deadlines. Connection failures are retried
 * `maxRetries` times with a doubling back-off; anything that keeps Keystone from answering is a
 * KeystoneUnavailable. Token authentication (`[keystone_authtoken]`) and the unified-limits
 * client (`[oslo_limit]`) each own one. Tokens and passwords are never logged.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { ServiceCredentials } from '../config/keystone-auth-slice.js';

/** Keystone could not be asked or did not answer usefully (down, timed out, 5xx, bad service credentials). */
export class KeystoneUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeystoneUnavailable';
  }
}

/** What a session needs: credentials, deadlines, retries and TLS settings. */
export interface KeystoneSessionConfig {
  credentials: ServiceCredentials;
  /** Bounds connect and each response wait, in seconds; null = 5 s connect, 10 s response. */
  timeoutSeconds: number | null;
  /** Retries of a request whose connection failed. */
  maxRetries: number;
  cafile: string | null;
  certfile: string | null;
  keyfile: string | null;
  insecure: boolean;
  /** Names the configuration section in log lines (`[oslo_limit]`). */
  section: string;
}

/** One catalog entry of a token, as much of it as callers read. */
export interface CatalogEntry {
  id?: string;
  type?: string;
  name?: string;
  endpoints?: { id?: string; interface?: string; region_id?: string; region?: string; url?: string }[];
}

/** The session's own token. */
export interface SessionToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
  catalog: CatalogEntry[];
}

/** One HTTP answer, body read as text. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const DEFAULT_CONNECT_MS = 5_000;
const DEFAULT_RESPONSE_MS = 10_000;
// keystoneauth renews a token two minutes before it expires; short-lived tokens renew at 3/4 of their life.
const RENEW_MARGIN_MS = 120_000;
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** `http://host:5000`, `.../v3/` or `.../v2.0` → the v3 API base `http://host:5000/v3`. */
export function identityV3Base(url: string): string {
  const base = url.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
  return base.endsWith('/v3') ? base : `${base}/v3`;
}

/** An authenticated connection to Keystone; one per component (it owns a connection pool). */
export class KeystoneSession {
  private readonly agent: Agent;
  private current: SessionToken | null = null;
  private pending: Promise<SessionToken> | null = null;

  constructor(private readonly cfg: KeystoneSessionConfig, private readonly logger: Logger) {
    const timeoutMs = cfg.timeoutSeconds !== null && cfg.timeoutSeconds > 0 ? cfg.timeoutSeconds * 1000 : null;
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

  /** The v3 base of `auth_url`. */
  get authBase(): string {
    return identityV3Base(this.cfg.credentials.authUrl);
  }

  /**
   * The session's token, authenticating when there is none or it is about to expire.
   * Concurrent callers share one authentication. Throws KeystoneUnavailable.
   */
  async token(): Promise<SessionToken> {
    const t = this.current;
    if (t !== null && Date.now() < t.expiresAt - Math.min(RENEW_MARGIN_MS, (t.expiresAt - t.issuedAt) / 4)) return t;
    this.pending ??= this.authenticate().finally(() => { this.pending = null; });
    return this.pending;
  }

  /** Forgets `token` (Keystone rejected it), so the next `token()` authenticates again. */
  invalidate(token: SessionToken): void {
    if (this.current === token) this.current = null;
  }

  /** One HTTP exchange with deadlines; connection failures are retried with a doubling back-off. */
  async send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await request(url, {
          method,
          headers: { accept: 'application/json', 'user-agent': 'glance-ts keystone-session', ...headers },
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

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async authenticate(): Promise<SessionToken> {
    const s = this.cfg.credentials;
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
    const res = await this.send('POST', `${this.authBase}/auth/tokens`, { 'content-type': 'application/json' }, body);
    if (res.status !== 201) {
      this.logger.error({ status: res.status, auth_url: s.authUrl }, `Keystone refused the service credentials of ${this.cfg.section}`);
      throw new KeystoneUnavailable(`authentication with the credentials of ${this.cfg.section} failed with HTTP ${res.status}`);
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
    if (token === undefined || Number.isNaN(expiresAt)) throw new KeystoneUnavailable('malformed answer to a password authentication');
    const issued = Date.parse(data.token?.issued_at ?? '');
    this.logger.info({ expires_at: data.token?.expires_at, section: this.cfg.section }, 'authenticated with Keystone as the service user');
    const fresh: SessionToken = { token, issuedAt: Number.isNaN(issued) ? Date.now() : issued, expiresAt, catalog: data.token?.catalog ?? [] };
    this.current = fresh;
    return fresh;
  }
}

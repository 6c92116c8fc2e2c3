/**
 * The Identity API calls token authentication makes, as keystonemiddleware makes them: the
 * service's own password authentication (`[keystone_authtoken]` credentials), renewed before
 * its token expires, and `GET /v3/auth/tokens` to validate a caller's token (`X-Auth-Token` =
 * the service token, `X-Subject-Token` = the caller's). Validation goes to the identity endpoint
 * of the service token's catalog for the configured `interface` and `region_name`, falling back
 * to `auth_url`.
 *
 * Every call goes through a KeystoneSession (deadlines, `http_request_max_retries`). The
 * outcome is a TokenInfo, an InvalidToken (Keystone says no) or a KeystoneUnavailable (Keystone
 * could not say). Tokens and passwords are never logged.
 */
import type { Logger } from 'pino';
import type { KeystoneAuthConfig } from '../config/keystone-auth-slice.js';
import { identityV3Base, KeystoneSession, KeystoneUnavailable, type CatalogEntry, type SessionToken } from './keystone-session.js';

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

/** The service's own token and where it validates other tokens. */
interface ServiceToken {
  session: SessionToken;
  /** Base of the Identity v3 API used for validation, without a trailing slash. */
  validateBase: string;
}

const TOKEN_SHAPE = /^[\x21-\x7e]{1,8192}$/;

/** False for a value no Keystone issues (empty, over 8 KiB, blanks or non-ASCII), which could not even be sent on. */
export function isPlausibleToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Client of the Identity API for token authentication; one per process (it owns a connection pool). */
export class KeystoneClient {
  private readonly session: KeystoneSession;
  private current: ServiceToken | null = null;

  constructor(private readonly cfg: KeystoneAuthConfig, private readonly logger: Logger) {
    this.session = new KeystoneSession({
      credentials: cfg.service,
      timeoutSeconds: cfg.httpTimeoutSeconds,
      maxRetries: cfg.maxRetries,
      cafile: cfg.cafile,
      certfile: cfg.certfile,
      keyfile: cfg.keyfile,
      insecure: cfg.insecure,
      section: '[keystone_authtoken]',
    }, logger);
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
      const res = await this.session.send('GET', `${service.validateBase}/auth/tokens${query}`, {
        'x-auth-token': service.session.token,
        'x-subject-token': token,
      });
      if (res.status === 200) return parseToken(res.text);
      if (res.status === 404 || res.status === 400) throw new InvalidToken();
      if (res.status === 401 && attempt === 0) {
        this.logger.info('Keystone rejected the service token; authenticating again');
        this.session.invalidate(service.session);
        continue;
      }
      this.logger.error({ status: res.status }, 'unexpected answer from Keystone while validating a token');
      throw new KeystoneUnavailable(`Keystone answered HTTP ${res.status} to a token validation`);
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.session.close();
  }

  // The service token and its identity endpoint, recomputed when the session renews its token.
  private async serviceToken(): Promise<ServiceToken> {
    const session = await this.session.token();
    if (this.current?.session !== session) {
      this.current = { session, validateBase: this.identityEndpoint(session.catalog) ?? this.session.authBase };
    }
    return this.current;
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

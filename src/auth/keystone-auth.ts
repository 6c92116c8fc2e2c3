/**
 * Keystone token authentication as Glance's pipeline does it (keystonemiddleware in delayed
 * decision mode, then Glance's context middleware): the caller's `X-Auth-Token` must be valid
 * or the request is refused; an `X-Service-Token` that validates adds its roles as service
 * roles (and, when it carries one of `service_token_roles`, lets an expired user token through,
 * as Keystone's `allow_expired` permits); an invalid service token is ignored.
 *
 * Validation results are cached (see token-cache.ts) for `token_cache_time` seconds and never
 * beyond the token's expiry; concurrent requests with the same uncached token share one Keystone
 * call. Refusals are GlanceErrors: Unauthorized (no, invalid, revoked or expired token) or
 * ServiceUnavailable (Keystone cannot be asked).
 */
import type { Logger } from 'pino';
import { ServiceUnavailable, Unauthorized } from '../domain/errors.js';
import { InvalidToken, isPlausibleToken, type TokenInfo } from './keystone-client.js';
import { KeystoneUnavailable } from './keystone-session.js';
import type { RequestContext } from './request-context.js';
import { hashToken, type TokenCache } from './token-cache.js';

/** The validation call KeystoneAuth needs (KeystoneClient implements it). */
export interface TokenValidator {
  validate(token: string, opts?: { allowExpired?: boolean }): Promise<TokenInfo>;
}

/** Settings of KeystoneAuth, from the keystone auth slice. */
export interface KeystoneAuthSettings {
  /** Seconds a validation result may be reused; 0 or less disables caching. */
  tokenCacheTime: number;
  /** Lower-cased role names that make a service token a real one. */
  serviceTokenRoles: string[];
  /** When true, a service token without one of those roles is treated as invalid. */
  serviceTokenRolesRequired: boolean;
}

/** The tokens a request presented (header values, trimmed; undefined when absent). */
export interface PresentedTokens {
  userToken: string | undefined;
  serviceToken: string | undefined;
}

/** Detail of the 503 answered while Keystone cannot validate a token (keystonemiddleware's text). */
export const KEYSTONE_UNAVAILABLE_MESSAGE = 'The Keystone service is temporarily unavailable.';

/**
 * Builds the context of a request from its validated token (and service token, if valid), as
 * Glance's context middleware does: roles lower-cased, administrator when the `admin` role is
 * present (Glance's default `context_is_admin` rule), system scope kept, the token passed on.
 */
export function contextFromToken(requestId: string, token: string, user: TokenInfo, service: TokenInfo | null): RequestContext {
  const roles = user.roles.map((r) => r.toLowerCase());
  return {
    requestId,
    userId: user.userId,
    projectId: user.projectId,
    userDomainId: user.userDomainId,
    projectDomainId: user.projectDomainId,
    roles,
    systemScope: user.systemScope,
    serviceRoles: service === null ? [] : service.roles.map((r) => r.toLowerCase()),
    isAdmin: roles.includes('admin'),
    authToken: token,
  };
}

/** Authenticates requests against Keystone; see the module comment. One per process. */
export class KeystoneAuth {
  private readonly inflight = new Map<string, Promise<TokenInfo>>();

  constructor(
    private readonly validator: TokenValidator,
    private readonly cache: TokenCache,
    private readonly settings: KeystoneAuthSettings,
    private readonly logger: Logger,
  ) {}

  /** The context of a request presenting `tokens`; throws Unauthorized or ServiceUnavailable. */
  async authenticate(requestId: string, tokens: PresentedTokens): Promise<RequestContext> {
    let service: TokenInfo | null = null;
    let allowExpired = false;
    if (tokens.serviceToken !== undefined) {
      try {
        const info = await this.check(tokens.serviceToken, false);
        const roles = new Set(info.roles.map((r) => r.toLowerCase()));
        const hasServiceRole = this.settings.serviceTokenRoles.some((r) => roles.has(r));
        if (hasServiceRole || !this.settings.serviceTokenRolesRequired) service = info;
        else this.logger.info('service token lacks the roles of [keystone_authtoken] service_token_roles; ignoring it');
        allowExpired = hasServiceRole;
      } catch (err) {
        if (!(err instanceof InvalidToken)) throw this.refusal(err);
        this.logger.info('invalid service token; ignoring it');
      }
    }
    if (tokens.userToken === undefined) throw new Unauthorized();
    let user: TokenInfo;
    try {
      user = await this.check(tokens.userToken, allowExpired);
    } catch (err) {
      throw this.refusal(err);
    }
    if (user.accessRules) {
      // Tokens of application credentials with access rules need per-request rule matching,
      // which is not implemented: refusing them is the safe side.
      this.logger.warn({ user_id: user.userId }, 'refusing a token restricted by application credential access rules (not supported yet)');
      throw new Unauthorized();
    }
    return contextFromToken(requestId, tokens.userToken, user, service);
  }

  // A cached result when there is a usable one, else Keystone's answer (then cached).
  private async check(token: string, allowExpired: boolean): Promise<TokenInfo> {
    if (!isPlausibleToken(token)) throw new InvalidToken('Malformed token');
    const cached = await this.cache.get(token);
    if (cached !== null && (allowExpired || cached.expiresAt > Date.now())) return cached;
    const key = `${allowExpired ? 'x' : 'v'}${hashToken(token)}`;
    let call = this.inflight.get(key);
    if (call === undefined) {
      call = this.fetch(token, allowExpired).finally(() => this.inflight.delete(key));
      this.inflight.set(key, call);
    }
    return call;
  }

  private async fetch(token: string, allowExpired: boolean): Promise<TokenInfo> {
    const info = await this.validator.validate(token, { allowExpired });
    const remaining = (info.expiresAt - Date.now()) / 1000;
    if (!allowExpired && remaining <= 0) throw new InvalidToken('Token expired');
    const ttl = Math.min(this.settings.tokenCacheTime, remaining);
    if (ttl >= 1) await this.cache.set(token, info, Math.floor(ttl));
    return info;
  }

  private refusal(err: unknown): Error {
    if (err instanceof InvalidToken) {
      this.logger.info({ reason: err.message }, 'authorization failed for token');
      return new Unauthorized();
    }
    // keystonemiddleware's wording, as WebOb's `detail` under the stock 503 explanation.
    if (err instanceof KeystoneUnavailable) return new ServiceUnavailable('', { detail: KEYSTONE_UNAVAILABLE_MESSAGE, cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }
}

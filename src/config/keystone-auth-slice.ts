/**
 * The Keystone authentication slice: what token validation needs from `[keystone_authtoken]`
 * (keystonemiddleware's options plus keystoneauth's `password` plugin and session options).
 * Built only when `[paste_deploy] flavor` asks for Keystone; a missing or contradictory setting
 * is a ConfigError naming the option, so the API refuses to start rather than failing per request.
 */

import type { Config } from './config.js';
import { ConfigError } from './config-error.js';

const GROUP = 'keystone_authtoken';

/** The service user's own credentials (keystoneauth `password` plugin). */
export interface ServiceCredentials {
  /** Identity URL as configured (`http://controller:5000` or `.../v3`). */
  authUrl: string;
  userId: string | null;
  username: string | null;
  /** Exactly one of id/name is set when `username` is used. */
  userDomainId: string | null;
  userDomainName: string | null;
  password: string;
  /** Scope: a project (by id, or by name within a domain), the system, a domain, or none. */
  projectId: string | null;
  projectName: string | null;
  projectDomainId: string | null;
  projectDomainName: string | null;
  systemScope: string | null;
  domainId: string | null;
  domainName: string | null;
}

/** Where the validated-token cache lives and how it behaves. */
export interface TokenCacheConfig {
  /** `token_cache_time` in seconds; 0 or less disables caching (as keystonemiddleware: -1). */
  tokenCacheTime: number;
  /** `memcached_servers` as `host:port`; empty means the in-process cache. */
  memcachedServers: string[];
  /** `memcache_security_strategy`, lower-cased. */
  securityStrategy: 'none' | 'mac' | 'encrypt';
  /** `memcache_secret_key`; required unless the strategy is `none`. */
  secretKey: string | null;
  /** `memcache_pool_dead_retry`: seconds a failed memcached server is skipped. */
  deadRetrySeconds: number;
  /** `memcache_pool_socket_timeout`: seconds for one memcached operation. */
  socketTimeoutSeconds: number;
  /** Entries kept by the in-process cache (least recently used go first). */
  maxEntries: number;
}

/** Everything Keystone token authentication needs. */
export interface KeystoneAuthConfig {
  /** `www_authenticate_uri` (or its older name `auth_uri`), else `auth_url`; sent in 401s. */
  wwwAuthenticateUri: string;
  service: ServiceCredentials;
  /** `interface`: which catalog endpoint of the identity service validates tokens. */
  interface: string;
  /** `region_name`: restricts the catalog lookup to one region when set. */
  regionName: string | null;
  /** `http_connect_timeout` in seconds (bounds connect and each response wait), null = default. */
  httpTimeoutSeconds: number | null;
  /** `http_request_max_retries`: retries of a request whose connection failed. */
  maxRetries: number;
  cafile: string | null;
  certfile: string | null;
  keyfile: string | null;
  insecure: boolean;
  cache: TokenCacheConfig;
  /** `service_token_roles`, lower-cased. */
  serviceTokenRoles: string[];
  serviceTokenRolesRequired: boolean;
  /** `[DEFAULT] allow_anonymous_access` (not supported with Keystone yet: callers warn). */
  allowAnonymousAccess: boolean;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/** True when `[paste_deploy] flavor` selects Keystone authentication (with or without the cache filters). */
export function isKeystoneFlavor(flavor: string | null): boolean {
  if (flavor === null) return false;
  return ['keystone', 'keystone+caching', 'keystone+cachemanagement'].includes(flavor.trim().toLowerCase());
}

/**
 * Reads keystoneauth's `password` plugin options of `group` (`[keystone_authtoken]`,
 * `[oslo_limit]`); throws ConfigError naming the option when the credentials cannot work.
 */
export function serviceCredentials(c: Config, group: string): ServiceCredentials {
  const str = optionalString(c, group);
  const where = (name: string): string => {
    const at = c.origin(group, name);
    return at ? `${at.file} [${at.section}] ${name}` : `[${group}] ${name}`;
  };
  const authType = (str('auth_type') ?? '').toLowerCase();
  if (authType !== 'password' && authType !== 'v3password') {
    throw new ConfigError(`${where('auth_type')}: glance-ts supports the "password" auth plugin only, got ${JSON.stringify(str('auth_type') ?? '')}`);
  }
  const authUrl = str('auth_url');
  if (authUrl === null) throw new ConfigError(`[${group}] auth_url is not set`);
  const password = c.get<string | null>(group, 'password');
  if (password === null || password === '') throw new ConfigError(`[${group}] password is not set`);
  const userId = str('user_id');
  const username = str('username');
  if (userId === null && username === null) throw new ConfigError(`[${group}] username (or user_id) is not set`);
  // keystoneauth's generic plugin falls back on default_domain_* for both user and project.
  const defaultDomainId = str('default_domain_id');
  const defaultDomainName = str('default_domain_name');
  const userDomainId = str('user_domain_id') ?? (str('user_domain_name') === null ? defaultDomainId : null);
  const userDomainName = userDomainId === null ? (str('user_domain_name') ?? defaultDomainName) : null;
  if (userId === null && userDomainId === null && userDomainName === null) {
    throw new ConfigError(`[${group}] user_domain_name (or user_domain_id) is required with username`);
  }
  const projectId = str('project_id');
  const projectName = str('project_name');
  const projectDomainId = str('project_domain_id') ?? (str('project_domain_name') === null ? defaultDomainId : null);
  const projectDomainName = projectDomainId === null ? (str('project_domain_name') ?? defaultDomainName) : null;
  if (projectId === null && projectName !== null && projectDomainId === null && projectDomainName === null) {
    throw new ConfigError(`[${group}] project_domain_name (or project_domain_id) is required with project_name`);
  }
  return {
    authUrl, userId, username, userDomainId, userDomainName, password,
    projectId, projectName, projectDomainId, projectDomainName,
    systemScope: str('system_scope'),
    domainId: str('domain_id'),
    domainName: str('domain_name'),
  };
}

/** A reader of `group`'s string options: trimmed, with blank values as null. */
export function optionalString(c: Config, group: string): (name: string) => string | null {
  return (name) => {
    const v = c.get<string | null>(group, name);
    return v === null || v.trim() === '' ? null : v.trim();
  };
}

/** Builds the slice; throws ConfigError when the service credentials cannot work. */
export function keystoneAuthSlice(c: Config): KeystoneAuthConfig {
  const str = optionalString(c, GROUP);
  const where = (name: string): string => {
    const at = c.origin(GROUP, name);
    return at ? `${at.file} [${at.section}] ${name}` : `[${GROUP}] ${name}`;
  };
  const service = serviceCredentials(c, GROUP);
  const strategy = (str('memcache_security_strategy') ?? 'None').toLowerCase() as 'none' | 'mac' | 'encrypt';
  const secretKey = c.get<string | null>(GROUP, 'memcache_secret_key');
  if (strategy !== 'none' && (secretKey === null || secretKey === '')) {
    throw new ConfigError(`${where('memcache_security_strategy')}: ${strategy.toUpperCase()} needs memcache_secret_key`);
  }
  const int = (name: string, dflt: number): number => c.get<number | null>(GROUP, name) ?? dflt;

  return {
    wwwAuthenticateUri: str('www_authenticate_uri') ?? str('auth_uri') ?? service.authUrl,
    service,
    interface: (str('interface') ?? 'internal').toLowerCase().replace(/url$/, ''),
    regionName: str('region_name'),
    httpTimeoutSeconds: c.get<number | null>(GROUP, 'http_connect_timeout') ?? c.get<number | null>(GROUP, 'timeout'),
    maxRetries: int('http_request_max_retries', 3),
    cafile: str('cafile'),
    certfile: str('certfile'),
    keyfile: str('keyfile'),
    insecure: c.get<boolean>(GROUP, 'insecure'),
    cache: {
      tokenCacheTime: int('token_cache_time', 300),
      memcachedServers: (c.get<string[] | null>(GROUP, 'memcached_servers') ?? []).map((s) => s.trim()).filter((s) => s !== ''),
      securityStrategy: strategy,
      secretKey: strategy === 'none' ? null : secretKey,
      deadRetrySeconds: int('memcache_pool_dead_retry', 300),
      socketTimeoutSeconds: int('memcache_pool_socket_timeout', 3),
      maxEntries: DEFAULT_MAX_ENTRIES,
    },
    serviceTokenRoles: (c.get<string[] | null>(GROUP, 'service_token_roles') ?? ['service']).map((r) => r.trim().toLowerCase()),
    serviceTokenRolesRequired: c.get<boolean>(GROUP, 'service_token_roles_required'),
    allowAnonymousAccess: c.get<boolean>('DEFAULT', 'allow_anonymous_access'),
  };
}

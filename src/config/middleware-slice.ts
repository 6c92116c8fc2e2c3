/**
 * Slices of the oslo.middleware filters Glance puts in front of every paste pipeline
 * (`cors healthcheck http_proxy_to_wsgi ...`): `[healthcheck]`, `[cors]` and
 * `[oslo_middleware] enable_proxy_headers_parsing`. Each filter gets its own slice.
 */
import { isIP } from 'node:net';
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';

/**
 * What Glance's glance-api-paste.ini passes to the healthcheck filter. paste values override the
 * configuration file in oslo.middleware; glance-ts has no paste file, so these are only the
 * defaults and `[healthcheck]` settings win.
 */
export const GLANCE_PASTE_HEALTHCHECK = {
  backends: ['disable_by_file'],
  disableByFilePath: '/etc/glance/healthcheck_disable',
} as const;

/** One `allowed_source_ranges` entry: a network address and prefix length. */
export interface SourceRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `[healthcheck]`. */
export interface HealthcheckConfig {
  /** The exact request path answered (default `/healthcheck`). */
  path: string;
  /** `detailed`: per-check details, server facts, and the database and store probes. */
  detailed: boolean;
  /** Backend names in order (`disable_by_file`, `disable_by_files_ports`; others are ignored). */
  backends: string[];
  /** `disable_by_file_path`: its existence turns the check to 503. */
  disableByFilePath: string | null;
  /** `disable_by_file_paths`: `port:path` pairs of the `disable_by_files_ports` backend. */
  disableByFilePaths: Array<{ port: number; path: string }>;
  /** `allowed_source_ranges`: when non-empty, other clients' requests go on to the API. */
  allowedSourceRanges: SourceRange[];
  /** `ignore_proxied_requests`: requests carrying X-Forwarded headers go on to the API. */
  ignoreProxiedRequests: boolean;
}

/** `[cors]` (Glance's defaults are set in the option registry, as `set_defaults` does). */
export interface CorsConfig {
  /** `allowed_origin`; empty: no CORS headers are ever added. `*` allows any origin. */
  allowedOrigins: string[];
  allowCredentials: boolean;
  exposeHeaders: string[];
  /** Seconds; 0 or null: no `Access-Control-Max-Age`. */
  maxAge: number | null;
  allowMethods: string[];
  allowHeaders: string[];
}

/** `[oslo_middleware] enable_proxy_headers_parsing`. */
export interface ProxyHeadersConfig {
  /** Trust `Forwarded` / `X-Forwarded-Proto` / `X-Forwarded-Host` for building URLs. */
  enabled: boolean;
}

const where = (c: Config, group: string, name: string): string => {
  const at = c.origin(group, name);
  return at ? `${at.file} [${at.section}] ${at.key}` : `[${group}] ${name}`;
};

const items = (values: readonly string[] | null): string[] => (values ?? []).map((v) => v.trim()).filter((v) => v !== '');

// ipaddress.ip_network's input: an address, optionally with a prefix length.
function parseRange(c: Config, text: string): SourceRange {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  const version = isIP(address);
  const max = version === 6 ? 128 : 32;
  const prefix = prefixText === null ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  // NaN fails the comparison too.
  if (version === 0 || !(prefix <= max)) {
    throw new ConfigError(`${where(c, 'healthcheck', 'allowed_source_ranges')}: expected IP networks such as 10.0.0.0/8, got ${JSON.stringify(text)}`);
  }
  return { address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' };
}

/** Builds the healthcheck slice; throws ConfigError for a bad network or `port:path` entry. */
export function healthcheckSlice(c: Config): HealthcheckConfig {
  const backends = c.isSet('healthcheck', 'backends')
    ? items(c.get<string[]>('healthcheck', 'backends'))
    : [...GLANCE_PASTE_HEALTHCHECK.backends];
  const file = c.get<string | null>('healthcheck', 'disable_by_file_path');
  const disableByFilePaths = items(c.get<string[]>('healthcheck', 'disable_by_file_paths')).map((entry) => {
    const colon = entry.indexOf(':');
    const port = Number(entry.slice(0, colon));
    if (colon <= 0 || !Number.isInteger(port) || entry.slice(colon + 1) === '') {
      throw new ConfigError(`${where(c, 'healthcheck', 'disable_by_file_paths')}: expected port:path pairs, got ${JSON.stringify(entry)}`);
    }
    return { port, path: entry.slice(colon + 1) };
  });
  return {
    path: c.get<string>('healthcheck', 'path'),
    detailed: c.get<boolean>('healthcheck', 'detailed'),
    backends,
    disableByFilePath: c.isSet('healthcheck', 'disable_by_file_path') ? (file || null) : GLANCE_PASTE_HEALTHCHECK.disableByFilePath,
    disableByFilePaths,
    allowedSourceRanges: items(c.get<string[]>('healthcheck', 'allowed_source_ranges')).map((r) => parseRange(c, r)),
    ignoreProxiedRequests: c.get<boolean>('healthcheck', 'ignore_proxied_requests'),
  };
}

/** Builds the `[cors]` slice. */
export function corsSlice(c: Config): CorsConfig {
  return {
    allowedOrigins: items(c.get<string[] | null>('cors', 'allowed_origin')),
    allowCredentials: c.get<boolean>('cors', 'allow_credentials'),
    exposeHeaders: items(c.get<string[]>('cors', 'expose_headers')),
    maxAge: c.get<number | null>('cors', 'max_age'),
    allowMethods: items(c.get<string[]>('cors', 'allow_methods')),
    allowHeaders: items(c.get<string[]>('cors', 'allow_headers')),
  };
}

/** Builds the proxy-headers slice. */
export function proxyHeadersSlice(c: Config): ProxyHeadersConfig {
  return { enabled: c.get<boolean>('oslo_middleware', 'enable_proxy_headers_parsing') };
}

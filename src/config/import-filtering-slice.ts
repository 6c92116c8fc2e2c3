/**
 * The `[import_filtering_opts]` slice: the allow- and deny-lists that a `web-download` URI (and
 * every redirect it leads to) must pass. The precedence rules (a non-empty allow-list makes
 * the matching deny-list ignored) are applied by `src/import/uri-filter.ts`, not here, so a
 * slice built by hand behaves the same as one read from a file.
 */

import type { Config } from './config.js';

const GROUP = 'import_filtering_opts';

/** The six lists, as configured (schemes and hosts lower-cased). */
export interface ImportFilteringConfig {
  /** Default `[http, https]`. */
  allowedSchemes: readonly string[];
  disallowedSchemes: readonly string[];
  /** Host names or IP literals; listing one also exempts it from the loopback/link-local refusal. */
  allowedHosts: readonly string[];
  disallowedHosts: readonly string[];
  /** Default `[80, 443]`. */
  allowedPorts: readonly number[];
  disallowedPorts: readonly number[];
}

/** Reads the slice; option types and port ranges are already enforced by the option registry. */
export function importFilteringSlice(c: Config): ImportFilteringConfig {
  const lower = (name: string) => c.get<string[]>(GROUP, name).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  return {
    allowedSchemes: lower('allowed_schemes'),
    disallowedSchemes: lower('disallowed_schemes'),
    allowedHosts: lower('allowed_hosts'),
    disallowedHosts: lower('disallowed_hosts'),
    allowedPorts: c.get<number[]>(GROUP, 'allowed_ports'),
    disallowedPorts: c.get<number[]>(GROUP, 'disallowed_ports'),
  };
}

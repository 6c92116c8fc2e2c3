/**
 * The `[oslo_policy]` slice: which default rules apply, how scope is enforced, and where the
 * operator's rule overrides are looked for.
 */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Config } from './config.js';

/** What the policy engine needs from the configuration. */
export interface PolicyConfig {
  /** `enforce_new_defaults`: the secure-RBAC defaults only (true) or also the deprecated ones. */
  enforceNewDefaults: boolean;
  /** `enforce_scope`: deny rules whose scope types do not include the token's scope. */
  enforceScope: boolean;
  /** `policy_default_rule`: the rule applied to an action no rule is registered for. */
  defaultRule: string;
  /** `policy_file` as configured (relative names are searched for in `searchDirs`). */
  policyFile: string;
  /** `policy_dirs` as configured (each searched for like `policyFile`). */
  policyDirs: string[];
  /** True when `policy_file` was set explicitly (a missing file is then worth a warning). */
  policyFileSet: boolean;
  /**
   * Where relative names are looked for, first match wins, as oslo.config's `find_file` does:
   * the directories of the loaded configuration files (last loaded first), then `~/.glance`,
   * `~`, `/etc/glance` and `/etc`.
   */
  searchDirs: string[];
}

/** Builds the policy slice from the loaded configuration. */
export function policySlice(c: Config): PolicyConfig {
  const loadedDirs = [...c.sources()].reverse().map((f) => dirname(f));
  const home = homedir();
  const searchDirs = [...new Set([...loadedDirs, join(home, '.glance'), home, '/etc/glance', '/etc'])];
  return {
    enforceNewDefaults: c.get<boolean>('oslo_policy', 'enforce_new_defaults'),
    enforceScope: c.get<boolean>('oslo_policy', 'enforce_scope'),
    defaultRule: c.get<string>('oslo_policy', 'policy_default_rule'),
    policyFile: c.get<string>('oslo_policy', 'policy_file'),
    policyDirs: c.get<string[]>('oslo_policy', 'policy_dirs'),
    policyFileSet: c.isSet('oslo_policy', 'policy_file'),
    searchDirs,
  };
}

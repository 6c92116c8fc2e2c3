/**
 * Reads the operator's rule overrides: `[oslo_policy] policy_file` (YAML or JSON — YAML 1.2
 * reads both) and then every file of each `policy_dirs` directory, in name order, later files
 * overriding earlier ones. Relative names are searched for like oslo.config's `find_file`.
 * A missing file or directory is not an error (the defaults from code apply); a file that
 * cannot be parsed, or whose rules are not strings or lists, stops start-up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import type { PolicyConfig } from '../config/policy-slice.js';
import type { RuleSource } from './rule-parser.js';

/** The overrides found, and the files they came from (for the start-up log). */
export interface PolicyOverrides {
  rules: Record<string, RuleSource>;
  files: string[];
}

/** Finds `name` in `dirs` (an absolute name is used as is); null when nowhere. */
export function findPolicyPath(name: string, dirs: string[]): string | null {
  if (isAbsolute(name)) return existsSync(name) ? name : null;
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Parses one policy file's text; `file` names it in errors. */
export function parsePolicyText(text: string, file: string): Record<string, RuleSource> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not a valid YAML or JSON policy file: ${(err as Error).message}`, { cause: err });
  }
  // A file of comments only (the shipped sample) holds no rules.
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`${file}: expected a mapping of rule names to rules`);
  }
  const rules: Record<string, RuleSource> = {};
  for (const [name, rule] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof rule !== 'string' && !Array.isArray(rule)) {
      throw new ConfigError(`${file}: rule "${name}" must be a string (or the legacy list form), got ${JSON.stringify(rule)}`);
    }
    rules[name] = rule;
  }
  return rules;
}

function readPolicyFile(file: string): Record<string, RuleSource> {
  return parsePolicyText(readFileSync(file, 'utf8'), file);
}

/**
 * Loads the overrides the slice points at. `warn` hears about an explicitly configured
 * `policy_file` that does not exist.
 */
export function loadPolicyOverrides(cfg: PolicyConfig, warn: (message: string) => void = () => {}): PolicyOverrides {
  const rules: Record<string, RuleSource> = {};
  const files: string[] = [];
  const mainFile = findPolicyPath(cfg.policyFile, cfg.searchDirs);
  if (mainFile !== null && statSync(mainFile).isFile()) {
    Object.assign(rules, readPolicyFile(mainFile));
    files.push(mainFile);
  } else if (cfg.policyFileSet) {
    warn(`[oslo_policy] policy_file ${cfg.policyFile} was not found; the default rules apply`);
  }
  for (const dirName of cfg.policyDirs) {
    const dir = findPolicyPath(dirName, cfg.searchDirs);
    if (dir === null || !statSync(dir).isDirectory()) continue;
    // Sub-directories and hidden files are skipped, as oslo.policy does.
    const names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
    for (const name of names) {
      const file = join(dir, name);
      if (!statSync(file).isFile()) continue;
      Object.assign(rules, readPolicyFile(file));
      files.push(file);
    }
  }
  return { rules, files };
}

/**
 * The rule engine: Glance's registered defaults, the operator's overrides, and the decision
 * for one action on one target with one caller's credentials — what oslo.policy's Enforcer
 * does for Glance, rebuilt.
 *
 * Effective rule of a registered action: the policy file's rule when it overrides it; else the
 * default, ORed with the deprecated default when `enforce_new_defaults` is false. An action no
 * rule exists for is judged by `policy_default_rule` (denied when that rule is missing too).
 * Scope: a token whose scope (system, domain or project) is not among the rule's scope types is
 * denied when `enforce_scope` is true; otherwise the rule is evaluated as usual.
 */
import type { PolicyConfig } from '../config/policy-slice.js';
import { GLANCE_DEFAULT_RULES, type RuleDefault } from './default-rules.js';
import { loadPolicyOverrides } from './policy-files.js';
import { evaluateCheck, type PolicyCredentials, type PolicyTarget } from './rule-evaluator.js';
import { formatCheck, parseRule, type PolicyCheck, type RuleSource } from './rule-parser.js';

/** How the engine is built; see the module comment for the semantics. */
export interface PolicyEngineOptions {
  enforceNewDefaults: boolean;
  enforceScope: boolean;
  /** `policy_default_rule` (Glance: `default`). */
  defaultRule: string;
  /** Rules from the policy file(s); they replace the defaults of the same name. */
  overrides?: Readonly<Record<string, RuleSource>>;
  /** The registered defaults; Glance's when omitted. */
  defaults?: readonly RuleDefault[];
}

/** The outcome of one decision. `scope` means denied because of the token's scope. */
export type PolicyDecision = 'allow' | 'deny' | 'scope';

/** Decides actions. Immutable once built; safe to share between requests. */
export class PolicyEngine {
  readonly enforceNewDefaults: boolean;
  readonly enforceScope: boolean;
  private readonly rules = new Map<string, PolicyCheck>();
  private readonly scopes = new Map<string, string[]>();
  private readonly defaultRule: string;

  constructor(opts: PolicyEngineOptions) {
    this.enforceNewDefaults = opts.enforceNewDefaults;
    this.enforceScope = opts.enforceScope;
    this.defaultRule = opts.defaultRule;
    const overrides = opts.overrides ?? {};
    for (const rule of opts.defaults ?? GLANCE_DEFAULT_RULES) {
      if (rule.scopeTypes !== undefined) this.scopes.set(rule.name, rule.scopeTypes);
      if (Object.prototype.hasOwnProperty.call(overrides, rule.name)) continue;
      const current = parseRule(rule.check);
      const legacy = !opts.enforceNewDefaults && rule.deprecated !== undefined && rule.deprecated !== rule.check;
      this.rules.set(rule.name, legacy ? { kind: 'or', checks: [current, parseRule(rule.deprecated!)] } : current);
    }
    for (const [name, source] of Object.entries(overrides)) this.rules.set(name, parseRule(source));
  }

  /** The decision for `action` on `target` by the caller `creds`. */
  decide(action: string, target: PolicyTarget, creds: PolicyCredentials): PolicyDecision {
    const scopeTypes = this.scopes.get(action);
    if (this.enforceScope && scopeTypes !== undefined && !scopeTypes.includes(tokenScope(creds))) return 'scope';
    const rule = this.rules.get(action) ?? this.rules.get(this.defaultRule);
    if (rule === undefined) return 'deny';
    return evaluateCheck(rule, target, creds, (name) => this.rules.get(name)) ? 'allow' : 'deny';
  }

  /** True when `action` is allowed (scope included). */
  allows(action: string, target: PolicyTarget, creds: PolicyCredentials): boolean {
    return this.decide(action, target, creds) === 'allow';
  }

  /**
   * Evaluates an ad-hoc `check` (not a registered action: no scope check) against the engine's
   * rules, which its `rule:` references resolve to. Property protections' `policies` format uses it.
   */
  evaluate(check: PolicyCheck, target: PolicyTarget, creds: PolicyCredentials): boolean {
    return evaluateCheck(check, target, creds, (name) => this.rules.get(name));
  }

  /** The effective rule of `name` in the text form, or undefined; for logs and tests. */
  describe(name: string): string | undefined {
    const rule = this.rules.get(name);
    return rule === undefined ? undefined : formatCheck(rule);
  }
}

// oslo.context's notion of a token's scope: system beats domain beats project.
function tokenScope(creds: PolicyCredentials): string {
  if (creds.system_scope) return 'system';
  if (creds.domain_id) return 'domain';
  return 'project';
}

/**
 * Builds the engine the configuration describes: Glance's defaults plus the overrides of
 * `policy_file` and `policy_dirs`. Throws ConfigError for an unreadable policy file.
 */
export function policyEngineFromConfig(cfg: PolicyConfig, warn: (message: string) => void = () => {}): { engine: PolicyEngine; files: string[] } {
  const overrides = loadPolicyOverrides(cfg, warn);
  const engine = new PolicyEngine({
    enforceNewDefaults: cfg.enforceNewDefaults,
    enforceScope: cfg.enforceScope,
    defaultRule: cfg.defaultRule,
    overrides: overrides.rules,
  });
  return { engine, files: overrides.files };
}

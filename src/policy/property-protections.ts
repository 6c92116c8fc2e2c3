/**
 * Property protections (`[DEFAULT] property_protection_file`): which callers may create, read,
 * update and delete which extra properties of an image, as Glance's property rules decide it.
 *
 * The file is INI. Each section name is a regular expression; a property is governed by the
 * first section (in file order) whose expression is found anywhere in its name (search, not
 * full match). A property no section matches is denied for every operation. Glance's internal
 * `os_glance…` properties are governed by a synthetic first section allowing everyone.
 *
 * Each section must set `create`, `read`, `update` and `delete`:
 * - `roles` format: a comma list of roles (compared lower-cased with the caller's roles and
 *   service-token roles); `@` = everyone, `!` = nobody; `@` and `!` together are an error.
 * - `policies` format: one policy rule name, evaluated by the PolicyEngine as `rule:<name>`
 *   with the image as target (the new image on create); `@` and `!` keep their meaning.
 * An empty value allows nobody (with a warning at start-up).
 *
 * Any problem with the file (not found, INI syntax, invalid expression, missing operation,
 * `@` with `!`, several policies for one operation) stops start-up with a ConfigError naming it.
 */
import { readFileSync, statSync } from 'node:fs';
import type { RequestContext } from '../auth/request-context.js';
import { ConfigError } from '../config/config-error.js';
import { parseIni, type IniValue } from '../config/ini-parser.js';
import { Forbidden } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { PolicyEngine } from './policy-engine.js';
import { findPolicyPath } from './policy-files.js';
import { imageTarget, policyCredentials } from './policy-target.js';
import { parseRule, type PolicyCheck } from './rule-parser.js';

/** The four operations a section governs. */
export type PropertyOperation = 'create' | 'read' | 'update' | 'delete';

const OPERATIONS: readonly PropertyOperation[] = ['create', 'read', 'update', 'delete'];

/** Who may perform one operation on the properties of one section. */
type Permission =
  | { kind: 'everyone' }
  | { kind: 'nobody' }
  | { kind: 'roles'; roles: ReadonlySet<string> }
  | { kind: 'policy'; check: PolicyCheck };

interface ProtectionSection {
  /** The section name as written (the expression). */
  name: string;
  pattern: RegExp;
  ops: Record<PropertyOperation, Permission>;
}

/** The file's rule format (`property_protection_rule_format`). */
export type PropertyRuleFormat = 'roles' | 'policies';

/** Where the rules come from. */
export interface PropertyProtectionOptions {
  /** `property_protection_file`; a relative name is searched for in `searchDirs`. */
  file: string;
  format: PropertyRuleFormat;
  /** Where relative names are looked for (the policy slice's `searchDirs`). */
  searchDirs: string[];
  /** Evaluates `policies`-format rules. */
  engine: PolicyEngine;
  warn?: (message: string) => void;
}

const EVERYONE: Permission = { kind: 'everyone' };

// Glance's own `os_glance…` bookkeeping properties are never protected.
const INTERNAL_SECTION: ProtectionSection = {
  name: 'os_glance.*',
  pattern: /os_glance.*/,
  ops: { create: EVERYONE, read: EVERYONE, update: EVERYONE, delete: EVERYONE },
};

/** The loaded rules. Immutable; share one per process. */
export class PropertyProtections {
  private constructor(
    /** The file the rules were read from. */
    readonly file: string,
    private readonly sections: readonly ProtectionSection[],
    private readonly engine: PolicyEngine,
  ) {}

  /** Reads and checks the file the options name; throws ConfigError naming it. */
  static load(opts: PropertyProtectionOptions): PropertyProtections {
    const path = findPolicyPath(opts.file, opts.searchDirs);
    if (path === null || !statSync(path).isFile()) {
      throw new ConfigError(`[DEFAULT] property_protection_file: property protection file ${opts.file} was not found`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${path}: cannot read the property protection file: ${(err as Error).message}`, { cause: err });
    }
    return PropertyProtections.parse(text, path, opts.format, opts.engine, opts.warn);
  }

  /** Builds the rules from the text of a file; `file` names it in errors. */
  static parse(text: string, file: string, format: PropertyRuleFormat, engine: PolicyEngine,
    warn: (message: string) => void = () => {}): PropertyProtections {
    const sections = readSections(text, file).map((section) => compileSection(section, file, format, warn));
    return new PropertyProtections(file, [INTERNAL_SECTION, ...sections], engine);
  }

  /** True when the caller may perform `op` on extra property `name` of `image`. */
  allows(ctx: RequestContext, image: Image, name: string, op: PropertyOperation): boolean {
    const section = this.sections.find((s) => s.pattern.test(name));
    if (section === undefined) return false;
    const permission = section.ops[op];
    switch (permission.kind) {
      case 'everyone': return true;
      case 'nobody': return false;
      case 'roles': {
        const creds = policyCredentials(ctx);
        return [...(creds.roles as string[]), ...ctx.serviceRoles].some((r) => permission.roles.has(r.toLowerCase()));
      }
      case 'policy':
        return this.engine.evaluate(permission.check, imageTarget(ctx, image), policyCredentials(ctx));
    }
  }

  /** Throws Glance's 403 "Attribute '<name>' is reserved." unless the caller may `op` `name`. */
  assertAllowed(ctx: RequestContext, image: Image, name: string, op: PropertyOperation): void {
    if (!this.allows(ctx, image, name, op)) throw new Forbidden(`Attribute '${name}' is reserved.`);
  }

  /**
   * The image as the caller may read it: extra properties it may not read are left out (the
   * input is not modified; returned as is when nothing is hidden).
   */
  readableImage(ctx: RequestContext, image: Image): Image {
    const names = Object.keys(image.properties);
    const hidden = names.filter((name) => !this.allows(ctx, image, name, 'read'));
    if (hidden.length === 0) return image;
    const properties: Image['properties'] = {};
    for (const name of names) if (!hidden.includes(name)) properties[name] = image.properties[name]!;
    return { ...image, properties };
  }

  /**
   * `patched` (a change of the caller's readable view of `original`) with the extra properties
   * of `original` the caller may not read put back, so they survive the save untouched.
   */
  withUnreadable(ctx: RequestContext, original: Image, patched: Image): Image {
    const hidden = Object.keys(original.properties).filter((name) => !this.allows(ctx, original, name, 'read'));
    if (hidden.length === 0) return patched;
    const properties = { ...patched.properties };
    for (const name of hidden) properties[name] = original.properties[name]!;
    return { ...patched, properties };
  }
}

/** One section as written: name and its operation values (the `[DEFAULT]` ones as fallbacks). */
interface RawSection {
  name: string;
  line: number;
  values: Map<string, IniValue>;
}

// The INI reader normalises section names (lower case); the expressions are case-sensitive,
// so sections are regrouped by the name as written. Keys are case-insensitive, as in Python's
// configparser, and `[DEFAULT]` supplies values missing from every section.
function readSections(text: string, file: string): RawSection[] {
  const ini = parseIni(text, file);
  const defaults = new Map<string, IniValue>();
  const byName = new Map<string, RawSection>();
  for (const [normalized, keys] of ini.sections) {
    const line = ini.sectionLines.get(normalized) ?? 0;
    if (keys.size === 0 && normalized !== 'DEFAULT') byName.set(normalized, { name: normalized, line, values: new Map() });
    for (const values of keys.values()) {
      for (const value of values) {
        const target = normalized === 'DEFAULT' ? defaults : sectionFor(byName, value);
        const key = value.key.toLowerCase();
        if (target.has(key)) {
          throw new ConfigError(`${file}:${value.line}: [${value.section}] ${key} is set more than once`);
        }
        target.set(key, value);
      }
    }
  }
  const sections = [...byName.values()].sort((a, b) => a.line - b.line);
  for (const section of sections) {
    for (const [key, value] of defaults) if (!section.values.has(key)) section.values.set(key, value);
  }
  return sections;
}

function sectionFor(byName: Map<string, RawSection>, value: IniValue): Map<string, IniValue> {
  let section = byName.get(value.section);
  if (section === undefined) {
    section = { name: value.section, line: value.line, values: new Map() };
    byName.set(value.section, section);
  }
  section.line = Math.min(section.line, value.line);
  return section.values;
}

function compileSection(raw: RawSection, file: string, format: PropertyRuleFormat,
  warn: (message: string) => void): ProtectionSection {
  let pattern: RegExp;
  try {
    // Python's named groups `(?P<name>…)` are written `(?<name>…)` in JavaScript.
    pattern = new RegExp(raw.name.replace(/\(\?P</g, '(?<'));
  } catch (err) {
    throw new ConfigError(`${file}: [${raw.name}] is not a valid regular expression: ${(err as Error).message}`, { cause: err });
  }
  const ops = {} as Record<PropertyOperation, Permission>;
  for (const op of OPERATIONS) {
    const value = raw.values.get(op);
    if (value === undefined) {
      throw new ConfigError(`${file}: [${raw.name}] has no "${op}" rule (each section needs create, read, update and delete)`);
    }
    const where = `${file}:${value.line}: [${raw.name}] ${op} = ${value.value}`;
    const text = value.value.trim();
    if (text === '') {
      warn(`${file}: [${raw.name}] ${op} is empty; nobody may ${op} these properties`);
      ops[op] = { kind: 'nobody' };
    } else if (format === 'policies') {
      if (text.includes(',')) throw new ConfigError(`${where}: only one policy rule per operation is allowed (combine rules in the policy file)`);
      ops[op] = text === '@' ? EVERYONE : text === '!' ? { kind: 'nobody' } : { kind: 'policy', check: parseRule(`rule:${text}`) };
    } else {
      const roles = text.split(',').map((r) => r.trim());
      if (roles.includes('@') && roles.includes('!')) throw new ConfigError(`${where}: "@" and "!" are mutually exclusive`);
      if (roles.includes('!')) ops[op] = { kind: 'nobody' };
      else if (roles.includes('@')) ops[op] = EVERYONE;
      else ops[op] = { kind: 'roles', roles: new Set(roles.filter((r) => r !== '').map((r) => r.toLowerCase())) };
    }
  }
  return { name: raw.name, pattern, ops };
}

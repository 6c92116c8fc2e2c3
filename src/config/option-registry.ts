/**
 * The option registry: which groups and options exist, their types, defaults and deprecated
 * aliases. It holds declarations only; values live in `Config`. One registry is built per
 * `loadConfig` call (no module-level state), and per-store groups are added to it at load time.
 */

import { normalizeSection } from './ini-parser.js';
import type { OptionType } from './option-types.js';

/**
 * An older spelling an option is still read from. A missing `group` means the option's own
 * group, a missing `name` the option's own name (so `{ group: 'DEFAULT' }` is "same key, in DEFAULT").
 */
export interface DeprecatedName {
  group?: string;
  name?: string;
}

/** The declaration of one option, as oslo.config's `Opt` would describe it. */
export interface OptionSpec {
  /** The key in the file (oslo's `dest`: underscores). */
  name: string;
  /** The value type; for a multi option, the type of each occurrence. */
  type: OptionType;
  /** True for MultiStrOpt-like options: every repeated key (across all files) is a value. */
  multi?: boolean;
  /** The typed value used when no file sets the option (null = unset). */
  default: unknown;
  /** Never write the value to logs or error messages (passwords, URLs with credentials). */
  secret?: boolean;
  /** Older names/groups read when the current one is absent from a file. */
  deprecated?: readonly DeprecatedName[];
  /** Still honoured, but a warning is logged when set. */
  deprecatedForRemoval?: boolean;
  /** One line for `--help`-like listings; glance-ts's own words. */
  help?: string;
}

/** A (section, key) pair an option is read from, current spelling first. */
export interface OptionSource {
  section: string;
  key: string;
}

/** Declarations of every known group and option; see the module comment. */
export class OptionRegistry {
  private readonly groups = new Map<string, Map<string, OptionSpec>>();
  // section → key → true, covering current and deprecated spellings, to tell unknown keys apart.
  private readonly known = new Map<string, Set<string>>();

  /**
   * Declares `specs` in `group` (created if new). Re-declaring an option with the same name
   * and type is a no-op, as in oslo; a conflicting declaration throws, since it is a code bug.
   */
  register(group: string, specs: readonly OptionSpec[]): void {
    const g = normalizeSection(group);
    let options = this.groups.get(g);
    if (options === undefined) {
      options = new Map();
      this.groups.set(g, options);
    }
    for (const spec of specs) {
      const existing = options.get(spec.name);
      if (existing !== undefined) {
        if (JSON.stringify(existing.type) !== JSON.stringify(spec.type) || !!existing.multi !== !!spec.multi) {
          throw new Error(`option [${g}] ${spec.name} declared twice with different types`);
        }
        continue;
      }
      options.set(spec.name, spec);
      for (const src of this.sourcesOf(g, spec)) this.markKnown(src.section, src.key);
    }
  }

  /** True when `group` has been declared (even with no options). */
  hasGroup(group: string): boolean {
    return this.groups.has(normalizeSection(group));
  }

  /** Declared group names, normalised, in declaration order. */
  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  /** The declaration of `[group] name`, or undefined. */
  find(group: string, name: string): OptionSpec | undefined {
    return this.groups.get(normalizeSection(group))?.get(name);
  }

  /** Every option of `group`, in declaration order ([] for an unknown group). */
  options(group: string): OptionSpec[] {
    return [...(this.groups.get(normalizeSection(group))?.values() ?? [])];
  }

  /** True when some option is read from `[section] key` (current or deprecated spelling). */
  isKnownKey(section: string, key: string): boolean {
    return this.known.get(normalizeSection(section))?.has(key) ?? false;
  }

  /** True when some option is read from `section` at all. */
  isKnownSection(section: string): boolean {
    return this.known.has(normalizeSection(section)) || this.hasGroup(section);
  }

  /** Where `spec` of `group` is read from, current spelling first, then deprecated ones. */
  sourcesOf(group: string, spec: OptionSpec): OptionSource[] {
    const g = normalizeSection(group);
    const out: OptionSource[] = [{ section: g, key: spec.name }];
    for (const d of spec.deprecated ?? []) {
      out.push({ section: d.group ? normalizeSection(d.group) : g, key: d.name ?? spec.name });
    }
    return out;
  }

  private markKnown(section: string, key: string): void {
    let keys = this.known.get(section);
    if (keys === undefined) {
      keys = new Set();
      this.known.set(section, keys);
    }
    keys.add(key);
  }
}

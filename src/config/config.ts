/**
 * A loaded configuration: the parsed files plus the option registry, answering typed lookups
 * with oslo.config's precedence rules. Immutable once built (values are frozen); pass it to
 * the slice builders in `slices.ts` rather than to components.
 *
 * Precedence: the last file that sets an option wins; inside that file the last occurrence of
 * the current spelling, else of a deprecated spelling. Multi options collect every occurrence
 * of every file in load order. String values get oslo's `$option` / `${group.option}`
 * substitution (`$$` or `\$` for a literal dollar) before conversion.
 */

import { ConfigError, OptionValueError } from './config-error.js';
import { normalizeSection, type IniFile, type IniValue } from './ini-parser.js';
import type { OptionRegistry, OptionSpec } from './option-registry.js';
import { convertValue, describeType } from './option-types.js';

// The placeholder syntax of Python's string.Template with oslo's id pattern (dots allowed).
const PLACEHOLDER = /\$(?:(\$)|([_a-z][._a-z0-9]*)|\{([_a-z][._a-z0-9]*)\})/gi;

/** Typed access to configuration values; see the module comment for the rules. */
export class Config {
  /** True when no configuration file was loaded: glance-ts then runs with embedded defaults. */
  readonly embedded: boolean;
  private readonly memo = new Map<string, unknown>();
  private readonly warned = new Set<string>();

  /**
   * @param registry declarations (the Config may add dynamic groups to it later)
   * @param files parsed files in load order (later ones win)
   * @param log receives debug/deprecation messages; never receives secret values
   */
  constructor(
    private readonly registry: OptionRegistry,
    private readonly files: readonly IniFile[],
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.embedded = files.length === 0;
  }

  /** Names of the files that were loaded, in load order. */
  sources(): string[] {
    return this.files.map((f) => f.file);
  }

  /** True when `group` is a declared option group (static or registered at load time). */
  hasGroup(group: string): boolean {
    return this.registry.hasGroup(group);
  }

  /** True when some loaded file has a `[section]` header (oslo's name normalisation applies). */
  hasSection(section: string): boolean {
    const s = normalizeSection(section);
    return this.files.some((f) => f.sections.has(s));
  }

  /** True when `[group] name` is set in some loaded file (under any of its spellings). */
  isSet(group: string, name: string): boolean {
    return this.occurrences(group, this.spec(group, name)).length > 0;
  }

  /** True when the option is declared secret: never log or echo its value. */
  isSecret(group: string, name: string): boolean {
    return this.spec(group, name).secret === true;
  }

  /** Where the effective value of `[group] name` was read, or null when it is the default. */
  origin(group: string, name: string): IniValue | null {
    const found = this.occurrences(group, this.spec(group, name));
    return found.length > 0 ? found[found.length - 1]! : null;
  }

  /**
   * The typed, frozen value of `[group] name`: from the files, else the declared default.
   * Throws ConfigError for an undeclared option or a value that does not convert.
   */
  get<T = unknown>(group: string, name: string): T {
    return this.resolve(normalizeSection(group), name, []) as T;
  }

  /** Declares a group discovered at load time (e.g. a store from `enabled_backends`) and validates its values. */
  registerGroup(group: string, specs: readonly OptionSpec[]): void {
    this.registry.register(group, specs);
    this.validateGroup(normalizeSection(group));
  }

  /** Converts every value set for a declared option (not only the winning one); throws the first ConfigError. */
  validateAll(): void {
    for (const group of this.registry.groupNames()) this.validateGroup(group);
  }

  /** Reports sections and keys no declared option reads, through the log callback. */
  reportUnknown(): void {
    for (const f of this.files) {
      for (const [section, keys] of f.sections) {
        if (!this.registry.isKnownSection(section)) {
          this.log(`${f.file}:${f.sectionLines.get(section)}: ignoring unknown section [${section}]`);
          continue;
        }
        for (const [key, values] of keys) {
          if (!this.registry.isKnownKey(section, key)) {
            this.log(`${f.file}:${values[0]!.line}: ignoring unknown option [${section}] ${key}`);
          }
        }
      }
    }
  }

  /** `group.name = value` for every declared option, secrets masked, `*` marking values set in a file. */
  describe(): string[] {
    const lines: string[] = [];
    for (const group of this.registry.groupNames()) {
      for (const spec of this.registry.options(group)) {
        const set = this.occurrences(group, spec).length > 0;
        const shown = spec.secret && set ? '****' : JSON.stringify(this.get(group, spec.name));
        lines.push(`${set ? '*' : ' '} ${group}.${spec.name} = ${shown}`);
      }
    }
    return lines;
  }

  private spec(group: string, name: string): OptionSpec {
    const spec = this.registry.find(group, name);
    if (spec === undefined) throw new ConfigError(`no such option [${normalizeSection(group)}] ${name}`);
    return spec;
  }

  private validateGroup(group: string): void {
    for (const spec of this.registry.options(group)) {
      const all = this.registry
        .sourcesOf(group, spec)
        .flatMap((src) => this.files.flatMap((f) => f.sections.get(src.section)?.get(src.key) ?? []));
      for (const occ of all) this.convert(group, spec, occ, []);
      if (all.length > 0) this.get(group, spec.name);
    }
  }

  // The occurrences that make up the effective value: one for a plain option, all for multi.
  private occurrences(group: string, spec: OptionSpec): IniValue[] {
    const sources = this.registry.sourcesOf(group, spec);
    if (spec.multi) {
      // Within one file oslo lists the older spellings' values before the current one's.
      const reversed = [...sources].reverse();
      return this.files.flatMap((f) => reversed.flatMap((s) => f.sections.get(s.section)?.get(s.key) ?? []));
    }
    for (let i = this.files.length - 1; i >= 0; i--) {
      for (const s of sources) {
        const found = this.files[i]!.sections.get(s.section)?.get(s.key);
        if (found && found.length > 0) return [found[found.length - 1]!];
      }
    }
    return [];
  }

  private resolve(group: string, name: string, stack: string[]): unknown {
    const id = `${group}\0${name}`;
    if (this.memo.has(id)) return this.memo.get(id);
    const spec = this.spec(group, name);
    const found = this.occurrences(group, spec);
    let value: unknown;
    if (found.length === 0) {
      value = structuredClone(spec.default ?? null);
    } else {
      const converted = found.map((occ) => this.convert(group, spec, occ, [...stack, id]));
      value = spec.multi ? converted : converted[0];
      this.noteDeprecation(group, spec, found);
    }
    const frozen = deepFreeze(value);
    this.memo.set(id, frozen);
    return frozen;
  }

  private convert(group: string, spec: OptionSpec, occ: IniValue, stack: string[]): unknown {
    const where = `${occ.file} [${occ.section}] ${occ.key}`;
    const got = spec.secret ? '(secret value not shown)' : JSON.stringify(occ.value);
    let text: string;
    try {
      text = this.substitute(occ.value, group, stack);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`, { cause: err });
      throw err;
    }
    try {
      return convertValue(spec.type, text);
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      const item = spec.multi ? ` (each ${spec.name} line is ${describeType(spec.type)})` : '';
      throw new ConfigError(`${where}: expected ${err.expected}${item}, got ${got}`, { cause: err });
    }
  }

  private substitute(raw: string, group: string, stack: string[]): string {
    if (!raw.includes('$')) return raw;
    return raw.replaceAll('\\$', '$$$$').replace(PLACEHOLDER, (_m, dollar?: string, bare?: string, braced?: string) => {
      if (dollar) return '$';
      return stringify(this.reference((bare ?? braced)!, group, stack));
    });
  }

  // oslo resolves `$a.b` as option b of group a, `$x` in the current group; both fall back to DEFAULT.
  private reference(key: string, group: string, stack: string[]): unknown {
    const dot = key.indexOf('.');
    const candidates: [string, string][] =
      dot >= 0 ? [[normalizeSection(key.slice(0, dot)), key.slice(dot + 1)]] : [[group, key]];
    candidates.push(['DEFAULT', key]);
    const target = candidates.find(([g, n]) => this.registry.find(g, n) !== undefined);
    if (target === undefined) {
      throw new ConfigError(`"$${key}" refers to no known option (write $$ for a literal "$")`);
    }
    const id = `${target[0]}\0${target[1]}`;
    if (stack.includes(id)) throw new ConfigError(`"$${key}" refers back to itself`);
    return this.resolve(target[0], target[1], stack);
  }

  private noteDeprecation(group: string, spec: OptionSpec, found: IniValue[]): void {
    for (const occ of found) {
      const section = normalizeSection(occ.section);
      const tag = `${occ.file}\0${section}\0${occ.key}`;
      if (this.warned.has(tag)) continue;
      this.warned.add(tag);
      if (section !== group || occ.key !== spec.name) {
        this.log(`${occ.file}:${occ.line}: [${occ.section}] ${occ.key} is deprecated, use [${group}] ${spec.name}`);
      } else if (spec.deprecatedForRemoval) {
        this.log(`${occ.file}:${occ.line}: [${group}] ${spec.name} is deprecated for removal`);
      }
    }
  }
}

// How a referenced value reads inside another string (Python would print True/False for booleans).
function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return value.map(stringify).join(',');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}:${stringify(v)}`).join(',');
  }
  return String(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

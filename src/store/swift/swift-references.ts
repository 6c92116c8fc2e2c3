/**
 * The Swift account references of `swift_store_config_file` (glance-swift.conf), read with the
 * rules of Python's `configparser`, which is what glance_store reads the file with (they differ
 * from oslo.config's): section names keep their case, keys are lower-cased, `=` or `:` separate,
 * only whole-line `#`/`;` comments, indented lines continue a value, `[DEFAULT]` values apply to
 * every section, `%(name)s` interpolates and `%%` is a literal `%`. As in glance_store,
 * `user_domain_id`, `user_domain_name`, `project_domain_id` and `project_domain_name` default to
 * `default`; a section lacking `auth_address`, `user` or `key` is skipped; a missing
 * `auth_version` falls back to `swift_store_auth_version`.
 */

/** One account reference (a section of the file). */
export interface SwiftReference {
  name: string;
  /** `1` (tempauth/swauth), `2` or `3` (Keystone), as written. */
  authVersion: string;
  authAddress: string;
  /** `project:user` for Keystone, `account:user` for tempauth. */
  user: string;
  key: string;
  userDomainId: string | null;
  userDomainName: string | null;
  projectDomainId: string | null;
  projectDomainName: string | null;
}

/** A file that cannot be read the way glance_store reads it; the message names file and line. */
export class SwiftReferencesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwiftReferencesError';
  }
}

const DOMAIN_DEFAULTS: Record<string, string> = {
  user_domain_id: 'default', user_domain_name: 'default', project_domain_id: 'default', project_domain_name: 'default',
};
const REQUIRED = ['auth_address', 'user', 'key'] as const;

/**
 * Parses the file's `text` into references by name. `fallbackAuthVersion` is
 * `swift_store_auth_version`; `skipped` receives the names of incomplete sections.
 */
export function parseSwiftReferences(text: string, file: string, fallbackAuthVersion: string, skipped?: (name: string, missing: string) => void): Map<string, SwiftReference> {
  const sections = parseConfigParser(text, file);
  const defaults = { ...DOMAIN_DEFAULTS, ...sections.get('DEFAULT') };
  const out = new Map<string, SwiftReference>();
  for (const [name, raw] of sections) {
    if (name === 'DEFAULT') continue;
    const values = { ...defaults, ...raw };
    const get = (key: string): string | undefined => (key in values ? interpolate(values, key, file, name, 0) : undefined);
    const missing = REQUIRED.find((k) => get(k) === undefined);
    if (missing !== undefined) {
      skipped?.(name, missing);
      continue;
    }
    out.set(name, {
      name,
      authVersion: get('auth_version') ?? fallbackAuthVersion,
      authAddress: get('auth_address')!,
      user: get('user')!,
      key: get('key')!,
      userDomainId: get('user_domain_id') || null,
      userDomainName: get('user_domain_name') || null,
      projectDomainId: get('project_domain_id') || null,
      projectDomainName: get('project_domain_name') || null,
    });
  }
  return out;
}

// configparser's reading rules (strict mode: duplicate sections and keys are errors).
function parseConfigParser(text: string, file: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  let lastKey: string | null = null;
  const fail = (line: number, what: string): never => {
    throw new SwiftReferencesError(`${file}:${line}: ${what}`);
  };
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const stripped = line.trim();
    if (stripped === '') { lastKey = null; continue; }
    if (stripped.startsWith('#') || stripped.startsWith(';')) continue;
    if (/^\s/.test(line) && current !== null && lastKey !== null) {
      current[lastKey] = `${current[lastKey]}\n${stripped}`;
      continue;
    }
    // Greedy, as configparser's: the name runs to the last `]` of the line.
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      const name = header[1]!;
      if (sections.has(name)) fail(n, `section [${name}] appears twice`);
      current = {};
      sections.set(name, current);
      lastKey = null;
      continue;
    }
    if (current === null) fail(n, 'a value before any [section] header');
    const sep = stripped.search(/[=:]/);
    if (sep <= 0 || stripped.slice(0, sep).trim() === '') fail(n, 'expected "key = value"');
    const key = stripped.slice(0, sep).trim().toLowerCase();
    if (key in current!) fail(n, `key "${key}" appears twice in its section`);
    current![key] = stripped.slice(sep + 1).trim();
    lastKey = key;
  }
  return sections;
}

// configparser's BasicInterpolation, applied when a value is read.
function interpolate(values: Record<string, string>, key: string, file: string, section: string, depth: number): string {
  if (depth > 10) throw new SwiftReferencesError(`${file} [${section}] ${key}: interpolation is nested too deeply`);
  const raw = values[key]!;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '%') { out += c; continue; }
    if (raw[i + 1] === '%') { out += '%'; i++; continue; }
    const ref = /^%\(([^)]+)\)s/.exec(raw.slice(i));
    if (!ref) throw new SwiftReferencesError(`${file} [${section}] ${key}: a lone "%" must be written "%%"`);
    const name = ref[1]!.toLowerCase();
    if (!(name in values)) throw new SwiftReferencesError(`${file} [${section}] ${key}: "%(${ref[1]})s" names no key of the section`);
    out += interpolate(values, name, file, section, depth + 1);
    i += ref[0].length - 1;
  }
  return out;
}

/**
 * Evaluation of parsed oslo.policy checks against a target (the object acted on) and the
 * caller's credentials. Values are compared as Python's `str()` renders them, because rules
 * written for Glance rely on it: `%(owner)s` of an owner-less image is the text `None`,
 * `%(protected)s` is `True`/`False`.
 */
import type { PolicyCheck } from './rule-parser.js';

/** The attributes of the object acted on; a key that is absent makes checks using it deny. */
export type PolicyTarget = Readonly<Record<string, unknown>>;

/** The caller's credentials (oslo.context's policy values), e.g. `roles`, `project_id`. */
export type PolicyCredentials = Readonly<Record<string, unknown>>;

/** Finds a rule by name for `rule:` checks; undefined when there is none. */
export type RuleLookup = (name: string) => PolicyCheck | undefined;

// A rule that refers to itself (directly or not) would recurse forever; deny instead.
const MAX_DEPTH = 50;

/** Evaluates `check`; never throws. */
export function evaluateCheck(
  check: PolicyCheck,
  target: PolicyTarget,
  creds: PolicyCredentials,
  rules: RuleLookup,
  depth = 0,
): boolean {
  if (depth > MAX_DEPTH) return false;
  const next = (c: PolicyCheck) => evaluateCheck(c, target, creds, rules, depth + 1);
  switch (check.kind) {
    case 'true': return true;
    case 'false': return false;
    case 'unsupported': return false;
    case 'not': return !next(check.check);
    case 'and': return check.checks.every(next);
    case 'or': return check.checks.some(next);
    case 'rule': {
      const rule = rules(check.name);
      return rule === undefined ? false : next(rule);
    }
    case 'role': {
      const wanted = interpolate(check.match, target);
      if (wanted === null) return false;
      const roles = creds.roles;
      if (!Array.isArray(roles)) return false;
      return roles.some((r) => String(r).toLowerCase() === wanted.toLowerCase());
    }
    case 'generic': {
      const wanted = interpolate(check.match, target);
      if (wanted === null) return false;
      const literal = pythonLiteral(check.key);
      if (literal !== undefined) return wanted === literal;
      return matchesPath(creds, check.key.split('.'), wanted);
    }
  }
}

/**
 * Python's `match % target` for the `%(key)s` form (and `%%`): null when a key is missing or
 * the text uses another conversion, where Python would raise and oslo.policy deny.
 */
export function interpolate(match: string, target: PolicyTarget): string | null {
  let out = '';
  let i = 0;
  while (i < match.length) {
    const pct = match.indexOf('%', i);
    if (pct === -1) {
      out += match.slice(i);
      break;
    }
    out += match.slice(i, pct);
    if (match[pct + 1] === '%') {
      out += '%';
      i = pct + 2;
      continue;
    }
    const m = /^%\(([^)]*)\)s/.exec(match.slice(pct));
    if (!m) return null;
    const key = m[1]!;
    if (!Object.prototype.hasOwnProperty.call(target, key)) return null;
    out += pythonStr(target[key]);
    i = pct + m[0].length;
  }
  return out;
}

/** `str(value)` as Python prints the JSON-like values targets and credentials hold. */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return pythonDatetime(value);
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value instanceof Date) return `datetime.datetime(${pythonDatetime(value)})`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

// Glance's datetimes are naive UTC: `2026-11-26 20:39:45` (microseconds only when non-zero).
function pythonDatetime(d: Date): string {
  const iso = d.toISOString();
  const ms = d.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}000`}`;
}

/**
 * The string a check kind stands for when Python's `ast.literal_eval` accepts it (a quoted
 * string, a number, True/False/None), else undefined (the kind is a credential path).
 */
export function pythonLiteral(kind: string): string | undefined {
  const quoted = /^(['"])(.*)\1$/s.exec(kind);
  if (quoted) return quoted[2]!;
  if (kind === 'True' || kind === 'False' || kind === 'None') return kind;
  if (/^[+-]?\d+$/.test(kind)) return String(Number.parseInt(kind, 10));
  if (/^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$/.test(kind)) return String(Number.parseFloat(kind));
  return undefined;
}

// Walks a dotted path through the credentials; a list matches when any element does.
function matchesPath(value: unknown, path: string[], wanted: string): boolean {
  if (path.length === 0) return pythonStr(value) === wanted;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const [head, ...rest] = path;
  if (!Object.prototype.hasOwnProperty.call(record, head!)) return false;
  const child = record[head!];
  if (Array.isArray(child)) return child.some((item) => matchesPath(item, rest, wanted));
  return matchesPath(child, rest, wanted);
}

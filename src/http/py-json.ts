/**
 * JSON text exactly as Python's `json.dumps` writes it with its defaults, which is what Glance
 * (oslo.serialization / WebOb) puts on the wire: `", "` and `": "` separators, non-ASCII and
 * DEL escaped as lower-case `\uXXXX` (surrogate pairs for astral code points), floats in
 * Python's `repr` style. Matching it byte for byte lets tests compare our bodies with recorded
 * Glance exchanges and keeps `Content-Length` identical.
 */

// Python's ensure_ascii escapes everything outside printable ASCII, plus the quote and backslash.
const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
};

function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && ch !== '"' && ch !== '\\') {
      out += ch;
    } else {
      // JS strings are UTF-16 already, so escaping each code unit yields Python's surrogate pairs.
      out += SHORT_ESCAPES[ch] ?? `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}"`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  // Python prints ints without a fraction; JS cannot tell 1 from 1.0, and Glance's numbers are ints.
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // repr(float) pads the exponent to two digits and always shows a sign: 1e-07, 1e+16.
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2').replace(/e(\d)/, 'e+$1');
}

function dump(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': return quote(value);
    case 'number': return formatNumber(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint': return value.toString();
    case 'undefined': case 'function': case 'symbol': return undefined;
    default: break;
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return dump(obj.toJSON(), seen);
  if (seen.has(obj)) throw new TypeError('Circular reference in JSON value');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      // Like JSON.stringify, holes and unserialisable members become null inside arrays.
      return `[${obj.map((v) => dump(v, seen) ?? 'null').join(', ')}]`;
    }
    const parts: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const text = dump(v, seen);
      if (text !== undefined) parts.push(`${quote(k)}: ${text}`);
    }
    return `{${parts.join(', ')}}`;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Serialise `value` as Python's `json.dumps(value)` would. Object keys keep insertion order
 * (Python dicts do too); `undefined`, functions and symbols are skipped in objects and become
 * `null` in arrays, like `JSON.stringify`; objects with `toJSON` (e.g. `Date`) use it.
 * Throws TypeError on circular structures.
 */
export function pyJson(value: unknown): string {
  return dump(value, new Set()) ?? 'null';
}

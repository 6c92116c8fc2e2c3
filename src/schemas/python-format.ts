/**
 * Python's `repr()` and `pprint.pformat(obj, width=72)` for JSON values. Glance's schema
 * validation errors are Python `jsonschema` messages that embed both, so reproducing them
 * byte for byte needs the same rendering: single-quoted strings, `None`/`True`/`False`, dict
 * keys sorted, and pprint's line breaking.
 */

/** A parsed JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

// Python's len() counts code points, not UTF-16 units.
const pyLen = (s: string): number => [...s].length;

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // C0/C1 controls and DEL are the non-printables JSON text realistically carries.
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0)) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

function reprNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  // Python floats: repr keeps a ".0" and writes exponents as e+NN.
  const s = String(n);
  if (s.includes('e')) return s.replace(/e([+-])(\d)$/, 'e$10$2');
  return s.includes('.') ? s : s + '.0';
}

// Python sorts dict keys by string comparison of code points, which for BMP text matches JS.
const sortedEntries = (o: { [k: string]: JsonValue }): [string, JsonValue][] =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** `repr(value)` as pprint's safe repr prints it (dict keys sorted). */
export function pyRepr(value: JsonValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return reprNumber(value);
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']';
  return '{' + sortedEntries(value).map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`).join(', ') + '}';
}

const WIDTH = 72;

class Printer {
  out = '';

  format(obj: JsonValue, indent: number, allowance: number, level: number): void {
    const rep = pyRepr(obj);
    if (pyLen(rep) > WIDTH - indent - allowance) {
      if (Array.isArray(obj)) return this.list(obj, indent, allowance, level + 1);
      if (typeof obj === 'object' && obj !== null) return this.dict(obj, indent, allowance, level + 1);
      if (typeof obj === 'string') return this.str(obj, indent, allowance, level + 1);
    }
    this.out += rep;
  }

  private dict(obj: { [k: string]: JsonValue }, indent: number, allowance: number, level: number): void {
    this.out += '{';
    const items = sortedEntries(obj);
    const inner = indent + 1;
    items.forEach(([key, value], i) => {
      const last = i === items.length - 1;
      const krep = reprString(key);
      this.out += krep + ': ';
      this.format(value, inner + pyLen(krep) + 2, last ? allowance + 1 : 1, level);
      if (!last) this.out += ',\n' + ' '.repeat(inner);
    });
    this.out += '}';
  }

  private list(obj: JsonValue[], indent: number, allowance: number, level: number): void {
    this.out += '[';
    const inner = indent + 1;
    obj.forEach((value, i) => {
      const last = i === obj.length - 1;
      if (i > 0) this.out += ',\n' + ' '.repeat(inner);
      this.format(value, inner, last ? allowance + 1 : 1, level);
    });
    this.out += ']';
  }

  private str(s: string, indent: number, allowance: number, level: number): void {
    if (s.length === 0) {
      this.out += reprString(s);
      return;
    }
    const lines = s.match(/[^\n\r]*(\r\n|\n|\r)|[^\n\r]+$/g) ?? [s];
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = WIDTH - indent;
    let maxWidth1 = maxWidth;
    const chunks: string[] = [];
    lines.forEach((line, i) => {
      const lastLine = i === lines.length - 1;
      if (lastLine) maxWidth1 -= allowance;
      if (pyLen(reprString(line)) <= maxWidth1) {
        chunks.push(reprString(line));
        return;
      }
      // Break at whitespace: alternating runs of non-space then space, as `\S*\s*` finds them.
      const parts = (line.match(/\S*\s*/g) ?? []).filter((p) => p !== '');
      let maxWidth2 = maxWidth;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
        if (pyLen(reprString(candidate)) > maxWidth2) {
          if (current) chunks.push(reprString(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) chunks.push(reprString(current));
    });
    if (chunks.length === 1) {
      this.out += reprString(s);
      return;
    }
    if (level === 1) this.out += '(';
    this.out += chunks.join('\n' + ' '.repeat(indent));
    if (level === 1) this.out += ')';
  }
}

/** `pprint.pformat(value, width=72)`. */
export function pyFormat(value: JsonValue): string {
  const p = new Printer();
  p.format(value, 0, 0, 0);
  return p.out;
}

/**
 * Option types and their string → value conversion, following oslo.config's `types` module:
 * the same accepted spellings, the same "empty number means unset" rule, the same list and
 * dict splitting (including re-joining pieces when an item only validates with its comma).
 */

import { isIP } from 'node:net';
import { OptionValueError } from './config-error.js';

/** A type an option value (or a list item / dict value) can have. */
export type OptionType =
  | { kind: 'string'; choices?: readonly string[]; ignoreCase?: boolean; quotes?: boolean; maxLength?: number }
  | { kind: 'int'; min?: number; max?: number; choices?: readonly number[] }
  | { kind: 'float'; min?: number; max?: number }
  | { kind: 'bool' }
  | { kind: 'port'; min?: number; max?: number }
  | { kind: 'ip' }
  | { kind: 'host' }
  | { kind: 'hostname' }
  | { kind: 'list'; item?: OptionType; bounds?: boolean }
  | { kind: 'dict'; value?: OptionType; bounds?: boolean };

const TRUE_WORDS = new Set(['true', '1', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'off', 'no']);
const INT_RE = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_RE = /^[+-]?(?:(?:\d+(?:_\d+)*)?(?:\.\d*)?(?:e[+-]?\d+)?|inf(?:inity)?|nan)$/i;
const LABEL_RE = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** A phrase completing "expected …" that describes what `type` accepts. */
export function describeType(type: OptionType): string {
  switch (type.kind) {
    case 'string':
      return type.choices ? `one of ${type.choices.map((c) => JSON.stringify(c)).join(', ')}` : 'a string';
    case 'int':
    case 'port': {
      const min = type.kind === 'port' ? (type.min ?? 0) : type.min;
      const max = type.kind === 'port' ? (type.max ?? 65535) : type.max;
      if (type.kind === 'int' && type.choices) return `one of the integers ${type.choices.join(', ')}`;
      return rangePhrase('an integer', min, max);
    }
    case 'float':
      return rangePhrase('a number', type.min, type.max);
    case 'bool':
      return 'a boolean (true/false, yes/no, on/off, 1/0)';
    case 'ip':
      return 'an IPv4 or IPv6 address';
    case 'host':
      return 'an IP address or host name';
    case 'hostname':
      return 'a host name';
    case 'list': {
      const item = type.item && type.item.kind !== 'string' ? ` of ${describeType(type.item)}` : '';
      return type.bounds ? `a list in brackets, e.g. [a, b]${item}` : `a comma-separated list${item}`;
    }
    case 'dict':
      return 'key:value pairs separated by commas';
  }
}

function rangePhrase(noun: string, min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
  if (min !== undefined) return `${noun} >= ${min}`;
  if (max !== undefined) return `${noun} <= ${max}`;
  return noun;
}

/**
 * Converts a raw (already trimmed and substituted) string to a value of `type`, or throws
 * OptionValueError. Empty int/float/port values yield null (oslo: "unset"), empty lists [].
 */
export function convertValue(type: OptionType, raw: string): unknown {
  const bad = (): never => {
    throw new OptionValueError(describeType(type));
  };
  switch (type.kind) {
    case 'string':
      return convertString(type, raw, bad);
    case 'int':
    case 'port': {
      const s = raw.trim();
      if (s === '') return null;
      if (!INT_RE.test(s)) bad();
      const n = Number(s.replace(/_/g, ''));
      if (!Number.isSafeInteger(n)) bad();
      if (type.kind === 'int' && type.choices) return type.choices.includes(n) ? n : bad();
      const min = type.kind === 'port' ? (type.min ?? 0) : type.min;
      const max = type.kind === 'port' ? (type.max ?? 65535) : type.max;
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) bad();
      return n;
    }
    case 'float': {
      const s = raw.trim();
      if (s === '') return null;
      if (!FLOAT_RE.test(s) || !/[0-9]|inf|nan/i.test(s)) bad();
      const lower = s.toLowerCase().replace(/_/g, '');
      const n = /nan/.test(lower) ? NaN : /inf/.test(lower) ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(lower);
      if ((type.min !== undefined && n < type.min) || (type.max !== undefined && n > type.max)) bad();
      return n;
    }
    case 'bool': {
      const s = raw.toLowerCase();
      if (TRUE_WORDS.has(s)) return true;
      if (FALSE_WORDS.has(s)) return false;
      return bad();
    }
    case 'ip':
      return isIP(raw) !== 0 ? raw : bad();
    case 'hostname':
      return isHostname(raw) ? raw : bad();
    case 'host':
      return isIP(raw) !== 0 || isHostname(raw) ? raw : bad();
    case 'list':
      return convertList(type, raw, bad);
    case 'dict':
      return convertDict(type, raw, bad);
  }
}

function convertString(
  type: Extract<OptionType, { kind: 'string' }>,
  raw: string,
  bad: () => never,
): string {
  let value = raw;
  if (type.quotes && value.length > 0 && (value[0] === '"' || value[0] === "'")) {
    if (value.length < 2 || value[value.length - 1] !== value[0]) bad();
    value = value.slice(1, -1);
  }
  if (type.maxLength !== undefined && value.length > type.maxLength) bad();
  if (type.choices) {
    const match = type.ignoreCase
      ? type.choices.find((c) => c.toLowerCase() === value.toLowerCase())
      : type.choices.find((c) => c === value);
    // oslo returns the value as written, even when matched case-insensitively.
    if (match === undefined) bad();
  }
  return value;
}

function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  // An all-numeric last label would make "1.2.3.999" a host name; oslo refuses that too.
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

// Splits at commas; when a piece fails the item type, the next piece is glued back on
// (with its comma) and retried, so items whose own syntax contains commas survive.
function splitWithRetry<T>(s: string, convert: (piece: string) => T): T[] {
  const pieces = s.split(',');
  const out: T[] = [];
  while (pieces.length > 0) {
    let piece = pieces.shift()!;
    let firstError: unknown = null;
    for (;;) {
      try {
        out.push(convert(piece));
        break;
      } catch (err) {
        firstError ??= err;
        if (pieces.length === 0) throw firstError;
        piece += ',' + pieces.shift()!;
      }
    }
  }
  return out;
}

function convertList(type: Extract<OptionType, { kind: 'list' }>, raw: string, bad: () => never): unknown[] {
  let s = raw.trim().replace(/,+$/, '');
  if (type.bounds) {
    if (!s.startsWith('[') || !s.endsWith(']')) bad();
    s = s.slice(1, -1);
  }
  if (s === '') return [];
  const item = type.item ?? { kind: 'string' };
  try {
    return splitWithRetry(s, (piece) => convertValue(item, piece.trim()));
  } catch (err) {
    if (err instanceof OptionValueError) bad();
    throw err;
  }
}

function convertDict(
  type: Extract<OptionType, { kind: 'dict' }>,
  raw: string,
  bad: () => never,
): Record<string, unknown> {
  let s = raw.trim();
  if (type.bounds) {
    if (!s.startsWith('{') || !s.endsWith('}')) bad();
    s = s.slice(1, -1);
  }
  const result: Record<string, unknown> = {};
  if (s === '') return result;
  const valueType = type.value ?? { kind: 'string' };
  let pairs: [string, unknown][];
  try {
    pairs = splitWithRetry(s, (piece) => {
      const at = piece.indexOf(':');
      if (at < 0) throw new OptionValueError(describeType(type));
      return [piece.slice(0, at).trim(), convertValue(valueType, piece.slice(at + 1).trim())];
    });
  } catch (err) {
    if (err instanceof OptionValueError) bad();
    throw err;
  }
  for (const [key, value] of pairs) {
    // An empty or repeated key is a mistake oslo refuses rather than guessing.
    if (key === '' || Object.hasOwn(result, key)) bad();
    // defineProperty: a key named `__proto__` must become data, not change the prototype.
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

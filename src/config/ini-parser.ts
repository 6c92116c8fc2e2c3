/**
 * A parser for the INI dialect that oslo.config reads. It is deliberately not a general INI
 * parser: its rules are oslo's, because operators' files were written (and tested) against them.
 *
 * - A comment is a line whose first character is `#` or `;`. Anywhere else those characters
 *   are data, so `transport_url = rabbit://u:p;x@h/` keeps its `;`.
 * - `key = value` or `key: value`; whichever separator comes first in the line splits it.
 *   Key and value are trimmed; a value wrapped in one matching pair of `"` or `'` loses them.
 * - A line starting with a space or tab continues the previous value (joined with `\n`);
 *   a blank line or a comment ends the value.
 * - Repeated keys are all kept, in file order; which one wins is the option registry's business.
 * - Section names are kept as written except that they are lower-cased unless exactly `DEFAULT`
 *   (oslo normalises group names the same way), so `[Keystone_AuthToken]` is `keystone_authtoken`.
 */

import { ConfigError } from './config-error.js';

/** One assignment found in a file, with where it came from (for error messages). */
export interface IniValue {
  /** The value after oslo's trimming and quote removal; continuation lines joined by `\n`. */
  value: string;
  /** The key exactly as written. */
  key: string;
  /** The section name exactly as written (before normalisation). */
  section: string;
  file: string;
  /** 1-based line of the key. */
  line: number;
}

/** The content of one parsed file. */
export interface IniFile {
  file: string;
  /** Normalised section name → key → every assignment of that key, in file order. */
  sections: Map<string, Map<string, IniValue[]>>;
  /** Normalised section name → line of its first header, to report unknown sections. */
  sectionLines: Map<string, number>;
}

/** oslo's group-name normalisation: lower case, except the literal `DEFAULT`. */
export function normalizeSection(name: string): string {
  return name === 'DEFAULT' ? name : name.toLowerCase();
}

/**
 * Parses oslo.config INI `text`. `file` is only used in errors and in each value's origin.
 * Throws ConfigError naming the file and line on a syntax error (assignment before any
 * section, continuation with nothing to continue, malformed header, line without separator,
 * empty key).
 */
export function parseIni(text: string, file: string): IniFile {
  const sections = new Map<string, Map<string, IniValue[]>>();
  const sectionLines = new Map<string, number>();
  let section: string | null = null;
  let rawSection = '';
  // The assignment being accumulated (it may still receive continuation lines).
  let pending: { key: string; parts: string[]; line: number } | null = null;

  const fail = (line: number, what: string, content: string): never => {
    throw new ConfigError(`${file}:${line}: ${what}: ${JSON.stringify(content)}`);
  };

  const flush = (): void => {
    if (pending === null) return;
    if (section === null) fail(pending.line, 'assignment before any [section]', pending.key);
    const keys = sections.get(section as string)!;
    let list = keys.get(pending.key);
    if (list === undefined) {
      list = [];
      keys.set(pending.key, list);
    }
    list.push({
      value: pending.parts.join('\n'),
      key: pending.key,
      section: rawSection,
      file,
      line: pending.line,
    });
    pending = null;
  };

  // Python's universal newlines: \r\n and lone \r end lines too.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.replace(/\s+$/u, '');
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line === '') {
      flush();
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (pending === null) fail(lineNo, 'unexpected continuation line', line);
      pending!.parts.push(line.replace(/^\s+/u, ''));
      continue;
    }
    flush();
    const first = line[0];
    if (first === '[') {
      if (!line.endsWith(']')) fail(lineNo, 'invalid section header (must end with "]")', line);
      if (line.length <= 2) fail(lineNo, 'empty section name', line);
      rawSection = line.slice(1, -1);
      section = normalizeSection(rawSection);
      if (!sections.has(section)) {
        sections.set(section, new Map());
        sectionLines.set(section, lineNo);
      }
    } else if (first === '#' || first === ';') {
      continue;
    } else {
      pending = splitAssignment(line, lineNo, fail);
    }
  }
  flush();
  return { file, sections, sectionLines };
}

/** Splits `key = value` / `key: value` at the first separator, oslo style. */
function splitAssignment(
  line: string,
  lineNo: number,
  fail: (line: number, what: string, content: string) => never,
): { key: string; parts: string[]; line: number } {
  const colon = line.indexOf(':');
  const equal = line.indexOf('=');
  if (colon < 0 && equal < 0) fail(lineNo, 'no "=" or ":" in assignment', line);
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = line.slice(0, at).trim();
  let value = line.slice(at + 1).trim();
  if (key === '') fail(lineNo, 'empty key', line);
  // Only a value that both starts and ends with the same quote character is unquoted.
  if (value.length > 0 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    value = value.slice(1, -1);
  }
  return { key, parts: [value], line: lineNo };
}

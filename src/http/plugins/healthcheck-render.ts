/**
 * The bodies of oslo.middleware's healthcheck, byte for byte where Python facts are not involved:
 * plain text (the reasons, one per line), JSON (`json.dumps(indent=4, sort_keys=True)`, ref 003)
 * and HTML (its jinja2 template rendered with the same whitespace). Detailed mode reports the
 * Node.js process instead of Python's: `node_version` replaces `python_version`, and the garbage
 * collector and thread stacks, which have no Node.js counterpart, are left out.
 */
import { hostname, machine, release, type } from 'node:os';

/** One check's outcome, as oslo's `HealthcheckResult`. */
export interface CheckResult {
  available: boolean;
  /** Short status: `OK`, `DISABLED BY FILE`, `DATABASE UNAVAILABLE`, ... */
  reason: string;
  /** Longer explanation shown in detailed mode ('' when none). */
  details: string;
}

/** The class name oslo reports for each result (it never subclasses HealthcheckResult). */
const RESULT_CLASS = 'HealthcheckResult';

/** Python's `json.dumps(value, indent=4, sort_keys=True)` (ASCII output, `": "` separator). */
export function prettyJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  // Non-ASCII only occurs inside strings, where Python's ensure_ascii writes \uXXXX escapes.
  return JSON.stringify(sorted(value), null, 4).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `str(datetime.utcnow())`: `2016-08-24 06:11:59.419000`. */
function pythonNow(): string {
  const iso = new Date().toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Roughly `platform.platform()`: `Linux-6.1.0-18-amd64-x86_64`. */
function platformName(): string {
  return `${type()}-${release()}-${machine()}`;
}

// jinja2's `|e` (markupsafe) escaping.
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

/** The text/plain body: each non-empty reason on its own line. */
export function renderText(results: readonly CheckResult[]): string {
  return `\n${results.map((r) => `\n${r.reason}`).join('')}\n`.trim();
}

/** The application/json body (ref 003 when not detailed). */
export function renderJson(results: readonly CheckResult[], detailed: boolean): string {
  if (!detailed) return prettyJson({ detailed: false, reasons: results.map((r) => r.reason) });
  return prettyJson({
    detailed: true,
    node_version: process.version,
    now: pythonNow(),
    platform: platformName(),
    reasons: results.map((r) => ({ class: RESULT_CLASS, details: r.details, reason: r.reason })),
  });
}

/** The text/html body. */
export function renderHtml(results: readonly CheckResult[], detailed: boolean): string {
  const head = '<HTML>\n<HEAD><TITLE>Healthcheck Status</TITLE></HEAD>\n<BODY>\n';
  const server = detailed
    ? `<H1>Server status</H1>\n<B>Server hostname:</B><PRE>${esc(hostname())}</PRE>\n` +
      `<B>Current time:</B><PRE>${esc(pythonNow())}</PRE>\n<B>Node.js version:</B><PRE>${esc(process.version)}</PRE>\n` +
      `<B>Platform:</B><PRE>${esc(platformName())}</PRE>\n<HR></HR>`
    : '';
  const columns = detailed
    ? '<TH>\nKind\n</TH>\n<TH>\nReason\n</TH>\n<TH>\nDetails\n</TH>\n'
    : '\n<TH>\nReason\n</TH>';
  const rows = results.filter((r) => r.reason !== '').map((r) => (detailed
    ? `<TR>\n<TD>${RESULT_CLASS}</TD>\n    <TD>${esc(r.reason)}</TD>\n<TD>${esc(r.details)}</TD>\n</TR>`
    : `<TR>\n\n    <TD>${esc(r.reason)}</TD>\n\n</TR>`)).join('');
  return `${head}${server}\n<H2>Result of ${results.length} checks:</H2>\n<TABLE bgcolor="#ffffff" border="1">\n<TBODY>\n<TR>\n` +
    `${columns}\n</TR>\n${rows}\n</TBODY>\n</TABLE>\n<HR></HR>\n${detailed ? '\n\n' : '\n'}</BODY>\n</HTML>`;
}

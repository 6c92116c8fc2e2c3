/**
 * Picks the error-body format the way WebOb does: the request's `Accept` header is matched
 * against the offers `[text/html, application/json]` (in that order) with RFC 7231 rules —
 * the most specific matching range gives an offer its q-value, q=0 excludes it, and ties keep
 * offer order, so `*\/*` yields HTML and JSON wins only when preferred. A missing or empty header
 * matches nothing (plain text); a syntactically invalid header accepts every offer (HTML).
 */

/** The three body formats WebOb can produce for an error. */
export type ErrorFormat = 'html' | 'json' | 'plain';

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const PARAM = new RegExp(`^(${TOKEN})=(${TOKEN}|${QUOTED})$`);
const MEDIA_RANGE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

interface Range {
  type: string;
  subtype: string;
  /** True when the range carries media-type parameters (they never match our bare offers). */
  hasParams: boolean;
  q: number;
}

// Splits on commas outside quoted strings.
function splitElements(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i]!;
    if (inQuote && ch === '\\') { cur += ch + (header[++i] ?? ''); continue; }
    if (ch === '"') inQuote = !inQuote;
    if (ch === ',' && !inQuote) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses an Accept header; returns null when it is invalid (WebOb's AcceptInvalidHeader). */
function parseAccept(header: string): Range[] | null {
  const ranges: Range[] = [];
  for (const raw of splitElements(header)) {
    const element = raw.trim();
    if (element === '') continue; // RFC 7230 list syntax tolerates empty elements
    const [mediaRange, ...params] = element.split(';').map((p) => p.trim());
    const m = MEDIA_RANGE.exec(mediaRange ?? '');
    if (!m) return null;
    let q = 1;
    let hasParams = false;
    let afterQ = false;
    for (const p of params) {
      const pm = PARAM.exec(p);
      if (!pm) return null;
      if (pm[1]!.toLowerCase() === 'q' && !afterQ) {
        if (!QVALUE.test(pm[2]!)) return null;
        q = Number(pm[2]);
        afterQ = true;
      } else if (!afterQ) {
        hasParams = true; // a media-type parameter; those after q are accept-extensions
      }
    }
    ranges.push({ type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), hasParams, q });
  }
  return ranges;
}

function specificity(r: Range, type: string, subtype: string): number {
  if (r.type === type && r.subtype === subtype) return r.hasParams ? 0 : 3;
  if (r.subtype === '*' && r.type === type) return 2;
  if (r.type === '*' && r.subtype === '*') return 1;
  return 0;
}

/** q-value WebOb gives an offer: that of the first most specific matching range, else 0. */
function qualityOf(ranges: Range[], type: string, subtype: string): number {
  let best = 0;
  let q = 0;
  for (const r of ranges) {
    const s = specificity(r, type, subtype);
    if (s > best) { best = s; q = r.q; }
  }
  return q;
}

/**
 * The error-body format for a request whose `Accept` header is `accept` (undefined when the
 * header is absent, which eventlet turns into an empty string, i.e. plain text).
 */
export function errorFormatFor(accept: string | undefined): ErrorFormat {
  const ranges = parseAccept(accept ?? '');
  if (ranges === null) return 'html';
  const html = qualityOf(ranges, 'text', 'html');
  const json = qualityOf(ranges, 'application', 'json');
  if (html === 0 && json === 0) return 'plain';
  return json > html ? 'json' : 'html';
}

/**
 * The offer WebOb's `acceptable_offers(offers)[0]` picks for `accept`: highest q-value, ties in
 * offer order; an invalid header accepts every offer (the first wins). Returns null when no
 * offer is acceptable, including for a missing or empty header. Offers are `type/subtype`.
 */
export function preferredOffer(accept: string | undefined, offers: readonly string[]): string | null {
  if (accept === undefined) return null;
  const ranges = parseAccept(accept);
  if (ranges === null) return offers[0] ?? null;
  let best: string | null = null;
  let bestQ = 0;
  for (const offer of offers) {
    const [type = '', subtype = ''] = offer.toLowerCase().split('/');
    const q = qualityOf(ranges, type, subtype);
    if (q > bestQ) { best = offer; bestQ = q; }
  }
  return best;
}

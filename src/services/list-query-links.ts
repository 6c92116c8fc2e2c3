/**
 * The `first` and `next` links of an image list page, re-encoding the caller's query string as
 * Glance does (refs 124, 125): one entry per key at its first position with its last value,
 * `marker` dropped from `first` and appended last in `next`, form-encoded like Python's
 * `urllib.parse.urlencode` (`quote_plus`: space → `+`, only `A–Z a–z 0–9 _ . - ~` kept).
 */

/** `urllib.parse.quote_plus` over the UTF-8 bytes of `s`. */
export function quotePlus(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function encode(entries: Map<string, string>): string {
  return [...entries].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
}

/** The links of a list page. */
export interface ListLinks {
  first: string;
  /** Present when the page was full (`nextMarker` given). */
  next?: string;
}

/**
 * Builds the links from the request's query parameters (in order, repeats allowed) and the id
 * of the last image of a full page (null when the page was not full).
 */
export function listQueryLinks(params: Iterable<[string, string]>, nextMarker: string | null): ListLinks {
  const entries = new Map<string, string>();
  for (const [k, v] of params) entries.set(k, v);
  entries.delete('marker');
  const query = encode(entries);
  const links: ListLinks = { first: query === '' ? '/v2/images' : `/v2/images?${query}` };
  if (nextMarker !== null) {
    entries.set('marker', nextMarker);
    links.next = `/v2/images?${encode(entries)}`;
  }
  return links;
}

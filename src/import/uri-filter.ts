/**
 * The `web-download` URI filter (Glance's `validate_import_uri` with the SSRF fixes of bugs
 * 2138602 and 2158998): scheme, host and port against `[import_filtering_opts]`, host names
 * resolved once, and the addresses to connect to handed back so the download cannot be
 * re-pointed by a second DNS answer.
 *
 * Rules, in order (any failure is the same 400 Glance gives):
 * - The URI must be `scheme://authority...` with a host; user information (`user@host`) is
 *   refused outright, since `http://allowed@evil/` only looks like it names `allowed`.
 * - Schemes, hosts and ports are compared after normalisation (lower case, one trailing dot
 *   dropped, IPv6 in canonical form). A non-empty allow-list makes its deny-list ignored.
 * - IPv4 is accepted only as a canonical dotted quad: a host whose last label is numeric in
 *   any other shape (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) is refused, as are IPv6
 *   literals that embed an IPv4 address (`[::ffff:127.0.0.1]`), which would slip past lists
 *   written with the dotted form.
 * - A host name must resolve; every address it resolves to is checked. Loopback, link-local,
 *   unspecified, multicast and broadcast destinations are refused unless the host itself is
 *   listed in `allowed_hosts` (Glance blocks loopback and link-local; private RFC 1918 / ULA
 *   ranges stay allowed so private clouds can import from internal servers).
 *
 * Departures, both stricter than Glance: the port checked is the effective one (80/443 when
 * the URI names none; Glance checks only a written port), and a deny-listed IP address also
 * refuses host names that resolve to it.
 */

import { lookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { BadRequest } from '../domain/errors.js';
import type { ImportFilteringConfig } from '../config/import-filtering-slice.js';

/** One address a host resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; rejects when it cannot. */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

/** A URI that passed the filter, with everything needed to connect to it and nothing else. */
export interface ImportTarget {
  /** The URI as given. */
  uri: string;
  /** Its WHATWG form (same host and port as checked), for building the request. */
  url: URL;
  /** Lower-case scheme. */
  scheme: string;
  /** Normalised host: lower case, no trailing dot, IPv6 canonical and without brackets. */
  host: string;
  /** The effective port, or null for a scheme without a known default and no written port. */
  port: number | null;
  /** The addresses to connect to (non-empty); an IP literal host gives itself. */
  addresses: ResolvedAddress[];
}

/** The message Glance answers a refused URI with (refs 215–217). */
export function filterRefusal(uri: string): BadRequest {
  return new BadRequest(`URI for web-download does not pass filtering: ${uri}`);
}

/** The system resolver (getaddrinfo), all addresses in the order the system gives them. */
export const systemResolver: HostResolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ftp: 21 };

/**
 * Checks `uri` against `cfg` and resolves its host. Resolves with the validated target, or
 * rejects with BadRequest(`URI for web-download does not pass filtering: <uri>`) — also when
 * the host does not resolve. `resolve` replaces the system resolver (tests, or a caller with
 * its own DNS policy).
 */
export async function checkImportUri(uri: string, cfg: ImportFilteringConfig, resolve: HostResolver = systemResolver): Promise<ImportTarget> {
  const refuse = () => filterRefusal(uri);
  const parsed = parseAuthority(uri);
  if (parsed === null) throw refuse();
  const { scheme, host, port } = parsed;

  const allowedSchemes = cfg.allowedSchemes.map((s) => s.toLowerCase());
  if (allowedSchemes.length > 0 ? !allowedSchemes.includes(scheme) : cfg.disallowedSchemes.some((s) => s.toLowerCase() === scheme)) {
    throw refuse();
  }

  const allowedHosts = normaliseList(cfg.allowedHosts);
  const deniedHosts = allowedHosts.length > 0 ? [] : normaliseList(cfg.disallowedHosts);
  if (allowedHosts.length > 0 ? !allowedHosts.includes(host) : deniedHosts.includes(host)) throw refuse();

  if (port !== null) {
    const portRefused = cfg.allowedPorts.length > 0 ? !cfg.allowedPorts.includes(port) : cfg.disallowedPorts.includes(port);
    if (portRefused) throw refuse();
  }

  // The request is built from the WHATWG form, so it must name exactly what was checked:
  // a disagreement between the two parsers is exactly what an SSRF payload looks for.
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw refuse();
  }
  const whatwgPort = url.port === '' ? (DEFAULT_PORTS[scheme] ?? null) : Number(url.port);
  if (normaliseHost(url.hostname) !== host || whatwgPort !== port || url.username !== '' || url.password !== '') throw refuse();

  let addresses: ResolvedAddress[];
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refuse();
    }
    if (addresses.length === 0) throw refuse();
  }

  const explicitlyAllowed = allowedHosts.includes(host);
  for (const { address } of addresses) {
    if (isIP(address) === 0) throw refuse();
    const normalised = normaliseHost(address);
    if (deniedHosts.includes(normalised)) throw refuse();
    if (!explicitlyAllowed && isRestrictedAddress(normalised)) throw refuse();
  }
  return { uri, url, scheme, host, port, addresses };
}

/**
 * Splits `scheme://authority` by hand (RFC 3986), without the WHATWG parser's repairs, which
 * would turn `0x7f000001` into `127.0.0.1` before anyone could refuse it. Null when malformed.
 */
function parseAuthority(uri: string): { scheme: string; host: string; port: number | null } | null {
  // Controls and spaces are never valid in a URI; WHATWG would silently strip some of them.
  if (typeof uri !== 'string' || /[\u0000-\u0020\u007f]/.test(uri)) return null;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(uri);
  if (m === null) return null;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  if (authority.includes('@')) return null;

  let rawHost: string;
  let rawPort: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    rawHost = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    rawPort = rest === '' ? undefined : rest.slice(1);
    if (!isIPv6(rawHost)) return null;
  } else {
    const colon = authority.indexOf(':');
    rawHost = colon < 0 ? authority : authority.slice(0, colon);
    rawPort = colon < 0 ? undefined : authority.slice(colon + 1);
  }

  let port: number | null = DEFAULT_PORTS[scheme] ?? null;
  if (rawPort !== undefined && rawPort !== '') {
    if (!/^\d{1,5}$/.test(rawPort)) return null;
    port = Number(rawPort);
    if (port < 1 || port > 65535) return null;
  }
  const host = authority.startsWith('[') ? canonicalIPv6(rawHost) : registeredNameOrIPv4(rawHost);
  return host === null ? null : { scheme, host, port };
}

/** An IPv6 literal in canonical form, or null when it carries an IPv4 address or a zone. */
function canonicalIPv6(literal: string): string | null {
  if (literal.includes('%')) return null;
  const canonical = new URL(`http://[${literal}]/`).hostname.slice(1, -1);
  return embeddedIPv4(canonical) === null ? canonical : null;
}

/** A host name (ASCII, lower case, no trailing dot) or a canonical dotted quad; null otherwise. */
function registeredNameOrIPv4(raw: string): string | null {
  let host = raw.toLowerCase();
  if (/[^\x00-\x7f]/.test(host)) host = domainToASCII(host);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.length > 253) return null;
  const labels = host.split('.');
  if (labels.some((l) => !/^[a-z0-9_-]{1,63}$/.test(l))) return null;
  // WHATWG (and inet_aton) read a host whose last label is numeric as an IPv4 address in
  // decimal, octal or hex parts; only the one unambiguous spelling is let through.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!)) {
    const canonical = labels.length === 4 && labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255);
    return canonical ? host : null;
  }
  return host;
}

/** Normalises a configured host, a WHATWG hostname or a resolved address for comparison. */
function normaliseHost(raw: string): string {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIPv6(host)) return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function normaliseList(list: readonly string[]): string[] {
  return list.map(normaliseHost).filter((h) => h !== '');
}

/**
 * True for destinations a user must not reach by default: loopback, link-local (cloud
 * metadata lives at 169.254.169.254), unspecified (0.0.0.0 reaches the local host), multicast
 * and broadcast, including their IPv4-in-IPv6 spellings.
 */
export function isRestrictedAddress(address: string): boolean {
  if (isIPv4(address)) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return a === 127 || a === 0 || (a === 169 && b === 254) || a >= 224;
  }
  if (!isIPv6(address)) return true;
  const v4 = embeddedIPv4(address);
  if (v4 !== null) return isRestrictedAddress(v4);
  const g = ipv6Groups(address);
  const unspecifiedOrLoopback = g.slice(0, 7).every((x) => x === 0) && g[7]! <= 1;
  return unspecifiedOrLoopback || (g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xff00) === 0xff00;
}

/** The IPv4 address inside an IPv4-mapped, -compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && g[5] === 0xffff;
  const compatible = zeros(6) && (g[6]! !== 0 || g[7]! > 1);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** The eight 16-bit groups of a valid IPv6 address (dotted IPv4 tail allowed). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -tail[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((x) => parseInt(x, 16)) : []);
  const left = part(head);
  const right = part(rest);
  const fill = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

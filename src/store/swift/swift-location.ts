/**
 * Swift image locations, read and written exactly as glance_store does, so locations in an
 * existing Glance database stay readable and new ones are readable by Glance:
 *
 *   swift+config://<reference>/<container>/<object>      (a `swift_store_config_file` is set)
 *   swift+http://<user>:<key>@<auth address>/<container>/<object>    (credentials in the URI;
 *   swift+https://… and swift://… mean an https auth address)
 *
 * In the credential form the user and key are percent-encoded as Python's `quote` does (so a
 * Keystone `project:user` reads `project%3Auser`), and on parsing the decoded `user:key` is split
 * at its last colon. Error messages never contain the URI: it may carry a key.
 */

/** The four schemes glance_store's swift driver owns. */
export const SWIFT_SCHEMES = ['swift', 'swift+http', 'swift+https', 'swift+config'] as const;
export type SwiftScheme = (typeof SWIFT_SCHEMES)[number];

/** A parsed swift location. */
export interface SwiftLocation {
  scheme: SwiftScheme;
  container: string;
  object: string;
  /** `swift+config`: the reference (a section of `swift_store_config_file`); else null. */
  reference: string | null;
  /** Credential forms: the auth address with its http(s) scheme; null for `swift+config`. */
  authAddress: string | null;
  /** Credential forms: user and key from the URI (null when the URI carries none). */
  user: string | null;
  key: string | null;
}

/** Why a swift URI cannot be used; the message is glance_store's and never quotes the URI. */
export class SwiftUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwiftUriError';
  }
}

/** True when `url` has one of the swift schemes. */
export function isSwiftUri(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && (SWIFT_SCHEMES as readonly string[]).includes(scheme);
}

/** Parses a swift location URI; throws SwiftUriError as glance_store raises BadStoreUri. */
export function parseSwiftUri(uri: string): SwiftLocation {
  if (uri.split('://').length !== 2) {
    throw new SwiftUriError('URI cannot contain more than one occurrence of a scheme. If you have specified a URI like '
      + 'swift://user:pass@http://authurl.com/v1/container/obj, you need to change it to use the swift+http:// scheme, '
      + 'like so: swift+http://user:pass@authurl.com/v1/container/obj');
  }
  const sep = uri.indexOf('://');
  const scheme = uri.slice(0, sep).toLowerCase();
  if (!(SWIFT_SCHEMES as readonly string[]).includes(scheme)) throw new SwiftUriError(`Unknown scheme '${scheme}' for the swift store`);
  const rest = uri.slice(sep + 3);
  const netlocEnd = rest.search(/[/?#]/);
  let netloc = netlocEnd === -1 ? rest : rest.slice(0, netlocEnd);
  const afterNetloc = netlocEnd === -1 ? '' : rest.slice(netlocEnd);
  let path = afterNetloc.split(/[?#]/, 1)[0]!.replace(/^\/+/, '');

  if (scheme === 'swift+config') {
    const { container, object } = splitObjectPath(path);
    return { scheme, container, object, reference: netloc, authAddress: null, user: null, key: null };
  }
  let creds: string | null = null;
  if (netloc !== '') {
    if (netloc.includes('@')) {
      const parts = netloc.split('@');
      if (parts.length !== 2) throw new SwiftUriError('Badly formed credentials in Swift URI.');
      [creds, netloc] = parts as [string, string];
    }
  } else if (path.includes('@')) {
    // A URI with an empty authority (`swift+http:///user:key@host/...`), as glance_store accepts.
    const parts = path.split('@');
    if (parts.length !== 2) throw new SwiftUriError('Badly formed credentials in Swift URI.');
    [creds, path] = parts as [string, string];
    const slash = path.indexOf('/');
    netloc = trimSlashes(slash === -1 ? path : path.slice(0, slash));
    path = trimSlashes(slash === -1 ? '' : path.slice(slash));
  }
  let user: string | null = null;
  let key: string | null = null;
  if (creds !== null && creds !== '') {
    if (creds.split(':').length < 2) throw new SwiftUriError('Badly formed credentials in Swift URI.');
    const decoded = pyUnquote(creds);
    const at = decoded.lastIndexOf(':');
    user = decoded.slice(0, at);
    key = decoded.slice(at + 1);
  }
  const parts = path.split('/');
  const { container, object } = splitObjectPath(path);
  parts.splice(-2, 2);
  const hostAndPath = [netloc, ...parts].join('/');
  const authAddress = /^https?:\/\//i.test(hostAndPath) ? hostAndPath
    : `${scheme === 'swift+http' ? 'http' : 'https'}://${hostAndPath}`;
  return { scheme: scheme as SwiftScheme, container, object, reference: null, authAddress, user, key };
}

/** `swift+config://<reference>/<container>/<object>`: what glance_store writes when a config file is set. */
export function configUri(reference: string, container: string, object: string): string {
  return `swift+config://${reference}/${trimSlashes(container)}/${trimSlashes(object)}`;
}

/**
 * The credential-bearing form glance_store writes without a config file: `swift+http` for an
 * `http://` auth address, else `swift+https`; user and key encoded as Python's `quote`.
 */
export function credentialUri(authAddress: string, user: string, key: string, container: string, object: string): string {
  const scheme = authAddress.startsWith('http://') ? 'swift+http' : 'swift+https';
  const host = trimSlashes(authAddress.replace(/^https?:\/\//, ''));
  const cred = user && key ? `${pyQuote(user)}:${pyQuote(key)}@` : '';
  return `${scheme}://${cred}${host}/${trimSlashes(container)}/${trimSlashes(object)}`;
}

function splitObjectPath(path: string): { container: string; object: string } {
  const parts = path.split('/');
  const object = parts.pop() ?? '';
  const container = parts.pop();
  if (container === undefined || container === '' || object === '') throw new SwiftUriError('Badly formed Swift URI.');
  return { container, object };
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

/** Python's `urllib.parse.quote(s)` (safe `/`): everything but unreserved characters and `/` percent-encoded. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

/** Python's `urllib.parse.unquote`: valid `%XX` runs decoded as UTF-8, anything else kept. */
export function pyUnquote(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return bytes.toString('utf8');
  });
}

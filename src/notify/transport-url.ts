/**
 * Parsing of oslo.messaging transport URLs as they appear in `transport_url`:
 *
 *   rabbit://                                   guest:guest@localhost:5672, vhost `/`
 *   rabbit://user:pass@host:5672/vhost
 *   rabbit://u:p@h1:5672,u:p@h2:5672/vhost      several brokers (a cluster), tried in turn
 *   rabbit://us%40r:p%3Ass@[::1]:5672/%2F       percent-encoded credentials and vhost, IPv6
 *
 * The rules are oslo.messaging's `TransportURL.parse`: hosts are split on `,`, the credentials
 * of each end at its last `@`, the password starts after the first `:` of them, and both are
 * percent-decoded; the vhost is the percent-decoded path after the first `/`.
 */

/** One broker of a transport URL. */
export interface TransportHost {
  hostname: string;
  port: number;
  username: string;
  password: string;
}

/** A parsed transport URL. */
export interface TransportUrl {
  /** The scheme as written (`rabbit`, `kombu`). */
  transport: string;
  /** At least one broker, in the order written. */
  hosts: TransportHost[];
  /** The AMQP virtual host (`/` when the URL has none). */
  virtualHost: string;
  /** Query options (`?ssl=1`), values of a repeated key joined with `,` as oslo does. */
  query: Record<string, string>;
}

/** Thrown for a transport URL glance-ts cannot use; the message never contains credentials. */
export class TransportUrlError extends Error {
  override readonly name = 'TransportUrlError';
}

/** The schemes of oslo.messaging's RabbitMQ driver (`kombu` is its old alias). */
const RABBIT_SCHEMES = new Set(['rabbit', 'kombu']);
const DEFAULT_PORT = 5672;

/**
 * Parses `url` into its brokers, vhost and options. Throws TransportUrlError for a missing or
 * unsupported scheme (glance-ts speaks only to RabbitMQ) or an unusable host or port.
 */
export function parseTransportUrl(url: string): TransportUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?/i.exec(url.trim());
  if (!m) throw new TransportUrlError('no scheme specified (expected e.g. rabbit://user:pass@host:5672/)');
  const transport = m[1]!.toLowerCase();
  if (!RABBIT_SCHEMES.has(transport)) {
    throw new TransportUrlError(`transport "${transport}" is not supported; glance-ts publishes to RabbitMQ only (rabbit://)`);
  }
  const path = m[3] ?? '';
  const virtualHost = path.length > 1 ? decode(path.slice(1), 'virtual host') : '/';
  const hosts = m[2]!.split(',').filter((h) => h !== '').map(parseHost);
  if (hosts.length === 0) hosts.push({ hostname: 'localhost', port: DEFAULT_PORT, username: 'guest', password: 'guest' });
  return { transport, hosts, virtualHost, query: parseQuery(m[4] ?? '') };
}

/** `host:port/vhost` of a broker: what may appear in logs (never the credentials). */
export function describeHost(host: TransportHost, virtualHost: string): string {
  const name = host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname;
  return `${name}:${host.port}/${virtualHost === '/' ? '' : virtualHost}`;
}

function parseHost(text: string): TransportHost {
  let hostPort = text;
  // Kombu's defaults for a broker written without credentials.
  let username = 'guest';
  let password = 'guest';
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const creds = text.slice(0, at);
    hostPort = text.slice(at + 1);
    const colon = creds.indexOf(':');
    username = decode(colon >= 0 ? creds.slice(0, colon) : creds, 'user name') || 'guest';
    password = colon >= 0 ? decode(creds.slice(colon + 1), 'password') : 'guest';
  }
  const { hostname, port } = splitHostPort(hostPort);
  return { hostname, port, username, password };
}

function splitHostPort(text: string): { hostname: string; port: number } {
  let hostname = text;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw new TransportUrlError(`unterminated IPv6 address in host "${text}"`);
    hostname = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new TransportUrlError(`unexpected text after the IPv6 address in host "${text}"`);
      portText = rest.slice(1);
    }
  } else if (text.split(':').length === 2) {
    [hostname, portText] = text.split(':') as [string, string];
  }
  // A bare IPv6 address (several colons, no brackets) has no port, as in oslo's parse_host_port.
  let port = DEFAULT_PORT;
  if (portText !== null && portText !== '') {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new TransportUrlError(`invalid port "${portText}" for host "${hostname}"`);
    }
  }
  return { hostname: hostname === '' ? 'localhost' : hostname, port };
}

function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  return query;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // The value may be a secret: name the part, never echo it.
    throw new TransportUrlError(`the ${what} is not valid percent-encoding`);
  }
}

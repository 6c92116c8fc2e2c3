/**
 * A small memcached client speaking the text protocol (get, set, delete), written for the token
 * cache: one pipelined connection per server, a deadline on every operation, and a server that
 * fails is skipped for `deadRetryMs` before it is tried again (reconnecting then). Keys are
 * spread over the servers by a hash; when the chosen server is dead the next live one is used.
 */
import { createConnection, type Socket } from 'node:net';

/** Construction options. */
export interface MemcachedClientOptions {
  /** `host:port` (IPv6 as `[addr]:port` or `inet6:[addr]:port`; port defaults to 11211). */
  servers: string[];
  /** Deadline of one operation, connect included. */
  timeoutMs: number;
  /** How long a failed server is left alone. */
  deadRetryMs: number;
  /** Told once each time a server goes from alive to dead (never given keys or values). */
  onServerDown?: (server: string, reason: string) => void;
}

/** Any failure of a memcached operation (no live server, timeout, protocol or connection error). */
export class MemcachedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemcachedError';
  }
}

type Reply = { kind: 'value'; data: Buffer | null } | { kind: 'status'; line: string };

interface Pending {
  expectValue: boolean;
  value: Buffer | null;
  resolve(reply: Reply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const CRLF = Buffer.from('\r\n');

function parseServer(spec: string): { host: string; port: number } {
  const s = spec.replace(/^inet6?:/, '');
  const m = /^\[(.+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new MemcachedError(`bad memcached server address ${JSON.stringify(spec)}`);
  return { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : 11211 };
}

// One server: a lazily opened socket carrying pipelined requests answered in order.
class ServerConnection {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  deadUntil = 0;

  constructor(readonly name: string, private readonly host: string, private readonly port: number,
    private readonly opts: MemcachedClientOptions) {}

  request(payload: Buffer, expectValue: boolean): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`timed out after ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
      this.pending.push({ expectValue, value: null, resolve, reject, timer });
      this.connect().write(payload);
    });
  }

  close(): void {
    this.fail('client closed', false);
  }

  private connect(): Socket {
    if (this.socket !== null) return this.socket;
    const socket = createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => { if (this.socket === socket) this.fail('connection closed'); });
    this.socket = socket;
    return socket;
  }

  // Drops the connection and fails everything in flight; the next request reconnects.
  private fail(reason: string, markDead = true): void {
    const socket = this.socket;
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    socket?.destroy();
    const failed = this.pending.splice(0);
    for (const p of failed) {
      clearTimeout(p.timer);
      p.reject(new MemcachedError(`memcached ${this.name}: ${reason}`));
    }
    if (markDead && failed.length > 0) {
      const wasAlive = this.deadUntil <= Date.now();
      this.deadUntil = Date.now() + this.opts.deadRetryMs;
      if (wasAlive) this.opts.onServerDown?.(this.name, reason);
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const head = this.pending[0];
      if (head === undefined) {
        if (this.buffer.length > 0) this.fail('unexpected data from server');
        return;
      }
      const eol = this.buffer.indexOf(CRLF);
      if (eol === -1) return;
      const line = this.buffer.subarray(0, eol).toString('latin1');
      if (head.expectValue && line.startsWith('VALUE ')) {
        // VALUE <key> <flags> <bytes>: the data block and its CRLF must have arrived in full.
        const bytes = Number(line.split(' ')[3]);
        if (!Number.isSafeInteger(bytes)) return this.fail('malformed VALUE line');
        const end = eol + 2 + bytes + 2;
        if (this.buffer.length < end) return;
        head.value = Buffer.from(this.buffer.subarray(eol + 2, eol + 2 + bytes));
        this.buffer = this.buffer.subarray(end);
        continue;
      }
      this.buffer = this.buffer.subarray(eol + 2);
      this.pending.shift();
      clearTimeout(head.timer);
      if (line === 'ERROR' || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR')) {
        head.reject(new MemcachedError(`memcached ${this.name}: ${line}`));
      } else if (head.expectValue) {
        if (line === 'END') head.resolve({ kind: 'value', data: head.value });
        else return this.fail(`unexpected reply ${JSON.stringify(line.slice(0, 40))}`);
      } else {
        head.resolve({ kind: 'status', line });
      }
    }
  }
}

// FNV-1a: cheap and stable, so every worker maps a key to the same server.
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The client; see the module comment. Safe to share between concurrent callers. */
export class MemcachedClient {
  private readonly servers: ServerConnection[];

  constructor(opts: MemcachedClientOptions) {
    if (opts.servers.length === 0) throw new MemcachedError('no memcached servers configured');
    this.servers = opts.servers.map((s) => {
      const { host, port } = parseServer(s);
      return new ServerConnection(s, host, port, opts);
    });
  }

  /** The stored value, or null when absent. Rejects with MemcachedError. */
  async get(key: string): Promise<Buffer | null> {
    checkKey(key);
    const reply = await this.pick(key).request(Buffer.from(`get ${key}\r\n`), true);
    return reply.kind === 'value' ? reply.data : null;
  }

  /** Stores `value` for `ttlSeconds` (at least 1). Rejects with MemcachedError. */
  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    checkKey(key);
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const payload = Buffer.concat([Buffer.from(`set ${key} 0 ${ttl} ${value.length}\r\n`), value, CRLF]);
    const reply = await this.pick(key).request(payload, false);
    if (reply.kind !== 'status' || reply.line !== 'STORED') throw new MemcachedError(`set failed: ${reply.kind === 'status' ? reply.line : 'no status'}`);
  }

  /** Removes `key` (absent keys are fine). Rejects with MemcachedError. */
  async delete(key: string): Promise<void> {
    checkKey(key);
    const reply = await this.pick(key).request(Buffer.from(`delete ${key}\r\n`), false);
    if (reply.kind !== 'status' || (reply.line !== 'DELETED' && reply.line !== 'NOT_FOUND')) {
      throw new MemcachedError(`delete failed: ${reply.kind === 'status' ? reply.line : 'no status'}`);
    }
  }

  /** Closes every connection; pending operations reject. */
  close(): void {
    for (const s of this.servers) s.close();
  }

  private pick(key: string): ServerConnection {
    const now = Date.now();
    const start = hashKey(key) % this.servers.length;
    for (let i = 0; i < this.servers.length; i++) {
      const s = this.servers[(start + i) % this.servers.length]!;
      if (s.deadUntil <= now) return s;
    }
    throw new MemcachedError('no live memcached server');
  }
}

function checkKey(key: string): void {
  // The text protocol forbids whitespace and control characters; the limit is 250 bytes.
  if (key.length === 0 || Buffer.byteLength(key) > 250 || /[\s\x00-\x1f\x7f]/.test(key)) {
    throw new MemcachedError('invalid memcached key');
  }
}

/**
 * The cache of token validation results, so that a token seen recently is not sent to Keystone
 * again. Entries are keyed by a hash of the token (the raw token is never a key or a value),
 * live at most the TTL the caller gives (which the caller bounds by `token_cache_time` and the
 * token's own expiry), and hold the compact validation result, not Keystone's whole answer.
 *
 * Two backends, as keystonemiddleware: an in-process LRU bounded by entry count, or memcached
 * (`memcached_servers`) shared by every worker and process. With `memcache_security_strategy`
 * MAC or ENCRYPT, the key and the protection of each entry are derived from the secret and the
 * token itself, so reading memcached reveals nothing usable without the token. A failing
 * memcached is a cache miss, never an error of the request.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { TokenCacheConfig } from '../config/keystone-auth-slice.js';
import type { TokenInfo } from './keystone-client.js';
import { MemcachedClient } from './memcached-client.js';

/** What the token validator needs from a cache. */
export interface TokenCache {
  /** The cached validation result of `token`, or null (absent, expired, unreadable). */
  get(token: string): Promise<TokenInfo | null>;
  /** Caches `info` for `ttlSeconds` (callers never pass 0 or less). */
  set(token: string, info: TokenInfo, ttlSeconds: number): Promise<void>;
  close(): void;
}

const KEY_PREFIX = 'glance-ts/tokens/';

/** In-process LRU: a Map iterates in insertion order, so re-inserting on read keeps it ordered by use. */
export class MemoryTokenCache implements TokenCache {
  private readonly entries = new Map<string, { info: TokenInfo; until: number }>();

  constructor(private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  async get(token: string): Promise<TokenInfo | null> {
    const key = hashToken(token);
    const e = this.entries.get(key);
    if (e === undefined) return null;
    this.entries.delete(key);
    if (e.until <= this.now()) return null;
    this.entries.set(key, e);
    return e.info;
  }

  async set(token: string, info: TokenInfo, ttlSeconds: number): Promise<void> {
    const key = hashToken(token);
    this.entries.delete(key);
    this.entries.set(key, { info, until: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  /** Number of entries held (expired ones included until touched or evicted). */
  get size(): number {
    return this.entries.size;
  }

  close(): void {
    this.entries.clear();
  }
}

/** memcached-backed cache, optionally authenticated (MAC) or encrypted (ENCRYPT). */
export class MemcachedTokenCache implements TokenCache {
  private readonly client: MemcachedClient;

  constructor(private readonly cfg: TokenCacheConfig, private readonly logger: Logger) {
    this.client = new MemcachedClient({
      servers: cfg.memcachedServers,
      timeoutMs: cfg.socketTimeoutSeconds * 1000,
      deadRetryMs: cfg.deadRetrySeconds * 1000,
      onServerDown: (server, reason) =>
        logger.warn({ server, reason, retry_in_s: cfg.deadRetrySeconds }, 'memcached server unavailable; validating tokens with Keystone meanwhile'),
    });
  }

  async get(token: string): Promise<TokenInfo | null> {
    const keys = this.keysFor(token);
    try {
      const raw = await this.client.get(keys.cacheKey);
      if (raw === null) return null;
      const plain = this.unprotect(raw, keys);
      if (plain === null) {
        this.logger.warn('discarding a token cache entry that failed its integrity check');
        return null;
      }
      return JSON.parse(plain.toString('utf8')) as TokenInfo;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'token cache read failed');
      return null;
    }
  }

  async set(token: string, info: TokenInfo, ttlSeconds: number): Promise<void> {
    const keys = this.keysFor(token);
    try {
      await this.client.set(keys.cacheKey, this.protect(Buffer.from(JSON.stringify(info)), keys), ttlSeconds);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'token cache write failed');
    }
  }

  close(): void {
    this.client.close();
  }

  private keysFor(token: string): { cacheKey: string; encKey: Buffer; macKey: Buffer } {
    if (this.cfg.securityStrategy === 'none') {
      return { cacheKey: KEY_PREFIX + hashToken(token), encKey: Buffer.alloc(0), macKey: Buffer.alloc(0) };
    }
    // Three independent keys from the secret and the token: the lookup key, the cipher key, the MAC key.
    const derive = (label: string): Buffer => createHmac('sha256', this.cfg.secretKey!).update(label).update(token).digest();
    return { cacheKey: KEY_PREFIX + derive('key').toString('hex'), encKey: derive('enc'), macKey: derive('mac') };
  }

  private protect(plain: Buffer, k: { encKey: Buffer; macKey: Buffer }): Buffer {
    switch (this.cfg.securityStrategy) {
      case 'none':
        return plain;
      case 'mac':
        return Buffer.concat([createHmac('sha256', k.macKey).update(plain).digest(), plain]);
      case 'encrypt': {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', k.encKey, iv);
        const body = Buffer.concat([cipher.update(plain), cipher.final()]);
        return Buffer.concat([iv, cipher.getAuthTag(), body]);
      }
    }
  }

  // The plain entry, or null when it was tampered with (or written with another secret).
  private unprotect(raw: Buffer, k: { encKey: Buffer; macKey: Buffer }): Buffer | null {
    switch (this.cfg.securityStrategy) {
      case 'none':
        return raw;
      case 'mac': {
        if (raw.length < 32) return null;
        const mac = raw.subarray(0, 32);
        const plain = raw.subarray(32);
        return timingSafeEqual(mac, createHmac('sha256', k.macKey).update(plain).digest()) ? plain : null;
      }
      case 'encrypt': {
        if (raw.length < 28) return null;
        try {
          const decipher = createDecipheriv('aes-256-gcm', k.encKey, raw.subarray(0, 12));
          decipher.setAuthTag(raw.subarray(12, 28));
          return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        } catch {
          return null;
        }
      }
    }
  }
}

/** SHA-256 of the token in hex: the cache key when no secret is configured. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Builds the cache the configuration asks for: memcached when servers are listed, else in-process. */
export function createTokenCache(cfg: TokenCacheConfig, logger: Logger): TokenCache {
  return cfg.memcachedServers.length > 0 ? new MemcachedTokenCache(cfg, logger) : new MemoryTokenCache(cfg.maxEntries);
}

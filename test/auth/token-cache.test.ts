/**
 * The token caches: the in-process LRU (bounds, expiry) and the memcached one against the real
 * memcached started by scripts/memcached.sh (round trip, TTL, MAC/ENCRYPT protection and
 * tamper detection, hashed keys, an unreachable server failing fast and then skipped), plus
 * the memcached client's protocol handling (binary values, large values, pipelining).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { TokenInfo } from '../../src/auth/keystone-client.js';
import { MemcachedClient, MemcachedError } from '../../src/auth/memcached-client.js';
import { hashToken, MemcachedTokenCache, MemoryTokenCache } from '../../src/auth/token-cache.js';
import type { TokenCacheConfig } from '../../src/config/keystone-auth-slice.js';
import { sleep } from './auth-harness.js';
import { ensureMemcached } from './keystone-fixture.js';

const silent = pino({ level: 'silent' });

function info(userId: string): TokenInfo {
  return {
    userId, userName: 'u', userDomainId: 'default', projectId: 'p', projectName: 'p', projectDomainId: 'default',
    domainId: null, systemScope: null, roles: ['member'], expiresAt: Date.now() + 3_600_000, accessRules: false,
  };
}

function cacheConfig(server: string, overrides: Partial<TokenCacheConfig> = {}): TokenCacheConfig {
  return {
    tokenCacheTime: 300, memcachedServers: [server], securityStrategy: 'none', secretKey: null,
    deadRetrySeconds: 300, socketTimeoutSeconds: 3, maxEntries: 100, ...overrides,
  };
}

describe('in-process token cache', () => {
  test('keeps at most maxEntries, evicting the least recently used', async () => {
    const c = new MemoryTokenCache(2);
    await c.set('a', info('a'), 60);
    await c.set('b', info('b'), 60);
    assert.equal((await c.get('a'))?.userId, 'a'); // a is now the most recently used
    await c.set('c', info('c'), 60);
    assert.equal(await c.get('b'), null);
    assert.equal((await c.get('a'))?.userId, 'a');
    assert.equal((await c.get('c'))?.userId, 'c');
    assert.equal(c.size, 2);
  });

  test('entries end after their TTL', async () => {
    let now = 1_000_000;
    const c = new MemoryTokenCache(10, () => now);
    await c.set('a', info('a'), 5);
    now += 4_999;
    assert.notEqual(await c.get('a'), null);
    now += 2;
    assert.equal(await c.get('a'), null);
  });
});

describe('memcached token cache (real memcached)', () => {
  let server: string;
  before(async () => {
    server = await ensureMemcached();
  });

  test('round trip under the SHA-256 of the token, never the token itself', async () => {
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const cache = new MemcachedTokenCache(cacheConfig(server), silent);
    const raw = new MemcachedClient({ servers: [server], timeoutMs: 1000, deadRetryMs: 1000 });
    try {
      await cache.set(token, info('u1'), 30);
      assert.equal((await cache.get(token))?.userId, 'u1');
      const stored = await raw.get(`glance-ts/tokens/${hashToken(token)}`);
      assert.ok(stored !== null);
      assert.ok(!stored.toString().includes(token));
      assert.equal(await cache.get(`${token}x`), null);
    } finally {
      cache.close();
      raw.close();
    }
  });

  test('memcached expires entries after their TTL', async () => {
    const token = `ttl-${randomBytes(8).toString('hex')}`;
    const cache = new MemcachedTokenCache(cacheConfig(server), silent);
    try {
      await cache.set(token, info('u1'), 1);
      assert.notEqual(await cache.get(token), null);
      await sleep(2100);
      assert.equal(await cache.get(token), null);
    } finally {
      cache.close();
    }
  });

  for (const strategy of ['mac', 'encrypt'] as const) {
    test(`memcache_security_strategy ${strategy}: readable with the token and secret, tampering detected`, async () => {
      const token = `sec-${randomBytes(8).toString('hex')}`;
      const cfg = cacheConfig(server, { securityStrategy: strategy, secretKey: 's3cret' });
      const cache = new MemcachedTokenCache(cfg, silent);
      const otherSecret = new MemcachedTokenCache({ ...cfg, secretKey: 'other' }, silent);
      const raw = new MemcachedClient({ servers: [server], timeoutMs: 1000, deadRetryMs: 1000 });
      try {
        await cache.set(token, info('u2'), 30);
        assert.equal((await cache.get(token))?.userId, 'u2');
        assert.equal(await otherSecret.get(token), null, 'another secret derives another key');
        const key = `glance-ts/tokens/${createHmac('sha256', 's3cret').update('key').update(token).digest('hex')}`;
        const stored = (await raw.get(key))!;
        assert.equal(stored.includes(Buffer.from('"userId"')), strategy === 'mac', 'ENCRYPT hides the content');
        const tampered = Buffer.from(stored);
        tampered[tampered.length - 2] ^= 1;
        await raw.set(key, tampered, 30);
        assert.equal(await cache.get(token), null, 'tampered entry rejected');
      } finally {
        cache.close();
        otherSecret.close();
        raw.close();
      }
    });
  }

  test('the client handles binary and large values, pipelined requests and deletes', async () => {
    const raw = new MemcachedClient({ servers: [server], timeoutMs: 2000, deadRetryMs: 1000 });
    try {
      const big = randomBytes(512 * 1024);
      const crlf = Buffer.from('a\r\nEND\r\nVALUE x 0 3\r\n');
      const k = `glance-ts/test/${randomBytes(6).toString('hex')}`;
      await Promise.all([raw.set(`${k}/big`, big, 30), raw.set(`${k}/crlf`, crlf, 30)]);
      const [b, c, missing] = await Promise.all([raw.get(`${k}/big`), raw.get(`${k}/crlf`), raw.get(`${k}/none`)]);
      assert.ok(b?.equals(big));
      assert.ok(c?.equals(crlf));
      assert.equal(missing, null);
      await raw.delete(`${k}/big`);
      await raw.delete(`${k}/big`);
      assert.equal(await raw.get(`${k}/big`), null);
      await assert.rejects(raw.get('has space'), MemcachedError);
    } finally {
      raw.close();
    }
  });

  test('an unreachable server fails fast, is skipped for dead_retry, and the cache degrades to misses', async () => {
    const downs: string[] = [];
    const raw = new MemcachedClient({ servers: ['127.0.0.1:9'], timeoutMs: 1000, deadRetryMs: 60_000, onServerDown: (s) => downs.push(s) });
    try {
      const t0 = Date.now();
      await assert.rejects(raw.get('k'), MemcachedError);
      await assert.rejects(raw.get('k'), /no live memcached server/);
      assert.ok(Date.now() - t0 < 1000);
      assert.deepEqual(downs, ['127.0.0.1:9']);
    } finally {
      raw.close();
    }
    const cache = new MemcachedTokenCache(cacheConfig('127.0.0.1:9'), silent);
    try {
      await cache.set('t', info('u'), 30);
      assert.equal(await cache.get('t'), null);
    } finally {
      cache.close();
    }
  });
});

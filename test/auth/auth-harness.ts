/**
 * An Image API server with Keystone authentication built in-process from a glance-api.conf text
 * (so the configuration slice is exercised too), with the real KeystoneClient, token cache and
 * KeystoneAuth, plus a `GET /v2/whoami` route that answers the request's context. The log lines
 * are kept for assertions and the Keystone validation calls are counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { KeystoneAuth } from '../../src/auth/keystone-auth.js';
import { KeystoneClient, type TokenInfo } from '../../src/auth/keystone-client.js';
import { createTokenCache } from '../../src/auth/token-cache.js';
import { keystoneAuthSlice, type KeystoneAuthConfig } from '../../src/config/keystone-auth-slice.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildServer } from '../../src/http/server.js';
import { serverConfig } from '../http/helpers.js';

/** A built server and what the tests look at. */
export interface AuthHarness {
  server: FastifyInstance;
  config: KeystoneAuthConfig;
  /** Parsed log lines of the auth components and the server. */
  logs: Array<Record<string, unknown>>;
  /** Token validations sent to Keystone so far. */
  validations(): number;
  close(): Promise<void>;
}

/** Loads `ini` as glance-api.conf and returns the Config. */
export function configFrom(ini: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-auth-'));
  try {
    const file = join(dir, 'glance-api.conf');
    writeFileSync(file, ini);
    return loadConfig({ configFiles: [file], configDirs: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the server from `ini` (which must carry `[keystone_authtoken]`). */
export async function authServer(ini: string): Promise<AuthHarness> {
  const config = keystoneAuthSlice(configFrom(`[database]\nconnection = sqlite://\n${ini}\n`));
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  const client = new KeystoneClient(config, logger);
  let count = 0;
  const counting = {
    validate: (token: string, opts?: { allowExpired?: boolean }): Promise<TokenInfo> => {
      count++;
      return client.validate(token, opts);
    },
  };
  const cache = createTokenCache(config.cache, logger);
  const auth = new KeystoneAuth(counting, cache, {
    tokenCacheTime: config.cache.tokenCacheTime,
    serviceTokenRoles: config.serviceTokenRoles,
    serviceTokenRolesRequired: config.serviceTokenRolesRequired,
  }, logger);
  const server = await buildServer({
    server: serverConfig({ pasteFlavor: 'keystone' }),
    versions: { multistore: false, cacheEnabled: false, publicEndpoint: null },
    logger,
    keystoneAuth: { auth, wwwAuthenticateUri: config.wwwAuthenticateUri, allowAnonymousAccess: false },
    routes: [(app) => { app.get('/v2/whoami', async (request) => request.ctx); }],
  });
  return {
    server,
    config,
    logs,
    validations: () => count,
    async close() {
      await server.close();
      cache.close();
      await client.close();
    },
  };
}

/** GET /v2/whoami with the given headers. */
export async function whoami(h: AuthHarness, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; raw: string; headers: Record<string, unknown> }> {
  const res = await h.server.inject({ method: 'GET', url: '/v2/whoami', headers: { accept: 'application/json', ...headers } });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    // not JSON (an HTML or plain-text error): tests look at `raw`
  }
  return { status: res.statusCode, body, raw: res.body, headers: res.headers };
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The composition root: turns a loaded configuration into a running application by building
 * each component from its own config slice and wiring them by hand. Nothing else imports
 * `http/`; later issues add their repositories, services and route files here.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import {
  databaseSlice, EMBEDDED_DEFAULTS, isKeystoneFlavor, keystoneAuthSlice, serverSlice, versionsSlice,
} from './config/slices.js';
import { KeystoneAuth } from './auth/keystone-auth.js';
import { KeystoneClient } from './auth/keystone-client.js';
import { createTokenCache } from './auth/token-cache.js';
import type { KeystoneAuthPluginDeps } from './http/plugins/keystone-auth.js';
import { planImageApi, type ImageApi } from './app-image-api.js';
import { openDatabase, type Database } from './db/database.js';
import { syncSchema } from './db/migrate.js';
import { buildServer, checkServerConfig, type RouteRegistrar } from './http/server.js';
import { LogSink, NoopSink } from './notify/log-sink.js';
import { Notifier, type NotificationSink } from './notify/notifier.js';

/** A built application: the (not yet listening) server and how to release everything. */
export interface App {
  server: FastifyInstance;
  database: Database;
  /** Stops the server (letting in-flight requests finish) and closes the database. */
  close(): Promise<void>;
}

/** Options of `buildApp`. */
export interface BuildAppOptions {
  logger: Logger;
  /**
   * Whether to do embedded mode's one-time preparation (data directories, schema). True by
   * default; cluster workers pass false because the primary process did it before forking.
   */
  prepare?: boolean;
  /** Extra route files (tests); the application's own are listed here in `buildApp`. */
  routes?: RouteRegistrar[];
}

/**
 * Embedded mode (no configuration file): creates `./data/images` and the SQLite schema, so a
 * bare `glance-api` in an empty directory just works. Does nothing with a configuration file,
 * where the operator runs `glance-manage db_sync` as with Glance.
 */
export async function prepareEmbedded(config: Config, logger: Logger): Promise<void> {
  if (!config.embedded) return;
  await mkdir(EMBEDDED_DEFAULTS.imagesDir, { recursive: true });
  const database = await openDatabase(databaseSlice(config), logger);
  try {
    await syncSchema(database, logger);
  } finally {
    await database.close();
  }
}

/**
 * Builds the application from `config`: checks the server options, prepares embedded mode
 * (unless `prepare` is false), opens the database and builds the server. Throws ConfigError or
 * StartupError for unusable settings, and the database error if it cannot be reached.
 */
export async function buildApp(config: Config, opts: BuildAppOptions): Promise<App> {
  const server = serverSlice(config);
  checkServerConfig(server);
  const keystone = isKeystoneFlavor(server.pasteFlavor) ? buildKeystoneAuth(config, opts.logger) : null;
  const dbConfig = databaseSlice(config);
  if (opts.prepare ?? true) await prepareEmbedded(config, opts.logger);
  const plan = planImageApi(config, opts.logger);
  const notifier = buildNotifier(config, opts.logger);
  const database = await openDatabase(dbConfig, opts.logger);
  let http: FastifyInstance;
  let imageApi: ImageApi | undefined;
  try {
    imageApi = await plan.build(database, notifier);
    http = await buildServer({
      server,
      versions: versionsSlice(config),
      logger: opts.logger,
      routes: [...imageApi.routes, ...(opts.routes ?? [])],
      ...(keystone ? { keystoneAuth: keystone.plugin } : {}),
    });
  } catch (err) {
    await imageApi?.close();
    await database.close();
    await keystone?.close();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    server: http,
    database,
    close() {
      closed ??= (async () => {
        try {
          await http.close();
        } finally {
          await imageApi.close();
          await notifier.close();
          await keystone?.close();
          await database.close();
        }
      })();
      return closed;
    },
  };
}

/**
 * Keystone token authentication from `[keystone_authtoken]`: the Identity client (its own
 * connection pool and service token), the validation cache and the authenticator, plus how to
 * release them. Nothing talks to Keystone before the first request. Throws ConfigError.
 */
function buildKeystoneAuth(config: Config, logger: Logger): { plugin: KeystoneAuthPluginDeps; close(): Promise<void> } {
  const cfg = keystoneAuthSlice(config);
  const log = logger.child({ component: 'keystone-auth' });
  const client = new KeystoneClient(cfg, log);
  const cache = createTokenCache(cfg.cache, log);
  const auth = new KeystoneAuth(client, cache, {
    tokenCacheTime: cfg.cache.tokenCacheTime,
    serviceTokenRoles: cfg.serviceTokenRoles,
    serviceTokenRolesRequired: cfg.serviceTokenRolesRequired,
  }, log);
  log.info({ auth_url: cfg.service.authUrl, memcached: cfg.cache.memcachedServers, token_cache_time: cfg.cache.tokenCacheTime }, 'Keystone authentication enabled');
  return {
    plugin: { auth, wwwAuthenticateUri: cfg.wwwAuthenticateUri, allowAnonymousAccess: cfg.allowAnonymousAccess },
    async close() {
      cache.close();
      await client.close();
    },
  };
}

/**
 * The notifier for `[oslo_messaging_notifications] driver`: `log` logs each event; no driver or
 * `noop` sends nothing. The message-bus drivers come with the operations issue; until then they
 * log a warning and fall back to the log sink so no event is silently lost.
 */
function buildNotifier(config: Config, logger: Logger): Notifier {
  const drivers = config.get<string[]>('oslo_messaging_notifications', 'driver');
  let sink: NotificationSink = new NoopSink();
  if (drivers.some((d) => d !== 'noop')) {
    if (drivers.some((d) => d !== 'log' && d !== 'noop')) {
      logger.warn({ drivers }, 'message-bus notification drivers are not implemented yet; logging notifications instead');
    }
    sink = new LogSink(logger);
  }
  return new Notifier(
    {
      publisherId: config.get<string>('DEFAULT', 'default_publisher_id'),
      disabled: config.get<string[]>('DEFAULT', 'disabled_notifications'),
    },
    sink,
  );
}

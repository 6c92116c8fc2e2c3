/**
 * The composition root: turns a loaded configuration into a running application by building
 * each component from its own config slice and wiring them by hand. Nothing else imports
 * `http/`; later issues add their repositories, services and route files here.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import {
  databaseSlice, EMBEDDED_DEFAULTS, isKeystoneFlavor, keystoneAuthSlice, notificationSlice, serverSlice, versionsSlice,
} from './config/slices.js';
import { KeystoneAuth } from './auth/keystone-auth.js';
import { KeystoneClient } from './auth/keystone-client.js';
import { createTokenCache } from './auth/token-cache.js';
import type { KeystoneAuthPluginDeps } from './http/plugins/keystone-auth.js';
import { planImageApi, type ImageApi } from './app-image-api.js';
import { openDatabase, type Database } from './db/database.js';
import { syncSchema } from './db/migrate.js';
import { buildServer, checkServerConfig, type RouteRegistrar } from './http/server.js';
import { corsSlice, healthcheckSlice, proxyHeadersSlice } from './config/middleware-slice.js';
import type { HealthProbe } from './http/plugins/healthcheck.js';
import type { StoreRegistry } from './store/registry.js';
import { StoreError } from './store/errors.js';
import { metricsSlice } from './config/metrics-slice.js';
import { Metrics } from './metrics/glance-metrics.js';
import { MetricsServer } from './metrics/metrics-server.js';
import { Notifier } from './notify/notifier.js';
import { createNotificationSink } from './notify/sink-factory.js';

/** A built application: the (not yet listening) server and how to release everything. */
export interface App {
  server: FastifyInstance;
  database: Database;
  /** The Prometheus endpoint (listening already) when `[glance_ts_metrics] enabled`, else null. */
  metrics: MetricsServer | null;
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
  /** This cluster worker's index from 0 (0 outside a cluster): the metrics port is `bind_port` + it. */
  workerIndex?: number;
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
  const metricsConfig = metricsSlice(config);
  const metrics = metricsConfig.enabled ? new Metrics() : undefined;
  const plan = planImageApi(config, opts.logger, metrics);
  const notifier = buildNotifier(config, opts.logger);
  const database = await openDatabase(dbConfig, opts.logger);
  let http: FastifyInstance;
  let imageApi: ImageApi | undefined;
  let metricsServer: MetricsServer | null = null;
  try {
    imageApi = await plan.build(database, notifier);
    if (metrics) {
      // Its own socket, never the API's; 0 (tests) stays "any free port" in every worker.
      const port = metricsConfig.bindPort === 0 ? 0 : metricsConfig.bindPort + (opts.workerIndex ?? 0);
      metricsServer = await MetricsServer.start({
        host: metricsConfig.bindHost, port, path: metricsConfig.path, expose: () => metrics.expose(), logger: opts.logger,
      });
    }
    http = await buildServer({
      server,
      versions: versionsSlice(config),
      logger: opts.logger,
      routes: [...imageApi.routes, ...(opts.routes ?? [])],
      ...(keystone ? { keystoneAuth: keystone.plugin } : {}),
      ...(metrics ? { metrics } : {}),
      healthcheck: { config: healthcheckSlice(config), probes: healthProbes(database, imageApi.stores) },
      cors: corsSlice(config),
      proxyHeaders: proxyHeadersSlice(config),
    });
  } catch (err) {
    await metricsServer?.close();
    metrics?.close();
    await imageApi?.close();
    await notifier.close();
    await database.close();
    await keystone?.close();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    server: http,
    database,
    metrics: metricsServer,
    close() {
      closed ??= (async () => {
        try {
          await http.close();
        } finally {
          await metricsServer?.close();
          metrics?.close();
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
 * The detailed healthcheck's probes: the database answers `SELECT 1`, and every operator store
 * that can probe itself (file stores: data directories usable) does so. Nothing is changed.
 */
function healthProbes(database: Database, stores: StoreRegistry): HealthProbe[] {
  const probes: HealthProbe[] = [{
    name: 'database',
    failure: 'DATABASE UNAVAILABLE',
    run: async () => {
      await sql`SELECT 1`.execute(database.db);
      return `${database.dialect} answered SELECT 1`;
    },
  }];
  for (const driver of stores.operatorStores()) {
    if (!driver.probe) continue;
    probes.push({
      name: `store ${driver.id}`,
      failure: 'STORE UNAVAILABLE',
      // A StoreError's message is the (empty) API text; the store's own says what is wrong.
      run: () => driver.probe!().catch((err: unknown) => {
        throw err instanceof StoreError ? new Error(err.storeMessage, { cause: err }) : err;
      }),
    });
  }
  return probes;
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
 * The notifier for `[oslo_messaging_notifications] driver` (see `notify/sink-factory.ts`):
 * `messagingv2`/`messaging` publish to RabbitMQ in the background, `log` logs each event, no
 * driver or `noop` sends nothing. Throws ConfigError for an unusable transport URL.
 */
function buildNotifier(config: Config, logger: Logger): Notifier {
  const cfg = notificationSlice(config);
  const sink = createNotificationSink(cfg, logger.child({ component: 'notifications' }));
  return new Notifier({ publisherId: cfg.publisherId, disabled: cfg.disabled }, sink);
}

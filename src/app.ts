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
  databaseSlice, EMBEDDED_DEFAULTS, imageApiSlice, imageFormatSlice, serverSlice, storeSlice, versionsSlice,
} from './config/slices.js';
import { openDatabase, type Database } from './db/database.js';
import { syncSchema } from './db/migrate.js';
import { ImageRepo } from './db/repos/image-repo.js';
import { imageRoutes } from './http/routes/images.js';
import { schemaRoutes } from './http/routes/schemas.js';
import { buildServer, checkServerConfig, type RouteRegistrar } from './http/server.js';
import { LogSink, NoopSink } from './notify/log-sink.js';
import { Notifier, type NotificationSink } from './notify/notifier.js';
import { baseImageProperties } from './schemas/image-schema.js';
import { ImageValidator } from './schemas/image-validator.js';
import { buildSchemaDocuments } from './schemas/schema-documents.js';
import { loadCustomProperties } from './schemas/schema-image-file.js';
import { ImageService } from './services/image-service.js';

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
  const dbConfig = databaseSlice(config);
  if (opts.prepare ?? true) await prepareEmbedded(config, opts.logger);
  const routes = imageApiRoutes(config, opts.logger);
  const notifier = buildNotifier(config, opts.logger);
  const database = await openDatabase(dbConfig, opts.logger);
  let http: FastifyInstance;
  try {
    http = await buildServer({
      server,
      versions: versionsSlice(config),
      logger: opts.logger,
      routes: [...routes(database, notifier), ...(opts.routes ?? [])],
    });
  } catch (err) {
    await database.close();
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
          await notifier.close();
          await database.close();
        }
      })();
      return closed;
    },
  };
}

/**
 * The Image API's route files with their services, built from the image-related slices. The
 * configuration-only parts (schemas, formats) are built first so a bad `schema-image.json`
 * fails start-up before the database is opened.
 */
function imageApiRoutes(config: Config, logger: Logger): (database: Database, notifier: Notifier) => RouteRegistrar[] {
  const api = imageApiSlice(config);
  const formats = imageFormatSlice(config);
  const stores = storeSlice(config);
  const { custom, file } = loadCustomProperties(config.sources(), baseImageProperties(formats));
  logger.info({ file: file ?? 'built-in defaults' }, 'image schema custom properties loaded');
  const schemas = buildSchemaDocuments(formats, custom);
  const validator = new ImageValidator(schemas.image!);
  const storeIds = stores.multistore
    ? [...stores.backends.map((b) => b.id), 'os_glance_staging_store', 'os_glance_tasks_store']
    : [];
  return (database, notifier) => {
    const images = new ImageService({
      images: new ImageRepo(database),
      validator,
      notifier,
      config: {
        quotas: { imagePropertyQuota: api.imagePropertyQuota, imageTagQuota: api.imageTagQuota },
        showMultipleLocations: api.showMultipleLocations,
        paging: { limitParamDefault: api.limitParamDefault, apiLimitMax: api.apiLimitMax },
      },
    });
    return [
      schemaRoutes(schemas),
      imageRoutes({
        images,
        view: {
          showMultipleLocations: api.showMultipleLocations,
          showImageDirectUrl: api.showImageDirectUrl,
          multistore: stores.multistore,
          schemaProperties: validator.declared,
        },
        publicEndpoint: api.publicEndpoint,
        importMethods: api.enabledImportMethods,
        storeIds,
      }),
    ];
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

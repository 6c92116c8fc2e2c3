/**
 * Composition of the Image API (part of the composition root, beside `app.ts`): the schema
 * documents, stores, hasher pool, repositories, use cases and their route files, each built
 * from its own config slice. Split in two steps so configuration mistakes (a bad
 * `schema-image.json`, an unknown `hashing_algorithm`) stop start-up before anything opens.
 */
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import {
  imageApiSlice, imageFormatSlice, importFilteringSlice, importPluginsSlice, isKeystoneFlavor, keystoneAuthSlice, osloLimitSlice,
  policySlice, serverSlice, storeSlice,
} from './config/slices.js';
import type { Database } from './db/database.js';
import { ImageRepo } from './db/repos/image-repo.js';
import { MemberRepo } from './db/repos/member-repo.js';
import { TaskRepo } from './db/repos/task-repo.js';
import { PendingDeleteRepo } from './db/repos/pending-delete-repo.js';
import { scrubberSlice } from './config/scrubber-slice.js';
import { Scrubber } from './scrubber/scrubber.js';
import { ScrubberLoop } from './scrubber/scrubber-loop.js';
import { UsageRepo } from './db/repos/usage-repo.js';
import { NamedLocks } from './db/named-locks.js';
import { imageDataRoutes } from './http/routes/image-data.js';
import { imageRoutes } from './http/routes/images.js';
import { infoStoresRoutes } from './http/routes/info-stores.js';
import { imageImportRoutes } from './http/routes/image-import.js';
import { imageLocationRoutes } from './http/routes/image-locations.js';
import { infoUsageRoutes } from './http/routes/info-usage.js';
import { taskRoutes } from './http/routes/tasks.js';
import { memberRoutes } from './http/routes/members.js';
import { metadefsRoutes } from './http/routes/metadefs-namespaces.js';
import { schemaRoutes } from './http/routes/schemas.js';
import type { RouteRegistrar } from './http/server.js';
import type { Metrics } from './metrics/glance-metrics.js';
import type { Notifier } from './notify/notifier.js';
import { PolicyChecker } from './policy/policy-checker.js';
import { policyEngineFromConfig } from './policy/policy-engine.js';
import { PropertyProtections } from './policy/property-protections.js';
import { ImportFlow } from './import/import-flow.js';
import { ImportService } from './import/import-service.js';
import { buildImportPlugins } from './import/plugins/plugin-registry.js';
import { TaskRunner } from './import/task-runner.js';
import { LocationImportFlow } from './import/location-import-flow.js';
import { checkImportUri } from './import/uri-filter.js';
import { openWebDownload } from './import/web-download-source.js';
import { openGlanceDownload } from './import/glance-download-source.js';
import { KeystoneLimits } from './quota/keystone-limits.js';
import { QuotaChecker } from './quota/quota-checker.js';
import { baseImageProperties } from './schemas/image-schema.js';
import { ImageValidator } from './schemas/image-validator.js';
import { buildSchemaDocuments } from './schemas/schema-documents.js';
import { loadCustomProperties } from './schemas/schema-image-file.js';
import { ImageDataRemover } from './services/image-data-remover.js';
import { DownloadService } from './services/image-download.js';
import { ImageService } from './services/image-service.js';
import { LocationService } from './services/image-locations.js';
import { LocationAdmission } from './services/location-admission.js';
import { LOCATION_IMPORT } from './services/location-rules.js';
import { UploadService } from './services/image-upload.js';
import { InterruptedTransfers } from './services/interrupted-transfers.js';
import { StoreLocationDelete } from './services/store-location-delete.js';
import { MemberService } from './services/member-service.js';
import { createMetadefServices } from './services/metadef-services.js';
import { TaskService } from './services/task-service.js';
import { StoreRegistry } from './store/registry.js';
import { HasherPool } from './stream/hasher-pool.js';
import { buildImageCache, describeImageCache } from './app-image-cache.js';
import { imageCacheSlice } from './config/image-cache-slice.js';

/** The running Image API components. */
export interface ImageApi {
  routes: RouteRegistrar[];
  /** The configured stores (the composition root builds the healthcheck's store probes from them). */
  stores: StoreRegistry;
  /** Stops background work and releases the stores and the hasher pool. */
  close(): Promise<void>;
}

/** The configuration-only step; call `build` once the database is open. */
export interface ImageApiPlan {
  build(database: Database, notifier: Notifier): Promise<ImageApi>;
}

/**
 * Reads and checks every Image API option (throws ConfigError / SchemaLoadError), returning the
 * plan that builds the components. With `metrics`, the stores report driver failures and the
 * data routes count image bytes and uploads in flight.
 */
export function planImageApi(config: Config, logger: Logger, metrics?: Metrics): ImageApiPlan {
  const api = imageApiSlice(config);
  const scrub = scrubberSlice(config);
  const formats = imageFormatSlice(config);
  const storeConfig = storeSlice(config);
  const heartbeatMs = config.get<number>('DEFAULT', 'upload_heartbeat_interval') * 1000;
  const { custom, file } = loadCustomProperties(config.sources(), baseImageProperties(formats));
  logger.info({ file: file ?? 'built-in defaults' }, 'image schema custom properties loaded');
  const schemas = buildSchemaDocuments(formats, custom);
  const validator = new ImageValidator(schemas.image!);
  // Before the hasher pool starts: a bad policy file must stop start-up with nothing to release.
  const policyConfig = policySlice(config);
  const { engine, files: policyFiles } = policyEngineFromConfig(policyConfig, (message) => logger.warn(message));
  logger.info({ files: policyFiles, enforce_new_defaults: policyConfig.enforceNewDefaults, enforce_scope: policyConfig.enforceScope }, 'policy rules loaded');
  const policy = new PolicyChecker(engine);
  const protections = api.propertyProtectionFile === null ? null : PropertyProtections.load({
    file: api.propertyProtectionFile,
    format: api.propertyProtectionRuleFormat,
    searchDirs: policyConfig.searchDirs,
    engine,
    warn: (message) => logger.warn(message),
  });
  if (protections !== null) {
    logger.info({ file: protections.file, format: api.propertyProtectionRuleFormat }, 'property protections loaded');
  }
  const limitsConfig = osloLimitSlice(config);
  const filtering = importFilteringSlice(config);
  const plugins = buildImportPlugins(importPluginsSlice(config));
  const taskTimeToLiveHours = config.get<number>('task', 'task_time_to_live');
  // glance-download finds the other region in the caller's catalog, read from Keystone.
  const glanceDownloadConfig = {
    keystoneUrl: isKeystoneFlavor(serverSlice(config).pasteFlavor) ? keystoneAuthSlice(config).service.authUrl : null,
    filtering,
    extraProperties: config.get<string[]>('glance_download_properties', 'extra_properties'),
  };
  // How other nodes reach this one for data staged here (Glance's `self_url`).
  const selfUrl = api.workerSelfReferenceUrl ?? api.publicEndpoint;
  if (limitsConfig === null && api.userStorageQuota > 0) logger.info({ user_storage_quota: api.userStorageQuota }, 'legacy storage quota enabled');
  const cacheConfig = imageCacheSlice(config);
  describeImageCache(cacheConfig, logger);
  const hashers = HasherPool.create({ hashingAlgorithm: api.hashingAlgorithm });

  return {
    async build(database, notifier) {
      const warn = (message: string) => logger.warn(message);
      const stores = await StoreRegistry.create(storeConfig, {
        warn,
        ...(metrics ? { onDriverError: (store: string, op: string) => metrics.storeError(store, op) } : {}),
      });
      const repo = new ImageRepo(database);
      const swept = await stores.sweepAll(warn);
      for (const [store, ids] of Object.entries(swept)) {
        if (ids.length > 0) logger.warn({ store, image_ids: ids }, 'removed data of interrupted uploads');
      }
      const recovery = new InterruptedTransfers(repo, stores, heartbeatMs, logger);
      recovery.start();

      const locks = new NamedLocks(database);
      const limits = limitsConfig === null ? null : new KeystoneLimits(limitsConfig, logger.child({ component: 'keystone-limits' }));
      const quota = new QuotaChecker({
        limits,
        usage: new UsageRepo(database),
        images: repo,
        locks,
        userStorageQuota: api.userStorageQuota,
      });
      const data = new ImageDataRemover(stores, logger);
      const imageCache = await buildImageCache(cacheConfig, { database, images: repo, stores, hashers, policy, logger });
      const pendingDeletes = new PendingDeleteRepo(database, repo);
      // `scrubber_in_api`: this process scrubs pending_delete images itself (no glance-scrubber).
      const scrubLoop = !scrub.inApi ? null : new ScrubberLoop(
        new Scrubber({ images: repo, pending: pendingDeletes, data, config: scrub, log: logger.child({ component: 'scrubber' }) }),
        scrub.wakeupTime, logger.child({ component: 'scrubber' }));
      const admission = new LocationAdmission(stores, quota);
      const locations = new LocationService({
        images: repo,
        tasks: new TaskRepo(database),
        admission,
        data,
        policy,
        notifier,
        checkUri: async (uri) => { await checkImportUri(uri, filtering); },
        // The runner is built below; a location is only added once the server serves requests.
        run: (task, ctx) => runner.start(task, { ctx }),
        config: { imageLocationQuota: api.imageLocationQuota, hashingAlgorithm: api.hashingAlgorithm },
        log: logger,
      });
      const images = new ImageService({
        images: repo,
        locks,
        data,
        delayedDelete: scrub.delayedDelete ? pendingDeletes : null,
        cache: imageCache.eviction,
        validator,
        notifier,
        policy,
        protections,
        quota,
        locations,
        config: {
          quotas: { imagePropertyQuota: api.imagePropertyQuota, imageTagQuota: api.imageTagQuota },
          showMultipleLocations: api.showMultipleLocations,
          selfUrl,
          paging: { limitParamDefault: api.limitParamDefault, apiLimitMax: api.apiLimitMax },
        },
      });
      const uploads = new UploadService({
        images: repo,
        policy,
        quota,
        stores,
        hashers,
        notifier,
        log: logger,
        config: {
          imageSizeCap: api.imageSizeCap,
          format: {
            requireImageFormatMatch: formats.requireImageFormatMatch,
            gptNonfatal: formats.gptSafetyChecksNonfatal,
            vmdkAllowedTypes: formats.vmdkAllowedTypes,
          },
          importMethods: api.enabledImportMethods,
          heartbeatMs,
          selfUrl,
        },
      });
      const storeLocations = new StoreLocationDelete({ images: repo, stores, data, policy, log: logger });
      const downloads = new DownloadService({ images: repo, policy, stores, notifier, log: logger, cache: imageCache.downloads });
      const members = new MemberService({
        images: repo, members: new MemberRepo(database), policy, notifier, imageMemberQuota: api.imageMemberQuota,
      });
      const tasks = new TaskRepo(database);
      const flow = new ImportFlow({
        images: repo,
        stores,
        hashers,
        quota,
        plugins,
        webDownload: (uri, opts) => openWebDownload(uri, { filtering, maxBytes: opts.maxBytes, signal: opts.signal }),
        glanceDownload: (req, token, opts) => openGlanceDownload(glanceDownloadConfig, req, token, opts),
        config: { imageSizeCap: api.imageSizeCap, format: { requireImageFormatMatch: formats.requireImageFormatMatch, gptNonfatal: formats.gptSafetyChecksNonfatal, vmdkAllowedTypes: formats.vmdkAllowedTypes } },
        log: logger,
      });
      const runner = new TaskRunner({
        tasks,
        images: repo,
        flow,
        flows: {
          [LOCATION_IMPORT]: new LocationImportFlow({
            images: repo,
            admission,
            hashers,
            notifier,
            config: { doSecureHash: api.doSecureHash, httpRetries: api.httpRetries, hashingAlgorithm: api.hashingAlgorithm, selfUrl },
            log: logger.child({ component: 'location-import' }),
          }),
        },
        staging: stores.staging,
        notifier,
        config: { taskTimeToLiveHours, heartbeatMs },
        log: logger.child({ component: 'task-runner' }),
        ...(metrics ? { onFinished: (t: { type: string; status: string }) => metrics.taskFinished(t.type, t.status) } : {}),
      });
      runner.startRecovery();
      const imports = new ImportService({
        images: repo,
        tasks,
        policy,
        quota,
        stores: {
          multistore: stores.multistore,
          defaultStoreId: stores.defaultStore.id,
          writableStoreIds: stores.writableStores().map((d) => d.id),
          isOperatorStore: (id) => stores.operatorStores().some((d) => d.id === id),
        },
        checkUri: async (uri) => { await checkImportUri(uri, filtering); },
        createImage: (ctx, properties) => images.create(ctx, properties),
        run: (task, ctx) => runner.start(task, { ctx }),
        notifier,
        config: { enabledMethods: api.enabledImportMethods, taskTimeToLiveHours, selfUrl },
        log: logger,
      });
      scrubLoop?.start();
      return {
        stores,
        routes: [
          schemaRoutes(schemas),
          imageRoutes({
            images,
            view: {
              showMultipleLocations: api.showMultipleLocations,
              showImageDirectUrl: api.showImageDirectUrl,
              multistore: stores.multistore,
              schemaProperties: validator.declared,
            },
            protections,
            publicEndpoint: api.publicEndpoint,
            importMethods: api.enabledImportMethods,
            storeIds: stores.storeIds(),
            canSeeLocations: (ctx, image) => policy.canGetImageLocation(ctx, image),
          }),
          imageDataRoutes({ uploads, downloads, storeLocations, multistore: stores.multistore, ...(metrics ? { metrics } : {}) }),
          memberRoutes({ members }),
          infoStoresRoutes(stores),
          infoUsageRoutes(quota),
          imageImportRoutes({ imports, enabledMethods: api.enabledImportMethods }),
          imageLocationRoutes({ locations }),
          imageCache.routes,
          taskRoutes({ imports, tasks: new TaskService({ tasks, images: repo, policy, paging: { limitParamDefault: api.limitParamDefault, apiLimitMax: api.apiLimitMax } }) }),
          metadefsRoutes(createMetadefServices({ database, policy, notifier, paging: { limitParamDefault: api.limitParamDefault, apiLimitMax: api.apiLimitMax } })),
        ],
        async close() {
          recovery.stop();
          await scrubLoop?.stop();
          await runner.close();
          await imageCache.close();
          await limits?.close();
          await hashers.close();
          await stores.close();
        },
      };
    },
  };
}

/**
 * Typed configuration slices. Each component receives only its own slice, built here from the
 * loaded oslo.config-compatible configuration; no component reads the configuration itself.
 *
 * CONTRACT (shared by the config, db and http work): the interfaces below are stable; the
 * builder functions at the bottom turn a loaded `Config` into each slice.
 */

/** `[database]` options, as oslo.db reads them. */
export interface DatabaseConfig {
  /** SQLAlchemy URL, e.g. `mysql+pymysql://glance:pw@host/glance`, `sqlite:///data/glance.sqlite`. */
  connection: string;
  /** `max_pool_size` (default 5). */
  maxPoolSize: number;
  /** `max_overflow` (default 50): connections allowed beyond the pool size. */
  maxOverflow: number;
  /** `pool_timeout` in seconds, null when unset. */
  poolTimeout: number | null;
  /** `connection_recycle_time` in seconds (default 3600). */
  connectionRecycleTime: number;
  /** `max_retries` at start-up (default 10; -1 = forever). */
  maxRetries: number;
  /** `retry_interval` in seconds (default 10). */
  retryInterval: number;
  /** `mysql_sql_mode` (default TRADITIONAL). */
  mysqlSqlMode: string;
}

/** The API server's listening and process options (`[DEFAULT]`). */
export interface ServerConfig {
  bindHost: string;
  bindPort: number;
  /** Worker processes; 0 means run in the primary process only. Default: CPU count. */
  workers: number;
  backlog: number;
  /** Idle socket timeout in seconds (`client_socket_timeout`, default 900; 0 = none). */
  clientSocketTimeout: number;
  maxHeaderLine: number;
  httpKeepalive: boolean;
  tcpKeepidle: number;
  /** `public_endpoint`: base URL used in version links and Location headers, or null. */
  publicEndpoint: string | null;
  /** `max_request_id_length` (default 64). */
  maxRequestIdLength: number;
  /** `[paste_deploy] flavor`, null when unset (unauthenticated admin context). */
  pasteFlavor: string | null;
  /** Seconds to let in-flight requests finish on SIGTERM. */
  shutdownTimeout: number;
}

/** Logging options (`[DEFAULT] debug`, `log_file`, `log_dir`). */
export interface LoggingConfig {
  debug: boolean;
  /** Full path of the log file, or null for stderr. */
  logFile: string | null;
  /** `use_json`: JSON lines (the default of glance-ts's pino output anyway). Optional for older callers. */
  useJson?: boolean;
}

/** What the versions document and version negotiation depend on. */
export interface VersionsConfig {
  /** True when `[DEFAULT] enabled_backends` is set (adds 2.8, 2.10–2.13). */
  multistore: boolean;
  /** True when `[DEFAULT] image_cache_dir` is set (adds 2.14, 2.16). */
  cacheEnabled: boolean;
  publicEndpoint: string | null;
}

/** `[image_format]` options. */
export interface ImageFormatConfig {
  diskFormats: string[];
  containerFormats: string[];
  requireImageFormatMatch: boolean;
  vmdkAllowedTypes: string[];
  /** `gpt_safety_checks_nonfatal`: gpt checks whose failure is only logged. */
  gptSafetyChecksNonfatal: string[];
}

// The builders live in sibling files (each slice's rules are long enough to deserve one);
// importing from here keeps one entry point for every consumer.
export { serverSlice, databaseSlice, loggingSlice, versionsSlice, imageFormatSlice, EMBEDDED_DEFAULTS } from './slice-builders.js';
export { storeSlice, type StoreConfig, type StoreBackendConfig, type FileStoreOptions } from './store-slice.js';
export { imageApiSlice, parseStorageQuota, type ImageApiConfig } from './image-api-slice.js';
export { keystoneAuthSlice, isKeystoneFlavor, type KeystoneAuthConfig, type TokenCacheConfig, type ServiceCredentials } from './keystone-auth-slice.js';
export { policySlice, type PolicyConfig } from './policy-slice.js';
export { metricsSlice, type MetricsConfig } from './metrics-slice.js';
export { osloLimitSlice, type OsloLimitConfig, type LimitEndpointSelector } from './oslo-limit-slice.js';
export { notificationSlice, type NotificationConfig, type RabbitOptions } from './notification-slice.js';
export { importPluginsSlice, type ImportPluginsConfig } from './import-plugins-slice.js';
export { importFilteringSlice, type ImportFilteringConfig } from './import-filtering-slice.js';

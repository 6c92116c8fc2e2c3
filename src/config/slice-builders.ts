/**
 * Builders of the core configuration slices declared in `slices.ts`. They hold the one place
 * where "embedded" mode (no configuration file loaded) changes defaults: SQLite under ./data,
 * listening on 127.0.0.1 only, no worker processes. With a file, Glance's own defaults apply.
 */

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import type { DatabaseConfig, ImageFormatConfig, LoggingConfig, ServerConfig, VersionsConfig } from './slices.js';

/** The values glance-ts uses when it runs without any configuration file. */
export const EMBEDDED_DEFAULTS = {
  connection: 'sqlite:///data/glance.sqlite',
  bindHost: '127.0.0.1',
  imagesDir: 'data/images',
  stagingDir: 'data/staging',
  tasksDir: 'data/tasks',
} as const;

/** `[DEFAULT]` server options. bind_host 0.0.0.0 / port 9292 / workers = CPUs when unset (127.0.0.1 and 0 workers embedded). */
export function serverSlice(c: Config): ServerConfig {
  const workers = c.get<number | null>('DEFAULT', 'workers');
  return {
    bindHost: c.get<string | null>('DEFAULT', 'bind_host') ?? (c.embedded ? EMBEDDED_DEFAULTS.bindHost : '0.0.0.0'),
    bindPort: c.get<number | null>('DEFAULT', 'bind_port') ?? 9292,
    // Glance runs one worker per CPU when unset; embedded mode stays in one process (SQLite).
    workers: workers ?? (c.embedded ? 0 : availableParallelism()),
    backlog: c.get<number | null>('DEFAULT', 'backlog') ?? 4096,
    clientSocketTimeout: c.get<number | null>('DEFAULT', 'client_socket_timeout') ?? 900,
    maxHeaderLine: c.get<number | null>('DEFAULT', 'max_header_line') ?? 16384,
    httpKeepalive: c.get<boolean>('DEFAULT', 'http_keepalive'),
    tcpKeepidle: c.get<number | null>('DEFAULT', 'tcp_keepidle') ?? 600,
    publicEndpoint: nonEmpty(c.get<string | null>('DEFAULT', 'public_endpoint')),
    maxRequestIdLength: c.get<number | null>('DEFAULT', 'max_request_id_length') ?? 64,
    pasteFlavor: nonEmpty(c.get<string | null>('paste_deploy', 'flavor')),
    shutdownTimeout: c.get<number | null>('DEFAULT', 'graceful_shutdown_timeout') ?? 60,
  };
}

/**
 * `[database]`. Embedded: `sqlite:///data/glance.sqlite` (relative to the working directory).
 * With a configuration file but no `connection`, throws ConfigError: silently creating a
 * local database for an operator who forgot the setting would hide the mistake.
 */
export function databaseSlice(c: Config): DatabaseConfig {
  let connection = nonEmpty(c.get<string | null>('database', 'connection'));
  if (connection === null) {
    if (!c.embedded) throw new ConfigError(`[database] connection is not set in ${c.sources().join(', ')}`);
    connection = EMBEDDED_DEFAULTS.connection;
  }
  return {
    connection,
    maxPoolSize: c.get<number | null>('database', 'max_pool_size') ?? 5,
    maxOverflow: c.get<number | null>('database', 'max_overflow') ?? 50,
    poolTimeout: c.get<number | null>('database', 'pool_timeout'),
    connectionRecycleTime: c.get<number | null>('database', 'connection_recycle_time') ?? 3600,
    maxRetries: c.get<number | null>('database', 'max_retries') ?? 10,
    retryInterval: c.get<number | null>('database', 'retry_interval') ?? 10,
    mysqlSqlMode: c.get<string | null>('database', 'mysql_sql_mode') ?? 'TRADITIONAL',
  };
}

/**
 * `debug`, and the log file as oslo.log derives it: `log_file` alone; `log_dir/log_file`
 * when both are set; `log_dir/<prog>.log` when only the directory is set; else stderr.
 */
export function loggingSlice(c: Config, prog = 'glance-api'): LoggingConfig {
  const file = nonEmpty(c.get<string | null>('DEFAULT', 'log_file'));
  const dir = nonEmpty(c.get<string | null>('DEFAULT', 'log_dir'));
  let logFile: string | null = null;
  if (file !== null) logFile = dir !== null ? join(dir, file) : file;
  else if (dir !== null) logFile = join(dir, `${prog}.log`);
  return { debug: c.get<boolean>('DEFAULT', 'debug'), logFile, useJson: c.get<boolean>('DEFAULT', 'use_json') };
}

/** What the versions document depends on: multistore (enabled_backends non-empty) and cache (image_cache_dir set). */
export function versionsSlice(c: Config): VersionsConfig {
  const backends = c.get<Readonly<Record<string, string>> | null>('DEFAULT', 'enabled_backends');
  return {
    multistore: backends !== null && Object.keys(backends).length > 0,
    cacheEnabled: nonEmpty(c.get<string | null>('DEFAULT', 'image_cache_dir')) !== null,
    publicEndpoint: nonEmpty(c.get<string | null>('DEFAULT', 'public_endpoint')),
  };
}

/** `[image_format]` (its lists may also come from the deprecated `[DEFAULT]` spellings). */
export function imageFormatSlice(c: Config): ImageFormatConfig {
  return {
    diskFormats: [...c.get<string[]>('image_format', 'disk_formats')],
    containerFormats: [...c.get<string[]>('image_format', 'container_formats')],
    requireImageFormatMatch: c.get<boolean>('image_format', 'require_image_format_match'),
    vmdkAllowedTypes: [...c.get<string[]>('image_format', 'vmdk_allowed_types')],
    gptSafetyChecksNonfatal: [...c.get<string[]>('image_format', 'gpt_safety_checks_nonfatal')],
  };
}

// Python's `if CONF.x:` treats '' like None; so do the slices.
function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

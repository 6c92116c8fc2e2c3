/**
 * The `[glance_ts_metrics]` slice: whether the Prometheus endpoint runs and where it listens.
 */

import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { METRICS_GROUP } from './metrics-options.js';

/** What the metrics endpoint needs. */
export interface MetricsConfig {
  enabled: boolean;
  bindHost: string;
  /** Port of the single process, or of cluster worker 0 (worker N adds N). */
  bindPort: number;
  /** Starts with `/`. */
  path: string;
}

/** Builds the metrics slice; throws ConfigError for a path that does not start with `/`. */
export function metricsSlice(c: Config): MetricsConfig {
  const path = c.get<string>(METRICS_GROUP, 'path');
  if (!path.startsWith('/')) throw new ConfigError(`[${METRICS_GROUP}] path must start with "/" (got "${path}")`);
  return {
    enabled: c.get<boolean>(METRICS_GROUP, 'enabled'),
    bindHost: c.get<string>(METRICS_GROUP, 'bind_host'),
    bindPort: c.get<number>(METRICS_GROUP, 'bind_port'),
    path,
  };
}

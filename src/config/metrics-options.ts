/**
 * Declarations of `[glance_ts_metrics]`, the Prometheus scrape endpoint. Glance has no such
 * endpoint, so the section carries glance-ts's own name: it can never clash with an option a
 * future Glance release adds, and a Glance configuration file without it leaves the endpoint off.
 */

import { opt } from './opt.js';
import type { OptionSpec } from './option-registry.js';

/** The section name. */
export const METRICS_GROUP = 'glance_ts_metrics';

/** `[glance_ts_metrics]` options. */
export const metricsOptions: readonly OptionSpec[] = [
  opt.bool('enabled', false, { help: 'Serve Prometheus metrics on a separate listener.' }),
  opt.host('bind_host', '127.0.0.1', { help: 'Address of the metrics listener (never the API port; no authentication).' }),
  opt.port('bind_port', 9464, { help: 'Port of the metrics listener; cluster worker N (from 0) listens on bind_port + N.' }),
  opt.str('path', '/metrics', { help: 'Path the metrics are served on.' }),
];

/**
 * Registers every static option glance-api and glance-manage read. Per-store sections are
 * added later by `registerStoreGroups` once `enabled_backends` is known.
 */

import { keystoneAuthtokenOptions, osloLimitOptions } from './auth-options.js';
import { defaultOptions } from './default-options.js';
import { METRICS_GROUP, metricsOptions } from './metrics-options.js';
import type { OptionRegistry } from './option-registry.js';
import { sectionOptions } from './section-options.js';
import { staticStoreGroups } from './store-options.js';

/** Declares Glance's static groups and options in `registry` (idempotent). */
export function registerGlanceOptions(registry: OptionRegistry): void {
  registry.register('DEFAULT', defaultOptions);
  registry.register('keystone_authtoken', keystoneAuthtokenOptions);
  registry.register('oslo_limit', osloLimitOptions);
  for (const [group, specs] of Object.entries(sectionOptions)) registry.register(group, specs);
  for (const [group, specs] of Object.entries(staticStoreGroups)) registry.register(group, specs);
  registry.register(METRICS_GROUP, metricsOptions);
}

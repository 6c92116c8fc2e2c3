/**
 * The unified-limits slice: `[DEFAULT] use_keystone_limits` and how oslo.limit's `[oslo_limit]`
 * section finds Keystone (the `password` plugin credentials, usually the glance user with a
 * system scope) and the image service's endpoint, whose service and region select the limits.
 */

import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { optionalString, serviceCredentials, type ServiceCredentials } from './keystone-auth-slice.js';

const GROUP = 'oslo_limit';

/** How the image endpoint is found: by id, or by service type/name within a region and interface. */
export type LimitEndpointSelector =
  | { endpointId: string }
  | { serviceType: string | null; serviceName: string | null; regionName: string | null; interface: string };

/** Everything the Keystone limits client needs. */
export interface OsloLimitConfig {
  credentials: ServiceCredentials;
  endpoint: LimitEndpointSelector;
  /** `timeout` in seconds (connect and each response wait), null = the session's defaults. */
  timeoutSeconds: number | null;
  /** `connect_retries`: retries of a request whose connection failed. */
  maxRetries: number;
  cafile: string | null;
  certfile: string | null;
  keyfile: string | null;
  insecure: boolean;
  /** `limits_cache_time` (glance-ts): seconds a project's limits are reused before asking again. */
  cacheSeconds: number;
}

/**
 * Builds the slice when `use_keystone_limits` is on (null when off). Throws ConfigError for
 * unusable credentials or when neither `endpoint_id` nor `endpoint_service_type`/`_name` is set.
 */
export function osloLimitSlice(c: Config): OsloLimitConfig | null {
  if (!c.get<boolean>('DEFAULT', 'use_keystone_limits')) return null;
  const str = optionalString(c, GROUP);
  const credentials = serviceCredentials(c, GROUP);
  const endpointId = str('endpoint_id');
  let endpoint: LimitEndpointSelector;
  if (endpointId !== null) {
    endpoint = { endpointId };
  } else {
    const serviceType = str('endpoint_service_type');
    const serviceName = str('endpoint_service_name');
    if (serviceType === null && serviceName === null) {
      throw new ConfigError(`[${GROUP}] endpoint_id (or endpoint_service_type / endpoint_service_name) must be set when use_keystone_limits is True`);
    }
    endpoint = {
      serviceType,
      serviceName,
      regionName: str('endpoint_region_name'),
      // keystoneauth accepts `publicURL` as well as `public`.
      interface: (str('endpoint_interface') ?? 'public').toLowerCase().replace(/url$/, ''),
    };
  }
  const cacheSeconds = c.get<number>(GROUP, 'limits_cache_time');
  if (cacheSeconds < 0) throw new ConfigError(`[${GROUP}] limits_cache_time must be 0 or more, got ${cacheSeconds}`);
  return {
    credentials,
    endpoint,
    timeoutSeconds: c.get<number | null>(GROUP, 'timeout'),
    maxRetries: c.get<number | null>(GROUP, 'connect_retries') ?? 1,
    cafile: str('cafile'),
    certfile: str('certfile'),
    keyfile: str('keyfile'),
    insecure: c.get<boolean>(GROUP, 'insecure'),
    cacheSeconds,
  };
}

/**
 * Reads the image service's unified limits from Keystone, as oslo.limit's flat enforcement
 * model does: a project's own limit (`/v3/limits`) wins over the registered default
 * (`/v3/registered_limits`); a resource with neither has a limit of 0. Both are scoped to the
 * service and region of the configured image endpoint, found once (`endpoint_id`, or the
 * service type/name, region and interface).
 *
 * Answers are reused for `limits_cache_time` seconds (per project for overrides, once for the
 * registered defaults), so Keystone is not asked on every request and an operator's change
 * takes effect within that time. Concurrent misses share one request. Keystone unreachable,
 * timing out or refusing the credentials throws KeystoneUnavailable after the session's bounded
 * retries; nothing waits longer than the configured timeouts.
 */
import type { Logger } from 'pino';
import { KeystoneSession, KeystoneUnavailable, type HttpResult } from '../auth/keystone-session.js';
import type { OsloLimitConfig } from '../config/slices.js';

/** The four resources Glance registers, in the order `/v2/info/usage` lists them. */
export const IMAGE_RESOURCES = ['image_size_total', 'image_stage_total', 'image_count_total', 'image_count_uploading'] as const;

/** One of Glance's unified-limit resources. */
export type ImageResource = (typeof IMAGE_RESOURCES)[number];

/** A limit per resource. */
export type ResourceLimits = Record<ImageResource, number>;

/** Where the limits live: the image service and region of the configured endpoint. */
interface EndpointScope {
  serviceId: string;
  regionId: string | null;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

// Projects whose overrides are remembered at once; the oldest entry goes first past it.
const MAX_CACHED_PROJECTS = 10_000;

/** The Keystone limits client; one per process (it owns a connection pool). */
export class KeystoneLimits {
  private readonly session: KeystoneSession;
  private scope: Promise<EndpointScope> | null = null;
  private registered: Cached<Partial<ResourceLimits>> | null = null;
  private registeredPending: Promise<Partial<ResourceLimits>> | null = null;
  private readonly projects = new Map<string, Cached<Partial<ResourceLimits>>>();
  private readonly projectsPending = new Map<string, Promise<Partial<ResourceLimits>>>();
  private readonly warnedMissing = new Set<string>();

  constructor(private readonly cfg: OsloLimitConfig, private readonly logger: Logger) {
    this.session = new KeystoneSession({
      credentials: cfg.credentials,
      timeoutSeconds: cfg.timeoutSeconds,
      maxRetries: cfg.maxRetries,
      cafile: cfg.cafile,
      certfile: cfg.certfile,
      keyfile: cfg.keyfile,
      insecure: cfg.insecure,
      section: '[oslo_limit]',
    }, logger);
  }

  /**
   * The limits of `project` for every image resource.
   * @throws KeystoneUnavailable when Keystone cannot be asked or answers unusably.
   */
  async limits(project: string): Promise<ResourceLimits> {
    const [defaults, own] = await Promise.all([this.registeredLimits(), this.projectLimits(project)]);
    const out = {} as ResourceLimits;
    for (const resource of IMAGE_RESOURCES) {
      const limit = own[resource] ?? defaults[resource];
      if (limit === undefined && !this.warnedMissing.has(resource)) {
        this.warnedMissing.add(resource);
        this.logger.warn({ resource }, 'no registered limit in Keystone for this image resource: its limit is 0');
      }
      out[resource] = limit ?? 0;
    }
    return out;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.session.close();
  }

  private async registeredLimits(): Promise<Partial<ResourceLimits>> {
    const hit = this.registered;
    if (hit !== null && Date.now() < hit.expiresAt) return hit.value;
    this.registeredPending ??= this.fetchLimits('registered_limits', 'default_limit', null)
      .then((value) => {
        this.registered = { value, expiresAt: Date.now() + this.cfg.cacheSeconds * 1000 };
        return value;
      })
      .finally(() => { this.registeredPending = null; });
    return this.registeredPending;
  }

  private async projectLimits(project: string): Promise<Partial<ResourceLimits>> {
    const hit = this.projects.get(project);
    if (hit !== undefined && Date.now() < hit.expiresAt) return hit.value;
    let pending = this.projectsPending.get(project);
    if (pending === undefined) {
      pending = this.fetchLimits('limits', 'resource_limit', project)
        .then((value) => {
          this.projects.delete(project);
          if (this.projects.size >= MAX_CACHED_PROJECTS) this.projects.delete(this.projects.keys().next().value!);
          this.projects.set(project, { value, expiresAt: Date.now() + this.cfg.cacheSeconds * 1000 });
          return value;
        })
        .finally(() => { this.projectsPending.delete(project); });
      this.projectsPending.set(project, pending);
    }
    return pending;
  }

  // One listing of `collection` for the endpoint's service and region (and `project`).
  private async fetchLimits(collection: 'limits' | 'registered_limits', field: string, project: string | null): Promise<Partial<ResourceLimits>> {
    const scope = await this.endpointScope();
    const query = new URLSearchParams({ service_id: scope.serviceId });
    if (scope.regionId !== null) query.set('region_id', scope.regionId);
    if (project !== null) query.set('project_id', project);
    const body = await this.getJson(`/${collection}?${query}`) as Record<string, Array<Record<string, unknown>> | undefined>;
    const out: Partial<ResourceLimits> = {};
    for (const item of body[collection] ?? []) {
      const name = item['resource_name'];
      const value = item[field];
      if ((IMAGE_RESOURCES as readonly unknown[]).includes(name) && typeof value === 'number') out[name as ImageResource] = value;
    }
    return out;
  }

  // The service and region of the image endpoint, looked up once (again after a failure).
  private endpointScope(): Promise<EndpointScope> {
    this.scope ??= this.findEndpoint().catch((err: unknown) => {
      this.scope = null;
      throw err;
    });
    return this.scope;
  }

  private async findEndpoint(): Promise<EndpointScope> {
    const sel = this.cfg.endpoint;
    let endpoint: Record<string, unknown> | undefined;
    if ('endpointId' in sel) {
      endpoint = (await this.getJson(`/endpoints/${encodeURIComponent(sel.endpointId)}`) as { endpoint?: Record<string, unknown> }).endpoint;
    } else {
      const services = new URLSearchParams();
      if (sel.serviceType !== null) services.set('type', sel.serviceType);
      if (sel.serviceName !== null) services.set('name', sel.serviceName);
      const found = (await this.getJson(`/services?${services}`) as { services?: Array<{ id: string }> }).services ?? [];
      if (found.length !== 1) throw new KeystoneUnavailable(`[oslo_limit] names ${found.length} services in Keystone; exactly one is needed`);
      const endpoints = new URLSearchParams({ service_id: found[0]!.id, interface: sel.interface });
      if (sel.regionName !== null) endpoints.set('region_id', sel.regionName);
      const list = (await this.getJson(`/endpoints?${endpoints}`) as { endpoints?: Array<Record<string, unknown>> }).endpoints ?? [];
      if (list.length !== 1) throw new KeystoneUnavailable(`[oslo_limit] matches ${list.length} endpoints in Keystone; exactly one is needed`);
      endpoint = list[0];
    }
    if (typeof endpoint?.['service_id'] !== 'string') throw new KeystoneUnavailable('Keystone returned an endpoint without a service');
    const regionId = typeof endpoint['region_id'] === 'string' ? endpoint['region_id'] : null;
    this.logger.info({ service_id: endpoint['service_id'], region_id: regionId }, 'unified limits: image endpoint found');
    return { serviceId: endpoint['service_id'], regionId };
  }

  // GET on the Identity API with the session's token; one re-authentication on 401.
  private async getJson(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token();
      const res: HttpResult = await this.session.send('GET', `${this.session.authBase}${path}`, { 'x-auth-token': token.token });
      if (res.status === 200) {
        try {
          return JSON.parse(res.text) as unknown;
        } catch {
          throw new KeystoneUnavailable(`Keystone answered ${path.split('?')[0]} with malformed JSON`);
        }
      }
      if (res.status === 401 && attempt === 0) {
        this.session.invalidate(token);
        continue;
      }
      this.logger.error({ status: res.status, path: path.split('?')[0] }, 'unexpected answer from Keystone while reading limits');
      throw new KeystoneUnavailable(`Keystone answered HTTP ${res.status} to ${path.split('?')[0]}`);
    }
  }
}

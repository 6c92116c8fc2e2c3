/**
 * Glance's project quotas, checked where Glance checks them (glance-inventory §4.4, §4.5):
 * - unified limits (`use_keystone_limits`): a project may not go past its Keystone limit for
 *   `image_count_total`, `image_count_uploading`, `image_size_total` (MiB) and
 *   `image_stage_total` (MiB); oslo.limit's rule is "usage + delta > limit → 413".
 * - the legacy `user_storage_quota` (bytes) otherwise.
 * Quotas apply to the caller's project (Glance's `context.owner`); a caller without a project
 * is not limited.
 *
 * `guarded` runs a check and the write it allows as one step under a per-project lock (see
 * NamedLocks), so concurrent requests cannot overshoot a count limit as they can in Glance.
 * Data sizes stay soft limits, as in Glance: they are checked before the data flows, so
 * concurrent uploads may together pass `image_size_total`.
 */
import type { RequestContext } from '../auth/request-context.js';
import { KeystoneUnavailable } from '../auth/keystone-session.js';
import { LockTimeout, type NamedLocks } from '../db/named-locks.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { UsageRepo } from '../db/repos/usage-repo.js';
import { ServiceUnavailable, TooLarge } from '../domain/errors.js';
import { IMAGE_RESOURCES, type ImageResource, type ResourceLimits } from './keystone-limits.js';

/** Amount each resource would grow by (MiB for the size resources). */
export type QuotaDeltas = Partial<Record<ImageResource, number>>;

/** The usage report of `GET /v2/info/usage`, in Glance's resource order. */
export type UsageReport = Partial<Record<ImageResource, { usage: number; limit: number }>>;

/** What a guarded section sees: the image repository inside it, and the check. */
export interface GuardedScope {
  /** Writes here belong to the guarded transaction and count in `enforce`. */
  images: ImageRepo;
  /** 413 when a listed resource's usage (as of now, inside the section) plus delta passes its limit. */
  enforce(deltas: QuotaDeltas): Promise<void>;
}

/** Collaborators of the quota checks. */
export interface QuotaCheckerDeps {
  /** Keystone's limits; null when `use_keystone_limits` is off. */
  limits: { limits(project: string): Promise<ResourceLimits> } | null;
  usage: UsageRepo;
  images: ImageRepo;
  locks: NamedLocks;
  /** `user_storage_quota` in bytes, 0 = unlimited; ignored with unified limits, as in Glance. */
  userStorageQuota: number;
}

const MIB = 1024 * 1024;

/** The 503 text when Keystone cannot tell the limits. */
export const QUOTAS_UNAVAILABLE = 'The image quotas cannot be read from Keystone at the moment. Please try again later.';

const LIMIT_EXCEEDED = 'The request returned a 413 Request Entity Too Large. This generally means that rate limiting or '
  + 'a quota threshold was breached.\n\nThe response body:\n';

/** The quota checks of the image use cases. */
export class QuotaChecker {
  constructor(private readonly deps: QuotaCheckerDeps) {}

  /** Checks `deltas` for the caller's project without a lock (data sizes, which are soft). */
  async enforce(ctx: RequestContext, deltas: QuotaDeltas): Promise<void> {
    const project = ctx.projectId;
    if (this.deps.limits === null || project === null) return;
    const limits = await this.limitsOf(project);
    await this.compare(project, limits, deltas, this.deps.usage);
  }

  /**
   * Runs `fn` as one step with the caller's project locked and in one transaction: checks made
   * with `scope.enforce` see the section's own writes, and a check that fails rolls them back.
   * Without unified limits, `fn` runs directly on the repository and `enforce` allows everything.
   */
  async guarded<T>(ctx: RequestContext, fn: (scope: GuardedScope) => Promise<T>): Promise<T> {
    const project = ctx.projectId;
    if (this.deps.limits === null || project === null) {
      return fn({ images: this.deps.images, enforce: async () => undefined });
    }
    // Limits are read before locking: no Keystone round trip while holding the lock.
    const limits = await this.limitsOf(project);
    try {
      return await this.deps.locks.run(`project:${project}`, (trx) => fn({
        images: this.deps.images.joining(trx),
        enforce: (deltas) => this.compare(project, limits, deltas, this.deps.usage.joining(trx)),
      }));
    } catch (err) {
      if (err instanceof LockTimeout) throw new ServiceUnavailable(`The quota usage of project ${project} is busy. Please try again later.`, { cause: err });
      throw err;
    }
  }

  /** `GET /v2/info/usage`: every resource's usage and limit, or nothing without unified limits. */
  async usage(ctx: RequestContext): Promise<UsageReport> {
    const project = ctx.projectId;
    if (this.deps.limits === null || project === null) return {};
    const limits = await this.limitsOf(project);
    const report: UsageReport = {};
    for (const resource of IMAGE_RESOURCES) {
      report[resource] = { usage: await usageOf(this.deps.usage, project, resource), limit: limits[resource] };
    }
    return report;
  }

  /**
   * Legacy `user_storage_quota` for data of `size` bytes (null = unknown) about to be stored for
   * `imageId`: the bytes the project has left (the stream must stop there), or null when no
   * quota applies. 413 when the declared size does not fit, or nothing is left for data of
   * unknown size. Call it again with the real size once the data is in (a concurrent upload may
   * have used the room).
   */
  async storageRemaining(ctx: RequestContext, imageId: string, size: number | null): Promise<number | null> {
    const quota = this.deps.userStorageQuota;
    if (this.deps.limits !== null || quota <= 0 || ctx.projectId === null) return null;
    const remaining = quota - await this.deps.usage.storageUsage(ctx.projectId, imageId);
    if (size === null ? remaining <= 0 : size > remaining) throw storageQuotaFull(size, remaining);
    return remaining;
  }

  private async limitsOf(project: string): Promise<ResourceLimits> {
    try {
      return await this.deps.limits!.limits(project);
    } catch (err) {
      if (err instanceof KeystoneUnavailable) {
        // The details (Keystone's address, the failure) go to the log, not to the caller.
        throw new ServiceUnavailable(QUOTAS_UNAVAILABLE, { cause: err });
      }
      throw err;
    }
  }

  // oslo.limit's verdict: every resource over its limit is named in one message.
  private async compare(project: string, limits: ResourceLimits, deltas: QuotaDeltas, usage: UsageRepo): Promise<void> {
    const over: string[] = [];
    for (const resource of IMAGE_RESOURCES) {
      const delta = deltas[resource];
      if (delta === undefined) continue;
      const current = await usageOf(usage, project, resource);
      if (current + delta > limits[resource]) {
        over.push(`Resource ${resource} is over limit of ${limits[resource]} due to current usage ${current} and delta ${delta}`);
      }
    }
    if (over.length > 0) throw new TooLarge(`${LIMIT_EXCEEDED}Project ${project} is over a limit for [${over.join(', ')}]`);
  }
}

/** Glance's 413 for data that does not fit the legacy storage quota. */
export function storageQuotaFull(size: number | null, remaining: number): TooLarge {
  const data = size === null ? 'The size of the data' : `The size of the data ${size}`;
  return new TooLarge(`Image exceeds the storage quota: ${data} will exceed the limit. ${Math.max(remaining, 0)} bytes remaining.`);
}

async function usageOf(usage: UsageRepo, project: string, resource: ImageResource): Promise<number> {
  switch (resource) {
    case 'image_count_total': return usage.imageCount(project);
    case 'image_count_uploading': return usage.uploadingCount(project);
    case 'image_size_total': return Math.floor(await usage.storageUsage(project) / MIB);
    case 'image_stage_total': return Math.floor(await usage.stagingUsage(project) / MIB);
  }
}

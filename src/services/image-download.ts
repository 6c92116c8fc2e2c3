/**
 * Image data download (`GET /v2/images/{id}/file`): whole or one byte range, streamed from the
 * image cache when it holds the image, else from the first store that can serve it (a whole
 * download then also fills the cache), with Glance's headers and the `image.send` notification
 * once the bytes are out.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, Forbidden } from '../domain/errors.js';
import type { Image, ImageLocation } from '../domain/image.js';
import type { Notifier } from '../notify/notifier.js';
import type { StoreRegistry } from '../store/registry.js';
import { requestedRange, type ByteRange } from './byte-range.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { loadVisibleImage } from './visible-image.js';

/** What the route sends: no data (204), the whole image (200) or a range (206). */
export type Download =
  | { kind: 'empty' }
  | { kind: 'data'; image: Image; stream: Readable; range: ByteRange | null; length: number };

/**
 * The image cache as downloads use it (src/cache/image-cache.ts). Neither method rejects: a
 * cache that fails just means the data comes from the store.
 */
export interface DownloadCache {
  /** The cached copy of `image` (the bytes of `range`, or all of them), or null on a miss. */
  read(image: Image, range: ByteRange | null): Promise<Readable | null>;
  /** A whole-image `stream` read from a store, teed into the cache when the image may be cached. */
  tee(image: Image, stream: Readable): Promise<Readable>;
}

/** Collaborators of the download use case. */
export interface DownloadDeps {
  images: ImageRepo;
  /** Decides `download_image`. */
  policy: PolicyChecker;
  stores: StoreRegistry;
  notifier: Notifier;
  log: Pick<Logger, 'warn'>;
  /** The image cache, when downloads go through it (a caching paste flavor); else absent. */
  cache?: DownloadCache | null;
}

/** The request headers a download depends on. */
export interface DownloadRequest {
  range?: string;
  contentRange?: string;
}

/** Image data download. */
export class DownloadService {
  constructor(private readonly deps: DownloadDeps) {}

  /**
   * Opens the image's data for `ctx`. 404 when the image is not visible, 403 when it is
   * deactivated (admins excepted), 204 (`empty`) when it has no data, 400/416 for bad ranges.
   * Locations are tried in order; the error of the last one is thrown when none can be read.
   */
  async open(ctx: RequestContext, id: string, req: DownloadRequest): Promise<Download> {
    const image = await loadVisibleImage(this.deps.images, ctx, id);
    this.deps.policy.downloadImage(ctx, image);
    if (image.status === 'deactivated' && !ctx.isAdmin) {
      throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    const locations = image.locations.filter((l) => l.status === 'active');
    if (locations.length === 0 || image.size === null) return { kind: 'empty' };
    const range = requestedRange(req.range, req.contentRange, image.size);
    const length = range === null ? image.size : range.end - range.start + 1;
    const cache = this.deps.cache ?? null;
    const cached = await cache?.read(image, range);
    if (cached) return { kind: 'data', image, stream: cached, range, length };
    let lastError: unknown;
    for (const location of locations) {
      try {
        const stream = await this.read(location, range);
        // Only whole-image reads fill the cache (Glance never caches partial downloads).
        return { kind: 'data', image, stream: cache && range === null ? await cache.tee(image, stream) : stream, range, length };
      } catch (err) {
        lastError = err;
        this.deps.log.warn({ err, image_id: id }, 'could not read an image location; trying the next one');
      }
    }
    throw lastError;
  }

  /**
   * Reports the end of a download as Glance does: `image.send` at INFO with the bytes sent, or
   * at ERROR when fewer bytes than expected went out (client gone, store failure).
   */
  sent(ctx: RequestContext, download: Extract<Download, { kind: 'data' }>, bytesSent: number): void {
    const payload = {
      bytes_sent: bytesSent,
      image_id: download.image.id,
      owner_id: download.image.owner,
      receiver_tenant_id: ctx.projectId,
      receiver_user_id: ctx.userId,
    };
    if (bytesSent === download.length) this.deps.notifier.info('image.send', payload);
    else this.deps.notifier.error('image.send', payload);
  }

  private async read(location: ImageLocation, range: ByteRange | null): Promise<Readable> {
    const driver = this.deps.stores.forLocation(location.url, location.metadata);
    if (range !== null && !driver.capabilities.randomRead) {
      throw new BadRequest('Range requests are not supported by the store holding this image.');
    }
    return driver.read({ url: location.url, metadata: location.metadata }, range ?? undefined);
  }
}

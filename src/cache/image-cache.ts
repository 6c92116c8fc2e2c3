/**
 * This node's image cache: verified copies of active images under `image_cache_dir`
 * (see cache-files.ts for the layout), recorded in the central database's `cached_images` under
 * the node's `worker_self_reference_url` (Glance's `centralized_db` driver).
 *
 * Integrity: a copy is published only after its size, md5 and `os_hash_value` matched the image
 * (cache-write.ts); its file's mtime is stamped with the row's `last_modified`. Before a copy is
 * served, the row must match the image (size, checksum) and the file its row (size, mtime): a
 * copy changed since it was verified is evicted and the download goes to the store instead.
 * Whole-image reads are also hashed while they stream (cache-read.ts).
 *
 * Several processes may share one directory and node identity (`workers` > 1): writers claim an
 * image with an exclusive create, publish with an atomic rename, and readers hold an open file,
 * so a concurrent eviction never cuts a download short.
 */
import { pipeline, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ImageCacheConfig } from '../config/image-cache-slice.js';
import type { CacheRepo, CachedImageRow } from '../db/repos/cache-repo.js';
import type { Image } from '../domain/image.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import type { HashSession } from '../stream/hash-session.js';
import { CacheFiles } from './cache-files.js';
import { rangedRead, verifiedRead, type ReadRange } from './cache-read.js';
import { CacheTee } from './cache-tee.js';
import { CacheWrite, type CacheTarget } from './cache-write.js';

/** What the cache needs; built by the composition root. */
export interface ImageCacheDeps {
  config: ImageCacheConfig;
  repo: CacheRepo;
  hashers: HasherPool;
  log: Logger;
  now?: () => Date;
}

/** The cache of one node. Open it with {@link ImageCache.open}. */
export class ImageCache {
  /** The cache's directory layout. */
  readonly files: CacheFiles;
  /** Writes in progress in this process, by image id. */
  private readonly writing = new Map<string, CacheWrite>();
  private readonly published: Array<() => void> = [];
  private readonly now: () => Date;

  private constructor(private readonly deps: ImageCacheDeps, files: CacheFiles, readonly nodeId: number) {
    this.files = files;
    this.now = deps.now ?? (() => new Date());
  }

  /** Creates the directories and records this node in `node_reference`. */
  static async open(deps: ImageCacheDeps): Promise<ImageCache> {
    const files = await CacheFiles.open(deps.config.dir);
    const nodeId = await deps.repo.nodeId(deps.config.nodeUrl);
    return new ImageCache(deps, files, nodeId);
  }

  /** `image_cache_max_size` and `image_cache_stall_time` (for maintenance). */
  get config(): ImageCacheConfig {
    return this.deps.config;
  }

  /** Registers `listener`, called after each image published into the cache. */
  onPublished(listener: () => void): void {
    this.published.push(listener);
  }

  /**
   * Whether `image` may be cached: active, with data of known size and an md5 to verify it by,
   * small enough to fit `image_cache_max_size`. (Deactivated images are never cached or served.)
   */
  cacheable(image: Image): image is Image & { size: number; checksum: string } {
    return image.status === 'active' && image.checksum !== null && image.size !== null && image.size > 0 &&
      image.size <= this.deps.config.maxSize && CacheFiles.usable(image.id);
  }

  /**
   * The cached copy of `image` (the bytes of `range`, or all of them, verified as they stream),
   * counting a hit; null when there is no usable copy. A copy that no longer matches is evicted.
   * Never rejects: a failing cache is logged and reported as a miss.
   */
  async read(image: Image, range: ReadRange | null): Promise<Readable | null> {
    if (!this.cacheable(image)) return null;
    try {
      return await this.open(image, range);
    } catch (err) {
      this.deps.log.warn({ err, image_id: image.id }, 'could not read from the image cache; using the store');
      return null;
    }
  }

  /**
   * `stream` (a whole-image read from a store) teed into the cache when `image` is cacheable and
   * nobody is writing it yet; otherwise (or when the cache fails) `stream` itself.
   */
  async tee(image: Image, stream: Readable): Promise<Readable> {
    let write: CacheWrite | null;
    try {
      write = await this.begin(image);
    } catch (err) {
      this.deps.log.warn({ err, image_id: image.id }, 'could not start caching the image');
      return stream;
    }
    if (write === null) return stream;
    const tee = new CacheTee(write);
    // Either side failing or going away tears down both (the store reader is never left open).
    pipeline(stream, tee, () => undefined);
    return tee;
  }

  private async open(image: Image & { size: number; checksum: string }, range: ReadRange | null): Promise<Readable | null> {
    const row = await this.deps.repo.get(this.nodeId, image.id);
    if (row === null) return null;
    if (row.size !== image.size || row.checksum !== image.checksum) {
      await this.drop(image.id, 'its record does not match the image');
      return null;
    }
    const handle = await this.files.openCached(image.id);
    if (handle === null) return null;
    const stats = await handle.stat();
    // The stamp is a whole second; any write since gives the file a finer mtime.
    if (stats.size !== row.size || stats.mtimeMs !== row.lastModified.getTime()) {
      await handle.close();
      await this.drop(image.id, 'the file was changed after it was verified');
      return null;
    }
    try {
      await this.deps.repo.hit(this.nodeId, image.id, this.now());
      if (range !== null) return rangedRead(handle, range);
      const session = this.deps.hashers.session({ hashingAlgorithm: image.os_hash_algo ?? undefined });
      return verifiedRead(handle, target(image), session, (reason) => { void this.drop(image.id, `the cached data is corrupt: ${reason}`); });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Caches `image` from `source` (the prefetcher); true when it is now cached. */
  async cacheFrom(image: Image, source: Readable): Promise<boolean> {
    const write = await this.begin(image);
    if (write === null) {
      source.destroy();
      return (await this.deps.repo.get(this.nodeId, image.id)) !== null;
    }
    return write.consume(source);
  }

  /** This node's cached images (least recently used first) and queued image ids (oldest first). */
  async state(): Promise<{ cached: CachedImageRow[]; queued: string[] }> {
    return { cached: await this.deps.repo.list(this.nodeId), queued: await this.files.queued() };
  }

  /** True when `imageId` is cached or queued on this node. */
  async holds(imageId: string): Promise<boolean> {
    return (await this.files.isQueued(imageId)) || (await this.deps.repo.get(this.nodeId, imageId)) !== null;
  }

  /** True when `imageId` is cached on this node, being written, or queued (nothing to queue). */
  async busy(imageId: string): Promise<boolean> {
    return (await this.holds(imageId)) || this.writing.has(imageId) || (await this.files.beingWritten(imageId));
  }

  /** Removes the cached copy of `imageId` (file and record) and stops a write of it in this process. */
  async remove(imageId: string): Promise<boolean> {
    await this.writing.get(imageId)?.abandon();
    const file = await this.files.remove(imageId);
    const row = await this.deps.repo.delete(this.nodeId, imageId);
    return file || row;
  }

  /**
   * Evicts `imageId` from the cache and the queue (image deleted or deactivated). Never rejects:
   * a failure is logged, and maintenance removes copies of images that are no longer active.
   */
  async evict(imageId: string): Promise<void> {
    try {
      const removed = await this.remove(imageId);
      const dequeued = await this.files.dequeue(imageId);
      if (removed || dequeued) this.deps.log.info({ image_id: imageId }, 'image evicted from the cache');
    } catch (err) {
      this.deps.log.warn({ err, image_id: imageId }, 'could not evict the image from the cache');
    }
  }

  /** Removes every cached copy of this node; returns how many there were. */
  async clearCached(): Promise<number> {
    for (const write of this.writing.values()) await write.abandon();
    const rows = await this.deps.repo.list(this.nodeId);
    let n = 0;
    for (const row of rows) if (await this.remove(row.imageId)) n++;
    return n + (await this.files.clear('cached'));
  }

  /** Ids of the images being written into the cache by this process. */
  activeWrites(): ReadonlySet<string> {
    return new Set(this.writing.keys());
  }

  /** Drops a copy that may not be served, saying why. */
  async drop(imageId: string, reason: string): Promise<void> {
    this.deps.log.warn({ image_id: imageId }, `cached copy evicted: ${reason}`);
    await this.remove(imageId).catch((err: unknown) => this.deps.log.warn({ err, image_id: imageId }, 'could not evict the cached copy'));
  }

  private async begin(image: Image): Promise<CacheWrite | null> {
    if (!this.cacheable(image) || this.writing.has(image.id)) return null;
    if ((await this.deps.repo.get(this.nodeId, image.id)) !== null) return null;
    const handle = await this.files.claim(image.id).catch((err: unknown) => {
      this.deps.log.warn({ err, image_id: image.id }, 'cannot write into the image cache');
      return null;
    });
    if (handle === null) return null;
    const t = target(image);
    let session: HashSession;
    try {
      session = this.deps.hashers.session({ hashingAlgorithm: t.os_hash_algo ?? undefined });
    } catch (err) {
      await handle.close();
      await this.files.discard(image.id);
      this.deps.log.warn({ err, image_id: image.id }, 'cannot verify the image data; not caching it');
      return null;
    }
    const write = new CacheWrite(t, {
      handle,
      session,
      log: this.deps.log,
      publish: (md5) => this.publish(image.id, md5, t.size),
      discard: () => this.files.discard(image.id).catch((err: unknown) => {
        this.deps.log.warn({ err, image_id: image.id }, 'could not remove an incomplete cache file');
      }),
      settled: () => { if (this.writing.get(image.id) === write) this.writing.delete(image.id); },
    });
    this.writing.set(image.id, write);
    return write;
  }

  private async publish(imageId: string, md5: string, size: number): Promise<void> {
    const stamp = new Date(seconds(this.now()) * 1000);
    await this.files.publish(imageId, stamp);
    await this.deps.repo.insert(this.nodeId, imageId, size, md5, stamp);
    await this.files.dequeue(imageId);
    this.deps.log.info({ image_id: imageId, size }, 'image cached');
    for (const listener of this.published) listener();
  }
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function target(image: Image): CacheTarget {
  return {
    id: image.id,
    size: image.size ?? 0,
    checksum: image.checksum ?? '',
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
  };
}

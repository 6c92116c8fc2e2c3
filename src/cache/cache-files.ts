/**
 * The image cache's files under `image_cache_dir`, in Glance's layout so an operator finds them
 * where Glance puts them:
 *
 *   <dir>/<image_id>              a cached image, complete and verified
 *   <dir>/incomplete/<image_id>   an image being written (claimed with O_EXCL: one writer per image
 *                                 across every process sharing the directory)
 *   <dir>/queue/<image_id>        an empty file: the image is queued for caching (mtime = when)
 *   <dir>/invalid/                not written by glance-ts (a failed write is deleted at once);
 *                                 what Glance left there is removed by the cleaner
 *
 * A published file's mtime is stamped with the time its `cached_images` row records (whole
 * seconds); a file whose size or mtime no longer match its row has been changed since it was
 * verified and is never served (see image-cache.ts).
 */
import { constants, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

// Image ids are UUIDs; anything that could leave the directory is never used as a file name.
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

/** A file of one of the cache's directories with its status. */
export interface CacheEntry {
  imageId: string;
  stats: Stats;
}

/** The cache directory. Stateless apart from the path; safe to share. */
export class CacheFiles {
  private constructor(readonly root: string) {}

  /** Creates the directory layout if needed. */
  static async open(root: string): Promise<CacheFiles> {
    const files = new CacheFiles(root);
    for (const dir of [root, files.dir('incomplete'), files.dir('queue')]) await mkdir(dir, { recursive: true, mode: 0o750 });
    return files;
  }

  /** True when `imageId` can name a cache file (it always can for a real image id). */
  static usable(imageId: string): boolean {
    return SAFE_NAME.test(imageId) && imageId !== '.' && imageId !== '..';
  }

  /**
   * Claims the right to write `imageId`: creates `incomplete/<id>` exclusively. Null when another
   * writer (of this or another process) holds it.
   */
  async claim(imageId: string): Promise<FileHandle | null> {
    try {
      return await open(this.path('incomplete', imageId), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
    } catch (err) {
      if (code(err) === 'EEXIST') return null;
      throw err;
    }
  }

  /**
   * Makes a claimed, fully written (flushed and closed) file the cached copy: stamps its mtime
   * with `stamp` and renames it into place atomically (replacing any older copy).
   */
  async publish(imageId: string, stamp: Date): Promise<void> {
    const incomplete = this.path('incomplete', imageId);
    await utimes(incomplete, stamp, stamp);
    await rename(incomplete, this.path(null, imageId));
  }

  /** Drops the incomplete file of `imageId` (a failed or abandoned write). */
  async discard(imageId: string): Promise<void> {
    await removeIfPresent(this.path('incomplete', imageId));
  }

  /** Opens the cached copy for reading, or null when there is none. */
  async openCached(imageId: string): Promise<FileHandle | null> {
    if (!CacheFiles.usable(imageId)) return null;
    try {
      return await open(this.path(null, imageId), 'r');
    } catch (err) {
      if (code(err) === 'ENOENT') return null;
      throw err;
    }
  }

  /** Removes the cached copy of `imageId`; true when there was one. */
  async remove(imageId: string): Promise<boolean> {
    return CacheFiles.usable(imageId) ? removeIfPresent(this.path(null, imageId)) : false;
  }

  /** True while some writer holds `incomplete/<id>`. */
  async beingWritten(imageId: string): Promise<boolean> {
    return CacheFiles.usable(imageId) && (await statIfPresent(this.path('incomplete', imageId))) !== null;
  }

  /** Queues `imageId` (touches `queue/<id>`); false when it was queued already. */
  async enqueue(imageId: string): Promise<boolean> {
    try {
      await (await open(this.path('queue', imageId), 'wx')).close();
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw err;
    }
  }

  /** Removes `imageId` from the queue; true when it was queued. */
  async dequeue(imageId: string): Promise<boolean> {
    return CacheFiles.usable(imageId) ? removeIfPresent(this.path('queue', imageId)) : false;
  }

  /** True when `imageId` is queued. */
  async isQueued(imageId: string): Promise<boolean> {
    return CacheFiles.usable(imageId) && (await statIfPresent(this.path('queue', imageId))) !== null;
  }

  /** The queued image ids, oldest first (Glance orders the queue by the files' mtime). */
  async queued(): Promise<string[]> {
    const entries = await this.entries('queue');
    return entries.sort((a, b) => a.stats.mtimeMs - b.stats.mtimeMs || a.imageId.localeCompare(b.imageId)).map((e) => e.imageId);
  }

  /** Cached copies (files directly under the root), incomplete writes, or Glance's invalid files. */
  async entries(which: 'cached' | 'incomplete' | 'queue' | 'invalid'): Promise<CacheEntry[]> {
    const dir = which === 'cached' ? this.root : this.dir(which);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (code(err) === 'ENOENT') return [];
      throw err;
    }
    const out: CacheEntry[] = [];
    for (const name of names) {
      // Glance's sqlite driver keeps its database in the root; it is not a cached image.
      if (!CacheFiles.usable(name) || name.endsWith('.db')) continue;
      const stats = await statIfPresent(join(dir, name));
      if (stats?.isFile()) out.push({ imageId: name, stats });
    }
    return out;
  }

  /** Removes one file of `which` (the cleaner: stalled writes, Glance's invalid files). */
  async removeEntry(which: 'incomplete' | 'invalid', imageId: string): Promise<boolean> {
    return removeIfPresent(this.path(which, imageId));
  }

  /** Empties the cache and/or the queue directory; returns how many files went. */
  async clear(which: 'cached' | 'queue'): Promise<number> {
    let n = 0;
    for (const e of await this.entries(which)) {
      if (await removeIfPresent(this.path(which === 'cached' ? null : which, e.imageId))) n++;
    }
    return n;
  }

  private dir(sub: 'incomplete' | 'queue' | 'invalid'): string {
    return join(this.root, sub);
  }

  private path(sub: 'incomplete' | 'queue' | 'invalid' | null, imageId: string): string {
    if (!CacheFiles.usable(imageId)) throw new RangeError(`not a usable cache file name: ${JSON.stringify(imageId)}`);
    return sub === null ? join(this.root, imageId) : join(this.dir(sub), imageId);
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

async function statIfPresent(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (code(err) === 'ENOENT') return false;
    throw err;
  }
}

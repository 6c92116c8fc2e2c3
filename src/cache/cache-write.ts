/**
 * One image being written into the cache: the bytes go through a hashing session (md5 and the
 * image's `os_hash_algo`, on the hasher pool's workers) into `incomplete/<id>`; `finish()` checks
 * size, `checksum` and `os_hash_value` against the image record and only then publishes the file
 * (fsync, mtime stamp, atomic rename) through the `publish` callback. Any failure — a write
 * error, a mismatch, an `abandon()` (client gone, image evicted) — removes the incomplete file;
 * nothing partial or unverified ever becomes a cached copy.
 */
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { HashSession } from '../stream/hash-session.js';

/** The parts of an image record a cached copy must match. */
export interface CacheTarget {
  id: string;
  size: number;
  checksum: string;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

/** What a write needs from the cache that started it. */
export interface CacheWriteBinding {
  /** The claimed `incomplete/<id>` file; the write closes it. */
  handle: FileHandle;
  /** A hashing session for the image's algorithms. */
  session: HashSession;
  /** Publishes the verified, closed file (and records it); rejects when that fails. */
  publish(md5: string): Promise<void>;
  /** Removes the incomplete file; never rejects. */
  discard(): Promise<void>;
  /** Called once, when the write is over whatever the outcome. */
  settled(): void;
  log: Pick<Logger, 'warn' | 'info'>;
}

/** A write into the cache. Feed it with `write()` then call `finish()`, or `abandon()` it. */
export class CacheWrite {
  private state: 'open' | 'finishing' | 'done' | 'failed' = 'open';
  /** Set by `abandon()` during `finish()`: the verified data must not be published. */
  private cancelled = false;
  private readonly file: Writable;
  private readonly written: Promise<void>;
  private readonly over: Promise<void>;
  private resolveOver!: () => void;
  private bytes = 0;

  constructor(readonly target: CacheTarget, private readonly binding: CacheWriteBinding) {
    this.over = new Promise((resolve) => { this.resolveOver = resolve; });
    // `flush`: the data is on disk before the file is closed, so before it can be published.
    this.file = binding.handle.createWriteStream({ flush: true });
    // The session forwards each chunk to the file at once and hashes it on the pool meanwhile.
    this.written = pipeline(binding.session, this.file);
    this.written.catch((err: unknown) => { void this.fail(`writing the cache file failed: ${String(err)}`); });
  }

  /** True once the write failed or was abandoned: later chunks are ignored. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /**
   * Accepts the next chunk; resolves when the cache can take more (its backpressure). Never
   * rejects: a failing write is abandoned and ignores what follows, so the caller's own stream
   * (a client's download) goes on unharmed.
   */
  async write(chunk: Buffer): Promise<void> {
    if (this.state !== 'open') return;
    this.bytes += chunk.length;
    if (this.bytes > this.target.size) {
      await this.fail('the data is longer than the image size');
      return;
    }
    if (this.binding.session.write(chunk)) return;
    await Promise.race([once(this.binding.session, 'drain'), this.written]).catch(() => undefined);
  }

  /**
   * Ends the data, verifies it and publishes it. Resolves true when the image is now cached,
   * false when the write failed or did not match the image (logged; nothing left behind).
   */
  async finish(): Promise<boolean> {
    if (this.state !== 'open') return false;
    this.state = 'finishing';
    const session = this.binding.session;
    try {
      session.end();
      await this.written;
      if (!this.file.closed) await once(this.file, 'close');
      const digests = await session.digests();
      const problem = this.mismatch(digests.checksum, digests.algo, digests.hash);
      if (problem !== null) {
        this.binding.log.warn({ image_id: this.target.id }, `Checksum verification failed. Aborted caching of image: ${problem}`);
        await this.fail(null);
        return false;
      }
      if (this.cancelled) {
        await this.fail(null);
        return false;
      }
      await this.binding.publish(digests.checksum);
      this.state = 'done';
      this.settle();
      return true;
    } catch (err) {
      await this.fail(`caching the image failed: ${String(err)}`);
      return false;
    }
  }

  /**
   * Drops the write (client gone, image evicted); safe at any time. During `finish()` it stops
   * a publication not yet begun, else waits for it: once this resolves, the write is over and
   * whatever it published can be removed.
   */
  async abandon(): Promise<void> {
    if (this.state === 'open') await this.fail(null);
    else if (this.state === 'finishing') this.cancelled = true;
    await this.over;
  }

  /** Writes everything `source` yields, then `finish()`es; how the prefetcher caches an image. */
  async consume(source: Readable): Promise<boolean> {
    try {
      for await (const chunk of source) {
        await this.write(chunk as Buffer);
        if (this.state !== 'open') {
          source.destroy();
          return false;
        }
      }
    } catch (err) {
      await this.fail(`reading the image data failed: ${String(err)}`);
      throw err;
    }
    return this.finish();
  }

  private mismatch(md5: string, algo: string, hash: string): string | null {
    const t = this.target;
    if (this.bytes !== t.size) return `got ${this.bytes} bytes, the image has ${t.size}`;
    if (md5 !== t.checksum) return `md5 ${md5} is not the image checksum ${t.checksum}`;
    if (t.os_hash_value !== null && t.os_hash_algo === algo && hash !== t.os_hash_value) {
      return `${algo} digest does not match os_hash_value`;
    }
    return null;
  }

  private async fail(reason: string | null): Promise<void> {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    if (reason !== null) this.binding.log.warn({ image_id: this.target.id }, reason);
    this.binding.session.destroy();
    // Destroying the file stream closes the file.
    this.file.destroy();
    await this.binding.discard();
    this.settle();
  }

  private settle(): void {
    this.binding.settled();
    this.resolveOver();
  }
}

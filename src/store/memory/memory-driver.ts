/**
 * An in-memory store for tests, with the same contract as the real drivers (partial data
 * invisible until commit, gone after cancel, duplicates refused) and knobs to produce the
 * failures real backends produce: a capacity (storage full mid-write), injected errors per
 * write chunk or at commit, and reduced capabilities (read-only, no random access).
 * Locations are `memory://<store id>/<image id>`.
 */
import { Readable, Writable } from 'node:stream';
import type { ByteRange, StoreCapabilities, StoreDriver, StoreLocation, StoreWrite, WriteOptions } from '../driver.js';
import { StoreError, checkRangeShape, invalidRange } from '../errors.js';

/** Failure injection: each hook returns the error to raise, or undefined to go on. */
export interface MemoryFaults {
  /** Before storing the chunk that starts at byte `offset` of the image. */
  write?: (imageId: string, offset: number) => Error | undefined;
  /** When `commit()` is called, before the object becomes visible. */
  commit?: (imageId: string) => Error | undefined;
}

/** Options of a memory store. */
export interface MemoryDriverOptions {
  id: string;
  /** Total bytes the store holds (committed and in progress); beyond it writes fail `storage_full`. */
  capacity?: number;
  capabilities?: Partial<StoreCapabilities>;
  faults?: MemoryFaults;
  /** Put `{ store: id }` in location metadata (default true). */
  tagLocations?: boolean;
}

interface Pending {
  imageId: string;
  chunks: Buffer[];
  size: number;
}

/** The memory driver (see the module comment). */
export class MemoryDriver implements StoreDriver {
  readonly id: string;
  readonly type = 'memory';
  readonly capabilities: StoreCapabilities;
  private readonly objects = new Map<string, Buffer[]>();
  private readonly partials = new Set<Pending>();

  constructor(private readonly opts: MemoryDriverOptions) {
    this.id = opts.id;
    this.capabilities = { read: true, write: true, randomRead: true, ...opts.capabilities };
  }

  /** Bytes held, committed and in progress. */
  get usedBytes(): number {
    let n = 0;
    for (const chunks of this.objects.values()) for (const c of chunks) n += c.length;
    for (const p of this.partials) n += p.size;
    return n;
  }

  /** Ids of committed objects, and `partial:<id>` for each write in progress; for leak checks. */
  contents(): string[] {
    return [...this.objects.keys(), ...[...this.partials].map((p) => `partial:${p.imageId}`)];
  }

  /** True for `memory://<this store's id>/…`. */
  owns(url: string): boolean {
    return url.startsWith(`memory://${this.id}/`);
  }

  /** The location of `imageId` in this store (whether or not it exists). */
  locationOf(imageId: string): StoreLocation {
    return { url: `memory://${this.id}/${imageId}`, metadata: this.opts.tagLocations === false ? {} : { store: this.id } };
  }

  async locate(imageId: string): Promise<StoreLocation | null> {
    return this.objects.has(imageId) ? this.locationOf(imageId) : null;
  }

  async write(imageId: string, opts: WriteOptions = {}): Promise<StoreWrite> {
    if (!this.capabilities.write) throw new StoreError(this.id, 'add_disabled');
    if (this.objects.has(imageId)) throw this.duplicate(imageId);
    if (opts.signal?.aborted) throw new StoreError(this.id, 'io', 'Write aborted', { cause: opts.signal.reason });
    const part: Pending = { imageId, chunks: [], size: 0 };
    this.partials.add(part);
    let ended = false;
    let failure: Error | null = null;
    let committed: Promise<StoreLocation> | null = null;
    const drop = () => { this.partials.delete(part); part.chunks = []; part.size = 0; };
    const stream = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, cb) => {
        failure = this.opts.faults?.write?.(imageId, part.size) ?? null;
        if (!failure && this.opts.capacity !== undefined && this.usedBytes + chunk.length > this.opts.capacity) {
          failure = new StoreError(this.id, 'storage_full');
        }
        if (failure) { cb(failure); return; }
        // Copy: producers may reuse their buffers.
        part.chunks.push(Buffer.from(chunk));
        part.size += chunk.length;
        // Asynchronous like real I/O, so backpressure is exercised.
        setImmediate(cb);
      },
      final: (cb) => { ended = true; cb(); },
      destroy: (err, cb) => {
        if (!(ended && err == null)) drop();
        cb(err);
      },
    });
    const onAbort = () => stream.destroy(new StoreError(this.id, 'io', 'Write aborted', { cause: opts.signal?.reason }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const publish = async (): Promise<StoreLocation> => {
      try {
        if (failure) throw failure;
        if (!this.partials.has(part)) throw new StoreError(this.id, 'io', `Write of ${imageId} was cancelled`);
        if (!stream.writableEnded) stream.end();
        await new Promise<void>((resolve, reject) => {
          if (stream.writableFinished) { resolve(); return; }
          stream.once('finish', resolve);
          stream.once('error', reject);
        });
        const injected = this.opts.faults?.commit?.(imageId);
        if (injected) throw injected;
        if (this.objects.has(imageId)) throw this.duplicate(imageId);
        this.objects.set(imageId, part.chunks);
        this.partials.delete(part);
        return this.locationOf(imageId);
      } catch (err) {
        drop();
        throw err;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
    };
    return {
      stream,
      get bytesWritten() { return part.size; },
      commit: () => (committed ??= publish()),
      cancel: async () => {
        if (committed) { await committed.catch(() => undefined); return; }
        opts.signal?.removeEventListener('abort', onAbort);
        if (!stream.destroyed) stream.destroy();
        drop();
      },
    };
  }

  async read(location: StoreLocation, range?: ByteRange): Promise<Readable> {
    if (range && !this.capabilities.randomRead) {
      throw new StoreError(this.id, 'random_read_not_supported', `Getting images randomly from this store is not supported. Offset: ${range.start}, length: ${range.end - range.start + 1}`);
    }
    const chunks = this.chunksOf(location);
    const size = chunks.reduce((n, c) => n + c.length, 0);
    if (range) {
      checkRangeShape(this.id, range);
      if (range.end >= size) throw invalidRange(this.id, range, size);
    }
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : size;
    function* slices(): Generator<Buffer> {
      let offset = 0;
      for (const c of chunks) {
        const from = Math.max(start - offset, 0);
        const to = Math.min(end - offset, c.length);
        if (from < to) yield c.subarray(from, to);
        offset += c.length;
        if (offset >= end) return;
      }
    }
    return Readable.from(slices(), { objectMode: false });
  }

  async stat(location: StoreLocation): Promise<{ size: number }> {
    return { size: this.chunksOf(location).reduce((n, c) => n + c.length, 0) };
  }

  async delete(location: StoreLocation): Promise<void> {
    if (!this.capabilities.write) throw new StoreError(this.id, 'delete_not_supported');
    this.chunksOf(location);
    this.objects.delete(this.idOf(location));
  }

  private duplicate(imageId: string): StoreError {
    return new StoreError(this.id, 'duplicate', `Image ${this.locationOf(imageId).url} already exists`);
  }

  private idOf(location: StoreLocation): string {
    const prefix = `memory://${this.id}/`;
    if (!location.url.startsWith(prefix)) throw new StoreError(this.id, 'bad_uri', `The Store URI was malformed: ${location.url}`);
    return location.url.slice(prefix.length);
  }

  private chunksOf(location: StoreLocation): Buffer[] {
    const chunks = this.objects.get(this.idOf(location));
    if (!chunks) throw new StoreError(this.id, 'not_found', `Image ${location.url} not found`);
    return chunks;
  }
}

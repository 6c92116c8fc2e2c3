/**
 * One image write into Swift, in glance_store's two shapes:
 *
 * - a known size below `swift_store_large_object_size`: one object PUT with that
 *   `Content-Length` (and `If-None-Match: *`), streamed as the data comes. Its last byte is held
 *   back until `commit()`, so the object does not exist in Swift before then; cancelling drops
 *   the connection and Swift keeps nothing.
 * - otherwise (unknown or large size): segments of `swift_store_large_object_chunk_size` bytes,
 *   each streamed into its own PUT (with its length when the total is known, chunked otherwise),
 *   and at `commit()` the DLO manifest `<image id>` (see swift-segments.ts). A failed, cancelled
 *   or aborted write deletes every segment it created before its stream closes.
 *
 * At commit an object already at the name is `duplicate` (409), and so is a manifest PUT
 * refused by `If-None-Match`; the losing write removes its own data.
 */
import { Writable } from 'node:stream';
import type { StoreLocation, StoreWrite } from '../driver.js';
import { StoreError, isStoreError } from '../errors.js';
import type { SwiftAuth } from './swift-auth.js';
import { header, type SwiftHttp } from './swift-http.js';
import { BufferedSegment, WRITER_HEADER, segmentName, sizeMismatch, type SegmentSink } from './swift-segments.js';
import { ObjectUpload } from './swift-upload.js';

/** Everything one write needs; built by the driver. */
export interface SwiftWriteSpec {
  store: string;
  http: SwiftHttp;
  auth: SwiftAuth;
  container: string;
  imageId: string;
  /** The declared size, or null when unknown. */
  size: number | null;
  /** True: a single object (size known and below the large-object size). */
  plain: boolean;
  /** Segment size in bytes. */
  chunkSize: number;
  /** Segment-name prefix (`<image id>-<write id>-`). */
  prefix: string;
  writer: string;
  /** `swift_upload_buffer_dir` when `swift_buffer_on_upload` is on, else null. */
  bufferDir: string | null;
  idleTimeoutMs: number;
  location: StoreLocation;
  signal?: AbortSignal;
  /** Called once the write is over (committed or discarded). */
  onDone(): void;
}

const OCTETS = { 'content-type': 'application/octet-stream' };

/** A write in progress (see the module comment); create with `SwiftWrite.open`. */
export class SwiftWrite implements StoreWrite {
  readonly stream: Writable;
  private accepted = 0;
  private sinks: { sink: SegmentSink; name: string; size: number } | null = null;
  private readonly created: string[] = [];
  private held: Buffer | null = null;
  private plainUpload: ObjectUpload | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private finalDone = false;
  private cancelled = false;
  private discarding: Promise<void> | null = null;
  /** Set once the write is being discarded: steps still in flight stop and undo themselves. */
  private dropped: StoreError | null = null;
  private committing: Promise<StoreLocation> | null = null;
  private readonly onAbort = () => this.stream.destroy(new StoreError(this.spec.store, 'io', 'Write aborted', { cause: this.spec.signal?.reason }));

  private constructor(private readonly spec: SwiftWriteSpec) {
    this.stream = new Writable({
      highWaterMark: 1024 * 1024,
      write: (chunk: Buffer, _enc, cb) => { this.track(this.accept(chunk)).then(() => cb(), cb); },
      final: (cb) => { this.track(this.close()).then(() => { this.finalDone = true; cb(); }, cb); },
      destroy: (err, cb) => {
        if (err == null && this.finalDone) { cb(null); return; }
        this.discard().then(() => cb(err), () => cb(err));
      },
    });
    spec.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Starts the write; for a single object, its PUT is opened at once. */
  static async open(spec: SwiftWriteSpec): Promise<SwiftWrite> {
    const w = new SwiftWrite(spec);
    if (spec.plain) {
      w.plainUpload = await ObjectUpload.start(spec.http, spec.auth, {
        method: 'PUT', container: spec.container, object: spec.imageId, headers: { ...OCTETS, 'if-none-match': '*' },
      }, spec.size, `Writing ${spec.container}/${spec.imageId}`, spec.idleTimeoutMs);
    }
    return w;
  }

  get bytesWritten(): number {
    return this.accepted;
  }

  commit(): Promise<StoreLocation> {
    this.committing ??= this.publish();
    return this.committing;
  }

  async cancel(): Promise<void> {
    if (this.committing) { await this.committing.catch(() => undefined); return; }
    this.cancelled = true;
    if (!this.stream.destroyed) this.stream.destroy();
    await this.discard();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.busy = p.catch(() => undefined);
    return p;
  }

  private async accept(chunk: Buffer): Promise<void> {
    const { size, plain, chunkSize } = this.spec;
    if (chunk.length === 0) return;
    if (size !== null && this.accepted + chunk.length > size) throw sizeMismatch(this.spec.store, size, this.accepted + chunk.length);
    if (plain) {
      if (this.accepted + chunk.length === size) {
        // Keep the last byte: the object must not be complete in Swift before commit.
        await this.plainUpload!.push(chunk.subarray(0, chunk.length - 1));
        this.held = Buffer.from(chunk.subarray(chunk.length - 1));
      } else {
        await this.plainUpload!.push(chunk);
      }
      this.accepted += chunk.length;
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.dropped) throw this.dropped;
      const seg = this.sinks ?? await this.openSegment();
      const take = Math.min(chunk.length - offset, chunkSize - seg.size);
      await seg.sink.push(chunk.subarray(offset, offset + take));
      seg.size += take;
      offset += take;
      this.accepted += take;
      if (seg.size === chunkSize) await this.closeSegment();
    }
  }

  private async close(): Promise<void> {
    if (this.sinks) await this.closeSegment();
    const { size } = this.spec;
    if (size !== null && this.accepted !== size) throw sizeMismatch(this.spec.store, size, this.accepted);
  }

  private async openSegment(): Promise<{ sink: SegmentSink; name: string; size: number }> {
    const { http, auth, container, size, chunkSize, bufferDir, prefix } = this.spec;
    const name = segmentName(prefix, this.created.length + 1);
    this.created.push(name);
    const call = { method: 'PUT' as const, container, object: name, headers: { ...OCTETS, [WRITER_HEADER]: this.spec.writer } };
    const what = `Writing segment ${container}/${name}`;
    const length = size === null ? null : Math.min(chunkSize, size - this.accepted);
    const sink = bufferDir !== null
      ? await BufferedSegment.create(bufferDir, http, auth, call, what)
      : await ObjectUpload.start(http, auth, call, length, what, this.spec.idleTimeoutMs);
    if (this.dropped) { sink.abort(this.dropped); throw this.dropped; }
    this.sinks = { sink, name, size: 0 };
    return this.sinks;
  }

  private async closeSegment(): Promise<void> {
    const seg = this.sinks!;
    this.sinks = null;
    await seg.sink.finish();
  }

  private async publish(): Promise<StoreLocation> {
    const { store, imageId } = this.spec;
    try {
      if (this.cancelled) throw new StoreError(store, 'io', `Write of ${imageId} was cancelled`);
      if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
      await new Promise<void>((resolve, reject) => {
        if (this.finalDone) { resolve(); return; }
        if (this.stream.errored) { reject(this.stream.errored); return; }
        if (this.stream.destroyed) { reject(new StoreError(store, 'io', `Write of ${imageId} was cancelled`)); return; }
        this.stream.once('finish', resolve);
        this.stream.once('error', reject);
      });
      if (await this.exists()) throw this.duplicate();
      if (this.plainUpload) {
        if (this.held) await this.plainUpload.push(this.held);
        await this.plainUpload.finish().catch((err: unknown) => { throw isStoreError(err, 'duplicate') ? this.duplicate() : err; });
      } else {
        await this.putManifest();
      }
      this.finish();
      return this.spec.location;
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  private async putManifest(): Promise<void> {
    const { http, auth, container, imageId, prefix, store } = this.spec;
    const manifest = `${encodeURIComponent(container)}/${encodeURIComponent(prefix)}`;
    const what = `Writing manifest ${container}/${imageId}`;
    const res = await http.call(auth, {
      method: 'PUT', container, object: imageId, headers: { ...OCTETS, 'x-object-manifest': manifest, 'if-none-match': '*' },
    }, what);
    await res.body.dump().catch(() => undefined);
    if (res.statusCode < 300) return;
    // A 412 after a retry may be our own first attempt having succeeded.
    if (res.statusCode === 412) {
      const head = await http.call(auth, { method: 'HEAD', container, object: imageId }, what);
      await head.body.dump().catch(() => undefined);
      if (head.statusCode < 300 && header(head, 'x-object-manifest') === manifest) return;
      throw this.duplicate();
    }
    throw new StoreError(store, res.statusCode === 404 ? 'io' : 'unavailable', `${what}: Swift answered ${res.statusCode}`);
  }

  private async exists(): Promise<boolean> {
    const { http, auth, container, imageId } = this.spec;
    const res = await http.call(auth, { method: 'HEAD', container, object: imageId }, `Checking ${container}/${imageId}`);
    await res.body.dump().catch(() => undefined);
    return res.statusCode < 300;
  }

  private duplicate(): StoreError {
    return new StoreError(this.spec.store, 'duplicate', 'Swift already has an image at this location');
  }

  // Drops everything this write created; idempotent, and safe while a write step is in flight.
  private discard(): Promise<void> {
    this.discarding ??= (async () => {
      const reason = new StoreError(this.spec.store, 'io', `Write of ${this.spec.imageId} was cancelled`);
      this.dropped = reason;
      this.plainUpload?.abort(reason);
      this.sinks?.sink.abort(reason);
      await this.busy;
      // A step that was in flight may have opened a segment since.
      this.sinks?.sink.abort(reason);
      const { http, auth, container } = this.spec;
      for (const name of this.created) {
        const res = await http.call(auth, { method: 'DELETE', container, object: name }, `Deleting segment ${container}/${name}`).catch(() => null);
        await res?.body.dump().catch(() => undefined);
      }
      this.finish();
    })();
    return this.discarding;
  }

  private finish(): void {
    this.spec.signal?.removeEventListener('abort', this.onAbort);
    this.spec.onDone();
  }
}

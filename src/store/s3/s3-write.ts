/**
 * One object being written to S3, in one of two ways (glance_store's split by declared size):
 *
 * - **Streamed PUT** (`S3StreamedPut`, declared size known and below `s3_store_large_object_size`):
 *   one PUT with that Content-Length whose body is the write stream itself, so no byte is
 *   buffered here. The last byte is held back until `commit()`: until then the server has an
 *   incomplete body and stores nothing, and a cancel simply drops the connection.
 * - **Parts** (`S3PartsWrite`, larger or unknown size): the data is cut into parts of the chunk
 *   size, each copied once into a reusable buffer and uploaded (with retries) while the next is
 *   filled; at most `maxInFlight` parts travel at once, so memory stays below
 *   (maxInFlight + 1) × part size. Data that fits in one part becomes a single PUT at commit;
 *   anything larger a multipart upload, completed at commit.
 *
 * Either way nothing is visible before `commit()`, which first checks that no object of that key
 * appeared meanwhile (`duplicate`). A failure, `cancel()`, an abort signal or a destroyed stream
 * leaves nothing: the PUT is cut before its last byte, or the multipart upload is aborted once
 * every part request in flight has settled (so no late part survives the abort) and checked gone.
 */
import { PassThrough, Writable } from 'node:stream';
import type { StoreLocation, StoreWrite } from '../driver.js';
import { StoreError } from '../errors.js';
import type { S3Client, S3Credentials } from './s3-client.js';
import { S3MultipartUpload } from './s3-multipart.js';

/** What a write needs from its driver. */
export interface S3WriteTarget {
  storeId: string;
  client: S3Client;
  creds: S3Credentials;
  bucket: string;
  key: string;
  /** The location `commit()` resolves with. */
  location: StoreLocation;
  /** Rejects with `duplicate` when the key exists now. */
  checkAbsent(): Promise<void>;
  /** Maps a client error to a StoreError saying `what` was being done to the key (other errors pass through). */
  fail(err: unknown, what: string): Error;
  warn(message: string): void;
}

/** Shared shell: commit/cancel bookkeeping, the abort signal, single-flight cleanup. */
abstract class S3WriteBase implements StoreWrite {
  abstract readonly stream: Writable;
  protected failure: Error | null = null;
  protected accepted = 0;
  private committed: Promise<StoreLocation> | null = null;
  private cleaning: Promise<void> | null = null;
  private detachSignal: () => void = () => undefined;

  constructor(protected readonly t: S3WriteTarget) {}

  get bytesWritten(): number {
    return this.accepted;
  }

  protected watch(signal: AbortSignal | undefined): void {
    if (!signal) return;
    const onAbort = () => this.stream.destroy(new StoreError(this.t.storeId, 'io', 'Write aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => signal.removeEventListener('abort', onAbort);
  }

  commit(): Promise<StoreLocation> {
    return (this.committed ??= this.publish());
  }

  async cancel(): Promise<void> {
    if (this.committed) { await this.committed.catch(() => undefined); return; }
    this.detachSignal();
    if (!this.stream.destroyed) this.stream.destroy();
    await this.cleanup();
  }

  /** Removes everything this write put on the server; idempotent, never rejects. */
  protected cleanup(): Promise<void> {
    return (this.cleaning ??= this.removeAll().catch((err: unknown) => {
      this.t.warn(`Store ${this.t.storeId}: cleaning up the interrupted write of ${this.t.key} failed: ${(err as Error).message}`);
    }));
  }

  protected abstract removeAll(): Promise<void>;
  protected abstract finish(): Promise<void>;

  private async publish(): Promise<StoreLocation> {
    try {
      if (this.failure) throw this.failure;
      if (this.cleaning) throw new StoreError(this.t.storeId, 'io', `Write of ${this.t.key} was cancelled`);
      const cancelled = () => this.failure ?? this.stream.errored ?? new StoreError(this.t.storeId, 'io', `Write of ${this.t.key} was cancelled`);
      if (this.stream.destroyed && !this.stream.writableFinished) throw cancelled();
      if (!this.stream.writableEnded) this.stream.end();
      await new Promise<void>((resolve, reject) => {
        if (this.stream.writableFinished) { resolve(); return; }
        this.stream.once('finish', resolve);
        this.stream.once('close', () => reject(cancelled()));
      });
      await this.t.checkAbsent();
      await this.finish();
      return this.t.location;
    } catch (err) {
      await this.cleanup();
      throw this.t.fail(err, 'writing');
    } finally {
      this.detachSignal();
    }
  }
}

/** A single streamed PUT of a declared size (see the module comment). */
export class S3StreamedPut extends S3WriteBase {
  readonly stream: Writable;
  private readonly body = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly abort = new AbortController();
  private put: Promise<void> | null = null;
  private tail: Buffer | null = null;

  constructor(t: S3WriteTarget, private readonly size: number, signal?: AbortSignal) {
    super(t);
    this.stream = new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _enc, cb) => { this.accept(chunk).then(() => cb(), cb); },
      final: (cb) => cb(this.accepted === this.size ? undefined : this.mismatch(this.accepted)),
      destroy: (err, cb) => {
        if (this.stream.writableFinished && err == null) { cb(null); return; }
        this.cleanup().then(() => cb(err));
      },
    });
    this.watch(signal);
  }

  private mismatch(got: number): StoreError {
    return new StoreError(this.t.storeId, 'io', `Size mismatch: expected ${this.size} bytes, got ${got} bytes`);
  }

  private start(): void {
    this.put = this.t.client.send({
      method: 'PUT', bucket: this.t.bucket, key: this.t.key,
      headers: { 'content-length': String(this.size) }, body: this.body, signal: this.abort.signal,
    }, this.t.creds).then((res) => res.body.dump(), (err: unknown) => {
      this.failure ??= this.t.fail(err, 'writing');
      this.body.destroy();
      throw this.failure;
    });
    this.put.catch(() => undefined);
  }

  private async accept(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const total = this.accepted + chunk.length;
    if (total > this.size) throw new StoreError(this.t.storeId, 'io', `Size exceeds: expected ${this.size} bytes, got ${total} bytes`);
    if (!this.put) this.start();
    this.accepted = total;
    // The last byte waits for commit(), so the server cannot finish the object before then.
    const send = total === this.size ? chunk.subarray(0, chunk.length - 1) : chunk;
    if (total === this.size) this.tail = Buffer.from(chunk.subarray(chunk.length - 1));
    if (send.length === 0 || this.body.write(send)) return;
    await new Promise<void>((resolve) => {
      const done = () => { this.body.off('drain', done); this.body.off('close', done); resolve(); };
      this.body.on('drain', done);
      this.body.on('close', done);
    });
    if (this.failure) throw this.failure;
  }

  protected async finish(): Promise<void> {
    this.body.end(this.tail ?? undefined);
    await this.put;
  }

  protected async removeAll(): Promise<void> {
    this.abort.abort();
    this.body.destroy();
    await this.put?.catch(() => undefined);
  }
}

/** A write cut into parts (see the module comment). */
export class S3PartsWrite extends S3WriteBase {
  readonly stream: Writable;
  private readonly free: Buffer[] = [];
  private current: Buffer | null = null;
  private filled = 0;
  private upload: S3MultipartUpload | null = null;

  constructor(t: S3WriteTarget, private readonly partSize: number, private readonly maxInFlight: number, signal?: AbortSignal) {
    super(t);
    this.stream = new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _enc, cb) => { this.accept(chunk).then(() => cb(), cb); },
      final: (cb) => { this.flushLast().then(() => cb(), cb); },
      destroy: (err, cb) => {
        if (this.stream.writableFinished && err == null) { cb(null); return; }
        this.cleanup().then(() => cb(err));
      },
    });
    this.watch(signal);
  }

  private async accept(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.failure) throw this.failure;
      // A full part is sent only once more data shows it is not the last one.
      if (this.current && this.filled === this.partSize) await this.sendCurrent();
      this.current ??= this.free.pop() ?? Buffer.allocUnsafe(this.partSize);
      const n = chunk.copy(this.current, this.filled, offset);
      this.filled += n;
      offset += n;
      this.accepted += n;
    }
  }

  private async sendCurrent(): Promise<void> {
    this.upload ??= new S3MultipartUpload(this.t, this.maxInFlight, (buf) => { if (this.free.length <= this.maxInFlight) this.free.push(buf); });
    const buf = this.current!;
    const size = this.filled;
    this.current = null;
    this.filled = 0;
    try {
      await this.upload.add(buf, size);
    } catch (err) {
      this.failure ??= this.t.fail(err, 'uploading a part of');
      throw this.failure;
    }
  }

  // Multipart: the last part goes up with the others, so commit only has to complete.
  private async flushLast(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.upload) return;
    if (this.filled > 0) await this.sendCurrent();
    await this.upload.drain().catch((err: unknown) => { throw (this.failure ??= this.t.fail(err, 'uploading')); });
  }

  protected async finish(): Promise<void> {
    if (this.upload) {
      await this.upload.complete();
    } else {
      const body = this.current ? this.current.subarray(0, this.filled) : Buffer.alloc(0);
      const res = await this.t.client.send({ method: 'PUT', bucket: this.t.bucket, key: this.t.key, body, unsignedBody: true }, this.t.creds);
      await res.body.dump();
    }
    this.current = null;
    this.free.length = 0;
  }

  protected async removeAll(): Promise<void> {
    this.current = null;
    this.free.length = 0;
    await this.upload?.abort();
  }
}

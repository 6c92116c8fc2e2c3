/**
 * Segments of a Dynamic Large Object as glance-ts writes them: in the image's container, named
 * `<image id>-<write id>-00001`, `-00002`, … and tied together by the manifest object
 * `<image id>` (`X-Object-Manifest: <container>/<image id>-<write id>-`). glance_store names
 * them `<image id>-00001`; the extra write id (12 hex digits) keeps two writes of one id apart,
 * and Glance reads and deletes either kind through the manifest. Each segment records its writer
 * (`X-Object-Meta-Glance-Ts-Writer: <host> <pid>`) so a start-up sweep can tell a dead writer's
 * leftovers from a live upload.
 *
 * A segment is streamed straight into its PUT, or with `swift_buffer_on_upload` first spooled to
 * an (already unlinked) file in `swift_upload_buffer_dir`, so that its PUT can be retried.
 */
import { randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError, storeErrorFromFs } from '../errors.js';
import type { SwiftAuth } from './swift-auth.js';
import type { SwiftCall, SwiftHttp } from './swift-http.js';
import { statusError } from './swift-http.js';

const READ_BLOCK = 1024 * 1024;

/** The metadata header naming a segment's writer. */
export const WRITER_HEADER = 'x-object-meta-glance-ts-writer';

/** This process as written in `WRITER_HEADER`. */
export function writerTag(): string {
  return `${hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost'} ${process.pid}`;
}

/** A fresh segment-name prefix for one write of `imageId`. */
export function segmentPrefix(imageId: string): string {
  return `${imageId}-${randomBytes(6).toString('hex')}-`;
}

/** Name of segment `n` (1-based) under `prefix`. */
export function segmentName(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(5, '0')}`;
}

/** The image id and prefix of a glance-ts segment name, or null for any other name. */
export function parseSegmentName(name: string): { imageId: string; prefix: string } | null {
  const m = /^(.+)-[0-9a-f]{12}-\d{5,}$/.exec(name);
  return m ? { imageId: m[1]!, prefix: name.slice(0, name.lastIndexOf('-') + 1) } : null;
}

/** One segment being written (direct `ObjectUpload` or a `BufferedSegment`). */
export interface SegmentSink {
  push(chunk: Buffer): Promise<void>;
  /** Completes the segment in Swift. */
  finish(): Promise<unknown>;
  abort(reason: Error): void;
}

/**
 * A segment spooled to disk and then PUT with the usual retries (see the module comment). The
 * file is unlinked as soon as it is created, so nothing is left on disk whatever happens.
 */
export class BufferedSegment implements SegmentSink {
  private size = 0;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    private readonly http: SwiftHttp,
    private readonly auth: SwiftAuth,
    private readonly call: SwiftCall,
    private readonly what: string,
  ) {}

  /** Creates the spool file in `dir`. */
  static async create(dir: string, http: SwiftHttp, auth: SwiftAuth, call: SwiftCall, what: string): Promise<BufferedSegment> {
    const path = join(dir, `.glance-swift-segment.${process.pid}.${randomBytes(6).toString('hex')}`);
    let file: FileHandle;
    try {
      file = await open(path, 'wx+', 0o600);
      await unlink(path);
    } catch (err) {
      throw storeErrorFromFs(http.opts.store, err, `the upload buffer in ${dir}`);
    }
    return new BufferedSegment(file, http, auth, call, what);
  }

  async push(chunk: Buffer): Promise<void> {
    try {
      await this.file.write(chunk, 0, chunk.length, this.size);
    } catch (err) {
      throw storeErrorFromFs(this.http.opts.store, err, 'the upload buffer');
    }
    this.size += chunk.length;
  }

  async finish(): Promise<unknown> {
    try {
      const body = () => this.readBack();
      const res = await this.http.call(this.auth, {
        ...this.call,
        body,
        headers: { ...this.call.headers, 'content-length': String(this.size) },
      }, this.what);
      await res.body.dump().catch(() => undefined);
      if (res.statusCode >= 300) throw statusError(this.http.opts.store, res.statusCode, this.what);
      return res;
    } finally {
      await this.close();
    }
  }

  // The spooled bytes, read anew for each attempt (a file stream would close the file when an
  // attempt is cut off).
  private async *readBack(): AsyncGenerator<Buffer> {
    for (let pos = 0; pos < this.size;) {
      const want = Math.min(READ_BLOCK, this.size - pos);
      const { bytesRead, buffer } = await this.file.read(Buffer.allocUnsafe(want), 0, want, pos);
      if (bytesRead === 0) throw new StoreError(this.http.opts.store, 'io', `${this.what}: the upload buffer is shorter than written`);
      pos += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  }

  // Nothing reached Swift yet, or the PUT is replayable: dropping the spool file is enough.
  abort(): void {
    this.close().catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}

/** Raised for data beyond, or short of, the size the write was opened with. */
export function sizeMismatch(store: string, declared: number, got: number): StoreError {
  return new StoreError(store, 'io', `Image data size mismatch: ${declared} bytes declared, ${got} received`);
}

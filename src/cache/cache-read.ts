/**
 * Reading a cached copy. A whole-image read is hashed on the hasher pool while it streams
 * (md5 and the image's `os_hash_algo`), and its last chunk is held back until both digests
 * match the image record: a corrupted copy is never delivered in full — the stream fails before
 * its end (the client sees a cut-off transfer, `Content-Length` unmet) and the copy is evicted.
 * A ranged read cannot be hashed; it relies on the size and mtime checks made before opening.
 */
import type { FileHandle } from 'node:fs/promises';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { GlanceError } from '../domain/errors.js';
import type { HashSession } from '../stream/hash-session.js';
import type { CacheTarget } from './cache-write.js';

/** A byte range, both ends inclusive. */
export interface ReadRange {
  start: number;
  end: number;
}

/** The bytes of `range` of an opened cached copy; the handle is closed when the stream ends. */
export function rangedRead(handle: FileHandle, range: ReadRange): Readable {
  return handle.createReadStream({ start: range.start, end: range.end });
}

/**
 * The whole cached copy, verified as it streams against `target`. `onCorrupt` is called (once)
 * when the data does not match; the returned stream then fails instead of ending.
 */
export function verifiedRead(handle: FileHandle, target: CacheTarget, session: HashSession, onCorrupt: (reason: string) => void): Readable {
  const guard = new HeldTail(session, target, onCorrupt);
  // Destroying the guard (client gone) tears down the file stream and the session too.
  pipeline(handle.createReadStream(), session, guard, () => undefined);
  return guard;
}

/** Passes chunks on one step late, so the final chunk goes out only after verification. */
class HeldTail extends Transform {
  private held: Buffer | null = null;
  private bytes = 0;

  constructor(private readonly session: HashSession, private readonly target: CacheTarget, private readonly onCorrupt: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const previous = this.held;
    this.held = chunk;
    cb(null, previous ?? undefined);
  }

  override _flush(cb: TransformCallback): void {
    // The session's own flush waited for both digests, so they are ready now.
    this.session.digests().then(({ checksum, algo, hash }) => {
      const t = this.target;
      let problem: string | null = null;
      if (this.bytes !== t.size) problem = `the cached file holds ${this.bytes} bytes, the image ${t.size}`;
      else if (checksum !== t.checksum) problem = `its md5 ${checksum} is not the image checksum ${t.checksum}`;
      else if (t.os_hash_value !== null && t.os_hash_algo === algo && hash !== t.os_hash_value) problem = `its ${algo} digest is not os_hash_value`;
      if (problem !== null) {
        this.onCorrupt(problem);
        cb(new GlanceError('internal', `The cached copy of image ${t.id} is corrupt: ${problem}`));
        return;
      }
      cb(null, this.held ?? undefined);
    }, (err: unknown) => cb(err as Error));
  }
}

/**
 * The contract every image store backend implements: streaming, small, and strict about
 * leftovers. An image's bytes are either fully stored under their final name or not there at
 * all; a failed, cancelled or interrupted write leaves nothing a reader can see, and nothing a
 * `sweep()` at start-up does not remove.
 *
 * Errors are `StoreError`s (see `errors.ts`) carrying the store id and a reason; each is already a
 * GlanceError of the kind Glance answers with, so a service may let it through unchanged.
 */
import type { Readable, Writable } from 'node:stream';

/**
 * Where an image's data lives, as stored in `image_locations`: the URL (`value`) and its metadata
 * (`meta_data`). Drivers of a multi-store deployment put `{ store: <id> }` in the metadata.
 */
export interface StoreLocation {
  url: string;
  metadata: Record<string, unknown>;
}

/** A byte range of an object, both ends inclusive (HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a store can do; Glance's capability bits reduced to the ones the API consults. */
export interface StoreCapabilities {
  /** Objects can be read (and stat'ed). */
  readonly read: boolean;
  /** Objects can be written and deleted. A write to a store without it fails with `add_disabled` (410). */
  readonly write: boolean;
  /** `read` accepts a range. Without it a ranged read fails with `random_read_not_supported` (400). */
  readonly randomRead: boolean;
}

/** Options of `StoreDriver.write`. */
export interface WriteOptions {
  /** Aborting destroys the stream and removes the partial data, as `cancel()` does. */
  signal?: AbortSignal;
  /** Expected size in bytes (0 or absent: unknown); used to pick a place with enough space. */
  sizeHint?: number;
}

/**
 * One object being written. The caller pipes the image into `stream`, then calls `commit()` to
 * make it visible, or `cancel()` to drop it. Exactly one of the two should end every write; if
 * the stream errors (storage full, permission denied, abort), the partial data is removed at
 * once, and `cancel()` is still safe to call.
 */
export interface StoreWrite {
  /**
   * Accepts the image bytes. Honours backpressure: `write()` returns false and the callback
   * fires only once the bytes are handed to the backend, so memory stays flat whatever the size.
   * Errors are StoreErrors.
   */
  readonly stream: Writable;
  /** Bytes accepted by the backend so far (after the stream finishes: the object's size). */
  readonly bytesWritten: number;
  /**
   * Ends the stream if the caller has not, waits until every byte is written, makes the data
   * durable (the filesystem driver fsyncs the file and its directory) and publishes it under
   * its final name. Resolves with the location to record. Rejects with the stream's error if it
   * failed, or `duplicate` (409) if an object of that id appeared meanwhile; in both cases no
   * data is left. Calling it again returns the same outcome.
   */
  commit(): Promise<StoreLocation>;
  /**
   * Drops the write: destroys the stream and removes any partial data. Idempotent. After a
   * successful commit it does nothing (delete the location instead); during a commit it waits
   * for the commit to settle.
   */
  cancel(): Promise<void>;
}

/** A configured store backend (`enabled_backends` entry, legacy store, or a reserved store). */
export interface StoreDriver {
  /** Store id: `fs` in `enabled_backends=fs:file`; the type in single-store mode. */
  readonly id: string;
  /** Driver type: `file`, `http`, `memory`. */
  readonly type: string;
  readonly capabilities: StoreCapabilities;
  /**
   * True when `url` is a location this store can serve (scheme, and for the file store one of
   * its data directories); how the registry finds the store of a location without metadata.
   */
  owns(url: string): boolean;
  /**
   * Starts writing the object of `imageId`. Rejects with `duplicate` (409) if it exists,
   * `add_disabled` (410) on a read-only store, `storage_full` (413) when no place has room for
   * `sizeHint`, `write_denied` (503) when the backend refuses access.
   */
  write(imageId: string, opts?: WriteOptions): Promise<StoreWrite>;
  /**
   * Opens the object for reading; errors found before the first byte (missing object:
   * `not_found`; a range past its end: `invalid_range`) reject the promise, later I/O errors
   * come through the stream. Memory use is bounded by the stream's buffer.
   */
  read(location: StoreLocation, range?: ByteRange): Promise<Readable>;
  /**
   * The location of the committed object of `imageId`, or null when there is none: how data
   * kept outside `image_locations` (staged data) is found again.
   */
  locate(imageId: string): Promise<StoreLocation | null>;
  /** Size in bytes of the object; `not_found` if it is missing. */
  stat(location: StoreLocation): Promise<{ size: number }>;
  /** Removes the object; `not_found` if it is missing, `delete_not_supported` on a read-only store. */
  delete(location: StoreLocation): Promise<void>;
  /**
   * Removes what interrupted writes left behind (crash, kill -9, power loss), never touching a
   * write in progress. Called at start-up; returns the image ids whose interrupted writes were
   * removed (one entry per leftover), so the caller can put those images back to `queued`.
   */
  sweep?(): Promise<string[]>;
  /**
   * Ids of the images whose committed data this store holds (stores that can list cheaply: the
   * filesystem ones). Used to clean the staging area at start-up.
   */
  list?(): Promise<string[]>;
  /**
   * Checks, changing nothing, that the store could serve reads and writes now (the detailed
   * healthcheck). Resolves with a short account of what was checked; rejects with a StoreError
   * saying what is wrong. Stores without it are not probed.
   */
  probe?(): Promise<string>;
  /** Releases sockets, pools and timers. */
  close?(): Promise<void>;
}

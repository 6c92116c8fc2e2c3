/**
 * Store errors. Each carries the id of the store that raised it, a stable `reason`, and
 * glance_store's own wording (`storeMessage`, for logs and notifications); it *is* the GlanceError
 * Glance's API answers with for that failure (kind and explanation), so a service can let it
 * through unchanged or re-wrap it with a message of its own.
 */
import { GlanceError, type ErrorKind } from '../domain/errors.js';

/** Why a store operation failed. */
export type StoreErrorReason =
  /** No object at the location (glance_store NotFound). 404. */
  | 'not_found'
  /** An object of that id exists already (Duplicate). 409. */
  | 'duplicate'
  /** No space left: ENOSPC, EFBIG, EDQUOT, or no datadir with room (StorageFull). 413. */
  | 'storage_full'
  /** The backend refused access: EACCES, EPERM, EROFS (StorageWriteDenied). 503. */
  | 'write_denied'
  /** Write to a read-only or unusable store (StoreAddDisabled). 410, always text/plain. */
  | 'add_disabled'
  /** Delete on a store that cannot delete (StoreDeleteNotSupported). 403. */
  | 'delete_not_supported'
  /** Ranged read on a store without random access (StoreRandomGetNotSupported). 400. */
  | 'random_read_not_supported'
  /** A range outside the object. 416. */
  | 'invalid_range'
  /** A location this store cannot parse, or outside its data directories (BadStoreUri). 400. */
  | 'bad_uri'
  /** No configured store handles the location's scheme (UnknownScheme). 400. */
  | 'unknown_scheme'
  /** An image id that cannot name an object (path separators, leading dot). 400. */
  | 'invalid_id'
  /** A remote store did not answer (RemoteServiceUnavailable). 503. */
  | 'unavailable'
  /** The store's configuration cannot work (BadStoreConfiguration). 500; startup refuses it. */
  | 'bad_config'
  /** Any other I/O failure. 500. */
  | 'io';

const KIND: Record<StoreErrorReason, ErrorKind> = {
  not_found: 'not_found',
  duplicate: 'conflict',
  storage_full: 'too_large',
  write_denied: 'service_unavailable',
  add_disabled: 'gone',
  delete_not_supported: 'forbidden',
  random_read_not_supported: 'bad_request',
  invalid_range: 'range_not_satisfiable',
  bad_uri: 'bad_request',
  unknown_scheme: 'bad_request',
  invalid_id: 'bad_request',
  unavailable: 'service_unavailable',
  bad_config: 'internal',
  io: 'internal',
};

// glance_store's default text of each failure, used when the driver gives none.
const DEFAULT_STORE_MESSAGE: Partial<Record<StoreErrorReason, string>> = {
  storage_full: 'There is not enough disk space on the image storage media.',
  write_denied: 'Permission to write image storage media denied.',
  add_disabled: 'Configuration for store failed. Adding images to this store is disabled.',
  delete_not_supported: 'Deleting images from this store is not supported.',
  unavailable: 'Remote server where the image is present is unavailable.',
};

// The explanation Glance's API gives for a store failure (image_data.py and the notifier proxy).
function apiMessage(reason: StoreErrorReason, storeMessage: string): string {
  switch (reason) {
    case 'storage_full': return `Image storage media is full: ${storeMessage}`;
    case 'write_denied': return `Insufficient permissions on image storage media: ${storeMessage}`;
    case 'add_disabled': return 'Error in store configuration. Adding images to store is disabled.';
    case 'io': case 'bad_config': return '';
    default: return storeMessage;
  }
}

/** Options of a StoreError. */
export interface StoreErrorOptions {
  cause?: unknown;
  /** The errno code behind it (ENOSPC, EACCES, …), when there is one. */
  errno?: string;
}

/** A failure of store `store`; see the module comment. */
export class StoreError extends GlanceError {
  readonly store: string;
  readonly reason: StoreErrorReason;
  /** glance_store's message for the failure (what its exception would print). */
  readonly storeMessage: string;
  readonly errno: string | undefined;

  constructor(store: string, reason: StoreErrorReason, storeMessage?: string, opts: StoreErrorOptions = {}) {
    const text = storeMessage ?? DEFAULT_STORE_MESSAGE[reason] ?? reason;
    super(KIND[reason], apiMessage(reason, text), {
      cause: opts.cause,
      // Glance builds the 410 for a disabled store as text/plain whatever the Accept header.
      forcePlain: reason === 'add_disabled',
    });
    this.name = 'StoreError';
    this.store = store;
    this.reason = reason;
    this.storeMessage = text;
    this.errno = opts.errno;
  }
}

/** True when `err` is a StoreError, optionally of the given reason. */
export function isStoreError(err: unknown, reason?: StoreErrorReason): err is StoreError {
  return err instanceof StoreError && (reason === undefined || err.reason === reason);
}

/**
 * Maps a Node filesystem error to a StoreError of store `store`; `subject` names the object in
 * messages (glance_store prints the file path). Errors that already are StoreErrors pass through.
 */
export function storeErrorFromFs(store: string, err: unknown, subject: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const opts = { cause: err, ...(code !== undefined ? { errno: code } : {}) };
  switch (code) {
    case 'ENOENT':
      return new StoreError(store, 'not_found', `Image ${subject} not found`, opts);
    case 'EEXIST':
      return new StoreError(store, 'duplicate', `Image ${subject} already exists`, opts);
    case 'ENOSPC':
    case 'EFBIG':
    case 'EDQUOT':
      return new StoreError(store, 'storage_full', undefined, opts);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreError(store, 'write_denied', undefined, opts);
    default:
      return new StoreError(store, 'io', `I/O error on ${subject}: ${(err as Error | null)?.message ?? String(err)}`, opts);
  }
}

/** The `invalid_range` error for `range` on an object of `size` bytes. */
export function invalidRange(store: string, range: { start: number; end: number }, size: number): StoreError {
  return new StoreError(store, 'invalid_range', `Range ${range.start}-${range.end} is outside the image (${size} bytes)`);
}

/** Throws `invalid_range` unless `range` is well formed (0 <= start <= end, integers). */
export function checkRangeShape(store: string, range: { start: number; end: number }): void {
  const ok = Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start;
  if (!ok) throw new StoreError(store, 'invalid_range', `Malformed range ${range.start}-${range.end}`);
}

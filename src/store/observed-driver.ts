/**
 * A store driver wrapped so that its failures are reported, for the store-error metric. The
 * registry wraps every driver it hands out when given a listener, which makes it the one place
 * that sees each driver call fail, whichever service made it. Behaviour is unchanged: results,
 * errors and streams pass through as they are.
 *
 * What counts as a failure: a `StoreError` from a call, a write stream or a commit, except the
 * refusals that are the request's doing or the store's design (a range past the end, a ranged
 * read on a store without random access, a bad id or location, a write to a read-only store).
 * Errors a caller injects into a stream (a client hanging up mid-upload destroys the write
 * stream with that error) are not StoreErrors and are not counted. The same error object seen
 * twice (the stream's error, then `commit()` rejecting with it) counts once.
 */
import type { Readable } from 'node:stream';
import type { StoreDriver, StoreWrite } from './driver.js';
import { StoreError, type StoreErrorReason } from './errors.js';

/** The driver operations reported. */
export type StoreOperation = 'write' | 'read' | 'locate' | 'stat' | 'delete' | 'sweep';

/** Receives one failed operation of store `store`. */
export type DriverErrorListener = (store: string, operation: StoreOperation) => void;

const REFUSALS: ReadonlySet<StoreErrorReason> = new Set<StoreErrorReason>([
  'invalid_range', 'random_read_not_supported', 'invalid_id', 'bad_uri', 'unknown_scheme', 'add_disabled', 'delete_not_supported',
]);

/** `driver` with its failures reported to `onError`; see the module comment. */
export function observeDriverErrors(driver: StoreDriver, onError: DriverErrorListener): StoreDriver {
  const counted = new WeakSet<object>();
  const report = (operation: StoreOperation, err: unknown): void => {
    if (!(err instanceof StoreError) || REFUSALS.has(err.reason) || counted.has(err)) return;
    counted.add(err);
    onError(driver.id, operation);
  };
  const call = async <T>(operation: StoreOperation, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      report(operation, err);
      throw err;
    }
  };
  const observed: StoreDriver = {
    id: driver.id,
    type: driver.type,
    capabilities: driver.capabilities,
    owns: (url) => driver.owns(url),
    async write(imageId, opts) {
      const w = await call('write', () => driver.write(imageId, opts));
      w.stream.on('error', (err) => report('write', err));
      const wrapped: StoreWrite = {
        stream: w.stream,
        get bytesWritten() { return w.bytesWritten; },
        commit: () => call('write', () => w.commit()),
        cancel: () => w.cancel(),
      };
      return wrapped;
    },
    async read(location, range) {
      const stream: Readable = await call('read', () => driver.read(location, range));
      stream.on('error', (err) => report('read', err));
      return stream;
    },
    locate: (imageId) => call('locate', () => driver.locate(imageId)),
    stat: (location) => call('stat', () => driver.stat(location)),
    delete: (location) => call('delete', () => driver.delete(location)),
  };
  if (driver.sweep) observed.sweep = () => call('sweep', () => driver.sweep!());
  if (driver.close) observed.close = () => driver.close!();
  return observed;
}

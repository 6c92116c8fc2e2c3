/**
 * Names of in-progress writes, and the sweep that removes the ones a crash left behind.
 *
 * Naming scheme: an image is written to
 *   `<datadir>/.glance-partial.<pid>.<random>.<host>.<image_id>`
 * and hard-linked to `<datadir>/<image_id>` only once complete and fsynced. The leading dot
 * keeps it apart from Glance's own names (image ids never start with a dot, and `write()`
 * refuses ids that do); `pid` and `host` say which process owns it; `random` (12 hex digits)
 * keeps two writes of the same id apart; `host` is `os.hostname()` with anything outside
 * `[A-Za-z0-9-]` replaced by `_`, so the fields split on dots unambiguously.
 *
 * A leftover is removed by `sweepPartials` when its writer is certainly gone: it was written on
 * this host by a process that no longer exists, or nobody has written to it for `staleAfterMs`
 * (default one hour; a live upload writes far more often, and Glance closes a client idle for
 * `client_socket_timeout`, 900 s). Shared data dirs (NFS) therefore stay safe with several
 * nodes: another node's live upload is never swept.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../process-alive.js';

const PREFIX = '.glance-partial.';

/** Default idle time after which anyone's leftover is removed. */
export const DEFAULT_STALE_AFTER_MS = 60 * 60 * 1000;

/** This host's name as it appears in partial names. */
export function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9-]/g, '_') || 'localhost';
}

/** A fresh partial name for `imageId`, owned by this process. */
export function partialName(imageId: string): string {
  return `${PREFIX}${process.pid}.${randomBytes(6).toString('hex')}.${hostTag()}.${imageId}`;
}

/** The parts of a partial name, or null for any other file name. */
export function parsePartialName(name: string): { pid: number; host: string; imageId: string } | null {
  if (!name.startsWith(PREFIX)) return null;
  const fields = name.slice(PREFIX.length).split('.');
  if (fields.length < 4) return null;
  const [pid, rand, host, ...rest] = fields as [string, string, string, ...string[]];
  if (!/^\d+$/.test(pid) || !/^[0-9a-f]{12}$/.test(rand) || host === '') return null;
  const imageId = rest.join('.');
  return imageId === '' ? null : { pid: Number(pid), host, imageId };
}

/** Options of `sweepPartials`. */
export interface SweepOptions {
  /** Partial names of writes in progress in this process; never removed. */
  active: ReadonlySet<string>;
  staleAfterMs?: number;
  now?: number;
}

/**
 * Removes the leftovers of dead writes from `dir` (see the module comment); returns the image
 * id of each one removed.
 * A missing directory has none. Files that vanish meanwhile are ignored.
 */
export async function sweepPartials(dir: string, opts: SweepOptions): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const staleAfter = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const now = opts.now ?? Date.now();
  const me = hostTag();
  const removed: string[] = [];
  for (const name of names) {
    const parsed = parsePartialName(name);
    if (parsed === null || opts.active.has(name)) continue;
    const path = join(dir, name);
    try {
      const st = await lstat(path);
      if (!st.isFile()) continue;
      // Our own pid but not an active write: a failed clean-up, or a previous boot's process.
      const writerGone = parsed.host === me && (parsed.pid === process.pid || !processAlive(parsed.pid));
      const idle = now - st.mtimeMs > staleAfter;
      if (!writerGone && !idle) continue;
      await unlink(path);
      removed.push(parsed.imageId);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}

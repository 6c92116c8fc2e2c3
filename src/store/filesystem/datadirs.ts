/**
 * The data directories of a file store and the choice among them. With
 * `filesystem_store_datadirs` (lines `path[:priority]`, priority an integer, default 0) a write
 * goes to the highest priority that has a directory with room for the image; among directories of
 * that priority, the one with the most free space wins; as glance_store does.
 */
import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StoreError } from '../errors.js';

/** One data directory: absolute path and priority. */
export interface Datadir {
  path: string;
  priority: number;
}

/**
 * Parses `filesystem_store_datadirs` lines. Throws `bad_config` for an empty path, a priority
 * that is not an integer, or a directory listed twice with different priorities (listed twice
 * with the same priority, it is kept once).
 */
export function parseDatadirs(store: string, lines: readonly string[]): Datadir[] {
  const out: Datadir[] = [];
  for (const line of lines) {
    const i = line.lastIndexOf(':');
    const rawPath = (i === -1 ? line : line.slice(0, i)).trim();
    const rawPriority = i === -1 ? '' : line.slice(i + 1).trim();
    if (rawPath === '') throw new StoreError(store, 'bad_config', 'Invalid directory specified in filesystem configuration');
    if (rawPriority !== '' && !/^[+-]?\d+$/.test(rawPriority)) {
      throw new StoreError(store, 'bad_config', `Invalid priority value ${rawPriority} in filesystem configuration`);
    }
    const dir: Datadir = { path: resolve(rawPath), priority: rawPriority === '' ? 0 : Number(rawPriority) };
    const seen = out.find((d) => d.path === dir.path);
    if (seen && seen.priority !== dir.priority) {
      throw new StoreError(store, 'bad_config', `Directory ${dir.path} specified multiple times in filesystem_store_datadirs option of filesystem configuration`);
    }
    if (!seen) out.push(dir);
  }
  return out;
}

/** Free bytes available to this (unprivileged-quota) process in the filesystem holding `dir`. */
export async function freeSpace(dir: string): Promise<number> {
  const st = await statfs(dir);
  return Math.max(0, st.bavail * st.bsize);
}

/**
 * The directory for an image of `size` bytes (0: unknown) among `dirs`, or `storage_full` with
 * glance_store's message when none has room. A single directory is returned without a check:
 * the write itself finds out (ENOSPC), as in Glance.
 */
export async function chooseDatadir(store: string, dirs: readonly Datadir[], size: number, free = freeSpace): Promise<string> {
  if (dirs.length === 1) return dirs[0]!.path;
  const priorities = [...new Set(dirs.map((d) => d.priority))].sort((a, b) => b - a);
  for (const priority of priorities) {
    let best: string | null = null;
    let bestFree = 0;
    for (const d of dirs) {
      if (d.priority !== priority) continue;
      const available = await free(d.path);
      if (available >= size && available > bestFree) {
        best = d.path;
        bestFree = available;
      }
    }
    if (best !== null) return best;
  }
  throw new StoreError(store, 'storage_full', `There is no enough disk space left on the image storage media. requested=${size}`);
}

/**
 * Real small filesystems for the store tests: a tmpfs of a given size mounted on a directory
 * (needs root; otherwise the caller skips with the reason returned). Only mounts made here are
 * unmounted, by their own path.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A mounted tmpfs. */
export interface Tmpfs {
  path: string;
  /** Makes the filesystem read-only (EROFS on writes) while it stays mounted. */
  remountReadOnly(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeBytes` on `path` (created if needed). Returns the mount, or a string
 * saying why it cannot be done here (not root, mount refused).
 */
export async function mountTmpfs(path: string, sizeBytes: number, opts: { readOnly?: boolean } = {}): Promise<Tmpfs | string> {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  await mkdir(path, { recursive: true });
  const options = [`size=${sizeBytes}`, 'mode=0755', ...(opts.readOnly ? ['ro'] : [])].join(',');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path]);
  } catch (err) {
    return `mount -t tmpfs failed here: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`;
  }
  let mounted = true;
  return {
    path,
    remountReadOnly: async () => { await run('mount', ['-o', 'remount,ro', path]); },
    unmount: async () => {
      if (!mounted) return;
      mounted = false;
      await run('umount', [path]);
    },
  };
}

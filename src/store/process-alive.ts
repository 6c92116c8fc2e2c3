/**
 * Whether a process of this host is still running: how the filesystem and swift drivers tell a
 * dead writer's leftovers (sweep them) from a live one's (leave them).
 */

/** True when the process `pid` exists on this host (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

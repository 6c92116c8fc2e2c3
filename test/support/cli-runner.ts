import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Result of one client command. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** True when Debian's OpenStack clients are installed (scripts/install-peers.sh). */
export function clientsInstalled(): boolean {
  return existsSync('/usr/bin/glance') && existsSync('/usr/bin/openstack');
}

/**
 * Runs Debian's `/usr/bin/<cmd>` with a fresh, empty HOME (glanceclient caches the image schema
 * in $HOME and later calls break on it) and PATH starting at /usr/bin (a pyenv python3 earlier
 * in PATH lacks the OpenStack modules). Standard input is /dev/null.
 */
export function runCli(cmd: 'glance' | 'openstack', args: string[], env: Record<string, string> = {}): CliResult {
  const home = mkdtempSync(join(tmpdir(), 'glance-ts-home-'));
  try {
    const r = spawnSync(`/usr/bin/${cmd}`, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: home, LANG: 'C.UTF-8', ...env },
    });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Parses the `| Property | Value |` table glance and openstack print into a map. */
export function parseTable(out: string): Record<string, string> {
  const rows: Record<string, string> = {};
  let last = '';
  for (const line of out.split('\n')) {
    const m = /^\|\s*(.*?)\s*\|\s*(.*?)\s*\|$/.exec(line);
    if (!m) continue;
    const [, k, v] = m as unknown as [string, string, string];
    if (k === 'Property' || k === 'Field') continue;
    if (k === '' && last) rows[last] += v; // wrapped long value (os_hash_value)
    else {
      rows[k] = v;
      last = k;
    }
  }
  return rows;
}

import assert from 'node:assert/strict';
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

/** Options of runCli. */
export interface CliOptions {
  /**
   * `'null'` (the default): standard input is /dev/null. `'closed'`: descriptor 0 is closed.
   * glanceclient's `image-create` treats any readable non-terminal stdin, /dev/null included, as
   * image data and uploads it (zero bytes → an `active` empty image); it only skips the upload
   * when stdin is not a terminal *and* cannot be stat'ed, i.e. closed, as `<&-` does in a shell.
   */
  stdin?: 'null' | 'closed';
}

/**
 * Runs Debian's `/usr/bin/<cmd>` with a fresh, empty HOME (glanceclient caches the image schema
 * in $HOME and later calls break on it) and PATH starting at /usr/bin (a pyenv python3 earlier
 * in PATH lacks the OpenStack modules). Standard input is /dev/null, or closed with
 * `{ stdin: 'closed' }` (see CliOptions).
 */
export function runCli(
  cmd: 'glance' | 'openstack',
  args: string[],
  env: Record<string, string> = {},
  opts: CliOptions = {},
): CliResult {
  const home = mkdtempSync(join(tmpdir(), 'glance-ts-home-'));
  // A shell is the only way to start a child with descriptor 0 closed (Node always opens it).
  const [file, argv]: [string, string[]] = opts.stdin === 'closed'
    ? ['/bin/sh', ['-c', 'exec "$0" "$@" <&-', `/usr/bin/${cmd}`, ...args]]
    : [`/usr/bin/${cmd}`, args];
  try {
    const r = spawnSync(file, argv, {
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

/** The command's stdout; fails the test, showing its output and the server log's tail, unless it exited 0. */
export function cliOk(r: CliResult, serverLog: () => string): string {
  assert.equal(r.status, 0, `exit ${r.status}\nstderr: ${r.stderr}\nstdout: ${r.stdout}\nserver: ${serverLog().slice(-3000)}`);
  return r.stdout;
}

/** Fails the test unless the command failed and its stderr matches `message`. */
export function cliFails(r: CliResult, message: RegExp): void {
  assert.notEqual(r.status, 0, `expected a failure, got: ${r.stdout}`);
  assert.match(r.stderr, message);
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './repo-root.js';

/** A glance-api process started for a test, with its own data directory and config file. */
export interface ApiProcess {
  url: string;
  port: number;
  dir: string;
  configFile: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, wait for exit, remove the directory. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * Writes a glance-api.conf (SQLite in a temp dir, one filesystem store, the given extra INI
 * text appended), runs `glance-manage db_sync` with it as an operator would, starts
 * `bin/glance-api` and waits until `GET /versions` answers.
 */
export async function startApi(extraIni = '', opts: { workers?: number } = {}): Promise<ApiProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-'));
  const port = await freePort();
  const configFile = join(dir, 'glance-api.conf');
  writeFileSync(
    configFile,
    [
      '[DEFAULT]',
      'bind_host = 127.0.0.1',
      `bind_port = ${port}`,
      `workers = ${opts.workers ?? 1}`,
      'enabled_backends = fs:file',
      '[database]',
      `connection = sqlite:///${join(dir, 'glance.sqlite')}`,
      '[glance_store]',
      'default_backend = fs',
      '[fs]',
      `filesystem_store_datadir = ${join(dir, 'images')}`,
      '[os_glance_staging_store]',
      `filesystem_store_datadir = ${join(dir, 'staging')}`,
      '[os_glance_tasks_store]',
      `filesystem_store_datadir = ${join(dir, 'tasks')}`,
      extraIni,
      '',
    ].join('\n'),
  );
  const sync = spawnSync(process.execPath, [repoPath('bin', 'glance-manage'), '--config-file', configFile, 'db_sync'], {
    encoding: 'utf8',
  });
  if (sync.status !== 0) throw new Error(`db_sync failed: ${sync.stderr}${sync.stdout}`);

  return launchApi(dir, port, configFile);
}

/**
 * A second API node beside `a`: the same configuration (database, image stores) on its own port
 * and with its own staging and tasks areas, started from a directory of its own.
 */
export async function startPeerNode(a: ApiProcess): Promise<ApiProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-peer-'));
  const port = await freePort();
  const conf = readFileSync(a.configFile, 'utf8')
    .replace(`bind_port = ${a.port}`, `bind_port = ${port}`)
    .replace(join(a.dir, 'staging'), join(dir, 'staging'))
    .replace(join(a.dir, 'tasks'), join(dir, 'tasks'));
  writeFileSync(join(dir, 'glance-api.conf'), conf);
  return launchApi(dir, port, join(dir, 'glance-api.conf'));
}

/**
 * Starts `bin/glance-api` again on the configuration, port and directory of `api` (after it was
 * killed or stopped without removing its directory), as an operator restarting the service.
 */
export function relaunch(api: ApiProcess): Promise<ApiProcess> {
  return launchApi(api.dir, api.port, api.configFile);
}

/**
 * Starts `bin/glance-api` with `configFile` (which must bind 127.0.0.1:`port`), its working
 * directory and log in `dir`; waits until `GET /versions` answers. `stop()` removes `dir`.
 */
export async function launchApi(dir: string, port: number, configFile: string): Promise<ApiProcess> {
  // The server's stderr goes to a file, not a pipe: its logger writes synchronously, so a pipe
  // nobody drains (the test's event loop is blocked in runCli's spawnSync) fills up and stalls
  // every request of the server.
  const logFile = join(dir, 'glance-api.stderr');
  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [repoPath('bin', 'glance-api'), '--config-file', configFile], {
    cwd: dir,
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  let lastErr = '';
  const err = (): string => {
    try {
      lastErr = readFileSync(logFile, 'utf8');
    } catch {
      // removed by stop(): keep what was read last
    }
    return lastErr;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`glance-api exited ${child.exitCode}: ${err()}`);
    try {
      const res = await fetch(`${url}/versions`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`glance-api did not start: ${err()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    dir,
    configFile,
    child,
    stderr: err,
    stop: async () => {
      await signalAndWait(child, 'SIGTERM');
      err();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends `signal` to the API process (SIGKILL: a crash; SIGTERM: a shutdown) and waits until it has exited. */
export function killApi(api: ApiProcess, signal: NodeJS.Signals): Promise<void> {
  return signalAndWait(api.child, signal);
}

async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

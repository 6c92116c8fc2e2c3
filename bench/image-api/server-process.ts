/**
 * Runs the real `bin/glance-api` in a child process against the benchmark's database, exactly
 * as an operator would: a configuration file, one worker, a loopback port. Measuring through
 * its socket (rather than `inject`) includes Node's HTTP parser, fastify and the logger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

/** A started API server. */
export interface ServerProcess {
  origin: string;
  pid: number;
  /** Resident set size of the server process in MiB (Linux /proc), NaN elsewhere. */
  rssMiB(): number;
  /**
   * CPU time (user + system, all threads) the server process has used so far, in seconds, from
   * Linux /proc (10 ms resolution); NaN elsewhere. On a shared machine, requests per CPU-second
   * is what one core can serve, whatever else competes for the cores.
   */
  cpuSeconds(): number;
  /** SIGTERM, then waits for a graceful exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Working directory for the config and log files. */
  dir: string;
  dbPath: string;
  /** When set, the server runs with `--cpu-prof` writing its profile here. */
  cpuProfDir?: string;
}

const BIN = fileURLToPath(new URL('../../../bin/glance-api', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
// USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every Linux architecture Node runs on.
const CLOCK_TICKS = 100;

/** A TCP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(origin: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`glance-api exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await request(`${origin}/versions`);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`glance-api did not answer within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

/**
 * Writes `glance-api.conf` (1 worker, log file in `dir`, SQLite at `dbPath`, no auth) and starts
 * the server; resolves once `GET /versions` answers 200.
 */
export async function startServer(opts: StartServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const conf = join(opts.dir, 'glance-api.conf');
  writeFileSync(conf, [
    '[DEFAULT]',
    'bind_host = 127.0.0.1',
    `bind_port = ${port}`,
    'workers = 1',
    // Operators log to a file; every request still produces its access line there.
    `log_file = ${join(opts.dir, 'glance-api.log')}`,
    '[database]',
    `connection = sqlite:///${opts.dbPath}`,
    '',
  ].join('\n'));
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, '--config-file', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitReady(origin, child, () => err);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    origin,
    pid: child.pid!,
    rssMiB() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    cpuSeconds() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      } catch {
        return NaN;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

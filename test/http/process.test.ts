/**
 * The glance-api process: spawned from `bin/glance-api` in an empty temporary directory with a
 * configuration file, on a free port. Checks serving, graceful SIGTERM with a request in flight,
 * a worker cluster (including the replacement of a dead worker), raw-socket 501, and embedded
 * mode's preparation of ./data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { pino } from 'pino';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/glance-api');
const SLOW = join(ROOT, 'dist/test/http/fixtures/slow-api.js');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Running {
  child: ChildProcess;
  port: number;
  dir: string;
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  waitForLog(pred: (l: Record<string, unknown>) => boolean, count?: number, ms?: number): Promise<Array<Record<string, unknown>>>;
}

async function startApi(script: string, extra = ''): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-api-'));
  const port = await freePort();
  writeFileSync(join(dir, 'glance-api.conf'),
    `[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = ${port}\nworkers = 0\ngraceful_shutdown_timeout = 10\n${extra}\n` +
    `[database]\nconnection = sqlite:///${join(dir, 'glance.sqlite')}\n`);
  const child = spawn(process.execPath, [script, '--config-file', join(dir, 'glance-api.conf')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let buf = '';
  let stderrText = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { stderrText += `${line}\n`; }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const running: Running = {
    child, port, dir, logs, exited,
    waitForLog(pred, count = 1, ms = 15000) {
      return new Promise((res, rej) => {
        const check = (): void => {
          const hits = logs.filter(pred);
          if (hits.length >= count) { waiters.delete(check); clearTimeout(timer); res(hits); }
        };
        const timer = setTimeout(() => { waiters.delete(check); rej(new Error(`timed out waiting for log; stderr: ${stderrText}\n${JSON.stringify(logs.slice(-5))}`)); }, ms);
        waiters.add(check);
        check();
      });
    },
  };
  return running;
}

const listening = (l: Record<string, unknown>): boolean => typeof l.msg === 'string' && l.msg.startsWith('Server listening');

function stop(r: Running): void {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

test('bin/glance-api serves the versions document, answers 501 on a raw socket, exits 0 on SIGTERM', async () => {
  const api = await startApi(BIN);
  try {
    await api.waitForLog(listening);
    const res = await request(`http://127.0.0.1:${api.port}/`, { headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 300);
    assert.match(res.headers['x-openstack-request-id'] as string, /^req-/);
    const doc = (await res.body.json()) as { versions: Array<{ id: string; links: Array<{ href: string }> }> };
    assert.equal(doc.versions[0]!.id, 'v2.15');
    assert.equal(doc.versions[0]!.links[0]!.href, `http://127.0.0.1:${api.port}/v2/`);

    const raw = await new Promise<string>((res2, rej) => {
      const sock = connect(api.port, '127.0.0.1', () => sock.end('PROPFIND /v2/x HTTP/1.1\r\nHost: t\r\nAccept: text/plain\r\nConnection: close\r\n\r\n'));
      let data = '';
      sock.on('data', (d) => { data += d.toString(); });
      sock.on('end', () => res2(data));
      sock.on('error', rej);
    });
    assert.match(raw, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    assert.ok(raw.endsWith('501 Not Implemented\n\n The request method PROPFIND is not implemented for this server. \n\n '));

    api.child.kill('SIGTERM');
    assert.deepEqual(await api.exited, { code: 0, signal: null });
  } finally {
    stop(api);
  }
});

test('SIGTERM lets an in-flight request finish, refuses new connections, then exits 0', async () => {
  const api = await startApi(SLOW);
  try {
    await api.waitForLog(listening);
    const started = Date.now();
    const slow = request(`http://127.0.0.1:${api.port}/v2/test-slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    api.child.kill('SIGTERM');
    await api.waitForLog((l) => l.msg === 'shutting down: no new connections, finishing in-flight requests');
    // The listener closes right after this log line; a connection racing it may be reset instead.
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(request(`http://127.0.0.1:${api.port}/versions`), /ECONNREFUSED|ECONNRESET/);
    const res = await slow;
    assert.equal(res.statusCode, 200);
    assert.equal(((await res.body.json()) as { slept: number }).slept, 1500);
    assert.ok(Date.now() - started >= 1500);
    assert.deepEqual(await api.exited, { code: 0, signal: null });
  } finally {
    stop(api);
  }
});

test('workers = 2: both workers serve, a killed worker is replaced, SIGTERM stops them all', async () => {
  const api = await startApi(BIN, 'workers = 2');
  try {
    const ready = await api.waitForLog(listening, 2);
    const workerPids = new Set(ready.map((l) => l.pid as number));
    assert.equal(workerPids.size, 2);
    assert.ok(!workerPids.has(api.child.pid!));
    for (let i = 0; i < 8; i++) {
      const res = await request(`http://127.0.0.1:${api.port}/versions`, { reset: true });
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
    const served = await api.waitForLog((l) => l.msg === 'request completed', 8);
    assert.equal(new Set(served.map((l) => l.pid)).size, 2, 'requests spread over both workers');

    const [victim] = [...workerPids];
    process.kill(victim!, 'SIGKILL');
    await api.waitForLog((l) => l.msg === 'worker died; starting a replacement');
    const again = await api.waitForLog(listening, 3);
    assert.ok(!workerPids.has(again[2]!.pid as number));
    const res = await request(`http://127.0.0.1:${api.port}/`);
    assert.equal(res.statusCode, 300);
    await res.body.dump();

    api.child.kill('SIGTERM');
    assert.deepEqual(await api.exited, { code: 0, signal: null });
    await api.waitForLog((l) => l.msg === 'all workers stopped');
    for (const l of again) assert.throws(() => process.kill(l.pid as number, 0), /ESRCH/);
  } finally {
    stop(api);
  }
});

test('a bad configuration value exits 1 with the message on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-api-'));
  writeFileSync(join(dir, 'bad.conf'), '[DEFAULT]\nbind_port = nope\n');
  const child = spawn(process.execPath, [BIN, '--config-file', join(dir, 'bad.conf')], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 1);
  assert.match(err, /bind_port/);
});

test('--version and --help print and exit 0', async () => {
  for (const flag of ['--version', '--help']) {
    const child = spawn(process.execPath, [BIN, flag]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    assert.equal(await new Promise((r) => child.once('exit', r)), 0);
    assert.match(out, flag === '--version' ? /^\d+\.\d+\.\d+\n$/ : /Usage: glance-api/);
  }
});

test('embedded mode (no configuration file) creates ./data/images and the schema', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-embedded-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { loadConfig } = await import('../../src/config/load-config.js');
    const { buildApp } = await import('../../src/app.js');
    const config = loadConfig({ configFiles: [], configDirs: [] });
    const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
    assert.ok(existsSync(join(dir, 'data/images')));
    assert.ok(existsSync(join(dir, 'data/glance.sqlite')));
    const res = await app.server.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 300);
    await app.close();
  } finally {
    process.chdir(cwd);
  }
});

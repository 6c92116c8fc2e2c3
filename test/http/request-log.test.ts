/**
 * Request logging through the real process logger (`createLogger`, writing to a file): one
 * `request completed` line per request, with method, path, route, status, bytes, duration,
 * request id and identity; downloads cut short by the client are logged too; tokens and
 * passwords never reach the log, neither from requests nor from the start-up option dump.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { databaseSlice } from '../../src/config/slices.js';
import { openDatabase } from '../../src/db/database.js';
import { syncSchema } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logging/logger.js';
import { identityHeaders, PROJECTS } from '../api/api-harness.js';
import { startApi } from '../support/api-process.js';

type Line = Record<string, unknown>;

let dir: string;
let logFile: string;
let app: App;
let url: string;
let flush: () => void;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glance-reqlog-'));
  logFile = join(dir, 'glance-api.log');
  const conf = join(dir, 'glance-api.conf');
  await writeFile(conf, [
    '[DEFAULT]', 'enabled_backends = fs:file',
    '[database]', `connection = sqlite:///${join(dir, 'glance.sqlite')}`,
    '[glance_store]', 'default_backend = fs',
    '[fs]', `filesystem_store_datadir = ${join(dir, 'images')}`,
    '[os_glance_staging_store]', `filesystem_store_datadir = ${join(dir, 'staging')}`,
    '[os_glance_tasks_store]', `filesystem_store_datadir = ${join(dir, 'tasks')}`,
    '',
  ].join('\n'));
  const config = loadConfig({ configFiles: [conf], configDirs: [] });
  const database = await openDatabase(databaseSlice(config));
  try {
    await syncSchema(database);
  } finally {
    await database.close();
  }
  const log = createLogger({ debug: false, logFile });
  flush = log.flush;
  app = await buildApp(config, { logger: log.logger, prepare: false });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function logText(): Promise<string> {
  flush();
  return readFile(logFile, 'utf8').catch(() => '');
}

/** The `request completed` lines of `requestId`, waiting (the line follows the response) until one is there. */
async function completions(requestId: string, ms = 5000): Promise<Line[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = (await logText()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
    const hits = lines.filter((l) => l.msg === 'request completed' && l.request_id === requestId);
    if (hits.length > 0 || Date.now() > deadline) {
      // Anything logged twice would show up by now too.
      await new Promise((r) => setTimeout(r, 50));
      const again = (await logText()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
      return again.filter((l) => l.msg === 'request completed' && l.request_id === requestId);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const TOKENS = { 'x-auth-token': 'gAAAAAuserTokenSecret1', 'x-service-token': 'gAAAAAserviceTokenSecret2', 'x-subject-token': 'gAAAAAsubjectTokenSecret3' };

async function call(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; id: string; length: number; body: Buffer }> {
  const res = await fetch(`${url}${path}`, {
    method, body, headers: { accept: 'application/json', ...identityHeaders('demo'), ...TOKENS, ...headers },
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, id: res.headers.get('x-openstack-request-id')!, length: buf.length, body: buf };
}

test('each request is logged once at completion with its method, path, route, status, bytes, duration and identity', async () => {
  const createBody = JSON.stringify({ name: 'logged', disk_format: 'raw', container_format: 'bare' });
  const created = await call('POST', '/v2/images', createBody, { 'content-type': 'application/json' });
  assert.equal(created.status, 201);
  const imageId = (JSON.parse(created.body.toString()) as { id: string }).id;
  const [c, ...more] = await completions(created.id);
  assert.equal(more.length, 0, 'logged exactly once');
  assert.equal(c!.method, 'POST');
  assert.equal(c!.path, '/v2/images');
  assert.equal(c!.route, '/v2/images');
  assert.equal(c!.status, 201);
  assert.equal(c!.bytes_received, Buffer.byteLength(createBody));
  assert.equal(c!.bytes_sent, created.length);
  assert.equal(typeof c!.duration_ms, 'number');
  assert.equal(c!.user_id, 'demo-user');
  assert.equal(c!.project_id, PROJECTS.demo);
  assert.equal(c!.aborted, undefined);

  const data = Buffer.from('seven b');
  const up = await call('PUT', `/v2/images/${imageId}/file`, data, { 'content-type': 'application/octet-stream' });
  assert.equal(up.status, 204);
  const [u] = await completions(up.id);
  assert.equal(u!.route, '/v2/images/:id/file');
  assert.equal(u!.path, `/v2/images/${imageId}/file`);
  assert.equal(u!.bytes_received, 7);
  assert.equal(u!.bytes_sent, 0);

  const down = await call('GET', `/v2/images/${imageId}/file`);
  assert.equal(down.status, 200);
  const [d] = await completions(down.id);
  assert.equal(d!.bytes_sent, 7);
  assert.equal(d!.bytes_received, 0);

  const list = await call('GET', '/v2/images?limit=1&sort=name:asc');
  const [l] = await completions(list.id);
  assert.equal(l!.path, '/v2/images?limit=1&sort=name:asc', 'the query string is kept');
  assert.equal(l!.route, '/v2/images');

  const missing = await call('GET', '/v2/nowhere');
  assert.equal(missing.status, 404);
  const [m] = await completions(missing.id);
  assert.equal(m!.route, 'unmatched');
  assert.equal(m!.status, 404);

  const text = await logText();
  for (const secret of Object.values(TOKENS)) assert.ok(!text.includes(secret), `${secret} must not be logged`);
});

test('a download the client abandons is logged once, as aborted, with the bytes that went out', async () => {
  const created = await call('POST', '/v2/images', JSON.stringify({ name: 'big', disk_format: 'raw', container_format: 'bare' }), { 'content-type': 'application/json' });
  const imageId = (JSON.parse(created.body.toString()) as { id: string }).id;
  const size = 32 * 1024 * 1024;
  assert.equal((await call('PUT', `/v2/images/${imageId}/file`, Buffer.alloc(size, 7), { 'content-type': 'application/octet-stream' })).status, 204);
  const requestId = 'req-abandoned-download-0001';
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(`${url}/v2/images/${imageId}/file`, { headers: { ...identityHeaders('demo'), 'x-openstack-request-id': requestId } }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.once('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err); });
    req.end();
  });
  const lines = await completions(requestId);
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.aborted, true);
  assert.equal(line.status, 200);
  assert.equal(line.route, '/v2/images/:id/file');
  assert.ok((line.bytes_sent as number) > 0 && (line.bytes_sent as number) < size, `bytes_sent ${line.bytes_sent}`);
});

test('glance-api logs no secret: token headers, and the debug option dump with passwords and URL credentials', async () => {
  const secrets = ['TransportPw1x', 'KeystonePw2x', 'SlaveDbPw3x', 'MemcacheKey4x'];
  const api = await startApi([
    '[DEFAULT]', 'debug = true',
    '[oslo_messaging_notifications]', `transport_url = rabbit://glance:${secrets[0]}@127.0.0.1:5672/`,
    '[keystone_authtoken]', `password = ${secrets[1]}`, `memcache_secret_key = ${secrets[3]}`,
    '[database]', `slave_connection = mysql+pymysql://glance:${secrets[2]}@127.0.0.1/glance`,
  ].join('\n'));
  try {
    const res = await fetch(`${api.url}/v2/images`, { headers: { ...TOKENS, accept: 'application/json' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const id = res.headers.get('x-openstack-request-id')!;
    const deadline = Date.now() + 5000;
    while (!api.stderr().includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await api.stop();
  }
  const text = api.stderr();
  const lines = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
  const dump = lines.find((l) => l.msg === 'configuration options');
  assert.ok(dump, 'debug = true with log_options (default True) dumps the options');
  const options = dump.options as string[];
  assert.ok(options.includes('* keystone_authtoken.password = ****'), 'a secret set in the file is masked');
  assert.ok(lines.some((l) => l.msg === 'request completed' && l.route === '/v2/images'));
  for (const secret of [...secrets, ...Object.values(TOKENS)]) assert.ok(!text.includes(secret), `${secret} must not be logged`);
});

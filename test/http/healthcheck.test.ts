/**
 * `/healthcheck` as oslo.middleware answers it in Glance's pipeline: ref 003 byte for byte, the
 * Accept variants, HEAD, no token needed (keystone flavor), version negotiation bypassed, the
 * disable file, the detailed mode's database and store probes turning it to 503, and the
 * source-range / proxied-request filters that let a request through to the API instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { GLANCE_PASTE_HEALTHCHECK, healthcheckSlice } from '../../src/config/middleware-slice.js';
import { readRef } from './helpers.js';
import { startMiddlewareApp, UNREACHABLE_KEYSTONE } from './middleware-app.js';

type Detailed = { detailed: boolean; reasons: Array<{ class: string; details: string; reason: string }>; node_version: string; now: string };

test('defaults are those of glance-api-paste.ini: disable_by_file on /etc/glance/healthcheck_disable', () => {
  const cfg = healthcheckSlice(loadConfig({ configFiles: [], configDirs: [] }));
  assert.equal(cfg.path, '/healthcheck');
  assert.equal(cfg.detailed, false);
  assert.deepEqual(cfg.backends, ['disable_by_file']);
  assert.equal(cfg.disableByFilePath, GLANCE_PASTE_HEALTHCHECK.disableByFilePath);
});

test('GET /healthcheck answers ref 003 exactly, needs no token, and ignores version negotiation', async () => {
  const ref = readRef('003-healthcheck.txt');
  const h = await startMiddlewareApp(UNREACHABLE_KEYSTONE, { healthcheck: { disable_by_file_path: '/nonexistent/disable' } });
  try {
    const res = await h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, ref.status);
    assert.equal(res.headers['content-type'], ref.headers['content-type']);
    assert.equal(res.headers['content-length'], ref.headers['content-length']);
    assert.equal(res.body, ref.body);

    // The API behind it does want a token: Keystone is unreachable, so anything reaching auth fails.
    const api = await h.app.server.inject({ method: 'GET', url: '/v2/images', headers: { accept: 'application/json' } });
    assert.equal(api.statusCode, 401);

    const vendor = await h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/vnd.openstack.images-v2.3' } });
    assert.equal(vendor.statusCode, 200);
    assert.equal(vendor.body, 'OK');
    const prefixed = await h.app.server.inject({ method: 'GET', url: '/v2/healthcheck' });
    assert.notEqual(prefixed.body, 'OK', 'only the exact path is the healthcheck');
  } finally {
    await h.close();
  }
});

test('Accept picks text/plain (default), text/html or JSON; HEAD is 204 without a body', async () => {
  const h = await startMiddlewareApp({ healthcheck: { disable_by_file_path: '/nonexistent/disable' } });
  try {
    const get = (accept?: string) => h.app.server.inject({ method: 'GET', url: '/healthcheck?x=1', headers: accept === undefined ? {} : { accept } });
    for (const accept of [undefined, '*/*', 'text/*', 'image/png', 'not a media type']) {
      const res = await get(accept);
      assert.equal(res.statusCode, 200, String(accept));
      assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8', String(accept));
      assert.equal(res.body, 'OK', String(accept));
    }
    const html = await get('text/html');
    assert.equal(html.headers['content-type'], 'text/html; charset=UTF-8');
    // oslo.middleware's documented non-detailed page is 239 bytes.
    assert.equal(html.body.length, 239);
    assert.match(html.body, /<H2>Result of 1 checks:<\/H2>[\s\S]*<TD>OK<\/TD>/);
    const json = await get('text/html;q=0.5, application/json');
    assert.equal(json.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(json.body), { detailed: false, reasons: ['OK'] });

    const head = await h.app.server.inject({ method: 'HEAD', url: '/healthcheck' });
    assert.equal(head.statusCode, 204);
    assert.equal(head.body, '');
  } finally {
    await h.close();
  }
});

test('the disable file turns every answer to 503 "DISABLED BY FILE" while it exists', async () => {
  const flagDir = await mkdtemp(join(tmpdir(), 'glance-hc-flag-'));
  const flag = join(flagDir, 'healthcheck_disable');
  const h = await startMiddlewareApp({ healthcheck: { disable_by_file_path: flag } });
  try {
    await writeFile(flag, '');
    const text = await h.app.server.inject({ method: 'GET', url: '/healthcheck' });
    assert.equal(text.statusCode, 503);
    assert.equal(text.body, 'DISABLED BY FILE');
    const json = await h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 503);
    assert.equal(json.body, '{\n    "detailed": false,\n    "reasons": [\n        "DISABLED BY FILE"\n    ]\n}');
    const head = await h.app.server.inject({ method: 'HEAD', url: '/healthcheck' });
    assert.equal(head.statusCode, 503);
    await rm(flag);
    assert.equal((await h.app.server.inject({ method: 'GET', url: '/healthcheck' })).statusCode, 200);
  } finally {
    await h.close();
    await rm(flagDir, { recursive: true, force: true });
  }
});

test('detailed mode reports the disable file, the database and the store; a removed datadir makes it 503', async () => {
  const h = await startMiddlewareApp({ healthcheck: { detailed: 'True', disable_by_file_path: '/nonexistent/disable' } });
  try {
    const get = (accept: string) => h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { accept } });
    const ok = await get('application/json');
    assert.equal(ok.statusCode, 200);
    const body = JSON.parse(ok.body) as Detailed;
    assert.equal(body.detailed, true);
    assert.equal(body.node_version, process.version);
    assert.match(body.now, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.deepEqual(body.reasons.map((r) => [r.class, r.reason]), [
      ['HealthcheckResult', 'OK'], ['HealthcheckResult', 'OK'], ['HealthcheckResult', 'OK'],
    ]);
    assert.equal(body.reasons[0]!.details, "Path '/nonexistent/disable' was not found");
    assert.equal(body.reasons[1]!.details, 'database: sqlite answered SELECT 1');
    assert.match(body.reasons[2]!.details, /^store fs: data directories readable and writable/);
    // Keys sorted as Python's sort_keys does.
    assert.deepEqual(Object.keys(body), [...Object.keys(body)].sort());

    await rm(h.imagesDir, { recursive: true, force: true });
    const bad = await get('application/json');
    assert.equal(bad.statusCode, 503);
    const failed = (JSON.parse(bad.body) as Detailed).reasons[2]!;
    assert.equal(failed.reason, 'STORE UNAVAILABLE');
    assert.match(failed.details, new RegExp(`^store fs: data directory ${h.imagesDir}: ENOENT`));
    const text = await get('text/plain');
    assert.equal(text.body, 'OK\nOK\nSTORE UNAVAILABLE');
    const html = await get('text/html');
    assert.equal(html.statusCode, 503);
    assert.match(html.body, /<TH>\nKind\n<\/TH>/);
    assert.match(html.body, /<TD>HealthcheckResult<\/TD>\n {4}<TD>STORE UNAVAILABLE<\/TD>\n<TD>store fs: data directory /);
  } finally {
    await h.close();
  }
});

test('detailed mode: a database that does not answer makes it 503 "DATABASE UNAVAILABLE"', async () => {
  const h = await startMiddlewareApp({ healthcheck: { detailed: 'True', backends: '' } });
  try {
    await h.app.database.close();
    const res = await h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 503);
    const reasons = (JSON.parse(res.body) as Detailed).reasons;
    assert.deepEqual(reasons.map((r) => r.reason), ['DATABASE UNAVAILABLE', 'OK']);
    assert.match(reasons[0]!.details, /^database: ./);
  } finally {
    await h.close();
  }
});

test('not detailed, the probes are not run: a missing datadir does not fail the plain check', async () => {
  const h = await startMiddlewareApp({ healthcheck: { disable_by_file_path: '/nonexistent/disable' } });
  try {
    await rm(h.imagesDir, { recursive: true, force: true });
    const res = await h.app.server.inject({ method: 'GET', url: '/healthcheck' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'OK');
  } finally {
    await h.close();
  }
});

test('allowed_source_ranges and ignore_proxied_requests send other requests on to the API (versions document)', async () => {
  const h = await startMiddlewareApp({
    healthcheck: { allowed_source_ranges: '10.0.0.0/8,fd00::/8', ignore_proxied_requests: 'True', disable_by_file_path: '/nonexistent/disable' },
  });
  try {
    const from = (remoteAddress: string, headers: Record<string, string> = {}) =>
      h.app.server.inject({ method: 'GET', url: '/healthcheck', remoteAddress, headers });
    assert.equal((await from('10.1.2.3')).body, 'OK');
    assert.equal((await from('::ffff:10.1.2.3')).body, 'OK');
    assert.equal((await from('fd00::5')).body, 'OK');
    const outside = await from('192.0.2.7');
    assert.equal(outside.statusCode, 300);
    assert.match(outside.body, /"versions"/);
    const proxied = await from('10.1.2.3', { 'x-forwarded-for': '198.51.100.1' });
    assert.equal(proxied.statusCode, 300);
  } finally {
    await h.close();
  }
});

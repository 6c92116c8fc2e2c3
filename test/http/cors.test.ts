/**
 * The `[cors]` filter as oslo.middleware applies it in front of Glance (with Glance's defaults
 * from `set_defaults`): preflights answered 200 before authentication, headers only for an
 * allowed origin, method and header set; actual requests (errors included) decorated with
 * Allow-Origin, Allow-Credentials, Expose-Headers and `Vary: Origin`; nothing when no origin is
 * configured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startMiddlewareApp, UNREACHABLE_KEYSTONE } from './middleware-app.js';

const HORIZON = 'https://horizon.example.com';
const GLANCE_EXPOSE = 'X-Image-Meta-Checksum,X-Auth-Token,X-Subject-Token,X-Service-Token,X-OpenStack-Request-ID';

function corsHeaders(res: LightMyRequestResponse): Record<string, unknown> {
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith('access-control-') || k === 'vary'));
}

function preflight(origin: string, method: string, headers?: string) {
  return {
    method: 'OPTIONS' as const,
    url: '/v2/images',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
    },
  };
}

test('preflight from an allowed origin: 200, empty, the CORS answer, no token needed', async () => {
  const h = await startMiddlewareApp(UNREACHABLE_KEYSTONE, { cors: { allowed_origin: `${HORIZON},https://other.example.com` } });
  try {
    const res = await h.app.server.inject(preflight(HORIZON, 'PATCH', 'x-auth-token, Content-Type,X-OpenStack-Request-ID'));
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['content-type'], undefined);
    assert.deepEqual(corsHeaders(res), {
      vary: 'Origin',
      'access-control-allow-origin': HORIZON,
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
      'access-control-allow-methods': 'PATCH',
      'access-control-allow-headers': 'x-auth-token,Content-Type,X-OpenStack-Request-ID',
    });
    // Without Access-Control-Request-Headers there is no Allow-Headers.
    const bare = await h.app.server.inject(preflight(HORIZON, 'GET'));
    assert.equal(bare.headers['access-control-allow-methods'], 'GET');
    assert.equal(bare.headers['access-control-allow-headers'], undefined);
  } finally {
    await h.close();
  }
});

test('preflight refused (origin, method or header not allowed, no method): still 200, no CORS header', async () => {
  const h = await startMiddlewareApp({ cors: { allowed_origin: HORIZON } });
  try {
    const cases = [
      preflight('https://evil.example.com', 'GET'),
      preflight(HORIZON, 'HEAD'),
      preflight(HORIZON, 'get'),
      preflight(HORIZON, 'GET', 'X-Auth-Token,X-Not-Allowed'),
      { method: 'OPTIONS' as const, url: '/v2/images', headers: { origin: HORIZON } },
      { method: 'OPTIONS' as const, url: '/v2/images' },
    ];
    for (const c of cases) {
      const res = await h.app.server.inject(c);
      assert.equal(res.statusCode, 200, JSON.stringify(c.headers));
      assert.deepEqual(corsHeaders(res), {}, JSON.stringify(c.headers));
    }
  } finally {
    await h.close();
  }
});

test('actual requests from an allowed origin get Allow-Origin, -Credentials, -Expose-Headers and Vary, errors too', async () => {
  const h = await startMiddlewareApp(UNREACHABLE_KEYSTONE, { cors: { allowed_origin: HORIZON } });
  try {
    const want = {
      vary: 'Origin',
      'access-control-allow-origin': HORIZON,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': GLANCE_EXPOSE,
    };
    const versions = await h.app.server.inject({ method: 'GET', url: '/versions', headers: { origin: HORIZON } });
    assert.equal(versions.statusCode, 200);
    assert.deepEqual(corsHeaders(versions), want);
    const denied = await h.app.server.inject({ method: 'GET', url: '/v2/images', headers: { origin: HORIZON } });
    assert.equal(denied.statusCode, 401);
    assert.deepEqual(corsHeaders(denied), want);
    const health = await h.app.server.inject({ method: 'GET', url: '/healthcheck', headers: { origin: HORIZON } });
    assert.deepEqual(corsHeaders(health), want);

    const other = await h.app.server.inject({ method: 'GET', url: '/versions', headers: { origin: 'https://evil.example.com' } });
    assert.deepEqual(corsHeaders(other), {});
    const noOrigin = await h.app.server.inject({ method: 'GET', url: '/versions' });
    assert.deepEqual(corsHeaders(noOrigin), {});
  } finally {
    await h.close();
  }
});

test('a wildcard origin answers *, allow_credentials False and expose_headers empty drop their headers', async () => {
  const h = await startMiddlewareApp({ cors: { allowed_origin: '*', allow_credentials: 'False', expose_headers: '', max_age: '0' } });
  try {
    const res = await h.app.server.inject({ method: 'GET', url: '/versions', headers: { origin: 'https://anyone.example.org' } });
    assert.deepEqual(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': '*' });
    const pre = await h.app.server.inject(preflight('https://anyone.example.org', 'DELETE'));
    assert.deepEqual(corsHeaders(pre), { vary: 'Origin', 'access-control-allow-origin': '*', 'access-control-allow-methods': 'DELETE' });
  } finally {
    await h.close();
  }
});

test('off by default: no CORS header anywhere; OPTIONS is still an empty 200, as behind Glance', async () => {
  const h = await startMiddlewareApp();
  try {
    const res = await h.app.server.inject({ method: 'GET', url: '/versions', headers: { origin: HORIZON } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(corsHeaders(res), {});
    const pre = await h.app.server.inject(preflight(HORIZON, 'GET'));
    assert.equal(pre.statusCode, 200);
    assert.equal(pre.body, '');
    assert.deepEqual(corsHeaders(pre), {});
  } finally {
    await h.close();
  }
});

test('OPTIONS on the healthcheck keeps its answer (with preflight headers), unless it failed', async () => {
  const h = await startMiddlewareApp({ cors: { allowed_origin: HORIZON }, healthcheck: { disable_by_file_path: '/nonexistent/disable' } });
  try {
    const res = await h.app.server.inject({ ...preflight(HORIZON, 'GET'), url: '/healthcheck' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'OK');
    assert.equal(res.headers['access-control-allow-methods'], 'GET');
  } finally {
    await h.close();
  }
  const down = await startMiddlewareApp({ healthcheck: { disable_by_file_path: '/' } });
  try {
    const res = await down.app.server.inject({ method: 'OPTIONS', url: '/healthcheck' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-type'], undefined);
  } finally {
    await down.close();
  }
});

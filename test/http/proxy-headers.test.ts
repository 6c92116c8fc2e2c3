/**
 * `http_proxy_to_wsgi`: with `[oslo_middleware] enable_proxy_headers_parsing` the versions links
 * and the `Location` of a created image follow `Forwarded` / `X-Forwarded-Proto` /
 * `X-Forwarded-Host`; without it (the default) those headers change nothing; `public_endpoint`
 * wins either way; unusable values are ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseForwarded } from '../../src/http/plugins/proxy-headers.js';
import { startMiddlewareApp, type MiddlewareApp } from './middleware-app.js';

const HOST = '10.0.0.5:9292';
const X_FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'images.example.com' };

async function versionsHref(h: MiddlewareApp, headers: Record<string, string>): Promise<string> {
  const res = await h.app.server.inject({ method: 'GET', url: '/versions', headers: { host: HOST, ...headers } });
  assert.equal(res.statusCode, 200);
  const hrefs = new Set((JSON.parse(res.body) as { versions: Array<{ links: Array<{ href: string }> }> }).versions.map((v) => v.links[0]!.href));
  assert.equal(hrefs.size, 1);
  return [...hrefs][0]!;
}

async function createdLocation(h: MiddlewareApp, headers: Record<string, string>): Promise<string> {
  const res = await h.app.server.inject({
    method: 'POST',
    url: '/v2/images',
    headers: { host: HOST, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ name: 'p', disk_format: 'raw', container_format: 'bare' }),
  });
  assert.equal(res.statusCode, 201);
  const id = (JSON.parse(res.body) as { id: string }).id;
  const location = String(res.headers.location);
  assert.ok(location.endsWith(`/v2/images/${id}`), location);
  return location.slice(0, -`/v2/images/${id}`.length);
}

test('parseForwarded reads the first element, case-insensitive names, quoted values', () => {
  assert.deepEqual(parseForwarded('For=192.0.2.60;Proto=https;host="api.example.org:8443", for=198.51.100.17;proto=http'),
    { for: '192.0.2.60', proto: 'https', host: 'api.example.org:8443' });
  assert.deepEqual(parseForwarded('for="[2001:db8::1]:4711";host="a,b"'), { for: '[2001:db8::1]:4711', host: 'a,b' });
  assert.deepEqual(parseForwarded(''), {});
});

test('disabled (the default): proxy headers change neither the versions links nor Location', async () => {
  const h = await startMiddlewareApp();
  try {
    assert.equal(await versionsHref(h, X_FORWARDED), `http://${HOST}/v2/`);
    assert.equal(await versionsHref(h, { forwarded: 'proto=https;host=images.example.com' }), `http://${HOST}/v2/`);
    assert.equal(await createdLocation(h, X_FORWARDED), `http://${HOST}`);
  } finally {
    await h.close();
  }
});

test('enabled: X-Forwarded-Proto/-Host, or Forwarded (which wins), build the links and Location', async () => {
  const h = await startMiddlewareApp({ oslo_middleware: { enable_proxy_headers_parsing: 'True' } });
  try {
    assert.equal(await versionsHref(h, X_FORWARDED), 'https://images.example.com/v2/');
    assert.equal(await createdLocation(h, X_FORWARDED), 'https://images.example.com');
    // Several proxies: the first entry faces the client.
    assert.equal(await versionsHref(h, { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'edge.example.com, inner' }), 'https://edge.example.com/v2/');
    // Only one of the two: the other part comes from the request itself.
    assert.equal(await versionsHref(h, { 'x-forwarded-proto': 'https' }), `https://${HOST}/v2/`);
    assert.equal(await versionsHref(h, { 'x-forwarded-host': 'edge.example.com' }), 'http://edge.example.com/v2/');

    const forwarded = { forwarded: 'for=192.0.2.60;proto=https;host="api.example.org:8443", proto=http;host=inner', ...X_FORWARDED };
    assert.equal(await versionsHref(h, forwarded), 'https://api.example.org:8443/v2/');
    assert.equal(await createdLocation(h, forwarded), 'https://api.example.org:8443');
    // A Forwarded header without proto/host leaves the request's own, X-Forwarded-* ignored.
    assert.equal(await versionsHref(h, { forwarded: 'for=192.0.2.60', ...X_FORWARDED }), `http://${HOST}/v2/`);
  } finally {
    await h.close();
  }
});

test('enabled: values that are not a scheme or host[:port] are ignored', async () => {
  const h = await startMiddlewareApp({ oslo_middleware: { enable_proxy_headers_parsing: 'True' } });
  try {
    const cases: Array<Record<string, string>> = [
      { 'x-forwarded-host': 'evil.example.com/phish' },
      { 'x-forwarded-host': 'user@evil.example.com' },
      { 'x-forwarded-host': 'evil.example.com:port' },
      { 'x-forwarded-proto': 'javascript:alert(1)' },
      { forwarded: 'host="evil.example.com/x"' },
    ];
    for (const bad of cases) {
      assert.equal(await versionsHref(h, bad), `http://${HOST}/v2/`, JSON.stringify(bad));
    }
  } finally {
    await h.close();
  }
});

test('public_endpoint wins over proxy headers', async () => {
  const h = await startMiddlewareApp({
    DEFAULT: { public_endpoint: 'https://glance.example.net' },
    oslo_middleware: { enable_proxy_headers_parsing: 'True' },
  });
  try {
    assert.equal(await versionsHref(h, X_FORWARDED), 'https://glance.example.net/v2/');
    assert.equal(await createdLocation(h, X_FORWARDED), 'https://glance.example.net');
  } finally {
    await h.close();
  }
});

/**
 * Error bodies: byte-compared with the recorded Glance exchanges (306–309, 043, 310) and with
 * WebOb 1.8 output for the other statuses, for every Accept flavour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest, Conflict, Forbidden, GlanceError, NotFound, TooLarge, UnsupportedMediaType } from '../../src/domain/errors.js';
import { renderError, RequestIdTooLong, toGlanceError } from '../../src/http/errors.js';
import { errorFormatFor } from '../../src/http/accept.js';
import { readRef, testServer } from './helpers.js';

const IMAGE_ID = '2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec';

async function showServer() {
  return testServer({
    routes: [(app) => {
      app.get('/v2/images/:id', async (req) => { throw new NotFound(`No image found with ID ${(req.params as { id: string }).id}`); });
      app.post('/v2/images', async (req) => ({ got: req.body ?? null }));
      app.put('/v2/images/:id/file', async (req, reply) => {
        // An upload route must find the body unread on request.raw.
        let bytes = 0;
        for await (const chunk of req.raw) bytes += (chunk as Buffer).length;
        return reply.code(200).send({ bytes, parsed: req.body === undefined });
      });
      app.delete('/v2/images/:id', async (_req, reply) => reply.code(204).send());
      app.get('/v2/boom', async () => { throw new Error('secret database password in /etc/x'); });
    }],
  });
}

for (const name of ['306-show-404-accept-html.txt', '307-show-404-accept-any.txt', '308-show-404-accept-text.txt', '309-show-404-no-accept.txt', '300-show-404.txt']) {
  test(`404 body is byte-identical to ref ${name}`, async () => {
    const ref = readRef(name);
    const app = await showServer();
    const res = await app.inject({ method: 'GET', url: ref.path, headers: { accept: ref.requestHeaders.accept ?? '' } });
    assert.equal(res.statusCode, ref.status);
    assert.equal(res.headers['content-type'], ref.headers['content-type']);
    assert.equal(res.body, ref.body);
    assert.equal(res.headers['content-length'], ref.headers['content-length']);
    await app.close();
  });
}

test('no Accept header at all gives the plain-text body of ref 309', async () => {
  const app = await showServer();
  const res = await app.inject({ method: 'GET', url: `/v2/images/${IMAGE_ID}` });
  assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(res.body, readRef('309-show-404-no-accept.txt').body);
  await app.close();
});

test('unknown path under /v2 is the stock 404 of ref 043', async () => {
  const ref = readRef('043-unknown-path-404.txt');
  const app = await showServer();
  const res = await app.inject({ method: 'GET', url: ref.path, headers: { accept: 'application/json' } });
  assert.equal(res.statusCode, 404);
  assert.equal(res.body, ref.body);
  await app.close();
});

test('malformed JSON body is the 400 of ref 310, and an empty body reaches the route', async () => {
  const ref = readRef('310-create-bad-json-400.txt');
  const app = await showServer();
  const bad = await app.inject({ method: 'POST', url: '/v2/images', headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: '{"name": ' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body, ref.body);
  // Glance parses any content type as JSON (ref 321: text/plain "hello" is malformed JSON too).
  const plain = await app.inject({ method: 'POST', url: '/v2/images', headers: { accept: 'application/json', 'content-type': 'text/plain' }, payload: 'hello' });
  assert.equal(plain.body, readRef('321-create-bad-content-type-400.txt').body);
  const empty = await app.inject({ method: 'POST', url: '/v2/images', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.statusCode, 200);
  assert.equal(empty.body, '{"got": null}');
  assert.equal(empty.headers['content-type'], 'application/json');
  await app.close();
});

test('a body over the limit is 413 with WebOb stock text', async () => {
  const app = await testServer({ bodyLimit: 100, routes: [(a) => { a.post('/v2/images', async () => ({})); }] });
  const res = await app.inject({ method: 'POST', url: '/v2/images', headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: `{"name": "${'x'.repeat(200)}"}` });
  assert.equal(res.statusCode, 413);
  assert.equal(res.body, '{"message": "The body of your request was too large for this server.<br /><br />\\n\\n\\n", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}');
  await app.close();
});

test('application/octet-stream bodies are not buffered: the route streams request.raw', async () => {
  const app = await showServer();
  const payload = Buffer.alloc(20 * 1024 * 1024, 7); // larger than the JSON body limit
  const res = await app.inject({ method: 'PUT', url: `/v2/images/${IMAGE_ID}/file`, headers: { 'content-type': 'application/octet-stream' }, payload });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(JSON.parse(res.body), { bytes: payload.length, parsed: true });
  await app.close();
});

test('unhandled exceptions are a stock 500 that leaks nothing', async () => {
  const app = await showServer();
  for (const [accept, type] of [['application/json', 'application/json'], ['', 'text/plain; charset=UTF-8']] as const) {
    const res = await app.inject({ method: 'GET', url: '/v2.1/boom', headers: { accept } });
    assert.equal(res.statusCode, 500);
    assert.equal(res.headers['content-type'], type);
    assert.doesNotMatch(res.body, /secret|password|\/etc/);
    assert.match(res.body, /The server has either erred or is incapable of performing the requested operation\./);
  }
  assert.equal(toGlanceError(new TypeError('x')).unexpected, true);
  await app.close();
});

test('204 responses carry no Content-Type', async () => {
  const app = await showServer();
  const res = await app.inject({ method: 'DELETE', url: `/v2/images/${IMAGE_ID}` });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['content-type'], undefined);
  assert.equal(res.body, '');
  await app.close();
});

test('405 on a known path lists Allow; 404 on unknown paths; 501 for other methods', async () => {
  const app = await showServer();
  const r405 = await app.inject({ method: 'PATCH', url: '/v2/images', headers: { accept: 'application/json' } });
  assert.equal(r405.statusCode, 405);
  assert.equal(r405.headers.allow, 'POST');
  assert.equal(r405.body, '{"message": "The method PATCH is not allowed for this resource. <br /><br />\\n", "code": "405 Method Not Allowed", "title": "Method Not Allowed"}');
  const methods = await app.inject({ method: 'POST', url: `/v2/images/${IMAGE_ID}`, headers: { accept: 'text/plain' } });
  assert.equal(methods.statusCode, 405);
  assert.equal(methods.headers.allow, 'GET, DELETE');
  assert.equal(methods.body, '405 Method Not Allowed\n\nThe method POST is not allowed for this resource. \n\n ');
  // HEAD is not derived from GET, as in Glance's router.
  assert.equal((await app.inject({ method: 'HEAD', url: `/v2/images/${IMAGE_ID}` })).statusCode, 405);
  const r404 = await app.inject({ method: 'DELETE', url: '/v2/nothing/here' });
  assert.equal(r404.statusCode, 404);
  // A body sent to an unknown path is not parsed: 404, not 400.
  const r404body = await app.inject({ method: 'POST', url: '/v2/nothing', headers: { 'content-type': 'application/json' }, payload: '{bad' });
  assert.equal(r404body.statusCode, 404);
  const r501 = await app.inject({ method: 'PROPFIND' as 'GET', url: '/v2/nothing', headers: { accept: 'application/json' } });
  assert.equal(r501.statusCode, 501);
  assert.equal(r501.body, '{"message": "\\nThe request method PROPFIND is not implemented for this server. <br /><br />\\n", "code": "501 Not Implemented", "title": "Not Implemented"}');
  await app.close();
});

// Expected bodies produced by WebOb 1.8.6 (Debian 12) for the same exceptions.
const info = { method: 'GET', contentType: 'application/json' };
const webob: Array<[GlanceError, string, string, string]> = [
  [new BadRequest(),
    '{"message": "The server could not comply with the request since it is either malformed or otherwise incorrect.<br /><br />\\n\\n\\n", "code": "400 Bad Request", "title": "Bad Request"}',
    '<html>\n <head>\n  <title>400 Bad Request</title>\n </head>\n <body>\n  <h1>400 Bad Request</h1>\n  The server could not comply with the request since it is either malformed or otherwise incorrect.<br /><br />\n\n\n\n </body>\n</html>',
    '400 Bad Request\n\nThe server could not comply with the request since it is either malformed or otherwise incorrect.\n\n   '],
  [new Forbidden('Attribute \'status\' is <read-only> & "x" é'),
    '{"message": "Attribute \'status\' is <read-only> & \\"x\\" \\u00e9<br /><br />\\n\\n\\n", "code": "403 Forbidden", "title": "Forbidden"}',
    '<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n  Attribute &#x27;status&#x27; is &lt;read-only&gt; &amp; &quot;x&quot; &#233;<br /><br />\n\n\n\n </body>\n</html>',
    '403 Forbidden\n\nAttribute \'status\' is  & "x" é\n\n   '],
  [new Conflict(),
    '{"message": "There was a conflict when trying to complete your request.<br /><br />\\n\\n\\n", "code": "409 Conflict", "title": "Conflict"}',
    '<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  There was a conflict when trying to complete your request.<br /><br />\n\n\n\n </body>\n</html>',
    '409 Conflict\n\nThere was a conflict when trying to complete your request.\n\n   '],
  [new TooLarge(),
    '{"message": "The body of your request was too large for this server.<br /><br />\\n\\n\\n", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}',
    '<html>\n <head>\n  <title>413 Request Entity Too Large</title>\n </head>\n <body>\n  <h1>413 Request Entity Too Large</h1>\n  The body of your request was too large for this server.<br /><br />\n\n\n\n </body>\n</html>',
    '413 Request Entity Too Large\n\nThe body of your request was too large for this server.\n\n   '],
  [new UnsupportedMediaType('', { headers: { 'Accept-Patch': 'application/openstack-images-v2.1-json-patch' } }),
    '{"message": "The request media type application/json is not supported by this server.\\n<br /><br />\\n", "code": "415 Unsupported Media Type", "title": "Unsupported Media Type"}',
    '<html>\n <head>\n  <title>415 Unsupported Media Type</title>\n </head>\n <body>\n  <h1>415 Unsupported Media Type</h1>\n  The request media type application/json is not supported by this server.\n<br /><br />\n\n </body>\n</html>',
    '415 Unsupported Media Type\n\nThe request media type application/json is not supported by this server. \n\n '],
];

test('400/403/409/413/415 bodies match WebOb in JSON, HTML and plain text', () => {
  for (const [err, json, html, plain] of webob) {
    const j = renderError(err, { ...info, accept: 'application/json' });
    assert.equal(j.body, json);
    assert.equal(j.contentType, 'application/json');
    const h = renderError(err, { ...info, accept: 'text/html' });
    assert.equal(h.body, html);
    assert.equal(h.contentType, 'text/html; charset=UTF-8');
    const p = renderError(err, { ...info, accept: undefined });
    assert.equal(p.body, plain);
    assert.equal(p.contentType, 'text/plain; charset=UTF-8');
  }
  assert.deepEqual(renderError(webob[4]![0], { ...info, accept: '' }).headers, { 'Accept-Patch': 'application/openstack-images-v2.1-json-patch' });
});

test('415 names the request media type, like ref 105; forcePlain does not change the format (ref 356)', async () => {
  const ref = readRef('105-image-patch-wrong-content-type-415.txt');
  const app = await testServer({ routes: [(a) => { a.patch('/v2/images/:id', async () => { throw new UnsupportedMediaType('', { headers: { 'Accept-Patch': ref.headers['accept-patch']! } }); }); }] });
  const res = await app.inject({ method: 'PATCH', url: ref.path, headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: '[]' });
  assert.equal(res.statusCode, 415);
  assert.equal(res.body, ref.body);
  assert.equal(res.headers['accept-patch'], ref.headers['accept-patch']);
  await app.close();
  const forced = renderError(new TooLarge('quota', { forcePlain: true }), { ...info, accept: 'application/json' });
  assert.equal(forced.contentType, 'application/json');
});

test('431 renders WebOb\'s header-fields-too-large body with the reason as a comment', () => {
  const r = renderError(new RequestIdTooLong(64), { ...info, accept: 'application/json' });
  assert.equal(r.status, 431);
  assert.equal(r.body, '{"message": "The request header fields were too large<br /><br />\\n\\n<!-- x-openstack-request-id is too long, max size 64 -->\\n", "code": "431 Request Header Fields Too Large", "title": "Request Header Fields Too Large"}');
  assert.equal(renderError(new RequestIdTooLong(64), { ...info, accept: '' }).body,
    '431 Request Header Fields Too Large\n\nThe request header fields were too large\n\n   x-openstack-request-id is too long, max size 64  ');
});

test('Accept negotiation follows WebOb: HTML wins ties, JSON only when preferred', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'plain'], ['', 'plain'], ['text/html', 'html'], ['*/*', 'html'], ['application/json', 'json'],
    ['text/plain', 'plain'], ['application/json, text/html', 'html'], ['text/html;q=0.5, application/json', 'json'],
    ['application/*', 'json'], ['text/*', 'html'], ['application/json;q=0.9, */*;q=0.9', 'html'],
    ['application/json, */*;q=0.1', 'json'], ['text/html;q=0, */*', 'json'], ['garbage', 'html'],
    ['application/json;q=2', 'html'], ['image/png', 'plain'], ['TEXT/HTML', 'html'],
    ['application/json, ,text/plain', 'json'], ['*/json', 'plain'], ['application/json;charset=utf-8', 'plain'],
    ['application/json; q=0.5, text/plain', 'json'],
  ];
  for (const [accept, want] of cases) assert.equal(errorFormatFor(accept), want, `Accept: ${accept}`);
});

test('a header block larger than max_header_line is refused with a plain 431 on the socket', async () => {
  const { connect } = await import('node:net');
  const app = await testServer({ server: { maxHeaderLine: 4096 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const raw = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(`GET /versions HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => { data += d.toString(); });
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.ok(raw.endsWith('431 Request Header Fields Too Large\n\nThe request header fields were too large\n\n   '));
  await app.close();
});

test('the status line carries WebOb reason phrases', async () => {
  const app = await testServer({
    routes: [(a) => {
      a.get('/v2/x413', async () => { throw new TooLarge(); });
      a.get('/v2/x416', async () => { throw new GlanceError('range_not_satisfiable'); });
    }],
  });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    for (const [path, phrase] of [['/v2/x413', 'Request Entity Too Large'], ['/v2/x416', 'Request Range Not Satisfiable']] as const) {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        import('node:http').then(({ get }) => get(`${url}${path}`, resolve).on('error', reject), reject);
      });
      res.resume();
      assert.equal(res.statusMessage, phrase);
    }
  } finally {
    await app.close();
  }
});

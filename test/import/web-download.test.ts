import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GlanceError, Gone } from '../../src/domain/errors.js';
import type { ImportFilteringConfig } from '../../src/config/slices.js';
import { openWebDownload, type WebDownloadOptions } from '../../src/import/web-download-source.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 whose behaviour each test sets; records request Host headers. */
async function serve(handler: Handler): Promise<{ port: number; hosts: string[]; server: Server }> {
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    handler(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, hosts, server };
}
const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const filtering = (...ports: number[]): ImportFilteringConfig => ({
  allowedSchemes: ['http', 'https'],
  disallowedSchemes: [],
  allowedHosts: ['127.0.0.1'],
  disallowedHosts: [],
  allowedPorts: ports,
  disallowedPorts: [],
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(stream, new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }));
  return Buffer.concat(chunks);
}

function glanceError(kind: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GlanceError, `not a GlanceError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  };
}

const IMAGE = randomBytes(300 * 1024 + 17);

const files = await serve((req, res) => {
  if (req.url === '/image.qcow2') {
    res.writeHead(200, { 'content-length': IMAGE.length });
    res.end(IMAGE);
  } else if (req.url === '/chunked') {
    res.writeHead(200); // no Content-Length: chunked
    let sent = 0;
    const push = () => {
      while (sent < 4 * 1024 * 1024) {
        sent += 64 * 1024;
        if (!res.write(randomBytes(64 * 1024))) return void res.once('drain', push);
      }
      res.end();
    };
    push();
  } else if (req.url === '/stall-body') {
    res.writeHead(200, { 'content-length': 1000 });
    res.write(Buffer.alloc(100)); // and then silence
  } else if (req.url === '/silent') {
    // accepts the request and never answers
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such file');
  }
});
const other = await serve((_req, res) => {
  res.writeHead(200, { 'content-length': 2 });
  res.end('ok');
});
const opts = (over: Partial<WebDownloadOptions> = {}): WebDownloadOptions => ({ filtering: filtering(files.port, other.port), ...over });
const base = `http://127.0.0.1:${files.port}`;

test('downloads a served file: same bytes, announced size', async () => {
  const { stream, size } = await openWebDownload(`${base}/image.qcow2`, opts({ maxBytes: IMAGE.length }));
  assert.equal(size, IMAGE.length);
  assert.ok((await readAll(stream)).equals(IMAGE));
});

test('the URI itself is filtered before any connection', async () => {
  const before = files.hosts.length;
  await assert.rejects(openWebDownload(`${base}/image.qcow2`, { filtering: filtering(other.port) }),
    glanceError('bad_request', new RegExp(`^URI for web-download does not pass filtering: ${base}/image.qcow2$`)));
  assert.equal(files.hosts.length, before, 'no request reached the server');
});

test('a Content-Length over maxBytes is refused before reading', async () => {
  await assert.rejects(openWebDownload(`${base}/image.qcow2`, opts({ maxBytes: IMAGE.length - 1 })),
    glanceError('too_large', new RegExp(`image\\.qcow2 exceeds the ${IMAGE.length - 1} bytes allowed$`)));
});

test('a chunked body is cut once it passes maxBytes', async () => {
  const maxBytes = 200 * 1024;
  const { stream, size } = await openWebDownload(`${base}/chunked`, opts({ maxBytes }));
  assert.equal(size, null);
  let received = 0;
  const sink = new Writable({ write(c: Buffer, _e, cb) { received += c.length; cb(); } });
  await assert.rejects(pipeline(stream, sink), glanceError('too_large', /chunked exceeds the 204800 bytes allowed/));
  assert.ok(received <= maxBytes, `${received} bytes passed a ${maxBytes}-byte bound`);
});

test('redirects are followed and every target is re-validated', async () => {
  const redirector = await serve((req, res) => {
    const to: Record<string, string> = {
      '/relative': '/image.qcow2',
      '/to-files': `${base}/image.qcow2`,
      '/to-hex': `http://0x7f000001:${files.port}/image.qcow2`,
      '/to-denied-port': `http://127.0.0.1:${files.port + 1}/image.qcow2`,
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
      '/backslash': '/\\evil.example/x',
      '/loop': '/loop',
    };
    const location = to[req.url ?? ''];
    res.writeHead(location === undefined ? 404 : req.url === '/relative' ? 307 : 302, location === undefined ? {} : { location });
    res.end();
  });
  const r = `http://127.0.0.1:${redirector.port}`;
  const o = { filtering: filtering(files.port, redirector.port) };

  const ok = await openWebDownload(`${r}/to-files`, o);
  assert.ok((await readAll(ok.stream)).equals(IMAGE));
  await assert.rejects(openWebDownload(`${r}/relative`, o), glanceError('bad_request', /HTTP 404/), 'a relative Location stays on the redirector');

  for (const [path, target] of [
    ['/to-hex', `http://0x7f000001:${files.port}/image.qcow2`],
    ['/to-denied-port', `http://127.0.0.1:${files.port + 1}/image.qcow2`],
    ['/to-metadata', 'http://169.254.169.254/latest/meta-data/'],
  ] as const) {
    const before = files.hosts.length;
    await assert.rejects(openWebDownload(`${r}${path}`, o), glanceError('bad_request',
      new RegExp(`^Redirect from ${r}${path} refused: URI for web-download does not pass filtering: ${target.replace(/[.?]/g, '\\$&')}$`)));
    assert.equal(files.hosts.length, before, `the refused target of ${path} was not contacted`);
  }
  await assert.rejects(openWebDownload(`${r}/backslash`, o), glanceError('bad_request', /refused: URI for web-download does not pass filtering: \/\\evil/));
  await assert.rejects(openWebDownload(`${r}/loop`, { ...o, maxRedirects: 3 }), glanceError('bad_request', /loop failed: more than 3 redirects/));
});

test('the connection goes to the addresses the filter resolved, tried in order, with the original Host', async () => {
  // The name exists only in this resolver, and nothing listens on 127.0.0.2.
  const addresses = [{ address: '127.0.0.2', family: 4 as const }, { address: '127.0.0.1', family: 4 as const }];
  const o = opts({
    filtering: { ...filtering(files.port), allowedHosts: ['images.internal.test'] },
    resolve: async (host) => (host === 'images.internal.test' ? addresses : Promise.reject(new Error('ENOTFOUND'))),
  });
  const { stream } = await openWebDownload(`http://images.internal.test:${files.port}/image.qcow2`, o);
  assert.ok((await readAll(stream)).equals(IMAGE));
  assert.equal(files.hosts.at(-1), `images.internal.test:${files.port}`);
});

test('a server that never answers fails within the idle timeout', async () => {
  const started = Date.now();
  await assert.rejects(openWebDownload(`${base}/silent`, opts({ idleTimeoutMs: 300 })), glanceError('gateway_timeout', /silent failed: no response within 0\.3 s/));
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
});

test('a body that stalls fails within the idle timeout', async () => {
  const { stream, size } = await openWebDownload(`${base}/stall-body`, opts({ idleTimeoutMs: 300 }));
  assert.equal(size, 1000);
  const started = Date.now();
  await assert.rejects(readAll(stream), glanceError('gateway_timeout', /stall-body failed: no data received for 0\.3 s/));
  assert.ok(Date.now() - started < 3000);
});

test('a non-2xx answer is an error naming the status', async () => {
  await assert.rejects(openWebDownload(`${base}/missing.img`, opts()), glanceError('bad_request', /^web-download of .*\/missing\.img failed: the server answered HTTP 404$/));
});

test('a closed port is reported as unavailable', async () => {
  const gone = await serve(() => {});
  const port = gone.port;
  gone.server.close();
  await new Promise((ok) => gone.server.once('close', ok));
  await assert.rejects(openWebDownload(`http://127.0.0.1:${port}/x`, { filtering: filtering(port) }), glanceError('service_unavailable', /ECONNREFUSED/));
});

test('an abort during the body fails the stream with the abort reason', async () => {
  const controller = new AbortController();
  const { stream } = await openWebDownload(`${base}/stall-body`, opts({ signal: controller.signal }));
  setTimeout(() => controller.abort(new Gone('image deleted during import')), 50);
  await assert.rejects(readAll(stream), glanceError('gone', /^image deleted during import$/));
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(openWebDownload(`${base}/image.qcow2`, opts({ signal: aborted.signal })), glanceError('service_unavailable', /was cancelled/));
});

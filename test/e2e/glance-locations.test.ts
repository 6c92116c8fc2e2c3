/**
 * Image locations with Debian's real `glance` command (python-glanceclient 4.1) against
 * `bin/glance-api` as a process (SQLite, a filesystem store and an http store, Keystone
 * authentication with the real Keystone, `show_multiple_locations = True`): `location-add`,
 * `location-update` and `location-delete` (4.1's location commands, all JSON-patch calls; it has
 * no command for the 2.17 locations API) and `image-show` of the locations they leave.
 *
 * The image data is served by `python3 -m http.server` in a process of its own: the commands
 * run synchronously (spawnSync), so a server in the test's own event loop could not answer the
 * HEAD glance-api sends while a `location-add` waits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, parseTable, runCli, type CliResult, cliOk } from '../support/cli-runner.js';
import { registerRegion, type CatalogRegion } from '../auth/catalog-region.js';
import { ensureKeystone, keystoneIni, osEnv, type KeystoneFacts } from '../auth/keystone-fixture.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance missing: run scripts/install-peers.sh';

describe('glance CLI location commands against glance-api', { skip: SKIP }, () => {
  let ks: KeystoneFacts;
  let api: ApiProcess;
  let catalog: CatalogRegion;
  let web: ChildProcess;
  let webDir: string;
  let base: string;
  const data = randomBytes(32 * 1024);

  before(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'glance-ts-web-'));
    writeFileSync(join(webDir, 'disk.img'), data);
    const port = await freePort();
    web = spawn('/usr/bin/python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], { cwd: webDir, stdio: 'ignore' });
    for (let i = 0; !(await listening(port)); i++) {
      if (i > 100) throw new Error('python3 -m http.server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    base = `http://127.0.0.1:${port}/disk.img`;
    ks = await ensureKeystone();
    api = await startApi([
      keystoneIni(ks),
      '[DEFAULT]',
      'enabled_backends = fs:file,web:http',
      'show_multiple_locations = True',
      '[import_filtering_opts]',
      'allowed_hosts = 127.0.0.1',
      `allowed_ports = ${port}`,
    ].join('\n'));
    catalog = await registerRegion(ks, api.url);
  });
  after(async () => {
    await catalog?.remove();
    await api?.stop();
    web?.kill('SIGTERM');
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  const as = (who: 'admin' | 'demo', ...args: string[]): CliResult =>
    runCli('glance', args, osEnv(ks, who, { OS_REGION_NAME: catalog.region }), { stdin: 'closed' });
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const locationsOf = (id: string): Array<{ url: string; metadata: Record<string, unknown> }> =>
    JSON.parse(parseTable(ok(as('demo', 'image-show', id))).locations!) as Array<{ url: string; metadata: Record<string, unknown> }>;

  test('location-add activates a queued image; location-update changes metadata; location-delete (admin) removes one', () => {
    const id = parseTable(ok(as('demo', 'image-create', '--name', 'located', '--disk-format', 'raw', '--container-format', 'bare'))).id!;
    const added = parseTable(ok(as('demo', 'location-add', id, '--url', base, '--metadata', '{"purpose": "test"}')));
    assert.equal(added.status, 'active');
    assert.equal(added.size, String(data.length));
    assert.deepEqual(locationsOf(id), [{ url: base, metadata: { purpose: 'test', store: 'web' } }]);

    ok(as('demo', 'location-add', id, '--url', `${base}#2`));
    ok(as('demo', 'location-update', id, '--url', base, '--metadata', '{"purpose": "updated", "store": "web"}'));
    assert.deepEqual(locationsOf(id), [
      { url: base, metadata: { purpose: 'updated', store: 'web' } },
      { url: `${base}#2`, metadata: { store: 'web' } },
    ]);

    const refused = as('demo', 'location-delete', id, '--url', `${base}#2`);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /403|not authorized/i);
    ok(as('admin', 'location-delete', id, '--url', `${base}#2`));
    assert.deepEqual(locationsOf(id).map((l) => l.url), [base]);

    // The data is served from the web server through the http store.
    const out = join(api.dir, 'downloaded.img');
    ok(as('demo', 'image-download', id, '--file', out));
    assert.deepEqual(readFileSync(out), data);
  });

  test('location-add with an unknown scheme fails with "Invalid location"; the image stays queued', () => {
    const id = parseTable(ok(as('demo', 'image-create', '--name', 'bad-scheme', '--disk-format', 'raw', '--container-format', 'bare'))).id!;
    const r = as('demo', 'location-add', id, '--url', 'gopher://info.cern.ch/x');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Invalid location/);
    assert.equal(parseTable(ok(as('demo', 'image-show', id))).status, 'queued');
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

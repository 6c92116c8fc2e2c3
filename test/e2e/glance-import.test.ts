/**
 * Interoperable import with Debian's real `glance` command (python-glanceclient) against
 * `bin/glance-api` as a process (SQLite, two filesystem stores, Keystone authentication with
 * the real Keystone, found through the catalog in a region of the test's own): as demo,
 * `image-create-via-import` with glance-direct and web-download and `image-stage` +
 * `image-import`; as admin, `image-import` with copy-image to the second store, `task-list`
 * and `task-show` (the tasks API is admin-only by default).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, parseTable, runCli, type CliResult, cliOk } from '../support/cli-runner.js';
import { parseListTable } from '../support/cli-tables.js';
import { registerRegion, type CatalogRegion } from '../auth/catalog-region.js';
import { ensureKeystone, keystoneIni, osEnv, type KeystoneFacts } from '../auth/keystone-fixture.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance missing: run scripts/install-peers.sh';
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('glance CLI imports against glance-api', { skip: SKIP }, () => {
  let ks: KeystoneFacts;
  let api: ApiProcess;
  let catalog: CatalogRegion;
  let web: Server;
  let webPort: number;
  const webData = randomBytes(2 * 1024 * 1024);

  before(async () => {
    web = createServer((_req, res) => res.end(webData));
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    webPort = (web.address() as AddressInfo).port;
    ks = await ensureKeystone();
    api = await startApi([
      keystoneIni(ks),
      '[DEFAULT]',
      'enabled_backends = fs:file,fs2:file',
      'enabled_import_methods = [glance-direct,web-download,copy-image]',
      '[fs2]',
      'filesystem_store_datadir = $state_path/images2',
      '[import_filtering_opts]',
      'allowed_hosts = 127.0.0.1',
      `allowed_ports = ${webPort}`,
    ].join('\n').replace('$state_path', ''));
    catalog = await registerRegion(ks, api.url);
  });
  after(async () => {
    await catalog?.remove();
    await api?.stop();
    web?.closeAllConnections();
    web?.close();
  });

  const as = (who: 'admin' | 'demo', ...args: string[]): CliResult =>
    runCli('glance', args, osEnv(ks, who, { OS_REGION_NAME: catalog.region }), { stdin: 'closed' });
  const glance = (...args: string[]): CliResult => as('demo', ...args);
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const show = (id: string): Record<string, string> => parseTable(ok(glance('image-show', id)));
  const until = async (id: string, check: (image: Record<string, string>) => boolean): Promise<Record<string, string>> => {
    for (let i = 0; i < 150; i++) {
      const image = show(id);
      if (check(image)) return image;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`image ${id} never got there: ${JSON.stringify(show(id))}`);
  };
  const file = (name: string, data: Buffer): string => {
    const path = join(api.dir, name);
    writeFileSync(path, data);
    return path;
  };

  test('image-create-via-import --import-method glance-direct, then copy-image to fs2; task-list and task-show', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const created = parseTable(ok(glance('image-create-via-import', '--name', 'gd', '--disk-format', 'raw', '--container-format', 'bare',
      '--import-method', 'glance-direct', '--file', file('gd.raw', data))));
    assert.equal(created.owner, ks.vars.DEMO_PROJECT_ID);
    const id = created.id!;
    const active = await until(id, (i) => i.status === 'active');
    assert.equal(active.checksum, md5(data));
    assert.equal(active.stores, 'fs');

    assert.notEqual(glance('image-import', '--import-method', 'copy-image', '--stores', 'fs2', id).status, 0, 'copy_image is for admins');
    ok(as('admin', 'image-import', '--import-method', 'copy-image', '--stores', 'fs2', id));
    await until(id, (i) => i.stores === 'fs,fs2');

    assert.notEqual(glance('task-list').status, 0, 'the tasks API is for admins');
    const tasks = parseListTable(ok(as('admin', 'task-list'))).rows;
    assert.ok(tasks.length >= 2);
    const task = parseTable(ok(as('admin', 'task-show', tasks[0]!.ID!)));
    assert.equal(task.status, 'success');
    assert.equal(task.type, 'api_image_import');
    assert.equal(task.image_id, id);
  });

  test('image-create-via-import --import-method web-download from an allowed local server', async () => {
    const created = parseTable(ok(glance('image-create-via-import', '--name', 'wd', '--disk-format', 'raw', '--container-format', 'bare',
      '--import-method', 'web-download', '--uri', `http://127.0.0.1:${webPort}/data.raw`)));
    const active = await until(created.id!, (i) => i.status === 'active');
    assert.equal(active.checksum, md5(webData));
  });

  test('image-stage then image-import --import-method glance-direct', async () => {
    const data = randomBytes(1024 * 1024 + 3);
    const id = parseTable(ok(glance('image-create', '--name', 'staged', '--disk-format', 'raw', '--container-format', 'bare'))).id!;
    ok(glance('image-stage', '--file', file('staged.raw', data), id));
    assert.equal(show(id).status, 'uploading');
    ok(glance('image-import', '--import-method', 'glance-direct', id));
    assert.equal((await until(id, (i) => i.status === 'active')).checksum, md5(data));
  });

  test('web-download of a URI that does not pass filtering: the client shows Glance\'s 400', () => {
    const id = parseTable(ok(glance('image-create', '--name', 'refused', '--disk-format', 'raw', '--container-format', 'bare'))).id!;
    const r = glance('image-import', '--import-method', 'web-download', '--uri', 'http://2130706433/', id);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /URI for web-download does not pass filtering: http:\/\/2130706433\//);
  });
});

/**
 * The install guide's verification, as an operator runs it: Debian's real `glance` client
 * (python-glanceclient 4.1) uploads a cirros-shaped qcow2 (44 MiB virtual, a few MiB of random
 * data, made by qemu-img) to `bin/glance-api` running as a process, and the printed table has the
 * guide's rows with values node:crypto and qemu-img agree with; `image-download` gives the same
 * bytes back and `image-list` lists the image.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixtures, qemuInfo } from '../format/format-fixtures.js';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, parseTable, runCli, type CliResult, cliOk } from '../support/cli-runner.js';
import { parseListTable } from '../support/cli-tables.js';
import { repoPath } from '../support/repo-root.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance missing: run scripts/install-peers.sh';
const GUIDE = process.env.GLANCE_GUIDE_FILE ?? repoPath('..', 'shared', 'guide', 'install-guide.txt');

/** The Property column of the guide's `glance image-create` table. */
function guideRows(): string[] {
  const text = readFileSync(GUIDE, 'utf8');
  const at = text.indexOf('root@controller:~# glance image-create');
  assert.ok(at >= 0, 'the guide has its image-create example');
  return parseListTable(text.slice(at)).rows.map((r) => r.Property!);
}

describe('the guide\'s image-create --file with the real glance client', { skip: SKIP }, () => {
  let api: ApiProcess;
  let fx: Fixtures;
  let image: string;
  let bytes: Buffer;
  let id = '';

  before(async () => {
    fx = new Fixtures();
    image = fx.path('qcow2-cirros');
    bytes = readFileSync(image);
    api = await startApi();
  });
  after(async () => {
    await api?.stop();
    fx?.cleanup();
  });

  const glance = (...args: string[]): CliResult => runCli('glance', ['--os-image-url', api.url, '--os-auth-token', 'x', ...args]);
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());

  test('image-create prints the guide\'s table for the uploaded image', () => {
    // The fixture is what the guide's cirros image is: qcow2, 44 MiB virtual, real data inside.
    assert.equal(qemuInfo(image).virtualSize, 46137344);
    assert.ok(bytes.length > 3 * 1024 * 1024, `only ${bytes.length} bytes of data`);
    const out = ok(glance('image-create', '--name', 'cirros', '--file', image, '--disk-format', 'qcow2',
      '--container-format', 'bare', '--visibility=public'));
    const table = parseListTable(out);
    assert.deepEqual(table.columns, ['Property', 'Value']);
    assert.deepEqual(table.rows.map((r) => r.Property), guideRows());
    const t = parseTable(out);
    id = t.id!;
    assert.equal(t.checksum, createHash('md5').update(bytes).digest('hex'));
    assert.equal(t.os_hash_algo, 'sha512');
    assert.equal(t.os_hash_value, createHash('sha512').update(bytes).digest('hex'));
    assert.equal(t.size, String(bytes.length));
    assert.equal(t.virtual_size, '46137344');
    assert.equal(t.stores, 'fs');
    assert.equal(t.status, 'active');
    assert.equal(t.visibility, 'public');
    assert.equal(t.name, 'cirros');
    assert.equal(t.disk_format, 'qcow2');
    assert.equal(t.container_format, 'bare');
    assert.equal(t.tags, '[]');
    assert.equal(t.os_hidden, 'False');
    assert.equal(t.protected, 'False');
  });

  test('image-download --file gives back identical bytes', () => {
    assert.ok(id, 'image-create ran');
    const out = join(fx.dir, 'downloaded.img');
    ok(glance('image-download', '--file', out, id));
    const back = readFileSync(out);
    assert.equal(back.length, bytes.length);
    assert.equal(createHash('sha512').update(back).digest('hex'), createHash('sha512').update(bytes).digest('hex'));
  });

  test('image-list lists it as the guide shows', () => {
    assert.ok(id, 'image-create ran');
    const table = parseListTable(ok(glance('image-list')));
    assert.deepEqual(table.columns, ['ID', 'Name']);
    assert.deepEqual(table.rows, [{ ID: id, Name: 'cirros' }]);
  });
});

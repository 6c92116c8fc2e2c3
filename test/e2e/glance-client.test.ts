/**
 * End to end with Debian's real `glance` command (python-glanceclient 4.1) against `bin/glance-api`
 * started as a process (SQLite, filesystem store, no authentication): the image-record commands
 * as an operator types them, their printed tables read back and compared with the shapes Glance
 * prints (the install guide's `image-create` and `image-list` tables).
 *
 * Standard input: glanceclient's `image-create` uploads whatever a non-terminal stdin holds —
 * with /dev/null it uploads zero bytes and the image ends `active` and empty. These tests are
 * about records, so every command runs with stdin *closed* (runCli `{ stdin: 'closed' }`, `<&-`),
 * the one case in which glanceclient sends no data and the image stays `queued`.
 *
 * `active` images, needed for (de)activation, are made by a zero-byte upload through the API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, parseTable, runCli, type CliResult, cliOk, cliFails } from '../support/cli-runner.js';
import { parseListTable } from '../support/cli-tables.js';
import { repoPath } from '../support/repo-root.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance or /usr/bin/openstack missing: run scripts/install-peers.sh';
const GUIDE = process.env.GLANCE_GUIDE_FILE ?? repoPath('..', 'shared', 'guide', 'install-guide.txt');

/** The rows glanceclient prints for an image without data (the guide's rows minus `stores`). */
const RECORD_ROWS = [
  'checksum', 'container_format', 'created_at', 'disk_format', 'id', 'min_disk', 'min_ram', 'name',
  'os_hash_algo', 'os_hash_value', 'os_hidden', 'owner', 'protected', 'size', 'status', 'tags',
  'updated_at', 'virtual_size', 'visibility',
];
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('glance CLI (python-glanceclient 4.1) against glance-api', { skip: SKIP }, () => {
  let api: ApiProcess;
  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.stop();
  });

  const glance = (...args: string[]): CliResult =>
    runCli('glance', ['--os-image-url', api.url, '--os-auth-token', 'x', ...args], {}, { stdin: 'closed' });
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const fails = cliFails;
  const column = (out: string, name: string): string[] => parseListTable(out).rows.map((row) => row[name]!);
  const apiImage = async (id: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${api.url}/v2/images/${id}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  };

  let recordId = '';
  let protectedId = '';
  const listIds: Record<string, string> = {};

  test('image-create without data prints the table Glance prints for a queued image', async () => {
    const out = ok(glance('image-create', '--name', 'e2e-record', '--disk-format', 'qcow2', '--container-format', 'bare',
      '--property', 'foo=bar', '--property', 'hw_disk_bus=virtio'));
    const table = parseListTable(out);
    assert.deepEqual(table.columns, ['Property', 'Value']);
    assert.deepEqual(table.rows.map((r) => r.Property), [...RECORD_ROWS, 'foo', 'hw_disk_bus'].sort());
    const t = parseTable(out);
    recordId = t.id!;
    assert.match(recordId, UUID);
    assert.equal(t.name, 'e2e-record');
    assert.equal(t.disk_format, 'qcow2');
    assert.equal(t.container_format, 'bare');
    assert.equal(t.status, 'queued');
    assert.equal(t.visibility, 'shared'); // Glance's default since Ocata
    assert.equal(t.protected, 'False');
    assert.equal(t.os_hidden, 'False');
    assert.equal(t.min_disk, '0');
    assert.equal(t.min_ram, '0');
    assert.equal(t.tags, '[]');
    assert.equal(t.foo, 'bar');
    assert.equal(t.hw_disk_bus, 'virtio');
    for (const k of ['checksum', 'size', 'os_hash_algo', 'os_hash_value', 'owner']) assert.equal(t[k], 'None', k);
    assert.equal(t.virtual_size, 'Not available');
    assert.match(t.created_at!, TIMESTAMP);
    assert.equal(t.updated_at, t.created_at);
    // No data went up: the record is still queued and empty.
    const body = await apiImage(recordId);
    assert.equal(body.status, 'queued');
    assert.equal(body.size, null);
  });

  test('image-create with the schema-driven options sets each attribute', () => {
    const id = '6f1b3c1e-2d4a-4b8e-9c7d-0123456789ab';
    const t = parseTable(ok(glance('image-create', '--id', id, '--name', 'e2e-protected', '--protected', 'True',
      '--visibility', 'public', '--tags', 'x', 'y', '--min-disk', '2', '--min-ram', '64', '--os-distro', 'ubuntu',
      '--owner', 'proj-p', '--hidden', 'True')));
    protectedId = t.id!;
    assert.equal(protectedId, id);
    assert.equal(t.protected, 'True');
    assert.equal(t.visibility, 'public');
    assert.equal(t.tags, '["x", "y"]');
    assert.equal(t.min_disk, '2');
    assert.equal(t.min_ram, '64');
    assert.equal(t.os_distro, 'ubuntu');
    assert.equal(t.owner, 'proj-p');
    assert.equal(t.os_hidden, 'True');
    assert.equal(t.disk_format, 'None');
    // The same id again is a conflict (ref 341), which glanceclient reports.
    fails(glance('image-create', '--id', id, '--name', 'dup'), /409 Conflict/);
  });

  test('image-update --property / --remove-property / --name change the record', async () => {
    const t = parseTable(ok(glance('image-update', recordId, '--property', 'k3=v3', '--remove-property', 'foo',
      '--name', 'e2e-record-renamed', '--min-ram', '128')));
    assert.equal(t.k3, 'v3');
    assert.equal(t.foo, undefined);
    assert.equal(t.hw_disk_bus, 'virtio');
    assert.equal(t.name, 'e2e-record-renamed');
    assert.equal(t.min_ram, '128');
    const body = await apiImage(recordId);
    assert.equal(body.k3, 'v3');
    assert.equal('foo' in body, false);
    assert.equal(body.name, 'e2e-record-renamed');
  });

  test('image-tag-update / image-tag-delete add and remove tags', async () => {
    const out = ok(glance('image-tag-update', recordId, 't1'));
    assert.deepEqual(parseListTable(out).columns, ['ID', 'Tags']);
    assert.deepEqual(parseListTable(out).rows, [{ ID: recordId, Tags: "['t1']" }]);
    assert.deepEqual(column(ok(glance('image-tag-update', recordId, 't2')), 'Tags'), ["['t1', 't2']"]);
    assert.equal(ok(glance('image-tag-delete', recordId, 't2')), '');
    assert.deepEqual((await apiImage(recordId)).tags, ['t1']);
    assert.equal(parseTable(ok(glance('image-show', recordId))).tags, '["t1"]');
    fails(glance('image-tag-delete', recordId, 'absent'), /404 Not Found/);
  });

  describe('image-list', () => {
    before(() => {
      // Three images that only this group tags `e2e-list`, so each listing below is exact.
      const specs: [string, string[]][] = [
        ['list-b', ['--visibility', 'private', '--property', 'tier=gold']],
        ['list-a', ['--visibility', 'public', '--property', 'tier=gold']],
        ['list-c', ['--visibility', 'community', '--property', 'tier=lead', '--owner', 'proj-c']],
      ];
      for (const [name, extra] of specs) {
        listIds[name] = parseTable(ok(glance('image-create', '--name', name, '--tags', 'e2e-list', ...extra))).id!;
      }
    });
    // `visibility=all` because Glance leaves community images out of a listing without a
    // visibility filter unless the caller owns them (checked in the first filter test).
    const list = (...args: string[]): string[] =>
      column(ok(glance('image-list', '--tag', 'e2e-list', '--visibility', 'all', ...args)), 'Name');

    test('prints the ID/Name table of the guide, sorted by name by default', () => {
      const out = ok(glance('image-list'));
      assert.deepEqual(parseListTable(out).columns, ['ID', 'Name']);
      const names = column(out, 'Name');
      assert.deepEqual(names, [...names].sort());
      assert.ok(names.includes('e2e-record-renamed') && !names.includes('e2e-protected'), 'hidden images are not listed');
      assert.deepEqual(column(ok(glance('image-list', '--hidden', 'True')), 'ID'), [protectedId]);
    });

    test('--property-filter, --visibility, --tag, --owner filter on the server', () => {
      const byTag = (...args: string[]) => column(ok(glance('image-list', '--tag', 'e2e-list', ...args)), 'Name');
      assert.deepEqual(byTag(), ['list-a', 'list-b'], 'community images of other projects are left out');
      assert.deepEqual(list(), ['list-a', 'list-b', 'list-c']);
      assert.deepEqual(list('--property-filter', 'tier=gold'), ['list-a', 'list-b']);
      assert.deepEqual(byTag('--visibility', 'private'), ['list-b']);
      assert.deepEqual(byTag('--visibility', 'public'), ['list-a']);
      assert.deepEqual(byTag('--visibility', 'community'), ['list-c']);
      assert.deepEqual(column(ok(glance('image-list', '--visibility', 'all', '--owner', 'proj-c')), 'ID'), [listIds['list-c']]);
      assert.deepEqual(column(ok(glance('image-list', '--tag', 't1')), 'ID'), [recordId]);
      assert.deepEqual(list('--tag', 'absent'), []);
      fails(glance('image-list', '--visibility', 'bogus'), /400 Bad Request: Invalid visibility value: bogus/);
    });

    test('--sort and --sort-key/--sort-dir order the page', () => {
      assert.deepEqual(list('--sort', 'name:asc'), ['list-a', 'list-b', 'list-c']);
      assert.deepEqual(list('--sort', 'name:desc'), ['list-c', 'list-b', 'list-a']);
      assert.deepEqual(list('--sort-key', 'name', '--sort-dir', 'desc'), ['list-c', 'list-b', 'list-a']);
      assert.deepEqual(list('--sort', 'status:asc,name:desc'), ['list-c', 'list-b', 'list-a']);
    });

    test('--limit caps the result; --page-size follows the next links page by page', () => {
      assert.deepEqual(list('--sort', 'name:asc', '--limit', '2'), ['list-a', 'list-b']);
      const r = glance('--debug', 'image-list', '--tag', 'e2e-list', '--visibility', 'all', '--sort', 'name:asc', '--page-size', '1');
      assert.deepEqual(column(ok(r), 'Name'), ['list-a', 'list-b', 'list-c']);
      const gets = r.stderr.split('\n').filter((l) => /"GET \/v2\/images\?/.test(l));
      // Three full pages each carry `next`; the fourth, empty, ends the walk (as with Glance).
      assert.equal(gets.length, 4, gets.join('\n'));
      assert.ok(gets.every((l) => l.includes('limit=1')), gets.join('\n'));
    });

    test('--include-stores adds the Stores column', () => {
      const out = ok(glance('image-list', '--tag', 'e2e-list', '--visibility', 'all', '--include-stores', 'True'));
      assert.deepEqual(parseListTable(out).columns, ['ID', 'Name', 'Stores']);
      assert.deepEqual(column(out, 'Stores'), ['', '', '']);
    });
  });

  test('image-show prints the record; an unknown id is Glance\'s 404', () => {
    const out = ok(glance('image-show', recordId));
    assert.deepEqual(parseListTable(out).rows.map((r) => r.Property), [...RECORD_ROWS, 'hw_disk_bus', 'k3'].sort());
    assert.equal(parseTable(out).name, 'e2e-record-renamed');
    const missing = '00000000-0000-4000-8000-000000000000';
    fails(glance('image-show', missing), new RegExp(`404 Not Found: No image found with ID ${missing}`));
  });

  test('image-deactivate / image-reactivate toggle an active image; a queued one is refused', async () => {
    // Glance's WebOb error page escapes the quotes, and glanceclient prints that text as is.
    fails(glance('image-deactivate', recordId), /403 Forbidden: Not allowed to deactivate image in status &#x27;queued&#x27;/);
    fails(glance('image-reactivate', recordId), /403 Forbidden: Not allowed to reactivate image in status &#x27;queued&#x27;/);
    // A zero-byte upload (what glanceclient sends from an empty stdin) makes the image active.
    const put = await fetch(`${api.url}/v2/images/${recordId}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: '' });
    assert.equal(put.status, 204);
    assert.equal(ok(glance('image-deactivate', recordId)), '');
    assert.equal(parseTable(ok(glance('image-show', recordId))).status, 'deactivated');
    ok(glance('image-deactivate', recordId)); // already deactivated: a no-op, as in Glance
    assert.deepEqual(column(ok(glance('image-list', '--property-filter', 'status=deactivated')), 'ID'), [recordId]);
    assert.equal(ok(glance('image-reactivate', recordId)), '');
    const t = parseTable(ok(glance('image-show', recordId)));
    assert.equal(t.status, 'active');
    assert.equal(t.size, '0');
    assert.equal(t.checksum, 'd41d8cd98f00b204e9800998ecf8427e');
  });

  test('image-delete refuses a protected image, deletes others, and 404s after', () => {
    // glanceclient replaces the server's 403 text with its own message.
    fails(glance('image-delete', protectedId), new RegExp(`You are not permitted to delete the image '${protectedId}'`));
    assert.equal(parseTable(ok(glance('image-update', protectedId, '--protected', 'False'))).protected, 'False');
    assert.equal(ok(glance('image-delete', protectedId, recordId)), '');
    fails(glance('image-show', protectedId), /404 Not Found/);
    // glanceclient turns the 404 of a second delete into its own message.
    fails(glance('image-delete', recordId), new RegExp(`No image with an ID of '${recordId}' exists`));
    assert.equal(column(ok(glance('image-list')), 'ID').includes(recordId), false);
  });

  test('the table shapes checked here are the install guide\'s', { skip: existsSync(GUIDE) ? false : `${GUIDE} not found beside the checkout` }, () => {
    const text = readFileSync(GUIDE, 'utf8');
    const create = text.slice(text.indexOf('root@controller:~# glance image-create'));
    const createTable = parseListTable(create.slice(0, create.indexOf('```')));
    assert.deepEqual(createTable.columns, ['Property', 'Value']);
    // The guide's image is active with data in the `fs` store; a record without data has no `stores`.
    assert.deepEqual(createTable.rows.map((r) => r.Property).filter((k) => k !== 'stores'), RECORD_ROWS);
    const listOut = text.slice(text.indexOf('root@controller:~# glance image-list'));
    assert.deepEqual(parseListTable(listOut.slice(0, listOut.indexOf('```'))).columns, ['ID', 'Name']);
  });
});

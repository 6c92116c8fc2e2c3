/**
 * End to end with Debian's real `openstack` command (python-openstackclient 6.0 on openstacksdk
 * 0.101 and keystoneauth1 5.0) against `bin/glance-api` started as a process, without Keystone:
 * `--os-auth-type admin_token` (keystoneauth's fixed endpoint + token plugin; the older name
 * `token_endpoint` is gone from this version). The `-f json` outputs are parsed and checked.
 *
 * The endpoint is given with its version, `<url>/v2`: with `admin_token` the SDK reads the
 * version document at `<url>/` but then sends its calls to the unversioned `<url>/images`, which
 * Glance (and this server) answer with the 300 version list. `--os-auth-type none` does honour
 * version discovery; one test uses it with the bare URL.
 *
 * Like glanceclient, `openstack image create` uploads a non-terminal stdin (/dev/null too), so
 * every command runs with stdin closed. `active` images come from a zero-byte upload through the
 * API. In this client version `image list --property` and `--sort` are
 * applied by the client to the server's listing; `--tag`, `--name`, `--status`, `--limit` and the
 * visibility options are sent to the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, runCli, type CliResult, cliOk, cliFails } from '../support/cli-runner.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance or /usr/bin/openstack missing: run scripts/install-peers.sh';

type Json = Record<string, unknown>;

/** The fields openstacksdk shows for an image without data (it drops those that are null). */
const RECORD_FIELDS = [
  'container_format', 'created_at', 'disk_format', 'file', 'id', 'min_disk', 'min_ram', 'name', 'properties',
  'protected', 'schema', 'status', 'tags', 'updated_at', 'visibility',
];
const LONG_COLUMNS = ['ID', 'Name', 'Disk Format', 'Container Format', 'Size', 'Checksum', 'Status', 'Visibility',
  'Protected', 'Project', 'Tags'];

describe('openstack CLI (python-openstackclient 6.0) against glance-api', { skip: SKIP }, () => {
  let api: ApiProcess;
  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.stop();
  });

  const auth = (): string[] => ['--os-auth-type', 'admin_token', '--os-endpoint', `${api.url}/v2`, '--os-token', 'x'];
  const openstack = (...args: string[]): CliResult =>
    runCli('openstack', [...auth(), '--os-image-api-version', '2', ...args], {}, { stdin: 'closed' });
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const json = <T = Json>(...args: string[]): T => JSON.parse(ok(openstack(...args, '-f', 'json'))) as T;
  const fails = cliFails;
  const names = (...args: string[]): string[] => json<Json[]>('image', 'list', ...args).map((row) => row.Name as string);

  let id = '';

  test('image create without data returns the queued record', async () => {
    const image = json('image', 'create', 'e2e-os', '--disk-format', 'qcow2', '--container-format', 'bare',
      '--property', 'foo=bar', '--property', 'hw_disk_bus=virtio', '--tag', 't1', '--tag', 't2',
      '--min-disk', '1', '--min-ram', '64', '--private');
    id = image.id as string;
    assert.deepEqual(Object.keys(image).sort(), RECORD_FIELDS);
    assert.equal(image.name, 'e2e-os');
    assert.equal(image.status, 'queued');
    assert.equal(image.visibility, 'private');
    assert.equal(image.protected, false);
    assert.equal(image.disk_format, 'qcow2');
    assert.equal(image.container_format, 'bare');
    assert.equal(image.min_disk, 1);
    assert.equal(image.min_ram, 64);
    assert.equal(image.file, `/v2/images/${id}/file`);
    assert.equal(image.schema, '/v2/schemas/image');
    assert.deepEqual((image.tags as string[]).sort(), ['t1', 't2']);
    // The SDK records the (here empty) data checksums it would have uploaded as properties.
    assert.deepEqual(image.properties, {
      os_hidden: false, foo: 'bar', hw_disk_bus: 'virtio', 'owner_specified.openstack.md5': '',
      'owner_specified.openstack.sha256': '', 'owner_specified.openstack.object': 'images/e2e-os',
    });
    const res = await fetch(`${api.url}/v2/images/${id}`);
    const body = (await res.json()) as Json;
    assert.equal(body.status, 'queued');
    assert.equal(body.size, null);
  });

  test('image create --protected: this client sends `is_protected`, which the schema refuses as Glance does', () => {
    // openstacksdk 0.101 passes the flag as an extra property; extra properties must be strings.
    // The SDK prints the error body's lines in no fixed order, so each part is matched alone.
    const r = openstack('image', 'create', 'e2e-os-protected', '--protected');
    fails(r, /BadRequestException: 400/);
    assert.match(r.stderr, /On instance\[&#x27;is_protected&#x27;\]/);
    assert.match(r.stderr, /True is not of type &#x27;string&#x27;/);
    assert.deepEqual(names('--name', 'e2e-os-protected'), []);
  });

  test('image set --property/--tag/--name/--protected, then image show', () => {
    assert.equal(ok(openstack('image', 'set', '--property', 'k2=v2', '--tag', 't3', '--name', 'e2e-os-renamed',
      '--protected', id)), '');
    const image = json('image', 'show', id);
    assert.equal(image.name, 'e2e-os-renamed');
    assert.equal(image.protected, true);
    assert.equal((image.properties as Json).k2, 'v2');
    assert.deepEqual((image.tags as string[]).sort(), ['t1', 't2', 't3']);
  });

  test('image unset --property/--tag removes them; unknown ones are reported', () => {
    assert.equal(ok(openstack('image', 'unset', '--property', 'foo', '--tag', 't1', id)), '');
    const image = json('image', 'show', id);
    assert.equal('foo' in (image.properties as Json), false);
    assert.equal((image.properties as Json).hw_disk_bus, 'virtio');
    assert.deepEqual((image.tags as string[]).sort(), ['t2', 't3']);
    fails(openstack('image', 'unset', '--property', 'absent', id), /'absent' is a nonexistent property/);
  });

  describe('image list', () => {
    before(() => {
      for (const [name, vis, tier] of [['os-list-b', '--public', 'gold'], ['os-list-a', '--community', 'gold'], ['os-list-c', '--shared', 'lead']]) {
        ok(openstack('image', 'create', name!, vis!, '--tag', 'os-list', '--property', `tier=${tier}`));
      }
    });

    test('-f json rows are ID/Name/Status, by name', () => {
      const rows = json<Json[]>('image', 'list');
      assert.ok(rows.length >= 3);
      for (const row of rows) assert.deepEqual(Object.keys(row), ['ID', 'Name', 'Status']);
      const listed = rows.map((r) => r.Name as string);
      assert.deepEqual(listed, [...listed].sort());
      // A community image of another project is left out unless asked for (Glance's rule).
      assert.equal(listed.includes('os-list-a'), false);
      assert.deepEqual(rows.find((r) => r.ID === id), { ID: id, Name: 'e2e-os-renamed', Status: 'queued' });
    });

    test('--tag, --property, --sort, --limit, --name, --status and the visibility options', () => {
      assert.deepEqual(names('--tag', 'os-list'), ['os-list-b', 'os-list-c']);
      assert.deepEqual(names('--tag', 'os-list', '--property', 'tier=gold'), ['os-list-b']);
      assert.deepEqual(names('--tag', 'os-list', '--sort', 'name:desc'), ['os-list-c', 'os-list-b']);
      assert.deepEqual(names('--public'), ['os-list-b']);
      assert.deepEqual(names('--community'), ['os-list-a']);
      assert.deepEqual(names('--shared'), ['os-list-c']);
      assert.deepEqual(names('--private'), ['e2e-os-renamed']);
      assert.deepEqual(names('--name', 'os-list-c'), ['os-list-c']);
      assert.deepEqual(names('--status', 'active'), []);
      assert.equal(names('--limit', '1').length, 1);
    });

    test('--long -f json has the long columns with the record values', () => {
      const rows = json<Json[]>('image', 'list', '--long', '--name', 'e2e-os-renamed');
      assert.equal(rows.length, 1);
      assert.deepEqual(Object.keys(rows[0]!), LONG_COLUMNS);
      const row = rows[0]!;
      assert.equal(row.ID, id);
      assert.equal(row['Disk Format'], 'qcow2');
      assert.equal(row['Container Format'], 'bare');
      assert.equal(row.Size, null);
      assert.equal(row.Checksum, null);
      assert.equal(row.Visibility, 'private');
      assert.equal(row.Protected, true);
      assert.equal(row.Project, null); // no authentication: Glance's context has no project either
      assert.deepEqual((row.Tags as string[]).sort(), ['t2', 't3']);
    });
  });

  test('image set --deactivate / --activate toggle an active image', async () => {
    // A zero-byte upload (what glanceclient sends from an empty stdin) makes the image active.
    const put = await fetch(`${api.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: '' });
    assert.equal(put.status, 204);
    assert.equal(ok(openstack('image', 'set', '--deactivate', id)), '');
    assert.equal(json('image', 'show', id).status, 'deactivated');
    assert.equal(ok(openstack('image', 'set', '--activate', id)), '');
    const image = json('image', 'show', id);
    assert.equal(image.status, 'active');
    // openstackclient 6.0 shows checksum and size but not the os_hash_* fields.
    assert.deepEqual(Object.keys(image).sort(), [...RECORD_FIELDS, 'checksum', 'size'].sort());
    assert.equal(image.size, 0);
    assert.equal(image.checksum, 'd41d8cd98f00b204e9800998ecf8427e');
    assert.deepEqual(names('--status', 'active'), ['e2e-os-renamed']);
  });

  test('image show finds by name and reports an unknown image', () => {
    assert.equal(json('image', 'show', 'e2e-os-renamed').id, id);
    fails(openstack('image', 'show', 'no-such-image'), /No Image found for no-such-image/);
  });

  test('image delete refuses a protected image, then deletes', () => {
    fails(openstack('image', 'delete', id), new RegExp(`403.*Image ${id} is protected and cannot be deleted`));
    ok(openstack('image', 'set', '--unprotected', id));
    assert.equal(ok(openstack('image', 'delete', id)), '');
    fails(openstack('image', 'show', id), new RegExp(`No Image found for ${id}`));
    fails(openstack('image', 'delete', id), /Failed to delete 1 of 1 images/);
  });

  test('--os-auth-type none with the unversioned URL discovers /v2 from the version document', () => {
    const r = runCli('openstack', ['--os-auth-type', 'none', '--os-endpoint', api.url, '--os-image-api-version', '2',
      'image', 'list', '--tag', 'os-list', '-f', 'json'], {}, { stdin: 'closed' });
    assert.deepEqual((JSON.parse(ok(r)) as Json[]).map((row) => row.Name), ['os-list-b', 'os-list-c']);
  });
});

/**
 * End to end with Debian's real `glance` command (python-glanceclient 4.1) against `bin/glance-api`
 * started as a process (SQLite, no authentication): the `md-*` metadata-definition commands as an
 * operator types them, their printed tables read back. The unauthenticated context has no project,
 * so namespaces are created with `--owner`. Not covered: `md-tag-create-multiple --append`, which
 * glanceclient 4.1 cannot send (it puts a boolean in a header: "quote_from_bytes() expected bytes").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, parseTable, runCli, type CliResult, cliOk, cliFails } from '../support/cli-runner.js';
import { parseListTable } from '../support/cli-tables.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance missing: run scripts/install-peers.sh';
const NS = 'OS::E2E::Metadefs';

describe('glance md-* commands against glance-api', { skip: SKIP }, () => {
  let api: ApiProcess;
  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.stop();
  });

  const glance = (...args: string[]): CliResult => runCli('glance', ['--os-image-url', api.url, '--os-auth-token', 'x', ...args]);
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const fails = cliFails;
  const column = (out: string, name: string): string[] => parseListTable(out).rows.map((row) => row[name]!);

  test('md-namespace-create, -list, -show and -update', () => {
    const created = parseTable(ok(glance('md-namespace-create', NS, '--display-name', 'E2E', '--description', 'made by the e2e test',
      '--visibility', 'public', '--owner', 'admin')));
    assert.equal(created.namespace, NS);
    assert.equal(created.visibility, 'public');
    assert.equal(created.protected, 'False');
    assert.equal(created.schema, '/v2/schemas/metadefs/namespace');
    assert.deepEqual(column(ok(glance('md-namespace-list')), 'namespace'), [NS]);
    fails(glance('md-namespace-create', NS, '--owner', 'admin'), /409 Conflict: The metadata definition namespace=OS::E2E::Metadefs already exists\./);
    const updated = parseTable(ok(glance('md-namespace-update', NS, '--display-name', 'E2E renamed', '--protected', 'True')));
    assert.equal(updated.display_name, 'E2E renamed');
    assert.equal(updated.protected, 'True');
    assert.equal(parseTable(ok(glance('md-namespace-show', NS))).display_name, 'E2E renamed');
  });

  test('md-resource-type-associate, -list, md-namespace-resource-type-list', () => {
    const assoc = parseTable(ok(glance('md-resource-type-associate', NS, '--name', 'OS::Glance::Image', '--prefix', 'hw_')));
    assert.equal(assoc.name, 'OS::Glance::Image');
    assert.equal(assoc.prefix, 'hw_');
    assert.deepEqual(column(ok(glance('md-resource-type-list')), 'name'), ['OS::Glance::Image']);
    const rows = parseListTable(ok(glance('md-namespace-resource-type-list', NS))).rows;
    assert.deepEqual(rows.map((r) => [r.name, r.prefix]), [['OS::Glance::Image', 'hw_']]);
  });

  test('md-property-create, -list, -show, -update', () => {
    const created = parseTable(ok(glance('md-property-create', NS, '--name', 'cpu_mode', '--title', 'CPU mode',
      '--schema', '{"type": "string", "enum": ["host-model", "custom"]}')));
    assert.deepEqual(created, { enum: '["host-model", "custom"]', name: 'cpu_mode', title: 'CPU mode', type: 'string' });
    assert.deepEqual(column(ok(glance('md-property-list', NS)), 'name'), ['cpu_mode']);
    assert.equal(parseTable(ok(glance('md-property-show', NS, 'cpu_mode'))).title, 'CPU mode');
    assert.equal(parseTable(ok(glance('md-property-update', NS, 'cpu_mode', '--title', 'Mode'))).title, 'Mode');
  });

  test('md-object-create, -list, -show, -property-show, -update', () => {
    const created = parseTable(ok(glance('md-object-create', NS, '--name', 'Guest',
      '--schema', '{"description": "guest settings", "properties": {"cores": {"type": "integer", "title": "Cores"}}}')));
    assert.equal(created.name, 'Guest');
    assert.equal(created.properties, '["cores"]');
    assert.deepEqual(column(ok(glance('md-object-list', NS)), 'name'), ['Guest']);
    assert.equal(parseTable(ok(glance('md-object-show', NS, 'Guest'))).description, 'guest settings');
    assert.equal(parseTable(ok(glance('md-object-property-show', NS, 'Guest', 'cores'))).type, 'integer');
    assert.equal(parseTable(ok(glance('md-object-update', NS, 'Guest', '--name', 'Guest2'))).name, 'Guest2');
  });

  test('md-tag-create, -create-multiple, -list, -show, -update; protected deletes refused', () => {
    assert.equal(parseTable(ok(glance('md-tag-create', NS, '--name', 'red'))).name, 'red');
    // Creating several replaces the existing tags.
    assert.deepEqual(column(ok(glance('md-tag-create-multiple', NS, '--names', 'a,b', '--delim', ',')), 'name'), ['a', 'b']);
    assert.deepEqual(column(ok(glance('md-tag-list', NS)), 'name').sort(), ['a', 'b']);
    assert.equal(parseTable(ok(glance('md-tag-show', NS, 'a'))).name, 'a');
    assert.equal(parseTable(ok(glance('md-tag-update', NS, 'a', '--name', 'z'))).name, 'z');
    fails(glance('md-tag-delete', NS, 'z'), /403 Forbidden: Metadata definition tag z is protected and cannot be deleted\./);
    fails(glance('md-namespace-delete', NS), /403 Forbidden: Metadata definition namespace OS::E2E::Metadefs is protected/);
  });

  test('show embeds the content; the deletes empty and remove the namespace', () => {
    const shown = parseTable(ok(glance('md-namespace-update', NS, '--protected', 'False')));
    assert.equal(shown.objects, '["Guest2"]');
    assert.equal(shown.properties, '["cpu_mode"]');
    assert.equal(shown.resource_type_associations, '["OS::Glance::Image"]');
    const prefixed = parseTable(ok(glance('md-namespace-show', NS, '--resource-type', 'OS::Glance::Image')));
    assert.equal(prefixed.properties, '["hw_cpu_mode"]');
    ok(glance('md-tag-delete', NS, 'z'));
    ok(glance('md-property-delete', NS, 'cpu_mode'));
    ok(glance('md-object-delete', NS, 'Guest2'));
    ok(glance('md-namespace-tags-delete', NS));
    ok(glance('md-resource-type-deassociate', NS, 'OS::Glance::Image'));
    assert.deepEqual(parseListTable(ok(glance('md-namespace-resource-type-list', NS))).rows, []);
    ok(glance('md-namespace-delete', NS));
    fails(glance('md-namespace-show', NS), /404 Not Found: Could not find namespace OS::E2E::Metadefs/);
  });
});

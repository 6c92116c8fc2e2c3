/**
 * Metadefs loaded by `glance-manage db load_metadefs` (the crafted files of
 * test/fixtures/metadefs) and read back through the real application, compared with the shapes
 * of the recorded Glance 25.1 lists (shared/ref 040: namespaces with their resource-type
 * associations and paging links; 041: resource types); then the secure-RBAC defaults
 * (`enforce_new_defaults = True`) on the same data: readers see public and own namespaces, members
 * may not write, a caller without a reader role gets 404s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { manageExitCode } from '../../src/cli/manage.js';
import { captureIo } from '../db/capture-io.js';
import { readRef } from '../http/helpers.js';
import { repoPath } from '../support/repo-root.js';
import { PROJECTS, startApi, type ApiHarness } from './api-harness.js';
import { assertError } from './api-assert.js';

const FIXTURES = repoPath('test', 'fixtures', 'metadefs');
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
type Json = Record<string, unknown>;

async function loadFixtures(api: ApiHarness): Promise<void> {
  const io = captureIo();
  const code = await manageExitCode(['--config-file', join(api.dir, 'glance-api.conf'), 'db', 'load_metadefs', '--path', FIXTURES], io);
  assert.equal(code, 0, io.lines.join('\n'));
}

// The key sequence Glance's models allow, for checking that ours follow the recorded order.
function assertKeysLike(got: Json, recorded: Json[], label: string): void {
  const keys = Object.keys(got);
  assert.ok(recorded.some((r) => Object.keys(r).join() === keys.join()), `${label}: keys ${keys.join()} not among the recorded ones`);
}

describe('metadefs loaded from files, against the recorded list shapes', () => {
  let api: ApiHarness;
  before(async () => {
    // A page of 2 so that the default page ends with a `next` link, as ref 040's 25 of 33 did.
    api = await startApi({ defaults: { limit_param_default: '2' } });
    await loadFixtures(api);
  });
  after(async () => {
    await api?.close();
  });

  test('GET /v2/metadefs/namespaces answers like ref 040', async () => {
    const ref = readRef('040-metadefs-namespaces.txt');
    const recorded = JSON.parse(ref.body) as { namespaces: Json[] };
    const res = await api.call('demo', 'GET', '/v2/metadefs/namespaces');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], ref.headers['content-type']);
    const body = JSON.parse(res.body) as Json & { namespaces: Json[] };
    assert.deepEqual(Object.keys(body), Object.keys(recorded));
    // Newest first: files load in name order, so the last one leads.
    assert.deepEqual(body.namespaces.map((n) => n.namespace), ['OS::Test::Software', 'OS::Test::CPUOptions']);
    assert.equal(body.first, '/v2/metadefs/namespaces');
    assert.equal(body.next, '/v2/metadefs/namespaces?marker=OS%3A%3ATest%3A%3ACPUOptions');
    assert.equal(body.schema, '/v2/schemas/metadefs/namespaces');
    const recordedRtas = recorded.namespaces.flatMap((n) => n.resource_type_associations as Json[]);
    for (const ns of body.namespaces) {
      assertKeysLike(ns, recorded.namespaces, String(ns.namespace));
      assert.equal(ns.owner, 'admin');
      assert.match(String(ns.created_at), TIME);
      assert.equal(ns.self, `/v2/metadefs/namespaces/${String(ns.namespace)}`);
      for (const rta of ns.resource_type_associations as Json[]) assertKeysLike(rta, recordedRtas, `${String(ns.namespace)} ${String(rta.name)}`);
    }
    const cpu = body.namespaces[1]!;
    assert.deepEqual(cpu.resource_type_associations, [
      { name: 'OS::Glance::Image', prefix: 'hw_', created_at: cpu.created_at },
      { name: 'OS::Cinder::Volume', prefix: 'hw_', properties_target: 'image', created_at: cpu.created_at },
      { name: 'OS::Nova::Flavor', prefix: 'hw:', created_at: cpu.created_at },
    ]);
    const next = JSON.parse((await api.call('demo', 'GET', String(body.next))).body) as { namespaces: Json[]; next?: string };
    assert.deepEqual(next.namespaces.map((n) => n.namespace), [], 'the private fixture is not demo\'s');
    assert.equal(next.next, undefined);
  });

  test('GET /v2/metadefs/resource_types answers like ref 041', async () => {
    const recorded = JSON.parse(readRef('041-metadefs-resource-types.txt').body) as { resource_types: Json[] };
    const body = JSON.parse((await api.call('demo', 'GET', '/v2/metadefs/resource_types')).body) as { resource_types: Json[] };
    assert.deepEqual(Object.keys(body), Object.keys(recorded));
    assert.deepEqual(body.resource_types.map((r) => r.name), ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Server']);
    for (const rt of body.resource_types) assertKeysLike(rt, recorded.resource_types, String(rt.name));
  });

  test('a loaded object keeps its required list; the private file keeps its owner', async () => {
    const obj = JSON.parse((await api.call('admin', 'GET', '/v2/metadefs/namespaces/OS::Test::Software/objects/Database')).body) as Json;
    assert.deepEqual(obj.required, ['db_name']);
    assert.deepEqual(obj.properties, { db_name: { type: 'string', title: 'Name' }, db_port: { type: 'integer', title: 'Port', default: 5432 } });
    const priv = JSON.parse((await api.call('admin', 'GET', '/v2/metadefs/namespaces/Test::Private')).body) as Json;
    assert.equal(priv.owner, 'test-owner');
    assert.equal(priv.protected, false, 'no protected key in the file shows as false');
  });
});

describe('metadefs under the secure-RBAC defaults', () => {
  let api: ApiHarness;
  const as = (roles: string, project: string = PROJECTS.demo) => ({ 'x-roles': roles, 'x-project-id': project });
  before(async () => {
    api = await startApi({ osloPolicy: { enforce_new_defaults: 'True', enforce_scope: 'True' } });
    await loadFixtures(api);
  });
  after(async () => {
    await api?.close();
  });

  test('readers see public and their own namespaces; members may not write; no reader role is a 404', async () => {
    const ns = '/v2/metadefs/namespaces';
    assert.equal((await api.call('demo', 'GET', `${ns}/OS::Test::Software`, { headers: as('reader') })).statusCode, 200);
    assert.equal((await api.call('demo', 'GET', `${ns}/Test::Private`, { headers: as('reader', 'test-owner') })).statusCode, 200);
    assertError(await api.call('demo', 'GET', `${ns}/Test::Private`, { headers: as('reader') }), 404, { message: 'Could not find namespace Test::Private' });
    const listed = JSON.parse((await api.call('demo', 'GET', ns, { headers: as('reader', 'test-owner') })).body) as { namespaces: Json[] };
    assert.deepEqual(listed.namespaces.map((n) => n.namespace).sort(), ['OS::Test::CPUOptions', 'OS::Test::Software', 'Test::Private']);
    assertError(await api.call('demo', 'POST', `${ns}/OS::Test::Software/objects`, { body: { name: 'x' }, headers: as('member,reader') }), 403,
      { message: 'You are not authorized to complete add_metadef_object action.' });
    assertError(await api.call('demo', 'POST', `${ns}/Test::Private/tags/x`, { headers: as('member,reader') }), 404,
      { message: 'Namespace Test::Private not found' });
    // Without a reader role even a public namespace cannot be had (Glance's Forbidden→NotFound).
    assertError(await api.call('demo', 'GET', `${ns}/OS::Test::Software`, { headers: as('other') }), 404, { stock: true });
    assertError(await api.call('demo', 'GET', `${ns}/OS::Test::Software/tags`, { headers: as('other') }), 404, { stock: true });
    const admin = await api.call('admin', 'POST', `${ns}/OS::Test::Software/tags/new`);
    assert.equal(admin.statusCode, 201, admin.body);
  });
});

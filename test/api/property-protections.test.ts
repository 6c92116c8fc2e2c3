/**
 * Property protections (`[DEFAULT] property_protection_file`) through the API, in both rule
 * formats, with the fixture files under test/fixtures/property-protections/: create (403
 * "Attribute … is reserved."), read (silently left out of show, list and PATCH/POST
 * responses), update and delete through PATCH (a property the caller may not read behaves as
 * absent), the no-match deny, `@`/`!`, the synthetic `os_glance` section, and the start-up
 * errors of invalid files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { policySlice } from '../../src/config/slices.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { PolicyEngine } from '../../src/policy/policy-engine.js';
import { PropertyProtections } from '../../src/policy/property-protections.js';
import { assertError } from './api-assert.js';
import { PROJECTS, startApi, type ApiHarness, type RefUser } from './api-harness.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/property-protections/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const READER = { 'x-roles': 'reader' };

type Json = Record<string, unknown>;

/** Request helpers over one harness. */
function client(api: () => ApiHarness) {
  return {
    async create(user: RefUser, body: Json, headers: Record<string, string> = {}) {
      return api().call(user, 'POST', '/v2/images', { body, headers });
    },
    async created(user: RefUser, body: Json): Promise<Json & { id: string }> {
      const res = await api().call(user, 'POST', '/v2/images', { body });
      assert.equal(res.statusCode, 201, res.body);
      return JSON.parse(res.body) as Json & { id: string };
    },
    async show(user: RefUser, id: string, headers: Record<string, string> = {}): Promise<Json> {
      const res = await api().call(user, 'GET', `/v2/images/${id}`, { headers });
      assert.equal(res.statusCode, 200, res.body);
      return JSON.parse(res.body) as Json;
    },
    patch(user: RefUser, id: string, ops: Json[], headers: Record<string, string> = {}) {
      return api().call(user, 'PATCH', `/v2/images/${id}`, { body: ops, headers: { ...PATCH, ...headers } });
    },
  };
}

const reserved = (name: string) => ({ message: `Attribute '${name}' is reserved.` });

describe('property protections, roles format', () => {
  let api: ApiHarness;
  const c = client(() => api);

  before(async () => {
    api = await startApi({ defaults: { property_protection_file: fixture('roles.conf') } });
  });
  after(async () => { await api.close(); });

  test('create: allowed and denied per role; role names compare case-insensitively', async () => {
    const mine = await c.created('demo', { name: 'team', x_team_a: '1' });
    assert.equal(mine.x_team_a, '1');
    assertError(await c.create('demo', { name: 'no', x_admin_a: '1' }), 403, reserved('x_admin_a'));
    assertError(await c.create('demo', { name: 'no', x_billing_a: '1' }), 403, reserved('x_billing_a'));
    const admins = await c.created('admin', { name: 'adm', x_admin_a: '1', x_billing_a: '2' });
    assert.equal(admins.x_admin_a, '1');
    // A reader may create images but not properties reserved to members and admins.
    assertError(await c.create('demo', { name: 'no', x_team_b: '1' }, READER), 403, reserved('x_team_b'));
  });

  test('a property no section matches is denied to everybody', async () => {
    assertError(await c.create('demo', { name: 'no', unmatched: 'v' }), 403, reserved('unmatched'));
    assertError(await c.create('admin', { name: 'no', unmatched: 'v' }), 403, reserved('unmatched'));
  });

  test('"@" allows every caller, "!" nobody', async () => {
    const free = await c.created('demo', { name: 'free', x_free_a: '1' });
    const readerRes = await c.create('demo', { name: 'free', x_free_b: '1' }, READER);
    assert.equal(readerRes.statusCode, 201, readerRes.body);
    assert.equal((await c.patch('demo', free.id, [{ op: 'replace', path: '/x_free_a', value: '2' }], READER)).statusCode, 200);

    // x_frozen_: admin creates, everybody reads, nobody (not even admin) updates or deletes.
    assertError(await c.create('demo', { name: 'no', x_frozen_a: '1' }), 403, reserved('x_frozen_a'));
    const frozen = await c.created('admin', { name: 'frozen', visibility: 'public', x_frozen_a: '1' });
    assert.equal((await c.show('demo', frozen.id)).x_frozen_a, '1');
    assertError(await c.patch('admin', frozen.id, [{ op: 'replace', path: '/x_frozen_a', value: '2' }]), 403, reserved('x_frozen_a'));
    assertError(await c.patch('admin', frozen.id, [{ op: 'remove', path: '/x_frozen_a' }]), 403, reserved('x_frozen_a'));
    assertError(await c.patch('admin', frozen.id, [{ op: 'add', path: '/x_frozen_a', value: '3' }]), 403, reserved('x_frozen_a'));
  });

  test('read: unreadable properties are left out of show, list and write responses', async () => {
    const image = await c.created('admin', {
      name: 'mixed', owner: PROJECTS.demo, x_team_a: 't', x_admin_a: 'a', x_billing_a: 'b', x_free_a: 'f',
    });
    assert.equal(image.x_admin_a, 'a', 'the admin reads all of them');
    const shown = await c.show('demo', image.id);
    assert.deepEqual([shown.x_team_a, shown.x_billing_a, shown.x_free_a], ['t', 'b', 'f']);
    assert.ok(!('x_admin_a' in shown));
    const asReader = await c.show('demo', image.id, READER);
    assert.deepEqual(Object.keys(asReader).filter((k) => k.startsWith('x_')), ['x_free_a']);

    const list = JSON.parse((await api.call('demo', 'GET', '/v2/images')).body) as { images: Json[] };
    const listed = list.images.find((i) => i.id === image.id)!;
    assert.equal(listed.x_team_a, 't');
    assert.ok(!('x_admin_a' in listed));
    const adminList = JSON.parse((await api.call('admin', 'GET', '/v2/images')).body) as { images: Json[] };
    assert.equal(adminList.images.find((i) => i.id === image.id)!.x_admin_a, 'a');

    const patched = await c.patch('demo', image.id, [{ op: 'replace', path: '/name', value: 'renamed' }]);
    assert.equal(patched.statusCode, 200, patched.body);
    assert.ok(!('x_admin_a' in (JSON.parse(patched.body) as Json)));
  });

  test('update and delete through PATCH, allowed and denied per role', async () => {
    const image = await c.created('admin', {
      name: 'upd', owner: PROJECTS.demo, x_team_a: 't', x_billing_a: 'b', x_admin_a: 'a',
    });
    // replace → update rule
    const ok = await c.patch('demo', image.id, [{ op: 'replace', path: '/x_team_a', value: 't2' }]);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((JSON.parse(ok.body) as Json).x_team_a, 't2');
    assertError(await c.patch('demo', image.id, [{ op: 'replace', path: '/x_billing_a', value: 'b2' }]), 403, reserved('x_billing_a'));
    assert.equal((await c.patch('admin', image.id, [{ op: 'replace', path: '/x_billing_a', value: 'b2' }])).statusCode, 200);
    // add of a property the image has is an update, of a new one a create
    assertError(await c.patch('demo', image.id, [{ op: 'add', path: '/x_billing_a', value: 'b3' }]), 403, reserved('x_billing_a'));
    assert.equal((await c.patch('demo', image.id, [{ op: 'add', path: '/x_team_new', value: 'n' }])).statusCode, 200);
    assertError(await c.patch('demo', image.id, [{ op: 'add', path: '/x_billing_new', value: 'n' }]), 403, reserved('x_billing_new'));
    // remove → delete rule
    assertError(await c.patch('demo', image.id, [{ op: 'remove', path: '/x_billing_a' }]), 403, reserved('x_billing_a'));
    const removed = await c.patch('demo', image.id, [{ op: 'remove', path: '/x_team_new' }]);
    assert.equal(removed.statusCode, 200, removed.body);
    assert.ok(!('x_team_new' in (JSON.parse(removed.body) as Json)));
    assert.equal((await c.patch('admin', image.id, [{ op: 'remove', path: '/x_billing_a' }])).statusCode, 200);

    // A property the caller may not read behaves as absent: 409 on replace/remove, create rule on add.
    assertError(await c.patch('demo', image.id, [{ op: 'replace', path: '/x_admin_a', value: 'z' }]), 409, { detail: 'Property x_admin_a does not exist.' });
    assertError(await c.patch('demo', image.id, [{ op: 'remove', path: '/x_admin_a' }]), 409, { detail: 'Property x_admin_a does not exist.' });
    assertError(await c.patch('demo', image.id, [{ op: 'add', path: '/x_admin_a', value: 'z' }]), 403, reserved('x_admin_a'));
    // ...and survives the caller's other changes.
    const final = await c.show('admin', image.id);
    assert.equal(final.x_admin_a, 'a');
    assert.equal(final.x_team_a, 't2');
    assert.ok(!('x_billing_a' in final));
  });

  test('the synthetic os_glance section comes before the file\'s sections', async () => {
    const image = await c.created('demo', { name: 'internal' });
    const repo = new ImageRepo(api.app.database);
    const stored = (await repo.get(image.id))!;
    await repo.save({ ...stored, properties: { ...stored.properties, os_glance_marker: 'kept', os_distro: 'hidden' } });
    const shown = await c.show('demo', image.id);
    assert.equal(shown.os_glance_marker, 'kept', 'os_glance_* is readable although [^os_] denies everything');
    assert.ok(!('os_distro' in shown), 'other os_ properties follow [^os_]');
    assert.ok(!('os_distro' in (await c.show('admin', image.id))));
  });
});

describe('property protections, policies format', () => {
  let api: ApiHarness;
  const c = client(() => api);

  before(async () => {
    api = await startApi({
      defaults: { property_protection_file: fixture('policies.conf'), property_protection_rule_format: 'policies' },
      osloPolicy: { policy_file: fixture('policies-rules.yaml') },
    });
  });
  after(async () => { await api.close(); });

  test('create and read decided by the named policy rules', async () => {
    assert.equal((await c.create('demo', { name: 'ok', x_team_a: '1' })).statusCode, 201);
    assertError(await c.create('demo', { name: 'no', x_team_a: '1' }, READER), 403, reserved('x_team_a'));
    assertError(await c.create('demo', { name: 'no', x_admin_a: '1' }), 403, reserved('x_admin_a'));
    assertError(await c.create('admin', { name: 'no', unmatched: '1' }), 403, reserved('unmatched'));

    const image = await c.created('admin', { name: 'mixed', owner: PROJECTS.demo, x_admin_a: 'a', x_team_a: 't' });
    assert.equal(image.x_admin_a, 'a');
    const shown = await c.show('demo', image.id);
    assert.equal(shown.x_team_a, 't');
    assert.ok(!('x_admin_a' in shown));
    assert.ok(!('x_team_a' in (await c.show('demo', image.id, READER))));
    const list = JSON.parse((await api.call('demo', 'GET', '/v2/images')).body) as { images: Json[] };
    assert.ok(!('x_admin_a' in list.images.find((i) => i.id === image.id)!));
  });

  test('rules see the image as target; "!" refuses', async () => {
    const mine = await c.created('demo', { name: 'mine', x_owner_a: '1' });
    const theirs = await c.create('admin', { name: 'theirs', owner: PROJECTS.demo, x_owner_b: '1' });
    assertError(theirs, 403, reserved('x_owner_b'));
    const updated = await c.patch('demo', mine.id, [{ op: 'replace', path: '/x_owner_a', value: '2' }]);
    assert.equal(updated.statusCode, 200, updated.body);
    assertError(await c.patch('demo', mine.id, [{ op: 'remove', path: '/x_owner_a' }]), 403, reserved('x_owner_a'));
    assertError(await c.patch('admin', mine.id, [{ op: 'replace', path: '/x_owner_a', value: '3' }]), 403, reserved('x_owner_a'));
    assert.equal((await c.show('admin', mine.id)).x_owner_a, '2');
  });

  test('update and delete by role rule', async () => {
    const image = await c.created('admin', { name: 'ud', owner: PROJECTS.demo, x_team_a: 't', x_admin_a: 'a' });
    assert.equal((await c.patch('demo', image.id, [{ op: 'remove', path: '/x_team_a' }])).statusCode, 200);
    assertError(await c.patch('demo', image.id, [{ op: 'replace', path: '/x_team_b', value: 'x' }]), 409, { detail: 'Property x_team_b does not exist.' });
    assertError(await c.patch('demo', image.id, [{ op: 'remove', path: '/x_admin_a' }]), 409, { detail: 'Property x_admin_a does not exist.' });
    assert.equal((await c.patch('admin', image.id, [{ op: 'remove', path: '/x_admin_a' }])).statusCode, 200);
  });
});

describe('property protection files that stop start-up', () => {
  const startFails = async (file: string, pattern: RegExp, format = 'roles') => {
    await assert.rejects(
      startApi({ defaults: { property_protection_file: file, property_protection_rule_format: format } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, pattern);
        return true;
      },
    );
  };

  test('"@" and "!" together', () => startFails(fixture('invalid-both.conf'), /invalid-both\.conf:2: \[\^x_bad_\] create = .*"@" and "!" are mutually exclusive/));
  test('an operation missing', () => startFails(fixture('invalid-missing-op.conf'), /invalid-missing-op\.conf: \[\^x_partial_\] has no "delete" rule/));
  test('an invalid regular expression', () => startFails(fixture('invalid-regex.conf'), /invalid-regex\.conf: \[x_\(unclosed\] is not a valid regular expression/));
  test('a file that does not exist', () => startFails(fixture('nowhere.conf'), /property protection file .*nowhere\.conf was not found/));
  test('several policies for one operation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glance-pp-'));
    try {
      writeFileSync(join(dir, 'pp.conf'), '[^x_]\ncreate = a,b\nread = @\nupdate = @\ndelete = @\n');
      await startFails(join(dir, 'pp.conf'), /pp\.conf:2: .*only one policy rule per operation/, 'policies');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a relative property_protection_file is found next to the configuration file; sections are case-sensitive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-pp-conf-'));
  try {
    writeFileSync(join(dir, 'glance-api.conf'), '[DEFAULT]\nproperty_protection_file = pp.conf\n');
    writeFileSync(join(dir, 'pp.conf'), '[DEFAULT]\ndelete = !\n\n[^X_Upper]\ncreate = admin\nread = @\nupdate = admin\n\n[^x_upper]\nCREATE = @\nread = @\nupdate = @\ndelete = @\n');
    const config = loadConfig({ configFiles: [join(dir, 'glance-api.conf')], configDirs: [] });
    const engine = new PolicyEngine({ enforceNewDefaults: true, enforceScope: false, defaultRule: 'default' });
    const rules = PropertyProtections.load({ file: 'pp.conf', format: 'roles', searchDirs: policySlice(config).searchDirs, engine });
    assert.equal(rules.file, join(dir, 'pp.conf'));
    const ctx = {
      requestId: 'req-1', userId: 'u', projectId: 'p', userDomainId: null, projectDomainId: null, roles: ['member'],
      systemScope: null, serviceRoles: [], isAdmin: false, authToken: null,
    };
    const image = { properties: {} } as never;
    assert.equal(rules.allows(ctx, image, 'X_Upper_1', 'create'), false, '[^X_Upper] wants admin');
    assert.equal(rules.allows(ctx, image, 'X_Upper_1', 'delete'), false, 'delete comes from [DEFAULT]');
    assert.equal(rules.allows(ctx, image, 'x_upper_1', 'create'), true, '[^x_upper] is a different section');
    assert.equal(rules.allows({ ...ctx, roles: [], serviceRoles: ['admin'] }, image, 'X_Upper_1', 'create'), true, 'service roles count');
    assert.equal(rules.allows(ctx, image, 'os_glance_x', 'delete'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * `[oslo_policy] policy_file` overrides take effect through the API: a denied rule's 403 text,
 * the 404 for images `get_image` refuses (show, and silently dropped from listings), rules on
 * extra properties, rules made more permissive — and the relative `policy_file` name being
 * found next to the configuration file, as oslo.config's `find_file` does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { policySlice } from '../../src/config/slices.js';
import { policyEngineFromConfig } from '../../src/policy/policy-engine.js';
import { PROJECTS, startApi, type ApiHarness } from './api-harness.js';

const POLICY = [
  '# operator overrides',
  '"get_image": "role:admin or project_id:%(project_id)s"',
  '"publicize_image": "role:member"',
  '"download_image": "role:admin"',
  '"add_member": "role:admin"',
  // Only images carrying the extra property deletable=yes may be deleted, even by their owner.
  '"delete_image": "role:admin or (project_id:%(owner)s and \'yes\':%(deletable)s)"',
].join('\n');

describe('policy.yaml overrides through the API', () => {
  let api: ApiHarness;
  let dir: string;
  const message = (res: { body: string }) => String((JSON.parse(res.body) as { message: string }).message).split('<br')[0];
  const create = async (body: Record<string, unknown>) => {
    const res = await api.call('demo', 'POST', '/v2/images', { body });
    assert.equal(res.statusCode, 201, res.body);
    return (JSON.parse(res.body) as { id: string; visibility: string });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glance-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), `${POLICY}\n`);
    api = await startApi({ osloPolicy: { policy_file: join(dir, 'policy.yaml') } });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a rule made more permissive: a member may publicize', async () => {
    const image = await create({ name: 'pub', visibility: 'public' });
    assert.equal(image.visibility, 'public');
  });

  test('get_image narrowed: other projects\' public images are 404 and left out of listings', async () => {
    const res = await api.call('admin', 'POST', '/v2/images', { body: { name: 'admins-public', visibility: 'public' } });
    const theirs = (JSON.parse(res.body) as { id: string }).id;
    const mine = await create({ name: 'mine' });
    const show = await api.call('demo', 'GET', `/v2/images/${theirs}`);
    assert.equal(show.statusCode, 404);
    assert.equal(message(show), 'The resource could not be found.');
    const patch = await api.call('demo', 'PATCH', `/v2/images/${theirs}`, {
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      body: [{ op: 'replace', path: '/name', value: 'x' }],
    });
    assert.equal(patch.statusCode, 404, 'a refused rule on an image one cannot get_image is a 404');
    const list = JSON.parse((await api.call('demo', 'GET', '/v2/images?visibility=public')).body) as { images: Array<{ id: string }> };
    const ids = list.images.map((i) => i.id);
    assert.ok(!ids.includes(theirs));
    assert.equal((await api.call('demo', 'GET', `/v2/images/${mine.id}`)).statusCode, 200);
    assert.equal((await api.call('admin', 'GET', `/v2/images/${theirs}`)).statusCode, 200);
  });

  test('download_image narrowed to admins: the owner gets the rule\'s 403', async () => {
    const image = await create({ name: 'data', disk_format: 'raw', container_format: 'bare' });
    const up = await api.call('demo', 'PUT', `/v2/images/${image.id}/file`, {
      body: 'bytes', headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(up.statusCode, 204, up.body);
    const res = await api.call('demo', 'GET', `/v2/images/${image.id}/file`);
    assert.equal(res.statusCode, 403);
    assert.equal(message(res), 'You are not authorized to complete download_image action.');
    assert.equal((await api.call('admin', 'GET', `/v2/images/${image.id}/file`)).body, 'bytes');
  });

  test('add_member narrowed to admins', async () => {
    const image = await create({ name: 'share', visibility: 'shared' });
    const res = await api.call('demo', 'POST', `/v2/images/${image.id}/members`, { body: { member: PROJECTS.quota } });
    assert.equal(res.statusCode, 403);
    assert.equal(message(res), 'You are not authorized to complete add_member action.');
    assert.equal((await api.call('admin', 'POST', `/v2/images/${image.id}/members`, { body: { member: PROJECTS.quota } })).statusCode, 200);
  });

  test('a rule on an extra property: only images marked deletable=yes may be deleted', async () => {
    const keep = await create({ name: 'keep' });
    const res = await api.call('demo', 'DELETE', `/v2/images/${keep.id}`);
    assert.equal(res.statusCode, 403);
    assert.equal(message(res), 'You are not authorized to complete delete_image action.');
    const go = await create({ name: 'go', deletable: 'yes' });
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${go.id}`)).statusCode, 204);
  });
});

test('a relative policy_file is found next to the configuration file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-policy-conf-'));
  try {
    writeFileSync(join(dir, 'glance-api.conf'), '[oslo_policy]\npolicy_file = my-rules.yaml\nenforce_new_defaults = False\n');
    writeFileSync(join(dir, 'my-rules.yaml'), 'get_images: "!"\n');
    const config = loadConfig({ configFiles: [join(dir, 'glance-api.conf')], configDirs: [] });
    const slice = policySlice(config);
    assert.equal(slice.enforceNewDefaults, false);
    assert.equal(slice.enforceScope, true, 'the 2023.1+ default');
    assert.equal(slice.searchDirs[0], dir);
    const { engine, files } = policyEngineFromConfig(slice);
    assert.ok(files.includes(join(dir, 'my-rules.yaml')));
    assert.equal(engine.allows('get_images', { project_id: 'p' }, { roles: ['admin'], project_id: 'p' }), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Unified limits end to end: glance-api as a process with the install guide's
 * `use_keystone_limits = True` and `[oslo_limit]`, the real Keystone on :5000 with the guide's
 * four registered limits (scripts/keystone.sh seed), and a project of the test's own whose
 * overrides are made with the real `openstack limit create|set`. `limits_cache_time = 1`, so an
 * override takes effect within a second or so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { ensureKeystone, keystoneIni, type KeystoneFacts } from '../auth/keystone-fixture.js';
import { readRef } from '../http/helpers.js';
import { createQuotaProject, unifiedLimitsIni, type QuotaProject } from './limits-fixture.js';

const MIB = 1024 * 1024;
const CACHE_SECONDS = 1;

interface Answer { status: number; text: string; json: Record<string, unknown> }

describe('unified limits with the real Keystone', () => {
  let ks: KeystoneFacts;
  let api: ApiProcess;
  let project: QuotaProject;
  let token: string;

  before(async () => {
    ks = await ensureKeystone();
    project = await createQuotaProject(ks);
    token = await project.token();
    api = await startApi(`${keystoneIni(ks)}\n${unifiedLimitsIni(ks, [`limits_cache_time = ${CACHE_SECONDS}`])}`, { workers: 2 });
  });
  after(async () => {
    await api?.stop();
    await project?.remove();
  });

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const raw = body instanceof Buffer;
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        'x-auth-token': token, accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
    return { status: res.status, text, json };
  }
  const create = (name: string) => call('POST', '/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
  const usage = async () => (await call('GET', '/v2/info/usage')).json.usage as Record<string, { usage: number; limit: number }>;
  const overMessage = (resource: string, limit: number, current: number, delta: number) =>
    'The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a quota threshold was breached.\n\n'
    + `The response body:\nProject ${project.projectId} is over a limit for [Resource ${resource} is over limit of ${limit} due to current usage ${current} and delta ${delta}]<br /><br />\n\n\n`;
  const settle = () => new Promise((r) => setTimeout(r, CACHE_SECONDS * 1000 + 300));
  const deleteAll = async () => {
    const list = (await call('GET', '/v2/images?limit=100')).json.images as Array<{ id: string; owner: string }>;
    for (const img of list.filter((i) => i.owner === project.projectId)) assert.equal((await call('DELETE', `/v2/images/${img.id}`)).status, 204);
  };

  it('reports the registered default limits and zero usage for a new project, byte for byte as Glance (ref 014)', async () => {
    const ref = readRef('014-info-usage-demo.txt');
    const res = await call('GET', '/v2/info/usage');
    assert.equal(res.status, ref.status);
    assert.equal(res.text, ref.body);
    assert.deepEqual(await usage(), {
      image_size_total: { usage: 0, limit: 1000 },
      image_stage_total: { usage: 0, limit: 1000 },
      image_count_total: { usage: 0, limit: 100 },
      image_count_uploading: { usage: 0, limit: 100 },
    });
  });

  it('creates images up to image_count_total, then 413; an override raised or lowered takes effect within the cache time', async () => {
    project.setLimit('image_count_total', 2);
    await settle();
    assert.equal((await create('c1')).status, 201);
    assert.equal((await create('c2')).status, 201);
    const over = await create('c3');
    assert.equal(over.status, 413);
    assert.equal(over.json.message, overMessage('image_count_total', 2, 2, 1));
    assert.equal(over.json.title, 'Request Entity Too Large');

    project.setLimit('image_count_total', 3);
    await settle();
    assert.equal((await create('c3')).status, 201);
    project.setLimit('image_count_total', 1);
    await settle();
    assert.equal((await create('c4')).status, 413);
    assert.equal((await usage()).image_count_total!.usage, 3);
    await deleteAll();
  });

  it('ten parallel creates against a limit of five, over two worker processes, make exactly five', async () => {
    project.setLimit('image_count_total', 5);
    await settle();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => create(`race-${i}`)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 201, 201, 201, 413, 413, 413, 413, 413]);
    assert.equal((await usage()).image_count_total!.usage, 5);
    await deleteAll();
    project.setLimit('image_count_total', 100);
    await settle();
  });

  it('counts image_size_total in MiB over every location; an upload with the project over it is refused and the image stays queued', async () => {
    project.setLimit('image_size_total', 1);
    await settle();
    const first = (await create('s1')).json.id as string;
    assert.equal((await call('PUT', `/v2/images/${first}/file`, Buffer.alloc(2 * MIB, 1))).status, 204);
    assert.equal((await usage()).image_size_total!.usage, 2);
    const second = (await create('s2')).json.id as string;
    const refused = await call('PUT', `/v2/images/${second}/file`, Buffer.alloc(MIB, 2));
    assert.equal(refused.status, 413);
    assert.equal(refused.json.message, overMessage('image_size_total', 1, 2, 0));
    assert.equal((await call('GET', `/v2/images/${second}`)).json.status, 'queued');
    await deleteAll();
    project.setLimit('image_size_total', 1000);
  });

  it('counts image_stage_total on stage: staged data counts until the limit refuses more', async () => {
    project.setLimit('image_stage_total', 1);
    await settle();
    const first = (await create('st1')).json.id as string;
    assert.equal((await call('PUT', `/v2/images/${first}/stage`, Buffer.alloc(3 * MIB, 3))).status, 204);
    assert.equal((await usage()).image_stage_total!.usage, 3);
    assert.equal((await usage()).image_count_uploading!.usage, 1);
    const second = (await create('st2')).json.id as string;
    const refused = await call('PUT', `/v2/images/${second}/stage`, Buffer.alloc(MIB, 4));
    assert.equal(refused.status, 413);
    assert.equal(refused.json.message, overMessage('image_stage_total', 1, 3, 0));
    assert.equal((await call('GET', `/v2/images/${second}`)).json.status, 'queued');
    await deleteAll();
    project.setLimit('image_stage_total', 1000);
  });

  it('counts image_count_uploading while an upload is in flight: a second concurrent upload gets 413', async () => {
    project.setLimit('image_count_uploading', 1);
    await settle();
    const slow = (await create('u1')).json.id as string;
    const other = (await create('u2')).json.id as string;
    // The first upload sends half its data and waits, holding the image in `saving`.
    let finish!: () => void;
    const firstDone = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${api.url}/v2/images/${slow}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(2 * MIB) },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.write(Buffer.alloc(MIB, 5));
      finish = () => req.end(Buffer.alloc(MIB, 6));
    });
    for (let i = 0; (await call('GET', `/v2/images/${slow}`)).json.status !== 'saving'; i++) {
      assert.ok(i < 100, 'the first upload never reached saving');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await usage()).image_count_uploading!.usage, 1);
    const refused = await call('PUT', `/v2/images/${other}/file`, Buffer.alloc(MIB, 7));
    assert.equal(refused.status, 413);
    assert.equal(refused.json.message, overMessage('image_count_uploading', 1, 2, 0));
    assert.equal((await call('GET', `/v2/images/${other}`)).json.status, 'queued');
    finish();
    assert.equal(await firstDone, 204);
    assert.equal((await call('GET', `/v2/images/${slow}`)).json.status, 'active');
    assert.equal((await usage()).image_count_uploading!.usage, 0);
    await deleteAll();
    project.setLimit('image_count_uploading', 100);
  });

  it('/v2/info/usage equals the counts', async () => {
    project.setLimit('image_count_total', 7);
    await settle();
    const active = (await create('a')).json.id as string;
    assert.equal((await call('PUT', `/v2/images/${active}/file`, Buffer.alloc(5 * MIB + 10, 8))).status, 204);
    const staged = (await create('b')).json.id as string;
    assert.equal((await call('PUT', `/v2/images/${staged}/stage`, Buffer.alloc(2 * MIB, 9))).status, 204);
    await create('c');
    assert.deepEqual(await usage(), {
      image_size_total: { usage: 5, limit: 1000 },
      image_stage_total: { usage: 2, limit: 1000 },
      image_count_total: { usage: 3, limit: 7 },
      image_count_uploading: { usage: 1, limit: 100 },
    });
    await deleteAll();
  });
});

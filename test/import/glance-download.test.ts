/**
 * The glance-download import method between two regions of the real Keystone: two glance-api
 * processes (each its own database and store), each registered as its own catalog region. An
 * image of the remote region is imported into the local one with the caller's token: same data,
 * the `[glance_download_properties] extra_properties` copied, other properties not. Also
 * Glance's request checks (refs: the controller's 400s for the remote image fields).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { registerRegion, type CatalogRegion } from '../auth/catalog-region.js';
import { ensureKeystone, issueToken, keystoneIni, type KeystoneFacts } from '../auth/keystone-fixture.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('glance-download from another region', () => {
  let ks: KeystoneFacts;
  let remote: ApiProcess;
  let local: ApiProcess;
  const regions: CatalogRegion[] = [];
  let token: string;

  before(async () => {
    ks = await ensureKeystone();
    remote = await startApi(keystoneIni(ks));
    regions.push(await registerRegion(ks, remote.url));
    local = await startApi([
      keystoneIni(ks),
      '[DEFAULT]',
      'enabled_import_methods = [glance-direct,web-download,copy-image,glance-download]',
      '[import_filtering_opts]',
      'allowed_hosts = 127.0.0.1',
      `allowed_ports = ${remote.port}`,
    ].join('\n'));
    regions.push(await registerRegion(ks, local.url));
    token = (await issueToken(ks, 'demo')).token;
  });
  after(async () => {
    for (const r of regions) await r.remove();
    await local?.stop();
    await remote?.stop();
  });

  const call = async (node: ApiProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = Buffer.isBuffer(body);
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { 'x-auth-token': token, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : {} };
  };
  const create = async (node: ApiProcess, extra: Record<string, string> = {}) =>
    (await call(node, 'POST', '/v2/images', { name: 'gd', disk_format: 'raw', container_format: 'bare', ...extra })).json.id as string;

  test('imports the remote image: same data, hw_*/os_distro copied, other properties not', async () => {
    const data = randomBytes(1024 * 1024 + 7);
    const source = await create(remote, { hw_disk_bus: 'scsi', os_distro: 'cirros', site_note: 'remote only' });
    assert.equal((await call(remote, 'PUT', `/v2/images/${source}/file`, data)).status, 204);

    const target = await create(local);
    const accepted = await call(local, 'POST', `/v2/images/${target}/import`, {
      method: { name: 'glance-download', glance_region: regions[0]!.region, glance_image_id: source },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    let image: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      image = (await call(local, 'GET', `/v2/images/${target}`)).json;
      if (image.status === 'active' || image.status === 'queued' && i > 5) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const tasks = (await call(local, 'GET', `/v2/images/${target}/tasks`)).json.tasks as Array<Record<string, unknown>>;
    assert.equal(image.status, 'active', String(tasks[0]?.message));
    assert.equal(image.checksum, md5(data));
    assert.equal(image.hw_disk_bus, 'scsi');
    assert.equal(image.os_distro, 'cirros');
    assert.ok(!('site_note' in image));
    const input = tasks[0]!.input as { import_req: { method: Record<string, unknown> } };
    assert.equal(input.import_req.method.glance_service_interface, 'public');
  });

  test('Glance\'s checks of the remote image fields', async () => {
    const target = await create(local);
    const message = async (method: Record<string, unknown>) => {
      const res = await call(local, 'POST', `/v2/images/${target}/import`, { method: { name: 'glance-download', ...method } });
      return [res.status, String(res.json.message).replace('<br /><br />\n\n\n', '')];
    };
    assert.deepEqual(await message({ glance_image_id: target }), [400, "'glance_region' needs to be set for glance-download import method"]);
    assert.deepEqual(await message({ glance_region: 'r' }), [400, "'glance_image_id' needs to be set for glance-download import method"]);
    assert.deepEqual(await message({ glance_region: 'r', glance_image_id: 'nope' }), [400, 'Remote image id does not look like a UUID: nope']);
    // Not enabled on the remote node (the default methods).
    const other = await create(remote);
    assert.deepEqual((await call(remote, 'POST', `/v2/images/${other}/import`, { method: { name: 'glance-download', glance_region: 'r', glance_image_id: other } })).status, 400);
  });
});

/**
 * The location operations of `PATCH /v2/images/{id}` (inventory §2.4) against the real
 * application with an `http` store (`web`) reading a local web server: add at a position,
 * replace (metadata only once non-empty), remove, with Glance's status rules, validation data,
 * duplicates, `image_location_quota` and `user_storage_quota` (413), removal of the data of a
 * removed file location, and 403 for everything while `show_multiple_locations` is off.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PROJECTS } from '../api/api-harness.js';
import { startDataApi, type Answer, type DataApi } from '../data/data-harness.js';
import { startWebImages, type WebImages } from './web-images.js';

const PATCH_TYPE = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('PATCH location operations with show_multiple_locations', () => {
  let api: DataApi;
  let web: WebImages;

  before(async () => {
    web = await startWebImages();
    api = await startDataApi({
      ini: {
        DEFAULT: {
          enabled_backends: 'fs:file,web:http', show_multiple_locations: 'True', image_location_quota: '2', user_storage_quota: '1MB',
        },
        import_filtering_opts: { allowed_hosts: '127.0.0.1', allowed_ports: String(web.port) },
      },
    });
  });
  after(async () => {
    await api?.close();
    await web?.close();
  });

  const patch = (id: string, ops: unknown[], headers: Record<string, string> = {}, user: 'demo' | 'admin' = 'demo'): Promise<Answer> =>
    api.call(user, 'PATCH', `/v2/images/${id}`, { body: ops, headers: { ...PATCH_TYPE, ...headers } });
  const body = (res: Answer): Record<string, unknown> => JSON.parse(res.text) as Record<string, unknown>;
  const loc = (path: string, metadata: Record<string, unknown> = {}) => ({ url: web.url(path), metadata });
  const stored = (path: string, metadata: Record<string, unknown> = {}) => ({ url: web.url(path), metadata: { ...metadata, store: 'web' } });

  test('a caller get_image_location refuses (another project seeing a public image) gets no locations, direct_url or stores', async () => {
    const id = await api.create('admin', { disk_format: 'raw', visibility: 'public' });
    assert.equal((await patch(id, [{ op: 'add', path: '/locations/-', value: loc('/small.img') }], {}, 'admin')).status, 200);
    assert.deepEqual((await api.image(id, 'admin')).locations, [stored('/small.img')]);
    const other = await api.call('demo', 'GET', `/v2/images/${id}`);
    assert.equal(other.status, 200);
    const seen = body(other);
    assert.deepEqual(seen.locations, []);
    assert.ok(!('direct_url' in seen) && !('stores' in seen));
    const listed = (body(await api.call('demo', 'GET', '/v2/images?visibility=public&limit=1000')).images as Array<Record<string, unknown>>)
      .find((i) => i.id === id);
    assert.deepEqual(listed?.locations, []);
  });

  test('add to a queued image: active at once, size from a HEAD, no hashing; a second one appended; order of positions', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const gets = web.seen.filter((s) => s.startsWith('GET')).length;
    let res = await patch(id, [{ op: 'add', path: '/locations/-', value: loc('/small.img', { foo: 'bar' }) }]);
    assert.equal(res.status, 200, res.text);
    let image = body(res);
    assert.equal(image.status, 'active');
    assert.equal(image.size, web.small.length);
    assert.equal(image.checksum, null);
    assert.equal(image.os_hash_value, null);
    assert.deepEqual(image.locations, [stored('/small.img', { foo: 'bar' })]);
    assert.equal(web.seen.filter((s) => s.startsWith('GET')).length, gets, 'the data is not read');

    res = await patch(id, [{ op: 'add', path: '/locations/0', value: loc('/small.img#new', { speed: '88mph' }) }]);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(body(res).locations, [stored('/small.img#new', { speed: '88mph' }), stored('/small.img', { foo: 'bar' })]);
    image = await api.image(id, 'demo');
    assert.equal((image.locations as unknown[]).length, 2);
    assert.equal(image.status, 'active');
    const updates = api.notifications().filter((n) => n.event_type === 'image.update' && (n.payload as { id: string }).id === id);
    assert.equal(updates.length, 2);
  });

  test('replace: the same list or new metadata is accepted; dropping or changing a URL is 400, nothing changed', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await patch(id, [{ op: 'replace', path: '/locations', value: [loc('/small.img'), loc('/small.img#b')] }])).status, 200);
    const original = (await api.image(id, 'demo')).locations as Array<{ url: string; metadata: Record<string, unknown> }>;
    assert.equal((await patch(id, [{ op: 'replace', path: '/locations', value: original }])).status, 200);
    original[0]!.metadata.date = '2015-10-15';
    assert.equal((await patch(id, [{ op: 'replace', path: '/locations', value: original }])).status, 200);
    const dropped = await patch(id, [{ op: 'replace', path: '/locations', value: [original[0]] }]);
    assert.equal(dropped.status, 400);
    assert.ok(dropped.text.includes('Original locations is not empty'), dropped.text);
    assert.equal((await patch(id, [{ op: 'replace', path: '/locations', value: [original[0], loc('/small.img#c')] }])).status, 400);
    assert.deepEqual((await api.image(id, 'demo')).locations, original);
    const empty = await patch(id, [{ op: 'replace', path: '/locations', value: [] }]);
    assert.equal(empty.status, 403);
  });

  // `delete_image_location` is admin-only by default.
  test('remove: a location goes, the last one cannot (403), and not while queued (409); a removed file location loses its file', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const data = randomBytes(8192);
    assert.equal((await api.upload('demo', id, data)).status, 204);
    assert.ok((await api.entries(api.dataDir)).includes(id));
    assert.equal((await patch(id, [{ op: 'add', path: '/locations/-', value: loc('/small.img#copy') }])).status, 200);
    const owner = await patch(id, [{ op: 'remove', path: '/locations/0' }]);
    assert.equal(owner.status, 403);
    assert.ok(owner.text.includes('delete_image_location'), owner.text);
    const res = await patch(id, [{ op: 'remove', path: '/locations/0' }], {}, 'admin');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(body(res).locations, [stored('/small.img#copy')]);
    assert.equal((await api.entries(api.dataDir)).includes(id), false, 'the file of the removed location is deleted');
    const last = await patch(id, [{ op: 'remove', path: '/locations/0' }], {}, 'admin');
    assert.equal(last.status, 403);
    assert.ok(last.text.includes('Cannot remove last location in the image.'), last.text);
    assert.equal((await patch(id, [{ op: 'remove', path: '/locations/5' }], {}, 'admin')).status, 403, 'the last-location rule comes first');

    const queued = await api.create('demo', { disk_format: 'raw' });
    const refused = await patch(queued, [{ op: 'remove', path: '/locations/0' }], {}, 'admin');
    assert.equal(refused.status, 409);
    assert.ok(refused.text.includes("It's not allowed to remove locations if image status is queued."), refused.text);
  });

  test('refusals: position, URL, duplicate, location quota, storage quota, status, policy', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const expect = async (ops: unknown[], status: number, text: string, headers?: Record<string, string>) => {
      const res = await patch(id, ops, headers);
      assert.equal(res.status, status, `${JSON.stringify(ops)}: ${res.text}`);
      assert.ok(res.text.includes(text), `${JSON.stringify(ops)}: ${res.text}`);
    };
    await expect([{ op: 'add', path: '/locations/x', value: loc('/small.img') }], 400, 'Invalid position for adding a location.');
    await expect([{ op: 'add', path: '/locations/-', value: { url: 'gopher://info.cern.ch', metadata: {} } }], 400, 'Invalid location');
    await expect([{ op: 'add', path: '/locations/-', value: { url: `file://${api.dataDir}/x`, metadata: {} } }], 400, 'Invalid location');
    await expect([{ op: 'add', path: '/locations/-', value: loc('/missing.img') }], 400, 'Invalid location');
    await expect([{ op: 'add', path: '/locations/-', value: loc('/small.img', { n: 1 }) }], 400, 'invalid type of int');
    await expect([{ op: 'add', path: '/locations/-', value: loc('/big.img') }], 413,
      'Denying attempt to upload image because it exceeds the quota: The size of the data 2097152 will exceed the limit.');
    await expect([{ op: 'add', path: '/locations/-', value: loc('/small.img') }], 403, 'set_image_location',
      { 'x-project-id': PROJECTS.demo, 'x-roles': 'reader' });

    assert.equal((await patch(id, [{ op: 'add', path: '/locations/-', value: loc('/small.img') }])).status, 200);
    await expect([{ op: 'add', path: '/locations/-', value: loc('/small.img') }], 400, `The location ${web.url('/small.img')} already exists`);
    assert.equal((await patch(id, [{ op: 'add', path: '/locations/-', value: loc('/small.img', { a: 'b' }) }])).status, 200);
    await expect([{ op: 'add', path: '/locations/-', value: loc('/small.img#3') }], 413,
      'The limit has been exceeded on the number of allowed image locations. Attempted: 3, Maximum: 2');

    assert.equal((await api.call('demo', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    await expect([{ op: 'add', path: '/locations/-', value: loc('/small.img#4') }], 409, "It's not allowed to add locations if image status is deactivated.");
    await expect([{ op: 'replace', path: '/locations', value: [loc('/small.img')] }], 409, "It's not allowed to replace locations if image status is deactivated.");
  });

  test('validation data: recorded on a queued image, accepted again when equal, 409 when different', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const vd = { checksum: '1'.repeat(32), os_hash_value: 'deadbeef'.repeat(16), os_hash_algo: 'sha512' };
    const res = await patch(id, [{ op: 'add', path: '/locations/-', value: { ...loc('/small.img'), validation_data: vd } }]);
    assert.equal(res.status, 200, res.text);
    const image = body(res);
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, vd.checksum);
    assert.equal(image.os_hash_value, vd.os_hash_value);
    assert.equal(image.os_hash_algo, 'sha512');
    assert.deepEqual(image.locations, [stored('/small.img')], 'validation_data is not kept on the location');
    assert.equal((await patch(id, [{ op: 'add', path: '/locations/-', value: { ...loc('/small.img#new'), validation_data: vd } }])).status, 200);
    const different: Array<[Record<string, string>, string]> = [
      [{ ...vd, checksum: '2'.repeat(32) }, 'checksum is already set with a different value'],
      [{ ...vd, os_hash_value: 'beefdead'.repeat(16) }, 'os_hash_value is already set with a different value'],
      [{ ...vd, os_hash_algo: 'sha256' }, 'os_hash_algo is already set with a different value'],
    ];
    for (const [data, why] of different) {
      const refused = await patch(id, [{ op: 'replace', path: '/locations', value: [{ ...loc('/small.img'), validation_data: data }, stored('/small.img#new')] }]);
      assert.equal(refused.status, 409, refused.text);
      assert.ok(refused.text.includes(why), refused.text);
    }
    const fresh = await api.create('demo', { disk_format: 'raw' });
    const algo = await patch(fresh, [{ op: 'add', path: '/locations/-', value: { ...loc('/small.img'), validation_data: { ...vd, os_hash_algo: 'sha256', os_hash_value: 'ab'.repeat(32) } } }]);
    assert.equal(algo.status, 409);
    assert.ok(algo.text.includes('os_hash_algo must be sha512, not sha256'), algo.text);
  });
});

describe('PATCH location operations without show_multiple_locations', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { enabled_backends: 'fs:file,web:http' } } });
  });
  after(async () => {
    await api?.close();
  });

  test('every location operation is 403', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const cases: Array<[unknown, string]> = [
      [{ op: 'add', path: '/locations/-', value: { url: 'http://127.0.0.1/x', metadata: {} } }, 'add'],
      [{ op: 'replace', path: '/locations', value: [{ url: 'http://127.0.0.1/x', metadata: {} }] }, 'update'],
      [{ op: 'remove', path: '/locations/0' }, 'remove'],
    ];
    for (const [op, verb] of cases) {
      const res = await api.call('demo', 'PATCH', `/v2/images/${id}`, { body: [op], headers: PATCH_TYPE });
      assert.equal(res.status, 403, res.text);
      assert.ok(res.text.includes(`It's not allowed to ${verb} locations if locations are invisible.`), res.text);
    }
    assert.equal((await api.image(id)).status, 'queued');
  });
});

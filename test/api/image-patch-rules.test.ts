/**
 * One test per PATCH rule, through HTTP on the real application (the pure rules are unit-tested
 * in src/services/image-patch.test.ts; these prove the wiring: media types, body parsing order,
 * access checks, persistence and Glance's error bodies).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS, startApi, type ApiHarness, type RefUser } from './api-harness.js';
import { assertError, errorMessage } from './api-assert.js';

const V21 = 'application/openstack-images-v2.1-json-patch';
const V20 = 'application/openstack-images-v2.0-json-patch';

type ImageJson = Record<string, unknown> & { id: string };

let api: ApiHarness;

before(async () => {
  api = await startApi({ defaults: { image_property_quota: '3', image_tag_quota: '3' } });
});

after(async () => {
  await api.close();
});

async function fresh(user: RefUser = 'demo', body: Record<string, unknown> = {}): Promise<ImageJson> {
  const res = await api.call(user, 'POST', '/v2/images', { body: { name: 'img', disk_format: 'qcow2', container_format: 'bare', ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return JSON.parse(res.body) as ImageJson;
}

function patch(id: string, body: unknown, opts: { user?: RefUser; type?: string } = {}) {
  return api.call(opts.user ?? 'demo', 'PATCH', `/v2/images/${id}`, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': opts.type ?? V21 },
  });
}

async function show(id: string, user: RefUser = 'demo'): Promise<ImageJson> {
  const res = await api.call(user, 'GET', `/v2/images/${id}`);
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body) as ImageJson;
}

test('v2.1: replace, add and remove of base attributes and extra properties are saved and shown', async () => {
  const img = await fresh('demo', { foo: 'bar', tags: ['a'] });
  const res = await patch(img.id, [
    { op: 'replace', path: '/name', value: 'renamed' },
    { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
    { op: 'remove', path: '/foo' },
    { op: 'replace', path: '/tags', value: ['b', 'a', 'b'] },
    { op: 'replace', path: '/min_ram', value: 512 },
    { op: 'replace', path: '/protected', value: true },
    { op: 'replace', path: '/os_hidden', value: true },
  ]);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body) as ImageJson;
  assert.deepEqual(body, await show(img.id));
  assert.equal(body.name, 'renamed');
  assert.equal(body.hw_disk_bus, 'virtio');
  assert.equal('foo' in body, false);
  assert.deepEqual((body.tags as string[]).sort(), ['a', 'b']);
  assert.equal(body.min_ram, 512);
  assert.equal(body.protected, true);
  assert.equal(body.os_hidden, true);
  assert.equal(body.created_at, img.created_at);
  assert.equal(Object.keys(body)[0], 'hw_disk_bus', 'extra properties come first');
});

test('v2.1: add on an existing property overwrites it', async () => {
  const img = await fresh('demo', { foo: 'bar' });
  const res = await patch(img.id, [{ op: 'add', path: '/foo', value: 'baz' }, { op: 'add', path: '/name', value: 'n' }]);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((JSON.parse(res.body) as ImageJson).foo, 'baz');
});

test('v2.0 media type: draft-04 operations apply; add on an existing property is 409', async () => {
  const img = await fresh('demo', { foo: 'bar' });
  const ok = await patch(img.id, [{ replace: '/name', value: 'n2' }, { add: '/fresh', value: 'x' }], { type: V20 });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((JSON.parse(ok.body) as ImageJson).fresh, 'x');
  assertError(await patch(img.id, [{ add: '/foo', value: 'x' }], { type: V20 }), 409, { detail: 'Property foo already present.' });
  assertError(await patch(img.id, [{ add: '/name', value: 'x' }], { type: V20 }), 409, { detail: 'Property name already present.' });
  assertError(await patch(img.id, [{ add: '/a', replace: '/b', value: 'x' }], { type: V20 }), 400,
    { message: 'Operation objects must contain only one member named "add", "remove", or "replace".' });
  assertError(await patch(img.id, [{ op: 'add', path: '/a', value: 'x' }], { type: V20 }), 400,
    { message: 'Operation objects must contain exactly one member named "add", "remove", or "replace".' });
});

test('415 names the request media type, lists Accept-Patch, and wins over a malformed body', async () => {
  const img = await fresh();
  for (const type of ['application/json', 'application/json-patch+json', 'text/plain; charset=utf-8']) {
    const res = await patch(img.id, '[{"op": "replace"', { type });
    assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
    assert.equal(res.headers['accept-patch'], `${V20}, ${V21}`);
    assert.equal(JSON.parse(res.body).message, `The request media type ${type} is not supported by this server.\n<br /><br />\n`);
  }
  const withParams = await patch(img.id, [{ op: 'replace', path: '/name', value: 'p' }], { type: `${V21}; charset=UTF-8` });
  assert.equal(withParams.statusCode, 200, withParams.body);
});

test('body shape errors come before the image lookup', async () => {
  const missing = '2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec';
  const empty = await api.call('demo', 'PATCH', `/v2/images/${missing}`, { headers: { 'content-type': V21 } });
  assertError(empty, 400, { message: 'Body expected in request.' });
  assertError(await patch(missing, '{"name": '), 400, { message: 'Malformed JSON in request body.' });
  assertError(await patch(missing, {}), 400, { message: 'Request body must be a JSON array of operation objects.' });
  assertError(await patch(missing, [1]), 400, { message: 'Operations must be JSON objects.' });
  assertError(await patch(missing, [{ op: 'replace', path: '/status', value: 'x' }]), 403, { message: "Attribute 'status' is read-only." });
  assertError(await patch(missing, []), 404, { message: `No image found with ID ${missing}` });
});

test('operation errors: missing or unknown op, missing path, missing value', async () => {
  const img = await fresh();
  const ops = 'add, remove, replace';
  assertError(await patch(img.id, [{ path: '/name', value: 'x' }]), 400,
    { message: `Unable to find \`op\` in JSON Schema change. It must be one of the following: ${ops}.` });
  for (const op of ['move', 'copy', 'test']) {
    assertError(await patch(img.id, [{ op, path: '/name', from: '/x' }]), 400,
      { message: `Invalid operation: \`${op}\`. It must be one of the following: ${ops}.` });
  }
  assertError(await patch(img.id, [{ op: 'replace', value: 'x' }]), 400, { message: "Unable to find 'path' in JSON Schema change" });
  assertError(await patch(img.id, [{ op: 'replace', path: '/name' }]), 400, { message: 'Operation "replace" requires a member named "value".' });
  assertError(await patch(img.id, [{ op: 'add', path: '/x' }]), 400, { message: 'Operation "add" requires a member named "value".' });
});

test('JSON pointer errors', async () => {
  const img = await fresh();
  const cases: Array<[string, string]> = [
    ['name', 'Pointer `name` does not start with "/".'],
    ['/a//b', 'Pointer `/a//b` contains adjacent "/".'],
    ['/name/', 'Pointer `/name/` end with "/".'],
    ['/a~2b', 'Pointer `/a~2b` contains "~" not part of a recognized escape sequence.'],
    ['/name/x', "Invalid JSON pointer for this resource: '/name/x'"],
    ['/tags/-', "Invalid JSON pointer for this resource: '/tags/-'"],
  ];
  for (const [path, message] of cases) {
    assertError(await patch(img.id, [{ op: 'replace', path, value: 'x' }]), 400, { message });
  }
  assertError(await patch(img.id, [{ op: 'add', path: '/locations', value: 'x' }]), 400, { message: "Invalid JSON pointer for this resource: '/locations'" });
  // `~1` and `~0` decode to `/` and `~` in a property name.
  const ok = await patch(img.id, [{ op: 'add', path: '/a~1b~0c', value: 'v' }]);
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((JSON.parse(ok.body) as ImageJson)['a/b~c'], 'v');
});

test('read-only attributes are 403 for every operation', async () => {
  const img = await fresh();
  for (const name of ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self',
    'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value']) {
    for (const op of ['add', 'replace', 'remove']) {
      assertError(await patch(img.id, [{ op, path: `/${name}`, value: 'x' }]), 403, { message: `Attribute '${name}' is read-only.` });
    }
  }
});

test('reserved attributes and the os_glance namespace are 403', async () => {
  const img = await fresh();
  for (const name of ['location', 'deleted', 'deleted_at', 'os_glance_import_task', 'os_glance']) {
    assertError(await patch(img.id, [{ op: 'add', path: `/${name}`, value: 'x' }]), 403, { message: `Attribute '${name}' is reserved.` });
  }
});

test('values are validated against the image schema', async () => {
  const img = await fresh();
  const cases: Array<[string, unknown, RegExp]> = [
    ['/min_ram', 'abc', /^Provided object does not match schema 'image': 'abc' is not of type 'integer'\n/],
    ['/visibility', 'secret', /^Provided object does not match schema 'image': 'secret' is not one of \['community', 'public', 'private', 'shared'\]\n/],
    ['/disk_format', 'floppy', /^Provided object does not match schema 'image': 'floppy' is not one of \[None, 'ami'/],
    ['/name', 'x'.repeat(256), /^Provided object does not match schema 'image': 'x{256}' is too long\n/],
    ['/extra', 5, /^Provided object does not match schema 'image': 5 is not of type 'string'\n/],
    ['/tags', ['ok', 't'.repeat(256)], /^Provided object does not match schema 'image': 't{256}' is too long\n/],
  ];
  for (const [path, value, pattern] of cases) {
    const res = await patch(img.id, [{ op: 'replace', path, value }]);
    assert.equal(res.statusCode, 400, res.body);
    assert.match(errorMessage(res), pattern);
  }
});

test('replace or remove of a missing extra property is 409; remove of a base attribute is 403', async () => {
  const img = await fresh();
  assertError(await patch(img.id, [{ op: 'replace', path: '/nosuch', value: 'x' }]), 409, { detail: 'Property nosuch does not exist.' });
  assertError(await patch(img.id, [{ op: 'remove', path: '/nosuch' }]), 409, { detail: 'Property nosuch does not exist.' });
  assertError(await patch(img.id, [{ op: 'remove', path: '/name' }]), 403, { detail: 'Property name may not be removed.' });
  // A failed patch changes nothing, even when earlier operations were valid.
  assertError(await patch(img.id, [{ op: 'replace', path: '/name', value: 'changed' }, { op: 'remove', path: '/nosuch' }]), 409,
    { detail: 'Property nosuch does not exist.' });
  assert.equal((await show(img.id)).name, 'img');
});

test('only an admin may replace the owner', async () => {
  const img = await fresh();
  assertError(await patch(img.id, [{ op: 'replace', path: '/owner', value: PROJECTS.quota }]), 403, { detail: "Owner can't be updated by non admin." });
  const res = await patch(img.id, [{ op: 'replace', path: '/owner', value: PROJECTS.quota }], { user: 'admin' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((JSON.parse(res.body) as ImageJson).owner, PROJECTS.quota);
  // It now belongs to the quota project: a shared image demo is no member of.
  assert.equal((await api.call('demo', 'GET', `/v2/images/${img.id}`)).statusCode, 404);
  assert.equal((await show(img.id, 'quota')).owner, PROJECTS.quota);
});

test('visibility changes: public needs an admin, community and private the owner', async () => {
  const img = await fresh();
  assertError(await patch(img.id, [{ op: 'replace', path: '/visibility', value: 'public' }]), 403,
    { message: 'You are not authorized to complete publicize_image action.' });
  for (const v of ['community', 'private', 'shared']) {
    const res = await patch(img.id, [{ op: 'replace', path: '/visibility', value: v }]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((JSON.parse(res.body) as ImageJson).visibility, v);
  }
  const pub = await patch(img.id, [{ op: 'replace', path: '/visibility', value: 'public' }], { user: 'admin' });
  assert.equal((JSON.parse(pub.body) as ImageJson).visibility, 'public');
});

test('patching an image of another project: 403 per change, the visibility rule first; an empty patch is a read', async () => {
  const other = await fresh('admin', { visibility: 'public' });
  assertError(await patch(other.id, [{ op: 'replace', path: '/name', value: 'hacked' }]), 403, { message: 'You do not own this image' });
  assertError(await patch(other.id, [{ op: 'replace', path: '/visibility', value: 'public' }]), 403,
    { message: 'You are not authorized to complete publicize_image action.' });
  assertError(await patch(other.id, [{ op: 'replace', path: '/visibility', value: 'private' }]), 403, { message: 'You do not own this image' });
  const read = await patch(other.id, []);
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(JSON.parse(read.body), await show(other.id));
  const hidden = await fresh('quota', { visibility: 'private' });
  assertError(await patch(hidden.id, []), 404, { message: `No image found with ID ${hidden.id}` });
});

test('disk and container formats change only while queued', async () => {
  const img = await fresh();
  const ok = await patch(img.id, [{ op: 'replace', path: '/disk_format', value: 'raw' }]);
  assert.equal(ok.statusCode, 200, ok.body);
  await api.markUploaded(img.id);
  for (const name of ['disk_format', 'container_format']) {
    assertError(await patch(img.id, [{ op: 'replace', path: `/${name}`, value: name === 'disk_format' ? 'qcow2' : 'ovf' }]), 403,
      { message: `Attribute ${name} can be only replaced for a queued image.` });
  }
});

test('negative minimums and 4-byte characters are 400', async () => {
  const img = await fresh();
  assertError(await patch(img.id, [{ op: 'replace', path: '/min_ram', value: -1 }]), 400,
    { message: "Invalid value '-1' for parameter 'min_ram': Cannot be a negative value" });
  assertError(await patch(img.id, [{ op: 'replace', path: '/min_disk', value: -5 }]), 400,
    { message: "Invalid value '-5' for parameter 'min_disk': Cannot be a negative value" });
  assertError(await patch(img.id, [{ op: 'replace', path: '/name', value: 'smile \u{1F600}' }]), 400,
    { message: "Name can't contain 4 byte unicode characters." });
  assertError(await patch(img.id, [{ op: 'add', path: '/hw_disk_bus', value: '\u{1F600}' }]), 400,
    { message: "Hw_Disk_Bus can't contain 4 byte unicode characters." });
  assertError(await patch(img.id, [{ op: 'add', path: '/\u{1F600}', value: 'x' }]), 400,
    { message: "Property names can't contain 4 byte unicode." });
});

test('tag and property quotas are 413 with the quota message', async () => {
  const img = await fresh('demo', { a: '1', b: '2' });
  assertError(await patch(img.id, [{ op: 'replace', path: '/tags', value: ['1', '2', '3', '4'] }]), 413,
    { message: 'The limit has been exceeded on the number of allowed image tags. Attempted: 4, Maximum: 3' });
  const third = await patch(img.id, [{ op: 'add', path: '/c', value: '3' }]);
  assert.equal(third.statusCode, 200, third.body);
  assertError(await patch(img.id, [{ op: 'add', path: '/d', value: '4' }]), 413,
    { message: 'The limit has been exceeded on the number of allowed image properties. Attempted: 4, Maximum: 3' });
  // At the limit, changing existing properties is still allowed.
  const replace = await patch(img.id, [{ op: 'replace', path: '/a', value: 'one' }]);
  assert.equal(replace.statusCode, 200, replace.body);
});

test('location operations are refused while locations are invisible (show_multiple_locations is false)', async () => {
  const img = await fresh();
  assertError(await patch(img.id, [{ op: 'add', path: '/locations/-', value: { url: 'http://x/y', metadata: {} } }]), 403,
    { message: "It's not allowed to add locations if locations are invisible." });
  assertError(await patch(img.id, [{ op: 'replace', path: '/locations', value: [{ url: 'http://x/y', metadata: {} }] }]), 403,
    { message: "It's not allowed to update locations if locations are invisible." });
  assertError(await patch(img.id, [{ op: 'replace', path: '/locations', value: [] }]), 403, { detail: 'Cannot set locations to empty list.' });
  assertError(await patch(img.id, [{ op: 'remove', path: '/locations/0' }]), 403,
    { message: "It's not allowed to remove locations if locations are invisible." });
});

test('a successful patch moves updated_at and keeps created_at', async () => {
  const img = await fresh();
  await new Promise((r) => setTimeout(r, 1100));
  const res = await patch(img.id, [{ op: 'replace', path: '/name', value: 'later' }]);
  const body = JSON.parse(res.body) as ImageJson;
  assert.equal(body.created_at, img.created_at);
  assert.notEqual(body.updated_at, img.updated_at);
});

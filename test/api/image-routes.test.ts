/**
 * The image-record routes beyond the recorded session, through HTTP on the real application:
 * body rejection, tags, (de)activation, create-time access rules and quotas, owner-less images
 * of the unauthenticated context, and what a deactivated image shows to whom.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS, startApi, type ApiHarness, type RefUser } from './api-harness.js';
import { assertError, errorMessage } from './api-assert.js';

type ImageJson = Record<string, unknown> & { id: string };

let api: ApiHarness;

before(async () => {
  api = await startApi({ defaults: { image_property_quota: '2', image_tag_quota: '2' } });
});

after(async () => {
  await api.close();
});

async function create(user: RefUser, body: Record<string, unknown> = {}): Promise<ImageJson> {
  const res = await api.call(user, 'POST', '/v2/images', { body: { disk_format: 'qcow2', container_format: 'bare', ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return JSON.parse(res.body) as ImageJson;
}

const MISSING = '2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec';

test('routes Glance marks body_reject answer 400 to any request body, before looking anything up', async () => {
  const img = await create('demo', { tags: ['t'] });
  const routes: Array<[string, string]> = [
    ['GET', `/v2/images/${img.id}`], ['DELETE', `/v2/images/${img.id}`], ['GET', `/v2/images/${MISSING}`],
    ['POST', `/v2/images/${img.id}/actions/deactivate`], ['POST', `/v2/images/${img.id}/actions/reactivate`],
    ['PUT', `/v2/images/${img.id}/tags/x`], ['DELETE', `/v2/images/${img.id}/tags/t`],
    ['GET', '/v2/schemas/image'], ['GET', '/v2/schemas/images'], ['GET', '/v2/schemas/member'], ['GET', '/v2/schemas/members'],
    ['GET', '/v2/schemas/metadefs/namespace'], ['GET', '/v2/schemas/metadefs/tags'],
  ];
  for (const [method, url] of routes) {
    for (const body of ['{}', '{"name": ', 'x']) {
      const res = await api.call('demo', method, url, { body, headers: { 'content-type': 'application/json' } });
      assertError(res, 400, { message: 'A body is not expected with this request.' });
    }
  }
  // Nothing happened to the image.
  const after = await api.call('demo', 'GET', `/v2/images/${img.id}`);
  assert.deepEqual((JSON.parse(after.body) as ImageJson).tags, ['t']);
  // The list and the task schemas take (and ignore) a body.
  for (const url of ['/v2/images', '/v2/schemas/task', '/v2/schemas/tasks']) {
    const res = await api.call('demo', 'GET', url, { body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
  }
  // An empty body is no body.
  const empty = await api.call('demo', 'GET', `/v2/images/${img.id}`, { headers: { 'content-length': '0' } });
  assert.equal(empty.statusCode, 200);
});

test('tags: add is idempotent, names are URL-decoded, delete of an absent tag is the stock 404', async () => {
  const img = await create('demo');
  for (let i = 0; i < 2; i++) {
    const res = await api.call('demo', 'PUT', `/v2/images/${img.id}/tags/a%20b`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal(res.headers['content-length'], '0');
  }
  const shown = JSON.parse((await api.call('demo', 'GET', `/v2/images/${img.id}`)).body) as ImageJson;
  assert.deepEqual(shown.tags, ['a b']);
  assert.equal((await api.call('demo', 'DELETE', `/v2/images/${img.id}/tags/a%20b`)).statusCode, 204);
  assertError(await api.call('demo', 'DELETE', `/v2/images/${img.id}/tags/a%20b`), 404, { stock: true });
});

test('tags: the tag handlers\' own 400/403/404/413 texts', async () => {
  const mine = await create('demo', { tags: ['one'] });
  const theirs = await create('admin', { visibility: 'public' });
  const long = 't'.repeat(256);
  // The tag is validated against the image schema before the image is looked up.
  const tooLong = await api.call('demo', 'PUT', `/v2/images/${MISSING}/tags/${long}`);
  assert.equal(tooLong.statusCode, 400);
  assert.match(errorMessage(tooLong), new RegExp(`^Provided object does not match schema 'image': '${long}' is too long\\n`));
  assertError(await api.call('demo', 'PUT', `/v2/images/${MISSING}/tags/x`), 404, { message: `Image ${MISSING} not found.` });
  assertError(await api.call('demo', 'DELETE', `/v2/images/${MISSING}/tags/x`), 404, { message: `Image ${MISSING} not found.` });
  assertError(await api.call('demo', 'PUT', `/v2/images/${theirs.id}/tags/x`), 403, { message: `Not allowed to update tags for image ${theirs.id}.` });
  assertError(await api.call('demo', 'DELETE', `/v2/images/${theirs.id}/tags/x`), 403, { message: `Not allowed to delete tags for image ${theirs.id}.` });
  assert.equal((await api.call('demo', 'PUT', `/v2/images/${mine.id}/tags/two`)).statusCode, 204);
  // At the quota an existing tag may be added again; a third one is refused.
  assert.equal((await api.call('demo', 'PUT', `/v2/images/${mine.id}/tags/two`)).statusCode, 204);
  assertError(await api.call('demo', 'PUT', `/v2/images/${mine.id}/tags/three`), 413, {
    message: `Image tag limit exceeded for image ${mine.id}: The limit has been exceeded on the number of allowed image tags. Attempted: 3, Maximum: 2:`,
  });
  assert.equal((await api.call('demo', 'DELETE', `/v2/images/${mine.id}/tags/two`)).statusCode, 204);
  assertError(await api.call('demo', 'PUT', `/v2/images/${mine.id}/tags/${encodeURIComponent('\u{1F600}')}`), 400,
    { message: "Could not update image: Param values can't contain 4 byte unicode." });
});

test('deactivate/reactivate: ownership, missing images and statuses', async () => {
  const img = await create('demo');
  const theirs = await create('admin', { visibility: 'public' });
  await api.markUploaded(theirs.id);
  assertError(await api.call('demo', 'POST', `/v2/images/${theirs.id}/actions/deactivate`), 403, { message: 'You do not own this image' });
  assertError(await api.call('demo', 'POST', `/v2/images/${MISSING}/actions/reactivate`), 404, { message: `No image found with ID ${MISSING}` });
  assertError(await api.call('demo', 'POST', `/v2/images/${img.id}/actions/reactivate`), 403,
    { message: "Not allowed to reactivate image in status 'queued'" });
  assertError(await api.call('demo', 'POST', `/v2/images/${img.id}/actions/deactivate`), 403,
    { message: "Not allowed to deactivate image in status 'queued'" });
  // Reactivating an active image is a no-op.
  assert.equal((await api.call('admin', 'POST', `/v2/images/${theirs.id}/actions/reactivate`)).statusCode, 204);
});

test('a deactivated image hides its stores from non-admins only', async () => {
  const img = await create('demo', { name: 'deact' });
  await api.markUploaded(img.id);
  assert.equal((await api.call('demo', 'POST', `/v2/images/${img.id}/actions/deactivate`)).statusCode, 204);
  const mine = JSON.parse((await api.call('demo', 'GET', `/v2/images/${img.id}`)).body) as ImageJson;
  assert.equal(mine.status, 'deactivated');
  assert.equal('stores' in mine, false);
  const listed = JSON.parse((await api.call('demo', 'GET', '/v2/images?name=deact')).body) as { images: ImageJson[] };
  assert.equal('stores' in listed.images[0]!, false);
  const admin = JSON.parse((await api.call('admin', 'GET', `/v2/images/${img.id}`)).body) as ImageJson;
  assert.equal(admin.stores, 'fs');
  assert.equal((await api.call('demo', 'POST', `/v2/images/${img.id}/actions/reactivate`)).statusCode, 204);
  const back = JSON.parse((await api.call('demo', 'GET', `/v2/images/${img.id}`)).body) as ImageJson;
  assert.equal(back.stores, 'fs');
});

test('create: owner rules, publicize rule first, quotas and long property names', async () => {
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { owner: PROJECTS.quota } }), 403,
    { message: `You are not permitted to create images owned by '${PROJECTS.quota}'.` });
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { owner: null } }), 403,
    { message: "You are not permitted to create images owned by 'None'." });
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { owner: PROJECTS.quota, visibility: 'public' } }), 403,
    { message: 'You are not authorized to complete publicize_image action.' });
  const own = await create('demo', { owner: PROJECTS.demo });
  assert.equal(own.owner, PROJECTS.demo);
  const forOther = await create('admin', { owner: PROJECTS.quota });
  assert.equal(forOther.owner, PROJECTS.quota);
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { tags: ['a', 'b', 'c'] } }), 413,
    { message: 'The limit has been exceeded on the number of allowed image tags. Attempted: 3, Maximum: 2' });
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { a: '1', b: '2', c: '3' } }), 413,
    { message: 'The limit has been exceeded on the number of allowed image properties. Attempted: 3, Maximum: 2' });
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { ['k'.repeat(256)]: 'v' } }), 400,
    { message: 'Custom property should not be greater than 255 characters.' });
  assertError(await api.call('demo', 'POST', '/v2/images', { body: { min_disk: -1 } }), 400,
    { message: "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value" });
});

test('the unauthenticated context creates owner-less images, which every caller may see but not change', async () => {
  const res = await api.call('anonymous', 'POST', '/v2/images', { body: { name: 'nobody' } });
  assert.equal(res.statusCode, 201, res.body);
  const img = JSON.parse(res.body) as ImageJson;
  assert.equal(img.owner, null);
  const seen = await api.call('quota', 'GET', `/v2/images/${img.id}`);
  assert.equal(seen.statusCode, 200, seen.body);
  // Glance's list query, unlike show, gives non-admins only their own, public, community and
  // member images: an owner-less shared image is not listed.
  const listed = JSON.parse((await api.call('quota', 'GET', '/v2/images?name=nobody')).body) as { images: ImageJson[] };
  assert.deepEqual(listed.images, []);
  const adminList = JSON.parse((await api.call('admin', 'GET', '/v2/images?name=nobody')).body) as { images: ImageJson[] };
  assert.deepEqual(adminList.images.map((i) => i.id), [img.id]);
  assertError(await api.call('quota', 'PATCH', `/v2/images/${img.id}`, {
    body: [{ op: 'replace', path: '/name', value: 'x' }], headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
  }), 403, { message: 'You do not own this image' });
  assertError(await api.call('quota', 'DELETE', `/v2/images/${img.id}`), 403, { message: 'You do not own this image' });
  // The anonymous context is an administrator (Glance's unauthenticated pipeline).
  assert.equal((await api.call('anonymous', 'DELETE', `/v2/images/${img.id}`)).statusCode, 204);
});

test('a shared image is visible to its members whatever their status, and to nobody else', async () => {
  const img = await create('quota', { visibility: 'shared' });
  assertError(await api.call('demo', 'GET', `/v2/images/${img.id}`), 404, { message: `No image found with ID ${img.id}` });
  await api.addMember(img.id, PROJECTS.demo, 'rejected');
  assert.equal((await api.call('demo', 'GET', `/v2/images/${img.id}`)).statusCode, 200);
  assertError(await api.call('demo', 'DELETE', `/v2/images/${img.id}`), 403, { message: 'You do not own this image' });
});

test('delete: every 404 is "Failed to find image … to delete"; a deleted image is gone for show, patch and tags', async () => {
  const img = await create('demo');
  assert.equal((await api.call('demo', 'DELETE', `/v2/images/${img.id}`)).statusCode, 204);
  assertError(await api.call('demo', 'DELETE', `/v2/images/${img.id}`), 404, { message: `Failed to find image ${img.id} to delete` });
  const hidden = await create('quota', { visibility: 'private' });
  assertError(await api.call('demo', 'DELETE', `/v2/images/${hidden.id}`), 404, { message: `Failed to find image ${hidden.id} to delete` });
  assertError(await api.call('demo', 'GET', `/v2/images/${img.id}`), 404, { message: `No image found with ID ${img.id}` });
  assertError(await api.call('demo', 'PUT', `/v2/images/${img.id}/tags/x`), 404, { message: `Image ${img.id} not found.` });
});

test('a known path with another method is 405 with Glance\'s Allow list', async () => {
  const img = await create('demo');
  const cases: Array<[string, string, string]> = [
    ['PUT', '/v2/images', 'GET, POST'],
    ['PUT', `/v2/images/${img.id}`, 'GET, PATCH, DELETE'],
    ['GET', `/v2/images/${img.id}/actions/deactivate`, 'POST'],
    ['DELETE', `/v2/images/${img.id}/actions/reactivate`, 'POST'],
    ['POST', `/v2/images/${img.id}/tags/x`, 'PUT, DELETE'],
    ['POST', '/v2/schemas/image', 'GET'],
  ];
  for (const [method, url, allow] of cases) {
    const res = await api.call('demo', method, url);
    assert.equal(res.statusCode, 405, `${method} ${url}: ${res.body}`);
    assert.equal(res.headers.allow, allow, `${method} ${url}`);
  }
});

/**
 * Replays the image-sharing exchanges of the recorded Glance 25.1 session (shared/ref 130–143)
 * in their recorded order against the real application, comparing each response field by field
 * and byte for byte with the recording, then checks the `image.member.*` notifications they
 * caused and the member rules the session does not exercise (quota, list/show by others,
 * bodies, deleting as a member).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS, startApi, type ApiHarness, type RefUser } from './api-harness.js';
import { replayRef, type IdMap } from './ref-compare.js';

const REF_SAMPLE = '432e83f7-ed68-4ea1-a440-2ae720a638c1';

describe('the recorded member session', () => {
  let api: ApiHarness;
  const ids: IdMap = {};
  const replay = (name: string, user: RefUser, learn?: string) => replayRef(api, name, user, ids, learn);

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api.close();
  });

  test('replays identically', async (t) => {
    // The sample image in the state the session had reached at ref 130.
    await t.test('100 create', () => replay('100-image-create', 'demo', REF_SAMPLE));
    await t.test('104 patch', () => replay('104-image-patch', 'demo'));
    await api.markUploaded(ids[REF_SAMPLE]!);

    await t.test('130 visibility shared', () => replay('130-image-visibility-shared', 'demo'));
    await t.test('131 member create', () => replay('131-member-create', 'demo'));
    await t.test('132 duplicate 409', () => replay('132-member-create-dup-409', 'demo'));
    await t.test('133 members list', () => replay('133-members-list', 'demo'));
    await t.test('134 member show', () => replay('134-member-show', 'demo'));
    await t.test('135 pending share listed for the member', () => replay('135-member-image-list-pending', 'quota'));
    await t.test('136 member accepts', () => replay('136-member-accept', 'quota'));
    await t.test('137 owner cannot accept 403', () => replay('137-member-owner-cannot-accept-403', 'demo'));
    await t.test('138 bad status 400', () => replay('138-member-bad-status-400', 'quota'));
    await t.test('139 member shows the image', () => replay('139-member-image-show', 'quota'));
    await t.test('140 owner removes the member', () => replay('140-member-delete', 'demo'));
    await t.test('141 removed member 404', () => replay('141-member-show-404', 'demo'));
    await t.test('142 visibility private', () => replay('142-image-visibility-private', 'demo'));
    await t.test('143 members of a private image 403', () => replay('143-member-create-private-403', 'demo'));
  });

  test('the session sent image.member.create, .update and .delete with Glance payloads', () => {
    const events = api.notifications().filter((n) => n.event_type.startsWith('image.member.'));
    assert.deepEqual(events.map((e) => e.event_type), ['image.member.create', 'image.member.update', 'image.member.delete']);
    const [created, updated, deleted] = events.map((e) => e.payload as Record<string, unknown>);
    const base = { image_id: ids[REF_SAMPLE], member_id: PROJECTS.quota };
    assert.deepEqual(Object.keys(created!), ['image_id', 'member_id', 'status', 'created_at', 'updated_at', 'deleted', 'deleted_at']);
    assert.deepEqual({ ...created, created_at: 't', updated_at: 't' }, { ...base, status: 'pending', created_at: 't', updated_at: 't', deleted: false, deleted_at: null });
    assert.equal(updated!.status, 'accepted');
    assert.equal(updated!.deleted, false);
    assert.equal(deleted!.status, 'accepted');
    assert.equal(deleted!.deleted, true);
    assert.match(String(deleted!.deleted_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const e of events) assert.equal(e.priority, 'INFO');
  });
});

describe('member rules beyond the recording', () => {
  let api: ApiHarness;
  let image: string;
  const members = () => `/v2/images/${image}/members`;

  before(async () => {
    api = await startApi({ defaults: { image_member_quota: '2' } });
    const res = await api.call('demo', 'POST', '/v2/images', { body: { name: 'm', visibility: 'shared' } });
    image = (JSON.parse(res.body) as { id: string }).id;
  });
  after(async () => {
    await api.close();
  });

  const body = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;
  const message = (res: { body: string }) => String(body(res).message).split('<br')[0];

  test('bodies: missing, empty, wrong shape', async () => {
    const post = (b: unknown) => api.call('demo', 'POST', members(), { body: b });
    assert.equal(message(await post({})), 'Member to be added not specified');
    assert.equal(message(await post({ member: '' })), "Member can't be empty");
    assert.equal(message(await post(['x'])), 'Expected a member in the form: {"member": "image_id"}');
    assert.equal(message(await api.call('demo', 'POST', members())), 'Body expected in request.');
    await post({ member: PROJECTS.quota });
    const put = (b: unknown) => api.call('quota', 'PUT', `${members()}/${PROJECTS.quota}`, { body: b });
    assert.equal(message(await put({})), 'Status not specified');
    assert.equal(message(await put('"accepted"')), 'Expected a status in the form: {"status": "status"}');
    assert.equal(message(await put({ status: 7 })), 'Incorrect request: Status must be "pending", "accepted" or "rejected".');
  });

  test('image_member_quota: 413 once the live memberships reach it', async () => {
    const res = await api.call('demo', 'POST', members(), { body: { member: 'third-a' } });
    assert.equal(res.statusCode, 200, res.body);
    const over = await api.call('demo', 'POST', members(), { body: { member: 'third-b' } });
    assert.equal(over.statusCode, 413);
    assert.equal(message(over), `Image member limit exceeded for image ${image}: The limit has been exceeded on the number of allowed image members for this image. Attempted: 3, Maximum: 2:`);
    // A removed membership frees its slot.
    assert.equal((await api.call('demo', 'DELETE', `${members()}/third-a`)).statusCode, 204);
    assert.equal((await api.call('demo', 'POST', members(), { body: { member: 'third-b' } })).statusCode, 200);
  });

  test('a member sees only its own row, cannot add, remove or answer for others', async () => {
    const list = body(await api.call('quota', 'GET', members()));
    assert.deepEqual((list.members as Array<{ member_id: string }>).map((m) => m.member_id), [PROJECTS.quota]);
    const owner = body(await api.call('demo', 'GET', members()));
    assert.deepEqual((owner.members as Array<{ member_id: string }>).map((m) => m.member_id).sort(), [PROJECTS.quota, 'third-b'].sort());

    const other = await api.call('quota', 'GET', `${members()}/third-b`);
    assert.equal(other.statusCode, 404);
    assert.equal(message(other), `You are not authorized to lookup the members of the image ${image}.`);

    const add = await api.call('quota', 'POST', members(), { body: { member: 'x' } });
    assert.equal(add.statusCode, 403);
    assert.equal(message(add), `Not allowed to create members for image ${image}.`);
    const del = await api.call('quota', 'DELETE', `${members()}/${PROJECTS.quota}`);
    assert.equal(del.statusCode, 403);
    assert.equal(message(del), `Not allowed to delete members for image ${image}.`);
    const answerOther = await api.call('quota', 'PUT', `${members()}/third-b`, { body: { status: 'accepted' } });
    assert.equal(answerOther.statusCode, 403);
    assert.equal(message(answerOther), `You are not authorized to lookup the members of the image ${image}.`);
  });

  test('a project that is not a member gets 404 for the image and its members', async () => {
    const outsider = { 'x-project-id': 'outsider', 'x-roles': 'member,reader' };
    for (const [method, path] of [['GET', members()], ['GET', `${members()}/${PROJECTS.quota}`]] as const) {
      const res = await api.call('anonymous', method, path, { headers: outsider });
      assert.equal(res.statusCode, 404, `${method} ${path}`);
      assert.equal(message(res), `Image ${image} not found.`);
    }
    const res = await api.call('anonymous', 'POST', members(), { headers: outsider, body: { member: 'outsider' } });
    assert.equal(res.statusCode, 404);
  });

  test('an admin may answer for a member and remove members of any project', async () => {
    const res = await api.call('admin', 'PUT', `${members()}/third-b`, { body: { status: 'rejected' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(body(res).status, 'rejected');
    assert.equal((await api.call('admin', 'DELETE', `${members()}/third-b`)).statusCode, 204);
    assert.equal((await api.call('admin', 'DELETE', `${members()}/third-b`)).statusCode, 404);
  });

  test('listing members of a non-shared image is 403 with the reason', async () => {
    const res = await api.call('demo', 'POST', '/v2/images', { body: { name: 'p', visibility: 'private' } });
    const id = (JSON.parse(res.body) as { id: string }).id;
    const list = await api.call('demo', 'GET', `/v2/images/${id}/members`);
    assert.equal(list.statusCode, 403);
    assert.equal(message(list), `Not allowed to list members for image ${id}: Only shared images have members.`);
    const show = await api.call('demo', 'GET', `/v2/images/${id}/members/x`);
    assert.equal(show.statusCode, 404);
    assert.equal(message(show), 'Only shared images have members.');
  });
});

/**
 * Replays the image-record exchanges of the recorded Glance 25.1 session (shared/ref 100–162,
 * 400–402) in their recorded order against the real application, comparing each response with
 * the recording: status, headers that matter, body bytes with ids substituted and times masked.
 * The reference users map onto noauth identity headers (see api-harness.ts).
 */
import { after, before, test } from 'node:test';
import { startApi, type ApiHarness, type RefUser } from './api-harness.js';
import { replayRef, seedReferenceCirros, type IdMap } from './ref-compare.js';

const REF_SAMPLE = '432e83f7-ed68-4ea1-a440-2ae720a638c1';
const REF_MINIMAL = 'eeed2db3-a01c-428c-90dd-4082866ba1e9';

let api: ApiHarness;
const ids: IdMap = {};

function replay(name: string, user: RefUser, map: IdMap = ids, learn?: string): Promise<void> {
  return replayRef(api, name, user, map, learn);
}

before(async () => {
  api = await startApi();
  await seedReferenceCirros(api, ids);
});

after(async () => {
  await api.close();
});

test('the recorded image session replays identically', async (t) => {
  await t.test('100 create', () => replay('100-image-create', 'demo', ids, REF_SAMPLE));
  await t.test('100b create minimal', () => replay('100b-image-create-minimal', 'demo', ids, REF_MINIMAL));
  await t.test('101 show queued', () => replay('101-image-show-queued', 'demo'));
  await t.test('103 list by name', () => replay('103-image-list-by-name', 'demo'));
  await t.test('104 patch', () => replay('104-image-patch', 'demo'));
  await t.test('104b tags append pointer 400', () => replay('104b-image-patch-tags-append-pointer-400', 'demo'));
  await t.test('105 wrong content type 415', () => replay('105-image-patch-wrong-content-type-415', 'demo'));
  await t.test('106 bad op 400', () => replay('106-image-patch-bad-op-400', 'demo'));
  await t.test('107 read-only status 403', () => replay('107-image-patch-readonly-status-403', 'demo'));
  await t.test('108 os_glance reserved 403', () => replay('108-image-patch-os-glance-reserved-403', 'demo'));
  await t.test('109 remove missing 409', () => replay('109-image-patch-remove-missing-409', 'demo'));

  // 110 (upload) belongs to the image-data routes; its outcome is put in place directly.
  await api.markUploaded(ids[REF_SAMPLE]!);

  await t.test('120 tag add', () => replay('120-tag-add', 'demo'));
  await t.test('121 tag delete', () => replay('121-tag-delete', 'demo'));
  await t.test('122 tag delete missing 404', () => replay('122-tag-delete-missing-404', 'demo'));
  await t.test('123 list by tag', () => replay('123-image-list-by-tag', 'demo'));
  await t.test('124 list limit 1', () => replay('124-image-list-limit-1', 'demo'));
  await t.test('125 list sorted (admin)', () => replay('125-image-list-sorted', 'admin'));
  await t.test('126 list public', () => replay('126-image-list-visibility-public', 'demo'));
  await t.test('127 list status filter', () => replay('127-image-list-status-filter', 'demo'));
  await t.test('128 list size filter', () => replay('128-image-list-size-filter', 'demo'));
  await t.test('129 list created_at filter', () => replay('129-image-list-changes-since', 'demo'));
  await t.test('130 visibility shared', () => replay('130-image-visibility-shared', 'demo'));
  await t.test('142 visibility private', () => replay('142-image-visibility-private', 'demo'));

  await t.test('150 deactivate (owner)', () => replay('150-deactivate-owner', 'demo'));
  await t.test('152 show deactivated: no stores for a non-admin', () => replay('152-show-deactivated', 'demo'));
  await t.test('154 reactivate (owner)', () => replay('154-reactivate-owner', 'demo'));
  await t.test('155 deactivate (admin)', () => replay('155-deactivate-admin', 'admin'));
  await t.test('156 deactivate again (admin)', () => replay('156-deactivate-again-admin', 'admin'));
  await t.test('157 reactivate (admin)', () => replay('157-reactivate-admin', 'admin'));
  await t.test('158 deactivate a queued image 403', () => replay('158-deactivate-queued-image-403', 'demo'));

  await t.test('160 protect', () => replay('160-protect', 'demo'));
  await t.test('161 delete protected 403', () => replay('161-delete-protected-403', 'demo'));
  await t.test('162 unprotect', () => replay('162-unprotect', 'demo'));

  // 400–402 delete the uploaded sample; removing stored data is the image-data issue's, so the
  // same exchanges run on the data-less minimal image (the bodies only carry the id).
  const deleting = { ...ids, [REF_SAMPLE]: ids[REF_MINIMAL]! };
  await t.test('400 delete', () => replay('400-delete', 'demo', deleting));
  await t.test('401 show deleted 404', () => replay('401-show-deleted-404', 'demo', deleting));
  await t.test('402 delete again 404', () => replay('402-delete-again-404', 'demo', deleting));
});

/**
 * Replays the recorded error exchanges of the image-record API (shared/ref 300–322, 330–332,
 * 340–343): each request is sent as recorded (method, path, Content-Type, Accept, body) and the
 * answer must match the recording byte for byte, ids substituted where the state is ours.
 */
import { after, before, test } from 'node:test';
import { startApi, type ApiHarness, type RefUser } from './api-harness.js';
import { replayRef, seedReferenceCirros, type IdMap } from './ref-compare.js';

let api: ApiHarness;
const ids: IdMap = {};

function replay(name: string, user: RefUser): Promise<void> {
  return replayRef(api, name, user, ids);
}

before(async () => {
  api = await startApi();
  await seedReferenceCirros(api, ids);
});

after(async () => {
  await api.close();
});

const DEMO_CASES = [
  '300-show-404', '302-delete-404', '303-patch-404', '304-show-not-uuid-404',
  '306-show-404-accept-html', '307-show-404-accept-any', '308-show-404-accept-text', '309-show-404-no-accept',
  '310-create-bad-json-400', '311-create-bad-disk-format-400', '312-create-bad-id-400',
  '313-create-readonly-attr-403', '314-create-os-glance-reserved-403', '315-create-ploop-400',
  '316-list-bad-limit-400', '317-list-negative-limit-400', '318-list-bad-sort-key-400',
  '319-list-bad-marker-400', '320-list-bad-visibility-400', '321-create-bad-content-type-400',
  '322-create-extra-long-name-400',
  '330-create-public-demo-403', '331-patch-others-public-image-403', '332-delete-others-public-image-403',
];

for (const name of DEMO_CASES) {
  test(`ref ${name}`, () => replay(name, 'demo'));
}

test('refs 340–343: create with an id, duplicate 409, delete, re-create of the deleted id 409', async () => {
  await replay('340-create-with-id', 'admin');
  await replay('341-create-dup-id-409', 'admin');
  await replay('342-delete-with-id', 'admin');
  await replay('343-create-deleted-id-409', 'admin');
});

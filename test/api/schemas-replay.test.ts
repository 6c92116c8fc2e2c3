/**
 * `GET /v2/schemas/*` through the real application (guide formats, no schema-image.json)
 * against the recorded Glance documents (shared/ref 020–035), byte for byte.
 */
import { after, before, test } from 'node:test';
import { readdirSync } from 'node:fs';
import { REF_DIR, readRef } from '../http/helpers.js';
import { startApi, type ApiHarness } from './api-harness.js';
import { assertLikeRef } from './ref-compare.js';

let api: ApiHarness;

before(async () => {
  api = await startApi();
});

after(async () => {
  await api.close();
});

const names = readdirSync(REF_DIR).filter((f) => /^0[23]\d-schemas-/.test(f)).map((f) => f.replace(/\.txt$/, '')).sort();

test('every recorded schema document is served identically', async (t) => {
  for (const name of names) {
    await t.test(name, async () => {
      const ref = readRef(`${name}.txt`);
      assertLikeRef(await api.call('demo', 'GET', ref.path), name);
    });
  }
});

/**
 * `DELETE /v2/stores/{store_id}/{image_id}` (inventory §1.2, API 2.10): one store's copy of an
 * active image is removed — the record's location and the file — while the other copy keeps
 * serving; and each refusal in Glance's order: 404 without multistore, 409 unknown store, 404
 * missing image, 403 policy, 409 not active, 403 last location, 404 not in that store.
 *
 * A second copy is made the way copy-image would leave it (the file in the second store's
 * directory and a location tagged with that store), through the real repository: the copy-image
 * import is another issue's work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { pyJson } from '../../src/http/py-json.js';
import { startDataApi, type DataApi } from './data-harness.js';

const jsonError = (code: number, title: string, message: string): string =>
  pyJson({ message: `${message}<br /><br />\n\n\n`, code: `${code} ${title}`, title });
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('with stores fs, fs2 and fs3', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file, fs2:file, fs3:file' },
        fs2: { filesystem_store_datadir: '{dir}/fs2' },
        fs3: { filesystem_store_datadir: '{dir}/fs3' },
      },
    });
  });
  after(async () => {
    await api?.close();
  });

  /** An active image uploaded to fs, with a copy in `store` (file and location). */
  async function inTwoStores(store: string): Promise<{ id: string; data: Buffer; copy: string }> {
    const id = await api.create('demo', { disk_format: 'raw' });
    const data = randomBytes(4096);
    assert.equal((await api.upload('demo', id, data)).status, 204);
    const dir = join(api.dir, store);
    await mkdir(dir, { recursive: true });
    const copy = join(dir, id);
    await copyFile(join(api.dataDir, id), copy);
    const repo = new ImageRepo(api.app.database);
    const image = (await repo.get(id))!;
    await repo.save({ ...image, locations: [...image.locations, { url: `file://${copy}`, metadata: { store }, status: 'active' }] });
    assert.equal((await api.image(id)).stores, `fs,${store}`);
    return { id, data, copy };
  }

  const del = (user: 'admin' | 'demo', store: string, id: string) => api.call(user, 'DELETE', `/v2/stores/${store}/${id}`);

  test('removes the copy in that store: 204, the file gone, the other copy still served', async () => {
    const { id, data, copy } = await inTwoStores('fs2');
    const res = await del('admin', 'fs2', id);
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    const image = await api.image(id);
    assert.equal(image.stores, 'fs');
    assert.equal(image.status, 'active');
    assert.deepEqual(await api.entries(join(api.dir, 'fs2')), [], copy);
    assert.deepEqual(await api.entries(api.dataDir), [id]);
    const back = await api.call('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(back.status, 200);
    assert.equal(md5(back.body), md5(data));

    // Now fs holds the only copy: removing it is refused.
    const last = await del('admin', 'fs', id);
    assert.equal(last.status, 403);
    assert.equal(last.text, jsonError(403, 'Forbidden', 'Cannot delete image data from the only store containing it. Consider deleting the image instead.'));
    assert.deepEqual(await api.entries(api.dataDir), [id]);
  });

  test('a store id that is not an operator store is 409', async () => {
    const { id } = await inTwoStores('fs2');
    for (const store of ['nowhere', 'os_glance_staging_store']) {
      const res = await del('admin', store, id);
      assert.equal(res.status, 409, store);
      assert.equal(res.text, jsonError(409, 'Conflict', `The selected store ${store} is not available on this node.`));
    }
    assert.equal((await api.image(id)).stores, 'fs,fs2');
  });

  test('a missing image is 404', async () => {
    const res = await del('admin', 'fs2', '00000000-0000-4000-8000-000000000000');
    assert.equal(res.status, 404);
    assert.equal(res.text, jsonError(404, 'Not Found', 'Failed to find image 00000000-0000-4000-8000-000000000000'));
  });

  test('an image with no copy in that store is 404', async () => {
    const { id } = await inTwoStores('fs2');
    const res = await del('admin', 'fs3', id);
    assert.equal(res.status, 404);
    assert.equal(res.text, jsonError(404, 'Not Found', `Image ${id} is not stored in store fs3.`));
  });

  test('a non-admin is refused by the delete_image_location policy', async () => {
    const { id } = await inTwoStores('fs2');
    const res = await del('demo', 'fs2', id);
    assert.equal(res.status, 403);
    assert.equal(res.text, jsonError(403, 'Forbidden', 'You are not authorized to complete delete_image_location action.'));
    assert.equal((await api.image(id)).stores, 'fs,fs2');
  });

  test('an image that is not active is 409', async () => {
    const queued = await api.create('demo');
    const notActive = jsonError(409, 'Conflict', "It's not allowed to remove image data from store if image status is not 'active'");
    const res = await del('admin', 'fs', queued);
    assert.equal(res.status, 409);
    assert.equal(res.text, notActive);
    const { id } = await inTwoStores('fs2');
    assert.equal((await api.call('admin', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    const deactivated = await del('admin', 'fs2', id);
    assert.equal(deactivated.status, 409);
    assert.equal(deactivated.text, notActive);
    assert.equal((await api.image(id)).stores, 'fs,fs2');
  });
});

describe('without multistore', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ singleStore: true });
  });
  after(async () => {
    await api?.close();
  });

  test('the route answers 404', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.upload('demo', id, Buffer.from('data'))).status, 204);
    const res = await api.call('admin', 'DELETE', `/v2/stores/file/${id}`);
    assert.equal(res.status, 404);
    assert.equal(res.text, pyJson({
      message: 'The resource could not be found.<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found',
    }));
    assert.deepEqual(await api.entries(api.dataDir), [id]);
  });
});

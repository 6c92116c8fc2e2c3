/**
 * Delayed delete end to end on the real application (SQLite, filesystem stores): DELETE with
 * `[DEFAULT] delayed_delete = True` keeps the data and hides the image exactly as a deleted one;
 * scrubber passes delete the data once `scrub_time` has passed (not before), keep an image whose
 * data could not be deleted for the next pass, and scrub every store's copy; with
 * `scrubber_in_api` the API process does it by itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { eventually, startDataApi, type DataApi } from '../data/data-harness.js';
import { activeImage, imageRow, locationRows, scrubberFor, type TestScrubber } from './scrubber-support.js';

describe('delayed_delete = True, scrub_time = 3600', () => {
  let api: DataApi;
  let scrub: TestScrubber;
  let later: TestScrubber;
  before(async () => {
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file, fs2:file', delayed_delete: 'True', scrub_time: '3600' },
        fs2: { filesystem_store_datadir: '{dir}/fs2' },
      },
    });
    scrub = await scrubberFor(api, 3600);
    // The same scrubber an hour and a second later.
    later = await scrubberFor(api, 3600, () => new Date(Date.now() + 3601_000));
  });
  after(async () => {
    await scrub?.close();
    await later?.close();
    await api?.close();
  });

  test('DELETE keeps the data, marks image and location pending_delete, and the API shows a deleted image', async () => {
    const { id } = await activeImage(api);
    const plain = await api.create('demo'); // no data: deleted at once even with delayed_delete
    for (const which of [id, plain]) {
      const res = await api.call('demo', 'DELETE', `/v2/images/${which}`);
      assert.equal(res.status, 204, res.text);
    }
    assert.deepEqual(await api.entries(api.dataDir), [id]);
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'pending_delete', deleted: true });
    assert.deepEqual(await locationRows(api.app.database, id), [{ status: 'pending_delete', deleted: true }]);
    assert.deepEqual(await imageRow(api.app.database, plain), { status: 'deleted', deleted: true });

    // Every call answers as it does for the image deleted outright (ids swapped in the text).
    const calls: Array<[string, string, unknown?]> = [
      ['GET', ''], ['GET', '/file'], ['DELETE', ''], ['PUT', '/tags/x'], ['GET', '/members'],
      ['PATCH', '', [{ op: 'replace', path: '/name', value: 'n' }]],
    ];
    for (const [method, suffix, body] of calls) {
      const opts = body === undefined ? {} : { body, headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' } };
      const pendingAnswer = await api.call('admin', method, `/v2/images/${id}${suffix}`, opts);
      const deletedAnswer = await api.call('admin', method, `/v2/images/${plain}${suffix}`, opts);
      assert.equal(pendingAnswer.status, 404, `${method} ${suffix}`);
      assert.equal(pendingAnswer.status, deletedAnswer.status, `${method} ${suffix}`);
      assert.equal(pendingAnswer.text.split(id).join('<id>'), deletedAnswer.text.split(plain).join('<id>'), `${method} ${suffix}`);
    }
    const list = JSON.parse((await api.call('admin', 'GET', '/v2/images')).text) as { images: Array<{ id: string }> };
    assert.equal(list.images.some((i) => i.id === id), false);

    const note = api.notifications().find((n) => n.event_type === 'image.delete' && (n.payload as { id: string }).id === id);
    assert.ok(note);
    assert.equal((note.payload as { status: string }).status, 'pending_delete');
    assert.equal((note.payload as { deleted: boolean }).deleted, true);
  });

  test('a deactivated image cannot go pending_delete: 400, as Glance, and nothing changes', async () => {
    const { id } = await activeImage(api);
    assert.equal((await api.call('admin', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    const res = await api.call('admin', 'DELETE', `/v2/images/${id}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /Image status transition from deactivated to pending_delete is not allowed/);
    assert.equal((await api.image(id)).status, 'deactivated');
    assert.ok((await api.entries(api.dataDir)).includes(id));
  });

  test('a pass before scrub_time keeps the data; a pass after it deletes the data and marks everything deleted', async () => {
    const { id } = await activeImage(api);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);

    const early = await scrub.scrubber.run();
    assert.equal(early.scrubbed.includes(id), false);
    assert.ok((await api.entries(api.dataDir)).includes(id));
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'pending_delete', deleted: true });

    const due = await later.scrubber.run();
    assert.ok(due.scrubbed.includes(id));
    assert.deepEqual(due.failed, []);
    assert.equal((await api.entries(api.dataDir)).includes(id), false);
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'deleted', deleted: true });
    assert.deepEqual(await locationRows(api.app.database, id), [{ status: 'deleted', deleted: true }]);
    // Nothing is left to do for the next pass.
    assert.deepEqual(await later.scrubber.run(), { scrubbed: [], failed: [] });
  });

  test('every store copy is scrubbed', async () => {
    const { id } = await activeImage(api);
    const copy = join(api.dir, 'fs2', id);
    await mkdir(join(api.dir, 'fs2'), { recursive: true });
    await copyFile(join(api.dataDir, id), copy);
    const repo = new ImageRepo(api.app.database);
    const image = (await repo.get(id))!;
    await repo.save({ ...image, locations: [...image.locations, { url: `file://${copy}`, metadata: { store: 'fs2' }, status: 'active' }] });
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    assert.deepEqual((await locationRows(api.app.database, id)).map((l) => l.status), ['pending_delete', 'pending_delete']);

    assert.ok((await later.scrubber.run()).scrubbed.includes(id));
    assert.equal((await api.entries(api.dataDir)).includes(id), false);
    assert.deepEqual(await api.entries(join(api.dir, 'fs2')), []);
    assert.deepEqual((await locationRows(api.app.database, id)).map((l) => l.status), ['deleted', 'deleted']);
  });

  test('a store failure leaves the image pending_delete; the next pass finishes it', async () => {
    const { id, data } = await activeImage(api);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    // A directory where the file was: unlink fails with EISDIR, a real store error.
    const path = join(api.dataDir, id);
    await rm(path);
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');

    const failed = await later.scrubber.run();
    assert.deepEqual(failed.failed, [id]);
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'pending_delete', deleted: true });
    assert.deepEqual(await locationRows(api.app.database, id), [{ status: 'pending_delete', deleted: true }]);

    // The store is healthy again: the data is back as a file for the next pass to delete.
    await rm(path, { recursive: true });
    await writeFile(path, data);
    const retry = await later.scrubber.run();
    assert.deepEqual(retry, { scrubbed: [id], failed: [] });
    assert.equal((await api.entries(api.dataDir)).includes(id), false);
    assert.deepEqual(await imageRow(api.app.database, id), { status: 'deleted', deleted: true });
  });
});

describe('scrubber_in_api = True', () => {
  let api: DataApi;
  before(async () => {
    api = await startDataApi({ ini: { DEFAULT: { delayed_delete: 'True', scrubber_in_api: 'True', wakeup_time: '1' } } });
  });
  after(async () => {
    await api?.close();
  });

  test('the API process scrubs a deleted image by itself within wakeup_time', async () => {
    const { id } = await activeImage(api);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    const gone = await eventually(async () => (await imageRow(api.app.database, id)).status === 'deleted', 10_000);
    assert.ok(gone, 'the in-process scrubber did not scrub the image');
    assert.equal((await api.entries(api.dataDir)).includes(id), false);
    assert.deepEqual(await locationRows(api.app.database, id), [{ status: 'deleted', deleted: true }]);
  });
});

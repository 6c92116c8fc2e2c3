/**
 * The pending-delete bookkeeping and a scrubber pass on each SQL dialect (SQLite, MariaDB,
 * PostgreSQL; a server that is not reachable skips its suite, saying why): the delayed delete,
 * a pass that deletes the data, `restore` reviving locations, properties, tags and members, and
 * the scrub lease that keeps a restore off an image being scrubbed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Dialect } from '../../src/db/connection-url.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { PendingDeleteRepo } from '../../src/db/repos/pending-delete-repo.js';
import { Conflict, NotFound } from '../../src/domain/errors.js';
import { SCRUB_LEASE_MS, Scrubber } from '../../src/scrubber/scrubber.js';
import { ImageDataRemover } from '../../src/services/image-data-remover.js';
import { StoreRegistry } from '../../src/store/registry.js';
import { makeImage, skipReason } from '../db-repos/image-fixtures.js';
import { openScratchDatabase, type ScratchDatabase } from '../db-repos/scratch-database.js';
import { fileBackend, multiStoreConfig } from '../store/store-configs.js';
import { imageRow, locationRows } from './scrubber-support.js';

for (const dialect of ['sqlite', 'mysql', 'postgresql'] as Dialect[]) {
  const skip = await skipReason(dialect);
  describe(`pending delete on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let root: string;
    let stores: StoreRegistry;
    let images: ImageRepo;
    let pending: PendingDeleteRepo;
    let scrubber: Scrubber;
    before(async () => {
      scratch = await openScratchDatabase(dialect);
      root = await mkdtemp(join(tmpdir(), 'glance-scrub-'));
      stores = await StoreRegistry.create(multiStoreConfig(root, [fileBackend(root, 'fs')]));
      images = new ImageRepo(scratch.database);
      pending = new PendingDeleteRepo(scratch.database, images);
      const log = pino({ level: 'silent' });
      scrubber = new Scrubber({ images, pending, data: new ImageDataRemover(stores, log), config: { scrubTime: 0, scrubPoolSize: 1 }, log });
    });
    after(async () => {
      await stores?.close();
      await scratch?.drop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    /** An active image with a file in the fs store, a property, a tag and a member. */
    async function storedImage(): Promise<string> {
      const image = makeImage({ status: 'active', disk_format: 'raw', container_format: 'bare', size: 3, properties: { os_distro: 'debian' }, tags: ['t1'] });
      const path = join(root, 'fs', image.id);
      await writeFile(path, 'abc');
      await images.create({ ...image, locations: [{ url: `file://${path}`, metadata: { store: 'fs' }, status: 'active' }] });
      const now = new Date();
      await scratch.database.db.insertInto('image_members').values({
        image_id: image.id, member: 'p2', can_share: dialect === 'postgresql' ? false : 0, status: 'accepted',
        created_at: now, updated_at: now, deleted_at: null, deleted: dialect === 'postgresql' ? false : 0,
      }).execute();
      return image.id;
    }

    const files = async () => readdir(join(root, 'fs'));

    it('a delayed delete keeps the data; restore brings the image back whole', async () => {
      const id = await storedImage();
      assert.equal(await pending.markPendingDelete(id), true);
      assert.equal(await pending.markPendingDelete(id), false);
      assert.equal(await images.get(id), null);
      assert.deepEqual(await imageRow(scratch.database, id), { status: 'pending_delete', deleted: true });
      assert.deepEqual(await locationRows(scratch.database, id), [{ status: 'pending_delete', deleted: true }]);
      assert.ok((await files()).includes(id));

      await pending.restore(id);
      const back = (await images.get(id))!;
      assert.equal(back.status, 'active');
      assert.deepEqual(back.properties, { os_distro: 'debian' });
      assert.deepEqual(back.tags, ['t1']);
      assert.deepEqual(back.locations.map((l) => l.status), ['active']);
      assert.equal(await images.memberStatus(id, 'p2'), 'accepted');
      await assert.rejects(pending.restore(id), (err: unknown) =>
        err instanceof Conflict && err.message === 'cannot restore the image from active to active (wanted from_state=pending_delete)');
      const missing = '7c4a5e0e-0000-4000-8000-00000000dead';
      await assert.rejects(pending.restore(missing), (err: unknown) => err instanceof NotFound && err.message === `No image found with ID ${missing}`);
    });

    it('a pass deletes the data, marks the location and the image deleted', async () => {
      const id = await storedImage();
      assert.equal(await pending.markPendingDelete(id), true);
      const report = await scrubber.run();
      assert.ok(report.scrubbed.includes(id));
      assert.equal((await files()).includes(id), false);
      assert.deepEqual(await imageRow(scratch.database, id), { status: 'deleted', deleted: true });
      assert.deepEqual(await locationRows(scratch.database, id), [{ status: 'deleted', deleted: true }]);
    });

    it('an image a scrubber holds is neither restored nor taken by another scrubber until released', async () => {
      const id = await storedImage();
      assert.equal(await pending.markPendingDelete(id), true);
      const now = new Date();
      assert.equal(await pending.lease(id, now, new Date(now.getTime() + SCRUB_LEASE_MS)), true);
      assert.equal(await pending.lease(id, now, new Date(now.getTime() + SCRUB_LEASE_MS)), false);
      await assert.rejects(pending.restore(id), (err: unknown) => err instanceof Conflict && /being scrubbed/.test(err.message));
      // The refused restore revived nothing.
      assert.deepEqual(await locationRows(scratch.database, id), [{ status: 'pending_delete', deleted: true }]);
      assert.equal(await images.get(id), null);
      assert.deepEqual((await scrubber.run()).scrubbed.includes(id), false);
      assert.ok((await files()).includes(id));

      await pending.release(id);
      await pending.restore(id);
      assert.equal((await images.get(id))!.status, 'active');
    });
  });
}

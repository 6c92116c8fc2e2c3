/**
 * MemberRepo against SQLite, MariaDB and PostgreSQL (the servers are skipped when unreachable):
 * create/find/list/count, duplicates refused, status updates, soft delete keeping the row and
 * letting the project be added again, repeated add/remove within one clock second, and
 * concurrent adds of the same project leaving exactly one live row.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from '../../src/db/connection-url.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { MemberRepo } from '../../src/db/repos/member-repo.js';
import { makeImage, skipReason } from './image-fixtures.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';

function memberRepoSuite(dialect: Dialect, skip?: string): void {
  describe(`MemberRepo on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let members: MemberRepo;
    let images: ImageRepo;

    before(async () => {
      scratch = await openScratchDatabase(dialect);
      members = new MemberRepo(scratch.database);
      images = new ImageRepo(scratch.database);
    });
    after(async () => {
      await scratch?.drop();
    });

    async function sharedImage(): Promise<string> {
      return (await images.create(makeImage({ visibility: 'shared', owner: 'owner-p' }))).id;
    }

    async function rows(imageId: string) {
      return scratch.database.db.selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('id').execute();
    }

    it('creates a pending membership, finds, lists and counts it; a duplicate is refused', async () => {
      const id = await sharedImage();
      const created = await members.create(id, 'p-a');
      assert.ok(created);
      assert.equal(created.member_id, 'p-a');
      assert.equal(created.image_id, id);
      assert.equal(created.status, 'pending');
      assert.equal(created.created_at.getTime(), created.updated_at.getTime());
      assert.deepEqual(await members.find(id, 'p-a'), created);
      assert.equal(await members.find(id, 'p-b'), null);
      assert.equal(await members.create(id, 'p-a'), null, 'duplicate');
      await members.create(id, 'p-b');
      assert.deepEqual((await members.list(id)).map((m) => m.member_id), ['p-a', 'p-b']);
      assert.equal(await members.count(id), 2);
      // can_share is written false (v2 ignores it) and the row is live.
      const [row] = await rows(id);
      assert.equal(Boolean(Number(row!.can_share)), false);
      assert.equal(Boolean(Number(row!.deleted)), false);
    });

    it('updates the status of a live membership only', async () => {
      const id = await sharedImage();
      const m = (await members.create(id, 'p-a'))!;
      const saved = await members.updateStatus(m, 'accepted');
      assert.equal(saved?.status, 'accepted');
      assert.equal((await members.find(id, 'p-a'))?.status, 'accepted');
      await members.delete(m);
      assert.equal(await members.updateStatus(m, 'rejected'), null);
    });

    it('soft-deletes: the row stays with deleted_at, the project can be added again', async () => {
      const id = await sharedImage();
      const m = (await members.create(id, 'p-a'))!;
      const at = await members.delete(m);
      assert.ok(at instanceof Date);
      assert.equal(await members.delete(m), null, 'already gone');
      assert.equal(await members.find(id, 'p-a'), null);
      assert.equal(await members.count(id), 0);
      assert.deepEqual(await members.list(id), []);
      const [row] = await rows(id);
      assert.equal(Boolean(Number(row!.deleted)), true);
      assert.notEqual(row!.deleted_at, null);

      const again = await members.create(id, 'p-a');
      assert.ok(again);
      assert.notEqual(again.id, m.id);
      assert.equal(again.status, 'pending');
      assert.equal((await rows(id)).length, 2);
    });

    it('adding and removing the same project twice within a second never fails', async () => {
      const id = await sharedImage();
      for (let i = 0; i < 3; i++) {
        const m = await members.create(id, 'p-fast');
        assert.ok(m, `round ${i}`);
        assert.ok(await members.delete(m), `round ${i}`);
      }
      assert.equal(await members.count(id), 0);
    });

    it('concurrent adds of one project leave one live row and report the others as duplicates', async () => {
      const id = await sharedImage();
      const results = await Promise.all(Array.from({ length: 6 }, () => members.create(id, 'p-race')));
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal(await members.count(id), 1);
    });

    it('memberships are per image', async () => {
      const a = await sharedImage();
      const b = await sharedImage();
      await members.create(a, 'p-x');
      assert.equal(await members.find(b, 'p-x'), null);
      assert.equal(await members.count(b), 0);
    });
  });
}

for (const dialect of ['sqlite', 'mysql', 'postgresql'] as const) {
  memberRepoSuite(dialect, await skipReason(dialect));
}

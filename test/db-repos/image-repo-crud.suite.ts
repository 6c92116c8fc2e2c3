/**
 * ImageRepo create/get/save/delete and members — one suite run against every dialect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Dialect } from '../../src/db/connection-url.js';
import { Conflict, NotFound } from '../../src/domain/errors.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';
import { makeImage } from './image-fixtures.js';

/** Registers the CRUD suite for `dialect`; `skip` is a reason to skip it, if any. */
export function imageRepoCrudSuite(dialect: Dialect, skip?: string): void {
  describe(`ImageRepo CRUD on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let repo: ImageRepo;
    before(async () => {
      scratch = await openScratchDatabase(dialect);
      repo = new ImageRepo(scratch.database);
    });
    after(async () => scratch?.drop());

    const countRows = async (table: 'image_properties' | 'image_tags' | 'image_locations' | 'image_members', imageId: string) => {
      const rows = await scratch.database.db.selectFrom(table).select(['deleted']).where('image_id', '=', imageId).execute();
      return { all: rows.length, live: rows.filter((r) => !r.deleted).length };
    };

    it('round-trips an image with properties (null too), tags and locations', async () => {
      const img = makeImage({
        name: 'cirros', size: 2 ** 40 + 7, virtual_size: 12345, checksum: 'c'.repeat(32), os_hash_algo: 'sha512',
        os_hash_value: 'a'.repeat(128), disk_format: 'qcow2', container_format: 'bare', min_disk: 1, min_ram: 64,
        protected: true, os_hidden: true, visibility: 'public', status: 'active',
        created_at: new Date(Date.UTC(2024, 4, 5, 6, 7, 8, 901)), updated_at: new Date(Date.UTC(2024, 4, 5, 6, 7, 9)),
        properties: { os_distro: 'cirros', empty: '', nothing: null, 'hw:cpu': '2' },
        tags: ['a', 'b', 'a'],
        locations: [{ url: 'file:///var/lib/glance/x', metadata: { store: 'fs' }, status: 'active' }],
      });
      const created = await repo.create(img);
      assert.deepEqual(created.tags, ['a', 'b']);
      const got = await repo.get(img.id);
      assert.ok(got);
      assert.deepEqual(got, created);
      assert.equal(got.size, 2 ** 40 + 7);
      assert.equal(got.properties['nothing'], null);
      assert.equal(got.protected, true);
      assert.equal(got.os_hidden, true);
      const ms = dialect === 'mysql' ? 0 : 901;
      assert.equal(got.created_at.toISOString(), `2024-05-05T06:07:08.${String(ms).padStart(3, '0')}Z`);
    });

    it('returns null for an unknown, over-long or deleted id', async () => {
      assert.equal(await repo.get('00000000-0000-0000-0000-000000000000'), null);
      assert.equal(await repo.get('x'.repeat(40)), null);
    });

    it('rejects a duplicate id, also of a soft-deleted image', async () => {
      const img = makeImage();
      await repo.create(img);
      await assert.rejects(repo.create(makeImage({ id: img.id })), (e) => e instanceof Conflict && e.message === `Image ID ${img.id} already exists!`);
      assert.equal(await repo.delete(img.id), true);
      await assert.rejects(repo.create(makeImage({ id: img.id })), Conflict);
    });

    it('updates, inserts, soft-deletes and revives properties on save', async () => {
      const img = await repo.create(makeImage({ properties: { a: '1', b: '2' } }));
      const s1 = await repo.save({ ...img, properties: { a: '10', c: '3' } });
      assert.ok(s1);
      assert.deepEqual((await repo.get(img.id))!.properties, { a: '10', c: '3' });
      assert.deepEqual(await countRows('image_properties', img.id), { all: 3, live: 2 });
      await repo.save({ ...img, properties: { a: '10', b: 'back', c: '3' } });
      assert.deepEqual((await repo.get(img.id))!.properties, { a: '10', b: 'back', c: '3' });
      assert.deepEqual(await countRows('image_properties', img.id), { all: 3, live: 3 });
    });

    it('syncs tags as a set and bumps updated_at', async () => {
      const img = await repo.create(makeImage({ tags: ['x', 'y'] }));
      const saved = await repo.save({ ...img, name: 'renamed', tags: ['y', 'z', 'z'] });
      assert.ok(saved && saved.updated_at && saved.updated_at > img.updated_at!);
      const got = (await repo.get(img.id))!;
      assert.deepEqual([...got.tags].sort(), ['y', 'z']);
      assert.equal(got.name, 'renamed');
      assert.deepEqual(got.updated_at, saved.updated_at);
      assert.deepEqual(got.created_at, img.created_at);
    });

    it('keeps, adds and drops locations on save', async () => {
      const img = await repo.create(makeImage({
        status: 'active', locations: [{ url: 'file:///a', metadata: { store: 'fs' }, status: 'active' }],
      }));
      await repo.save({ ...img, locations: [
        { url: 'file:///a', metadata: { store: 'fs', extra: 1 }, status: 'active' },
        { url: 'file:///b', metadata: {}, status: 'active' },
      ] });
      assert.deepEqual((await repo.get(img.id))!.locations.map((l) => [l.url, l.metadata]), [
        ['file:///a', { store: 'fs', extra: 1 }], ['file:///b', {}],
      ]);
      await repo.save({ ...img, locations: [{ url: 'file:///b', metadata: {}, status: 'pending_delete' }] });
      assert.deepEqual((await repo.get(img.id))!.locations, []);
      const rows = await scratch.database.db.selectFrom('image_locations').select(['value', 'status', 'deleted'])
        .where('image_id', '=', img.id).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => [r.value, r.status, Boolean(r.deleted)]), [
        ['file:///a', 'deleted', true], ['file:///b', 'pending_delete', true],
      ]);
    });

    it('compares-and-sets the status', async () => {
      const img = await repo.create(makeImage());
      assert.equal(await repo.save({ ...img, status: 'active', name: 'no' }, { expectedStatus: 'saving' }), null);
      const got = (await repo.get(img.id))!;
      assert.equal(got.status, 'queued');
      assert.equal(got.name, null);
      const ok = await repo.save({ ...img, status: 'saving' }, { expectedStatus: 'queued' });
      assert.equal(ok?.status, 'saving');
      // The same save again, even within the same second (MySQL reports found, not changed, rows).
      assert.ok(await repo.save({ ...img, status: 'saving' }, { expectedStatus: 'saving' }));
      assert.ok(await repo.save({ ...img, status: 'saving' }, { expectedStatus: 'saving' }));
    });

    it('refuses to save a missing or deleted image', async () => {
      await assert.rejects(repo.save(makeImage()), NotFound);
      const img = await repo.create(makeImage());
      await repo.delete(img.id);
      await assert.rejects(repo.save(img), NotFound);
      assert.equal(await repo.save(img, { expectedStatus: 'queued' }), null);
    });

    it('soft-deletes the image and all its children', async () => {
      const img = await repo.create(makeImage({
        visibility: 'shared', properties: { a: '1' }, tags: ['t'],
        locations: [{ url: 'file:///d', metadata: {}, status: 'active' }],
      }));
      await scratch.database.db.insertInto('image_members').values({
        image_id: img.id, member: 'p3', can_share: false, status: 'accepted', created_at: new Date(), deleted: false,
      }).execute();
      assert.equal(await repo.memberStatus(img.id, 'p3'), 'accepted');
      assert.equal(await repo.delete(img.id), true);
      assert.equal(await repo.get(img.id), null);
      const gone = (await repo.get(img.id, { includeDeleted: true }))!;
      assert.equal(gone.status, 'deleted');
      assert.equal(gone.deleted, true);
      assert.ok(gone.deleted_at);
      assert.deepEqual(gone.locations.map((l) => l.status), ['deleted']);
      for (const table of ['image_properties', 'image_tags', 'image_locations', 'image_members'] as const) {
        assert.deepEqual(await countRows(table, img.id), { all: 1, live: 0 }, table);
      }
      assert.equal(await repo.memberStatus(img.id, 'p3'), null);
      assert.equal(await repo.delete(img.id), false);
    });

    it('marks a delayed delete pending_delete', async () => {
      const img = await repo.create(makeImage({ status: 'active' }));
      assert.equal(await repo.delete(img.id, { status: 'pending_delete' }), true);
      assert.equal((await repo.get(img.id, { includeDeleted: true }))!.status, 'pending_delete');
    });

    it('reads rows written by SQLAlchemy (microsecond text, 0/1 booleans)', async () => {
      const id = '7c4a5e0e-0000-4000-8000-000000000001';
      const when = dialect === 'mysql' ? '2023-03-04 05:06:07' : '2023-03-04 05:06:07.123456';
      await sql`INSERT INTO images (id, name, size, status, created_at, updated_at, deleted_at, deleted, min_disk,
        min_ram, protected, visibility, os_hidden)
        VALUES (${id}, 'legacy', NULL, 'active', ${when}, NULL, NULL, ${dialect === 'postgresql' ? sql`false` : sql`0`},
        0, 0, ${dialect === 'postgresql' ? sql`true` : sql`1`}, 'public', ${dialect === 'postgresql' ? sql`false` : sql`0`})`
        .execute(scratch.database.db);
      const got = (await repo.get(id))!;
      assert.equal(got.created_at.toISOString(), dialect === 'mysql' ? '2023-03-04T05:06:07.000Z' : '2023-03-04T05:06:07.123Z');
      assert.equal(got.updated_at, null);
      assert.equal(got.protected, true);
      assert.equal(got.os_hidden, false);
      assert.deepEqual(got.locations, []);
    });
  });
}

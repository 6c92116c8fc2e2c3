/**
 * ImageRepo.list visibility scope (admin, owner, other project, member by status, community
 * rule), marker visibility and the fixed query count of a page — run against every dialect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from '../../src/db/connection-url.js';
import { BadRequest } from '../../src/domain/errors.js';
import type { Image } from '../../src/domain/image.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import type { ImageListScope } from '../../src/db/repos/image-repo.js';
import type { ListQuery } from '../../src/domain/image-list-query.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';
import { listQuery, makeImage, QueryCounter } from './image-fixtures.js';

/** Registers the visibility suite for `dialect`; `skip` is a reason to skip it, if any. */
export function imageRepoVisibilitySuite(dialect: Dialect, skip?: string): void {
  describe(`ImageRepo.list visibility on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let repo: ImageRepo;
    const byName = new Map<string, Image>();

    const spec: Array<[string, Partial<Image>, Array<[string, string]>?]> = [
      ['pub1', { visibility: 'public', owner: 'p1' }],
      ['priv1', { visibility: 'private', owner: 'p1' }],
      ['shacc', { visibility: 'shared', owner: 'p1' }, [['p3', 'accepted']]],
      ['shpend', { visibility: 'shared', owner: 'p1' }, [['p3', 'pending']]],
      ['shrej', { visibility: 'shared', owner: 'p1' }, [['p3', 'rejected']]],
      // A private image keeps stale member rows: they must not grant visibility.
      ['privmem', { visibility: 'private', owner: 'p2' }, [['p3', 'accepted']]],
      ['comm1', { visibility: 'community', owner: 'p1' }],
      ['comm2', { visibility: 'community', owner: 'p2' }],
      ['priv2', { visibility: 'private', owner: 'p2' }],
      ['hidden', { visibility: 'public', owner: 'p2', os_hidden: true }],
      ['killed', { visibility: 'public', owner: 'p1', status: 'killed' }],
      ['gone', { visibility: 'public', owner: 'p1' }],
    ];

    before(async () => {
      scratch = await openScratchDatabase(dialect);
      repo = new ImageRepo(scratch.database);
      let minute = 0;
      for (const [name, over, members] of spec) {
        const img = await repo.create(makeImage({ name, created_at: new Date(Date.UTC(2024, 1, 1, 0, minute++)), ...over }));
        byName.set(name, img);
        for (const [member, status] of members ?? []) {
          await scratch.database.db.insertInto('image_members').values({
            image_id: img.id, member, can_share: false, status, created_at: new Date(), deleted: false,
          }).execute();
        }
      }
      await repo.delete(byName.get('gone')!.id);
    });
    after(async () => scratch?.drop());

    const names = async (scope: ImageListScope, over: Partial<ListQuery> = {}) =>
      (await repo.list(listQuery(over), scope)).map((i) => i.name).sort();
    const admin: ImageListScope = { isAdmin: true, projectId: 'p9' };
    const p = (projectId: string | null): ImageListScope => ({ isAdmin: false, projectId });

    it('admin sees every project but community only when asked', async () => {
      assert.deepEqual(await names(admin), ['priv1', 'priv2', 'privmem', 'pub1', 'shacc', 'shpend', 'shrej']);
      assert.deepEqual(await names(admin, { visibility: 'all' }),
        ['comm1', 'comm2', 'priv1', 'priv2', 'privmem', 'pub1', 'shacc', 'shpend', 'shrej']);
      assert.deepEqual(await names(admin, { visibility: 'community' }), ['comm1', 'comm2']);
      assert.deepEqual(await names({ isAdmin: true, projectId: 'p1' }),
        ['comm1', 'priv1', 'priv2', 'privmem', 'pub1', 'shacc', 'shpend', 'shrej']);
    });

    it('an owner sees its own images, its community images and public ones', async () => {
      assert.deepEqual(await names(p('p1')), ['comm1', 'priv1', 'pub1', 'shacc', 'shpend', 'shrej']);
      assert.deepEqual(await names(p('p1'), { visibility: 'private' }), ['priv1']);
      assert.deepEqual(await names(p('p1'), { visibility: 'shared' }), ['shacc', 'shpend', 'shrej']);
    });

    it('another project sees public, its own, and community only when asked', async () => {
      assert.deepEqual(await names(p('p2')), ['comm2', 'priv2', 'privmem', 'pub1']);
      assert.deepEqual(await names(p('p2'), { visibility: 'community' }), ['comm1', 'comm2']);
      assert.deepEqual(await names(p('p2'), { visibility: 'all' }), ['comm1', 'comm2', 'priv2', 'privmem', 'pub1']);
      assert.deepEqual(await names(p(null)), ['pub1']);
    });

    it('a member sees shared images by membership status (accepted by default)', async () => {
      assert.deepEqual(await names(p('p3')), ['pub1', 'shacc']);
      assert.deepEqual(await names(p('p3'), { memberStatus: 'pending' }), ['pub1', 'shpend']);
      assert.deepEqual(await names(p('p3'), { memberStatus: 'rejected' }), ['pub1', 'shrej']);
      assert.deepEqual(await names(p('p3'), { memberStatus: 'all' }), ['pub1', 'shacc', 'shpend', 'shrej']);
      assert.deepEqual(await names(p('p3'), { visibility: 'shared', memberStatus: 'all' }), ['shacc', 'shpend', 'shrej']);
    });

    it('lists hidden images only, and all of them, when os_hidden=true', async () => {
      assert.deepEqual(await names(p('p1'), { osHidden: true }), ['hidden']);
      assert.deepEqual(await names(admin, { osHidden: true }), ['hidden']);
    });

    it('accepts a marker the caller may see and rejects one it may not', async () => {
      // Membership in any status makes a shared marker visible, as Glance's is_image_visible.
      await repo.list(listQuery({ limit: 5, marker: byName.get('shpend')!.id }), p('p3'));
      await repo.list(listQuery({ limit: 5, marker: byName.get('comm1')!.id }), p('p2'));
      await repo.list(listQuery({ limit: 5, marker: byName.get('priv2')!.id }), admin);
      for (const [name, scope] of [['priv2', p('p1')], ['privmem', p('p3')], ['gone', admin], ['priv1', p(null)]] as const) {
        await assert.rejects(repo.list(listQuery({ limit: 5, marker: byName.get(name)!.id }), scope),
          (e) => e instanceof BadRequest && e.message === `No image found with ID ${byName.get(name)!.id}`, name);
      }
      await assert.rejects(repo.list(listQuery({ limit: 5, marker: 'nope' }), admin), BadRequest);
    });

    it('costs a fixed number of queries per page, whatever its size', async () => {
      const counter = new QueryCounter();
      const counted = new ImageRepo({ db: scratch.database.db.withPlugin(counter), dialect: scratch.database.dialect });
      for (const limit of [1, 3, 100]) {
        counter.reset();
        const page = await counted.list(listQuery({ limit }), admin);
        assert.equal(page.length, Math.min(limit, 7));
        assert.equal(counter.count, 4, `limit ${limit}: page + properties + tags + locations`);
        counter.reset();
        await counted.list(listQuery({ limit, marker: page[0]!.id, tags: ['x'] }), admin);
        assert.equal(counter.count, 2, 'marker + empty page');
        counter.reset();
        await counted.list(listQuery({ limit, marker: page[0]!.id }), admin);
        assert.equal(counter.count, 5, `limit ${limit}: marker + page + three child queries`);
      }
    });
  });
}

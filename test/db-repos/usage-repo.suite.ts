/**
 * UsageRepo (the quota usage counts) and NamedLocks (guarded check-then-write) — one suite run
 * against every dialect. The lock cases use two independent database handles, as two API nodes
 * sharing one database would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from '../../src/db/connection-url.js';
import type { Database } from '../../src/db/database.js';
import { NamedLocks } from '../../src/db/named-locks.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { UsageRepo } from '../../src/db/repos/usage-repo.js';
import type { Image } from '../../src/domain/image.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';
import { makeImage } from './image-fixtures.js';

const MIB = 1024 * 1024;

function location(n: number, status: Image['locations'][number]['status'] = 'active'): Image['locations'][number] {
  return { url: `file:///var/lib/glance/images/x${n}`, metadata: {}, status };
}

/** Registers the usage suite for `dialect`; `skip` is a reason to skip it, if any. */
export function usageRepoSuite(dialect: Dialect, skip?: string): void {
  describe(`UsageRepo and NamedLocks on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let images: ImageRepo;
    let usage: UsageRepo;
    before(async () => {
      scratch = await openScratchDatabase(dialect);
      images = new ImageRepo(scratch.database);
      usage = new UsageRepo(scratch.database);
    });
    after(async () => scratch?.drop());

    it('counts an owner\'s images except killed, pending_delete and deleted, and no one else\'s', async () => {
      const owner = 'count-owner';
      for (const status of ['queued', 'active', 'saving', 'killed'] as const) await images.create(makeImage({ owner, status }));
      await images.create(makeImage({ owner: 'someone-else', status: 'active' }));
      const del = await images.create(makeImage({ owner, status: 'active' }));
      await images.delete(del.id);
      const pend = await images.create(makeImage({ owner, status: 'active' }));
      await images.delete(pend.id, { status: 'pending_delete' });
      assert.equal(await usage.imageCount(owner), 3);
    });

    it('counts images uploading: saving, uploading, importing, and copies to stores in progress', async () => {
      const owner = 'uploading-owner';
      for (const status of ['queued', 'active', 'saving', 'uploading', 'importing'] as const) {
        await images.create(makeImage({ owner, status }));
      }
      await images.create(makeImage({ owner, status: 'active', properties: { os_glance_importing_to_stores: 'fs2' } }));
      await images.create(makeImage({ owner, status: 'active', properties: { os_glance_importing_to_stores: '' } }));
      // An image both importing and copying counts once.
      await images.create(makeImage({ owner, status: 'importing', properties: { os_glance_importing_to_stores: 'fs2' } }));
      assert.equal(await usage.uploadingCount(owner), 5);
    });

    it('sums staged data: uploading and importing images and copies in progress', async () => {
      const owner = 'staging-owner';
      await images.create(makeImage({ owner, status: 'uploading', size: 3 * MIB }));
      await images.create(makeImage({ owner, status: 'importing', size: 2 * MIB }));
      await images.create(makeImage({ owner, status: 'active', size: 5 * MIB, properties: { os_glance_importing_to_stores: 'fs2' } }));
      await images.create(makeImage({ owner, status: 'active', size: 7 * MIB, locations: [location(1)] }));
      await images.create(makeImage({ owner, status: 'uploading', size: null }));
      assert.equal(await usage.stagingUsage(owner), 10 * MIB);
      assert.equal(await usage.stagingUsage('nobody'), 0);
    });

    it('counts stored data once per live location, skipping killed/deleted images and deleted locations', async () => {
      const owner = 'storage-owner';
      const two = await images.create(makeImage({ owner, status: 'active', size: 2 ** 33, locations: [location(1), location(2)] }));
      await images.create(makeImage({ owner, status: 'active', size: 1000, locations: [location(3), location(4, 'deleted')] }));
      await images.create(makeImage({ owner, status: 'killed', size: 5000, locations: [location(5)] }));
      await images.create(makeImage({ owner, status: 'queued', size: 0 }));
      const gone = await images.create(makeImage({ owner, status: 'active', size: 9000, locations: [location(6)] }));
      await images.delete(gone.id);
      assert.equal(await usage.storageUsage(owner), 2 * 2 ** 33 + 1000);
      assert.equal(await usage.storageUsage(owner, two.id), 1000);
    });

    it('guards check-then-create: ten concurrent creates through two nodes against a limit of five make five', async () => {
      // On SQLite both nodes share one handle: a second handle in this process would wait for the
      // file lock synchronously (better-sqlite3), stalling the event loop of the holder too. The
      // two NamedLocks still have separate in-process queues, so the database lock is what
      // keeps them apart.
      const other: Database | null = dialect === 'sqlite' ? null : await scratch.openAnother();
      try {
        const nodes = [scratch.database, other ?? scratch.database].map((database) => ({
          locks: new NamedLocks(database), images: new ImageRepo(database), usage: new UsageRepo(database),
        }));
        const owner = 'race-owner';
        const attempt = (i: number) => {
          const node = nodes[i % 2]!;
          return node.locks.run(owner, async (trx) => {
            const count = await node.usage.joining(trx).imageCount(owner);
            // Widen the window a check-then-act race needs.
            await new Promise((r) => setTimeout(r, 20));
            if (count + 1 > 5) return false;
            await node.images.joining(trx).create(makeImage({ owner, status: 'queued' }));
            return true;
          });
        };
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(i)));
        assert.equal(results.filter(Boolean).length, 5);
        assert.equal(await usage.imageCount(owner), 5);
      } finally {
        await other?.close();
      }
    });

    it('rolls back a guarded section that throws and releases the lock', async () => {
      const locks = new NamedLocks(scratch.database);
      const owner = 'rollback-owner';
      await assert.rejects(locks.run(owner, async (trx) => {
        await images.joining(trx).create(makeImage({ owner }));
        assert.equal(await usage.joining(trx).imageCount(owner), 1);
        throw new Error('over the limit');
      }), /over the limit/);
      assert.equal(await usage.imageCount(owner), 0);
      // The lock was released: the next section runs.
      assert.equal(await locks.run(owner, async () => 'ran'), 'ran');
    });

    it('does not serialise different projects on other handles behind a held lock', { skip: dialect === 'sqlite' ? 'SQLite has one write lock for the whole file' : undefined }, async () => {
      const other = await scratch.openAnother();
      try {
        const a = new NamedLocks(scratch.database);
        const b = new NamedLocks(other);
        let release!: () => void;
        const held = a.run('project-a', () => new Promise<void>((r) => { release = r; }));
        await new Promise((r) => setTimeout(r, 50));
        const started = Date.now();
        assert.equal(await b.run('project-b', async () => 'free'), 'free');
        assert.ok(Date.now() - started < 1000);
        release();
        await held;
      } finally {
        await other.close();
      }
    });
  });
}

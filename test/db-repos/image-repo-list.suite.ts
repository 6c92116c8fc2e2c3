/**
 * ImageRepo.list filters (each operator), sorting with ties and NULLs, and marker pagination
 * that reproduces the unpaginated order — run against every dialect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Dialect } from '../../src/db/connection-url.js';
import { BadRequest } from '../../src/domain/errors.js';
import type { Image } from '../../src/domain/image.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import type { ListQuery } from '../../src/domain/image-list-query.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';
import { ids, makeImage, parsedQuery } from './image-fixtures.js';

const admin = { isAdmin: true, projectId: 'admin' };
const day = (d: number) => new Date(Date.UTC(2024, 5, d, 10, 0, 0));
/** `day(d)` as the ISO text a client puts in `created_at=gt:…`. */
const iso = (d: number) => day(d).toISOString().replace('.000Z', 'Z');

/** Registers the filter/sort/pagination suite for `dialect`; `skip` is a reason to skip it. */
export function imageRepoListSuite(dialect: Dialect, skip?: string): void {
  describe(`ImageRepo.list filters on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let repo: ImageRepo;
    /** Names listed for `GET /v2/images?<params>` by an admin (NULL name as "(null)"). */
    const names = async (...params: Array<[string, string]>) =>
      (await repo.list(parsedQuery(params), admin)).map((i) => i.name ?? '(null)').sort();

    before(async () => {
      scratch = await openScratchDatabase(dialect);
      repo = new ImageRepo(scratch.database);
      const common = { visibility: 'public' as const };
      await repo.create(makeImage({ ...common, name: 'alpha', status: 'active', disk_format: 'qcow2', container_format: 'bare',
        size: 100, created_at: day(1), updated_at: day(11), tags: ['x', 'y'], properties: { os_distro: 'ubuntu' },
        checksum: 'c1', os_hash_value: 'h1', owner: 'pf' }));
      await repo.create(makeImage({ ...common, name: 'beta', status: 'queued', disk_format: 'raw', container_format: 'bare',
        size: null, created_at: day(2), updated_at: day(12), tags: ['x'], properties: { os_distro: 'fedora' }, protected: true, owner: 'pf' }));
      await repo.create(makeImage({ ...common, name: 'gamma,delta', status: 'active', disk_format: 'iso', container_format: 'ovf',
        size: 300, created_at: day(3), updated_at: day(13), tags: ['y'], properties: { os_distro: 'ubuntu', extra: '1' }, owner: 'pg' }));
      await repo.create(makeImage({ ...common, name: null, status: 'saving', disk_format: 'qcow2', container_format: null,
        size: 200, created_at: day(4), updated_at: null, owner: 'pg' }));
    });
    after(async () => scratch?.drop());

    it('filters name/id/status/formats with eq and in', async () => {
      assert.deepEqual(await names(['name', 'alpha']), ['alpha']);
      assert.deepEqual(await names(['name', 'eq:alpha']), ['alpha']);
      assert.deepEqual(await names(['name', 'in:alpha,"gamma,delta"']), ['alpha', 'gamma,delta']);
      assert.deepEqual(await names(['status', 'in:active,saving']), ['(null)', 'alpha', 'gamma,delta']);
      assert.deepEqual(await names(['container_format', 'bare']), ['alpha', 'beta']);
      assert.deepEqual(await names(['disk_format', 'in:qcow2,iso']), ['(null)', 'alpha', 'gamma,delta']);
      assert.deepEqual(await names(['disk_format', 'in:vmdk']), []);
      const all = await repo.list(parsedQuery([]), admin);
      assert.deepEqual(await names(['id', `in:${all[0]!.id},${all[1]!.id}`]), ['(null)', 'gamma,delta']);
    });

    it('filters created_at and updated_at with every operator', async () => {
      const t = (op: string, d: number, column = 'created_at') => names([column, `${op}:${iso(d)}`]);
      assert.deepEqual(await t('gt', 2), ['(null)', 'gamma,delta']);
      assert.deepEqual(await t('gte', 2), ['(null)', 'beta', 'gamma,delta']);
      assert.deepEqual(await t('lt', 2), ['alpha']);
      assert.deepEqual(await t('lte', 2), ['alpha', 'beta']);
      assert.deepEqual(await t('eq', 3), ['gamma,delta']);
      assert.deepEqual(await t('neq', 3), ['(null)', 'alpha', 'beta']);
      // NULL updated_at never satisfies a comparison.
      assert.deepEqual(await t('neq', 12, 'updated_at'), ['alpha', 'gamma,delta']);
      assert.deepEqual(await names(['created_at', `gte:${iso(2)}`], ['updated_at', `lt:${iso(13)}`]), ['beta']);
    });

    it('filters size ranges, protected and column equality', async () => {
      assert.deepEqual(await names(['size_min', '150']), ['(null)', 'gamma,delta']);
      assert.deepEqual(await names(['size_max', '150']), ['alpha']);
      assert.deepEqual(await names(['size_min', '100'], ['size_max', '200']), ['(null)', 'alpha']);
      assert.deepEqual(await names(['protected', 'true']), ['beta']);
      assert.deepEqual(await names(['protected', 'false']), ['(null)', 'alpha', 'gamma,delta']);
      assert.deepEqual(await names(['owner', 'pg']), ['(null)', 'gamma,delta']);
      assert.deepEqual(await names(['checksum', 'c1']), ['alpha']);
      assert.deepEqual(await names(['os_hash_value', 'h1']), ['alpha']);
      assert.deepEqual(await names(['size', '300']), ['gamma,delta']);
      assert.deepEqual(await names(['size', 'big']), []);
      assert.deepEqual(await names(['min_ram_max', '0']), ['(null)', 'alpha', 'beta', 'gamma,delta']);
      await assert.rejects(names(['nosuch_min', '1']), BadRequest);
      await assert.rejects(names(['created_at_min', '1']), BadRequest);
    });

    it('filters extra properties and tags (AND), ignoring soft-deleted rows', async () => {
      assert.deepEqual(await names(['os_distro', 'ubuntu']), ['alpha', 'gamma,delta']);
      assert.deepEqual(await names(['os_distro', 'ubuntu'], ['extra', '1']), ['gamma,delta']);
      assert.deepEqual(await names(['os_distro', 'debian']), []);
      assert.deepEqual(await names(['tag', 'x']), ['alpha', 'beta']);
      assert.deepEqual(await names(['tag', 'x'], ['tag', 'y']), ['alpha']);
      assert.deepEqual(await names(['tag', 'z']), []);
      const tmp = await repo.create(makeImage({ name: 'tmp', visibility: 'public', tags: ['x'], properties: { os_distro: 'ubuntu' } }));
      await repo.save({ ...tmp, tags: [], properties: {} });
      assert.deepEqual(await names(['tag', 'x']), ['alpha', 'beta']);
      assert.deepEqual(await names(['os_distro', 'ubuntu']), ['alpha', 'gamma,delta']);
      await repo.delete(tmp.id);
    });
  });

  describe(`ImageRepo.list sorting and pagination on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let repo: ImageRepo;
    before(async () => {
      scratch = await openScratchDatabase(dialect);
      repo = new ImageRepo(scratch.database);
      const nameOf = ['alpha', 'beta', 'gamma', null];
      const sizeOf = [null, 10, 20, 10, null, 30];
      const formatOf = ['qcow2', null, 'raw'];
      for (let i = 0; i < 30; i++) {
        await repo.create(makeImage({
          visibility: 'public', name: nameOf[i % 4]!, size: sizeOf[i % 6]!, status: i % 2 ? 'active' : 'queued',
          disk_format: formatOf[i % 3]!, created_at: day(1 + Math.floor(i / 3)), // ties of three
          updated_at: i % 5 === 0 ? null : day(20 + (i % 4)),
        }));
      }
      // Two rows as SQLAlchemy writes them, equal to the millisecond, apart in microseconds.
      const f = dialect === 'postgresql' ? sql`false` : sql`0`;
      for (const [id, when] of [['00000000-0000-4000-8000-0000000000a1', '2024-06-05 10:00:00.123456'],
        ['00000000-0000-4000-8000-0000000000a2', '2024-06-05 10:00:00.123789']] as const) {
        const stored = dialect === 'mysql' ? when.slice(0, 19) : when;
        await sql`INSERT INTO images (id, status, created_at, deleted, min_disk, min_ram, protected, visibility, os_hidden)
          VALUES (${id}, 'active', ${stored}, ${f}, 0, 0, ${f}, 'public', ${f})`.execute(scratch.database.db);
      }
    });
    after(async () => scratch?.drop());

    const specs: Array<Array<[string, string]>> = [
      [], [['sort', 'name:asc']], [['sort', 'name:desc']], [['sort', 'size:asc,name:desc']],
      [['sort_key', 'disk_format']], [['sort_key', 'updated_at'], ['sort_dir', 'asc']], [['sort', 'updated_at']],
      [['sort_key', 'status'], ['sort_key', 'size'], ['sort_dir', 'desc']], [['sort', 'id:asc']],
      [['sort', 'created_at:asc']], [['sort', 'container_format:desc,size:asc']],
    ];

    for (const params of specs) {
      it(`orders by ${params.map(([k, v]) => `${k}=${v}`).join('&') || 'default'} and pages through it`, async () => {
        const base: ListQuery = { ...parsedQuery(params), limit: 1000 };
        const full = await repo.list(base, admin);
        assert.equal(full.length, 32);
        assert.deepEqual(ids(full), ids([...full].sort(comparator(base.sort))), 'NULL sorts as the smallest value');
        for (const limit of [1, 4, 7]) {
          const walked: Image[] = [];
          let marker: string | null = null;
          for (;;) {
            const page: Image[] = await repo.list({ ...base, limit, marker }, admin);
            walked.push(...page);
            if (page.length < limit) break;
            marker = page[page.length - 1]!.id;
          }
          assert.deepEqual(ids(walked), ids(full), `limit ${limit}`);
        }
      });
    }
  });
}

/** The order the repository promises: the parsed terms, NULL as the smallest value. */
function comparator(terms: ListQuery['sort']): (a: Image, b: Image) => number {
  return (a, b) => {
    for (const t of terms) {
      const c = cmp(a[t.key], b[t.key]);
      if (c !== 0) return t.dir === 'asc' ? c : -c;
    }
    return 0;
  };
}

function cmp(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === null) return y === null ? 0 : -1;
  if (y === null) return 1;
  const a = x instanceof Date ? x.getTime() : x;
  const b = y instanceof Date ? y.getTime() : y;
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

/**
 * The metadef repositories against SQLite, MariaDB and PostgreSQL (the servers are skipped when
 * unreachable): namespaces (visibility-filtered, resource-type-filtered, sorted and marker-paged
 * lists; create with content all or nothing; rename conflicts; cascading delete), objects,
 * properties, tags (bulk replace/append in one transaction) and resource-type associations, and
 * the catalogue loader's merge modes, export and unload.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from '../../src/db/connection-url.js';
import { MetadefCatalogRepo, type MetadefDocument } from '../../src/db/repos/metadef-catalog-repo.js';
import { MetadefNamespaceRepo } from '../../src/db/repos/metadef-namespace-repo.js';
import { MetadefObjectRepo } from '../../src/db/repos/metadef-object-repo.js';
import { MetadefPropertyRepo } from '../../src/db/repos/metadef-property-repo.js';
import { MetadefResourceTypeRepo } from '../../src/db/repos/metadef-resource-type-repo.js';
import { MetadefTagRepo } from '../../src/db/repos/metadef-tag-repo.js';
import { Conflict } from '../../src/domain/errors.js';
import type { NamespaceFields } from '../../src/domain/metadef.js';
import { skipReason } from './image-fixtures.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';

const fields = (namespace: string, more: Partial<NamespaceFields> = {}): NamespaceFields => ({
  namespace, display_name: null, description: null, visibility: 'private', protected: false, owner: 'p1', ...more,
});

function metadefRepoSuite(dialect: Dialect, skip?: string): void {
  describe(`metadef repositories on ${dialect}`, { skip }, () => {
    let scratch: ScratchDatabase;
    let namespaces: MetadefNamespaceRepo;
    let objects: MetadefObjectRepo;
    let properties: MetadefPropertyRepo;
    let tags: MetadefTagRepo;
    let types: MetadefResourceTypeRepo;

    before(async () => {
      scratch = await openScratchDatabase(dialect);
      const h = scratch.database;
      namespaces = new MetadefNamespaceRepo(h);
      objects = new MetadefObjectRepo(h);
      properties = new MetadefPropertyRepo(h);
      tags = new MetadefTagRepo(h);
      types = new MetadefResourceTypeRepo(h);
    });
    after(async () => {
      await scratch?.drop();
    });

    it('namespaces: create with content, duplicates roll back, visibility, filters, paging', async () => {
      const a = await namespaces.create(fields('ns-a', { visibility: 'public', protected: true }), {
        associations: [{ name: 'RT::One', prefix: 'one_', properties_target: null }],
        objects: [{ name: 'o', description: 'd', required: ['x', 'y'], properties: { x: { type: 'string', title: 'X' } } }],
        tags: ['t1', 't2'],
        properties: { p: { type: 'integer', title: 'P' } },
      });
      assert.equal((await namespaces.get('ns-a'))?.protected, true);
      assert.deepEqual((await objects.list(a.id)).map((o) => [o.name, o.required, o.properties]), [['o', ['x', 'y'], { x: { type: 'string', title: 'X' } }]]);
      await assert.rejects(namespaces.create(fields('ns-a')), (e: unknown) => e instanceof Conflict);
      await assert.rejects(namespaces.create(fields('ns-b'), { associations: [], objects: [], tags: ['same', 'same'], properties: {} }),
        (e: unknown) => e instanceof Conflict && /name=same/.test(e.message));
      assert.equal(await namespaces.get('ns-b'), null, 'the failed create left no namespace');
      await namespaces.create(fields('ns-b', { owner: 'p2' }), { associations: [{ name: 'RT::Two', prefix: null, properties_target: null }], objects: [], tags: [], properties: {} });
      await namespaces.create(fields('ns-c', { owner: 'p1' }));

      const list = async (q: Partial<Parameters<MetadefNamespaceRepo['list']>[0]>) => (await namespaces.list({
        viewer: { isAdmin: false, owner: 'p1' }, sortKey: 'namespace', sortDir: 'asc', limit: 10, ...q,
      })).map((n) => n.namespace);
      assert.deepEqual(await list({}), ['ns-a', 'ns-c']);
      assert.deepEqual(await list({ viewer: { isAdmin: true, owner: null } }), ['ns-a', 'ns-b', 'ns-c']);
      assert.deepEqual(await list({ viewer: { isAdmin: false, owner: null } }), ['ns-a']);
      assert.deepEqual(await list({ viewer: { isAdmin: true, owner: null }, visibility: 'private' }), ['ns-b', 'ns-c']);
      assert.deepEqual(await list({ viewer: { isAdmin: true, owner: null }, resourceTypes: ['RT::Two', 'RT::None'] }), ['ns-b']);
      const first = await namespaces.list({ viewer: { isAdmin: true, owner: null }, sortKey: 'created_at', sortDir: 'desc', limit: 2 });
      assert.deepEqual(first.map((n) => n.namespace), ['ns-c', 'ns-b'], 'same-second rows ordered by id');
      assert.deepEqual(await list({ viewer: { isAdmin: true, owner: null }, sortKey: 'created_at', sortDir: 'desc', marker: first[1]! }), ['ns-a']);
      assert.deepEqual(await list({ viewer: { isAdmin: true, owner: null }, sortDir: 'desc', marker: (await namespaces.get('ns-c'))! }), ['ns-b', 'ns-a']);
    });

    it('namespaces: update, rename conflict, cascading delete', async () => {
      const b = (await namespaces.get('ns-b'))!;
      await assert.rejects(namespaces.update(b.id, fields('ns-a')), (e: unknown) => e instanceof Conflict && /same name of ns-a/.test(e.message));
      const at = await namespaces.update(b.id, fields('ns-b2', { display_name: 'B', visibility: 'public' }));
      const b2 = (await namespaces.get('ns-b2'))!;
      assert.equal(b2.display_name, 'B');
      assert.equal(b2.updated_at?.getTime(), at.getTime());
      const a = (await namespaces.get('ns-a'))!;
      await namespaces.delete(a.id);
      assert.equal(await namespaces.get('ns-a'), null);
      for (const table of ['metadef_objects', 'metadef_properties', 'metadef_tags', 'metadef_namespace_resource_types'] as const) {
        assert.equal((await scratch.database.db.selectFrom(table).selectAll().where('namespace_id', '=', a.id).execute()).length, 0, table);
      }
      assert.ok((await types.listAll()).some((t) => t.name === 'RT::One'), 'resource types outlive their associations');
    });

    it('objects, properties and tags: create, rename conflicts, bulk tags', async () => {
      const ns = await namespaces.create(fields('ns-content'));
      const o1 = await objects.create(ns.id, 'ns-content', { name: 'o1', description: null, required: null, properties: null });
      assert.deepEqual((await objects.get(ns.id, 'o1'))?.required, []);
      await objects.create(ns.id, 'ns-content', { name: 'o2', description: null, required: null, properties: null });
      await assert.rejects(objects.update(o1.id, 'ns-content', { name: 'o2', description: null, required: null, properties: null }), Conflict);
      await objects.update(o1.id, 'ns-content', { name: 'o1b', description: 'd', required: ['a'], properties: { a: { type: 'string' } } });
      assert.deepEqual((await objects.get(ns.id, 'o1b'))?.properties, { a: { type: 'string' } });

      const p = await properties.create(ns.id, 'ns-content', 'p1', { name: 'p1', type: 'string', title: 'P' });
      await properties.create(ns.id, 'ns-content', 'p2', { type: 'string', title: 'P' });
      await assert.rejects(properties.update(p.id, 'ns-content', 'p2', {}), Conflict);
      await properties.update(p.id, 'ns-content', 'p3', { name: 'p3', type: 'boolean', title: 'T' });
      assert.deepEqual((await properties.get(ns.id, 'p3'))?.schema, { name: 'p3', type: 'boolean', title: 'T' });

      await tags.createMany(ns.id, 'ns-content', ['a', 'b'], false);
      await tags.createMany(ns.id, 'ns-content', ['c'], true);
      const names = async (q?: Parameters<MetadefTagRepo['list']>[1]) => (await tags.list(ns.id, q)).map((t) => t.name);
      assert.deepEqual(await names({ sortKey: 'name', sortDir: 'asc' }), ['a', 'b', 'c']);
      await assert.rejects(tags.createMany(ns.id, 'ns-content', ['d', 'a'], true), (e: unknown) => e instanceof Conflict && /name=a /.test(e.message));
      await assert.rejects(tags.createMany(ns.id, 'ns-content', ['e', 'e'], false), Conflict);
      assert.deepEqual(await names({ sortKey: 'name', sortDir: 'asc' }), ['a', 'b', 'c'], 'failed bulk creates changed nothing');
      const b = (await tags.get(ns.id, 'b'))!;
      assert.deepEqual(await names({ sortKey: 'name', sortDir: 'desc', marker: b }), ['a']);
      assert.deepEqual(await names({ sortKey: 'name', sortDir: 'asc', limit: 1, marker: b }), ['c']);
      await assert.rejects(tags.rename(b.id, 'ns-content', 'a'), Conflict);
      await tags.createMany(ns.id, 'ns-content', ['x'], false);
      assert.deepEqual(await names(), ['x']);
      await tags.deleteAll(ns.id);
      await objects.deleteAll(ns.id);
      await properties.deleteAll(ns.id);
      assert.deepEqual([(await tags.list(ns.id)).length, (await objects.list(ns.id)).length, (await properties.list(ns.id)).length], [0, 0, 0]);
    });

    it('resource types: associate creates the type once, duplicates refused, dissociate', async () => {
      const ns = await namespaces.create(fields('ns-rt'));
      const other = await namespaces.create(fields('ns-rt2'));
      await types.associate(ns.id, 'ns-rt', { name: 'RT::New', prefix: 'n_', properties_target: 'image' });
      await types.associate(other.id, 'ns-rt2', { name: 'RT::New', prefix: null, properties_target: null });
      assert.equal((await types.listAll()).filter((t) => t.name === 'RT::New').length, 1);
      await assert.rejects(types.associate(ns.id, 'ns-rt', { name: 'RT::New', prefix: null, properties_target: null }),
        (e: unknown) => e instanceof Conflict && /resource-type=RT::New to namespace=ns-rt already exists/.test(e.message));
      const many = await types.listForMany([ns.id, other.id]);
      assert.deepEqual(many.get(ns.id)?.map((a) => [a.name, a.prefix, a.properties_target]), [['RT::New', 'n_', 'image']]);
      assert.equal(await types.dissociate(ns.id, 'RT::New'), true);
      assert.equal(await types.dissociate(ns.id, 'RT::New'), false);
      assert.deepEqual(await types.listFor(ns.id), []);
      assert.equal((await types.listFor(other.id)).length, 1);
    });

    it('catalogue: load, skip, merge, prefer_new, overwrite, export, unload', async () => {
      const catalog = new MetadefCatalogRepo(scratch.database);
      const doc: MetadefDocument = {
        namespace: 'F::One', display_name: 'One', visibility: 'public', protected: true,
        resource_type_associations: [{ name: 'RT::File', prefix: 'f_' }],
        properties: { p: { title: 'P', type: 'string' } },
        objects: [{ name: 'o', required: ['p'], properties: { p: { title: 'P', type: 'string' } } }],
        tags: [{ name: 't' }],
      };
      const off = { merge: false, preferNew: false, overwrite: false };
      assert.equal(await catalog.load(doc, off), 'loaded');
      const loaded = (await namespaces.get('F::One'))!;
      assert.equal(loaded.owner, 'admin');
      assert.equal(loaded.updated_at, null);
      assert.equal((await types.listAll()).find((t) => t.name === 'RT::File')?.protected, true);
      const changed: MetadefDocument = { ...doc, display_name: 'Changed', tags: [{ name: 't' }, { name: 'u' }] };
      assert.equal(await catalog.load(changed, off), 'skipped');
      assert.equal(await catalog.load(changed, { ...off, merge: true }), 'loaded');
      assert.equal((await namespaces.get('F::One'))?.display_name, 'One', 'merge keeps existing values');
      assert.deepEqual((await tags.list(loaded.id, { sortKey: 'name', sortDir: 'asc' })).map((t) => t.name), ['t', 'u'], 'merge adds what is missing');
      await catalog.load(changed, { ...off, merge: true, preferNew: true });
      const preferred = (await namespaces.get('F::One'))!;
      assert.equal(preferred.display_name, 'Changed');
      assert.ok(preferred.updated_at !== null);
      assert.equal(await catalog.load({ namespace: 'F::One', display_name: 'Fresh' }, { ...off, merge: true, overwrite: true }), 'overwritten');
      const fresh = (await namespaces.get('F::One'))!;
      assert.equal((await tags.list(fresh.id)).length, 0, 'overwrite drops the old content');
      await catalog.load(doc, { ...off, merge: true, overwrite: true });
      const exported = (await catalog.exportAll()).find((d) => d.namespace === 'F::One')!;
      assert.deepEqual(exported, {
        namespace: 'F::One', display_name: 'One', description: null, visibility: 'public', protected: true,
        resource_type_associations: [{ name: 'RT::File', prefix: 'f_', properties_target: null }],
        properties: doc.properties, objects: [{ name: 'o', description: null, required: ['p'], properties: doc.objects![0]!.properties }],
        tags: [{ name: 't' }],
      });
      await catalog.unload();
      for (const table of ['metadef_namespaces', 'metadef_resource_types', 'metadef_tags'] as const) {
        assert.equal((await scratch.database.db.selectFrom(table).selectAll().execute()).length, 0, table);
      }
    });
  });
}

for (const dialect of ['sqlite', 'mysql', 'postgresql'] as const) metadefRepoSuite(dialect, await skipReason(dialect));

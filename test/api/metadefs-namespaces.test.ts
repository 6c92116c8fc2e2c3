/**
 * Metadef namespaces through the real application (in-process, SQLite, unauthenticated identity
 * headers, Glance 25.1's legacy policy mode): create with content, show with its embedded
 * collections and resource-type prefixes, the visibility of private namespaces, protected
 * deletes, duplicates, update, the collection deletes, list filters and paging with their links,
 * 405s, and the `metadef_namespace.*` notifications.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS, startApi, type ApiHarness } from './api-harness.js';
import { assertError, errorMessage } from './api-assert.js';

const NS = '/v2/metadefs/namespaces';
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('metadef namespaces', () => {
  let api: ApiHarness;
  const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
  const create = async (body: Record<string, unknown>) => {
    const res = await api.call('admin', 'POST', NS, { body });
    assert.equal(res.statusCode, 201, res.body);
    return json(res.body);
  };

  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api?.close();
  });

  test('create with content answers 201 with Glance\'s shape and notifies each part', async () => {
    const res = await api.call('admin', 'POST', NS, {
      body: {
        namespace: 'OS::T::Full', display_name: 'Full', description: 'd', visibility: 'public', protected: true,
        resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }],
        properties: { cpu: { title: 'CPU', type: 'string', enum: ['a', 'b'], unknown_key: 1 } },
        objects: [{ name: 'obj', required: ['x'], properties: { x: { title: 'X', type: 'integer' } } }],
        tags: [{ name: 't1' }],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, `${NS}/OS::T::Full`);
    const body = json(res.body);
    assert.deepEqual(Object.keys(body), ['namespace', 'display_name', 'description', 'visibility', 'protected', 'owner',
      'created_at', 'updated_at', 'resource_type_associations', 'properties', 'objects', 'tags', 'self', 'schema']);
    assert.equal(body.owner, PROJECTS.admin);
    assert.match(String(body.created_at), TIME);
    // The request's parts come back as given (no times or links), properties reduced to Glance's model.
    assert.deepEqual(body.resource_type_associations, [{ name: 'OS::Glance::Image', prefix: 'hw_' }]);
    assert.deepEqual(body.properties, { cpu: { type: 'string', title: 'CPU', enum: ['a', 'b'] } });
    assert.deepEqual(body.objects, [{ name: 'obj', required: ['x'], properties: { x: { type: 'integer', title: 'X' } } }]);
    assert.deepEqual(body.tags, [{ name: 't1' }]);
    assert.equal(body.self, `${NS}/OS::T::Full`);
    assert.equal(body.schema, '/v2/schemas/metadefs/namespace');
    const events = api.notifications().map((n) => n.event_type);
    assert.deepEqual(events.slice(-5), ['metadef_namespace.create', 'metadef_resource_type.create', 'metadef_object.create',
      'metadef_tag.create', 'metadef_property.create']);
    const payload = api.notifications().at(-5)!.payload as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload), ['namespace', 'namespace_old', 'display_name', 'protected', 'visibility', 'owner',
      'description', 'created_at', 'updated_at', 'deleted', 'deleted_at']);
  });

  test('show embeds associations, properties, objects and tags; resource_type applies its prefix', async () => {
    const body = json((await api.call('demo', 'GET', `${NS}/OS::T::Full`)).body);
    assert.deepEqual(Object.keys(body).slice(8), ['resource_type_associations', 'properties', 'objects', 'tags', 'self', 'schema']);
    const [obj] = body.objects as Record<string, unknown>[];
    assert.deepEqual(Object.keys(obj!), ['name', 'required', 'properties', 'created_at', 'updated_at', 'self', 'schema']);
    assert.equal(obj!.self, `${NS}/OS::T::Full/objects/obj`);
    const prefixed = json((await api.call('demo', 'GET', `${NS}/OS::T::Full?resource_type=OS::Glance::Image`)).body);
    assert.deepEqual(Object.keys(prefixed.properties as object), ['hw_cpu']);
    const [pobj] = prefixed.objects as { required: string[]; properties: object }[];
    assert.deepEqual(pobj!.required, ['hw_x']);
    assert.deepEqual(Object.keys(pobj!.properties), ['hw_x']);
  });

  test('a duplicate namespace is 409 and leaves nothing behind', async () => {
    assertError(await api.call('admin', 'POST', NS, { body: { namespace: 'OS::T::Full' } }), 409,
      { message: 'The metadata definition namespace=OS::T::Full already exists.' });
    // A duplicate part rolls the whole create back.
    assertError(await api.call('admin', 'POST', NS, { body: { namespace: 'OS::T::Dup', tags: [{ name: 'a' }, { name: 'a' }] } }), 409,
      { message: 'A metadata tag with name=a already exists in namespace=OS::T::Dup. (Please note that metadata tag names are case insensitive).' });
    assert.equal((await api.call('admin', 'GET', `${NS}/OS::T::Dup`)).statusCode, 404);
  });

  test('bodies: required, read-only keys, schema', async () => {
    assertError(await api.call('admin', 'POST', NS), 400, { message: 'Body expected in request.' });
    assertError(await api.call('admin', 'POST', NS, { body: { namespace: 'x', self: 'y' } }), 403, { message: "Attribute 'self' is read-only." });
    const bad = await api.call('admin', 'POST', NS, { body: { namespace: 'x', visibility: 'shared' } });
    assert.equal(bad.statusCode, 400);
    assert.match(errorMessage(bad), /^Provided object does not match schema 'namespace': 'shared' is not one of \['public', 'private'\]/);
    assert.equal((await api.call('admin', 'GET', `${NS}/OS::T::Full`, { body: { a: 1 } })).statusCode, 400);
  });

  test('private namespaces are visible to their owner only; members may not write', async () => {
    await create({ namespace: 'T::DemoPrivate', owner: PROJECTS.demo });
    await create({ namespace: 'T::QuotaPrivate', owner: PROJECTS.quota });
    const names = async (user: 'demo' | 'quota' | 'admin') =>
      (json((await api.call(user, 'GET', NS)).body).namespaces as { namespace: string }[]).map((n) => n.namespace).sort();
    assert.deepEqual(await names('demo'), ['OS::T::Full', 'T::DemoPrivate']);
    assert.deepEqual(await names('quota'), ['OS::T::Full', 'T::QuotaPrivate']);
    assert.deepEqual(await names('admin'), ['OS::T::Full', 'T::DemoPrivate', 'T::QuotaPrivate']);
    assertError(await api.call('demo', 'GET', `${NS}/T::QuotaPrivate`), 404, { message: 'Could not find namespace T::QuotaPrivate' });
    assert.equal((await api.call('demo', 'GET', `${NS}/T::DemoPrivate`)).statusCode, 200);
    assertError(await api.call('demo', 'POST', NS, { body: { namespace: 'T::Mine' } }), 403,
      { message: 'You are not authorized to complete add_metadef_namespace action.' });
    assertError(await api.call('demo', 'DELETE', `${NS}/T::QuotaPrivate`), 404, { message: 'Namespace T::QuotaPrivate not found' });
    assertError(await api.call('demo', 'DELETE', `${NS}/T::DemoPrivate`), 403,
      { message: 'You are not authorized to complete delete_metadef_namespace action.' });
  });

  test('update replaces the fields, renames, refuses a taken name; protected deletes are 403', async () => {
    assertError(await api.call('admin', 'DELETE', `${NS}/OS::T::Full`), 403,
      { message: 'Metadata definition namespace OS::T::Full is protected and cannot be deleted.' });
    for (const kind of ['objects', 'properties', 'tags']) {
      assert.equal((await api.call('admin', 'DELETE', `${NS}/OS::T::Full/${kind}`)).statusCode, 403, kind);
    }
    assertError(await api.call('admin', 'PUT', `${NS}/OS::T::Full`, { body: { namespace: 'T::DemoPrivate' } }), 409,
      { message: 'Invalid update. It would result in a duplicate metadata definition namespace with the same name of T::DemoPrivate' });
    const res = await api.call('admin', 'PUT', `${NS}/OS::T::Full`, { body: { namespace: 'OS::T::Renamed', description: 'new' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res.body);
    // Absent fields fall back to the defaults; the owner to the caller's project.
    assert.deepEqual({ ...body, created_at: 't', updated_at: 't' }, {
      namespace: 'OS::T::Renamed', description: 'new', visibility: 'private', protected: false, owner: PROJECTS.admin,
      created_at: 't', updated_at: 't', self: `${NS}/OS::T::Renamed`, schema: '/v2/schemas/metadefs/namespace',
    });
    const update = api.notifications().at(-1)!;
    assert.equal(update.event_type, 'metadef_namespace.update');
    assert.equal((update.payload as Record<string, unknown>).namespace_old, 'OS::T::Full');
    // The content moved with the namespace; now unprotected, it can be emptied part by part.
    for (const kind of ['objects', 'properties', 'tags']) {
      const del = await api.call('admin', 'DELETE', `${NS}/OS::T::Renamed/${kind}`);
      assert.equal(del.statusCode, 204);
      assert.equal(api.notifications().at(-1)!.event_type, `metadef_namespace.delete_${kind}`);
    }
    const emptied = json((await api.call('admin', 'GET', `${NS}/OS::T::Renamed`)).body);
    assert.deepEqual(Object.keys(emptied).includes('objects') || Object.keys(emptied).includes('tags'), false);
    assert.deepEqual(emptied.resource_type_associations, [{ name: 'OS::Glance::Image', prefix: 'hw_', created_at: emptied.created_at, updated_at: emptied.created_at }]);
  });

  test('delete removes the namespace and its content', async () => {
    const del = await api.call('admin', 'DELETE', `${NS}/OS::T::Renamed`);
    assert.equal(del.statusCode, 204);
    assert.equal(del.headers['content-length'], '0');
    const event = api.notifications().at(-1)!;
    assert.equal(event.event_type, 'metadef_namespace.delete');
    assert.equal((event.payload as Record<string, unknown>).deleted, true);
    assertError(await api.call('admin', 'GET', `${NS}/OS::T::Renamed`), 404, { message: 'Could not find namespace OS::T::Renamed' });
    const rows = await api.app.database.db.selectFrom('metadef_namespace_resource_types').selectAll().execute();
    assert.equal(rows.length, 0);
  });

  test('list: filters, sorting, limit/marker paging and the links', async () => {
    for (const n of ['T::P1', 'T::P2', 'T::P3']) {
      await create({ namespace: n, visibility: 'public', resource_type_associations: [{ name: n === 'T::P2' ? 'OS::Nova::Flavor' : 'OS::Glance::Image' }] });
    }
    const list = async (query: string) => json((await api.call('admin', 'GET', `${NS}${query}`)).body);
    const names = (b: Record<string, unknown>) => (b.namespaces as { namespace: string }[]).map((n) => n.namespace);
    assert.deepEqual(names(await list('?visibility=public&sort_key=namespace&sort_dir=asc')), ['T::P1', 'T::P2', 'T::P3']);
    assert.deepEqual(names(await list('?resource_types=OS::Nova::Flavor')), ['T::P2']);
    assert.deepEqual(names(await list('?resource_types=OS::Nova::Flavor,OS::Glance::Image&sort_key=namespace&sort_dir=desc')), ['T::P3', 'T::P2', 'T::P1']);
    const page1 = await list('?sort_key=namespace&sort_dir=asc&limit=2');
    assert.deepEqual(names(page1), ['T::DemoPrivate', 'T::P1']);
    assert.deepEqual(Object.keys(page1), ['namespaces', 'next', 'schema', 'first']);
    assert.equal(page1.first, `${NS}?sort_key=namespace&sort_dir=asc&limit=2`);
    assert.equal(page1.next, `${NS}?sort_key=namespace&sort_dir=asc&limit=2&marker=T%3A%3AP1`);
    const page2 = await list(String(page1.next).slice(NS.length));
    assert.deepEqual(names(page2), ['T::P2', 'T::P3']);
    const page3 = await list(String(page2.next).slice(NS.length));
    assert.deepEqual(names(page3), ['T::QuotaPrivate']);
    assert.equal(page3.next, undefined);
    assertError(await api.call('admin', 'GET', `${NS}?sort_dir=up`), 400, { message: 'Invalid sort direction: up' });
    assertError(await api.call('admin', 'GET', `${NS}?visibility=shared`), 400, { message: 'Invalid visibility value: shared' });
    assertError(await api.call('admin', 'GET', `${NS}?limit=x`), 400, { message: 'limit param must be an integer' });
    assertError(await api.call('demo', 'GET', `${NS}?marker=T::QuotaPrivate`), 404, { message: 'Could not find namespace T::QuotaPrivate' });
  });

  test('a wrong method is 405 with Glance\'s Allow lists', async () => {
    for (const [method, url, allow] of [
      ['PATCH', NS, 'GET, POST'], ['POST', `${NS}/T::P1`, 'GET, PUT, DELETE'], ['PUT', `${NS}/T::P1/tags`, 'GET, POST, DELETE'],
      ['PATCH', `${NS}/T::P1/tags/x`, 'GET, POST, PUT, DELETE'], ['POST', '/v2/metadefs/resource_types', 'GET'],
      ['PUT', `${NS}/T::P1/resource_types`, 'GET, POST'], ['GET', `${NS}/T::P1/resource_types/x`, 'DELETE'],
    ] as const) {
      const res = await api.call('admin', method, url);
      assert.equal(res.statusCode, 405, `${method} ${url}`);
      assert.equal(res.headers.allow, allow, `${method} ${url}`);
    }
  });
});

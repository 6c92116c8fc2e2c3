/**
 * The content of metadef namespaces through the real application (in-process, SQLite, legacy
 * policy mode): objects, properties, tags (single, bulk with and without `X-Openstack-Append`,
 * paging) and resource-type associations — create, list, show, update, delete — with Glance's
 * 404/403/409 texts, protected namespaces, invisible namespaces and the notifications.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTS, startApi, type ApiHarness } from './api-harness.js';
import { assertError, errorMessage } from './api-assert.js';

const NS = '/v2/metadefs/namespaces';
const OPEN = `${NS}/T::Open`;

describe('metadef objects, properties, tags and resource types', () => {
  let api: ApiHarness;
  const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
  const ok = async (method: string, url: string, body?: unknown, status = 200, headers?: Record<string, string>) => {
    const res = await api.call('admin', method, url, { body, ...(headers ? { headers } : {}) });
    assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    return res.body === '' ? {} : json(res.body);
  };
  const lastEvent = () => api.notifications().at(-1)!;

  before(async () => {
    api = await startApi();
    await ok('POST', NS, { namespace: 'T::Open', visibility: 'public' }, 201);
    await ok('POST', NS, { namespace: 'T::Locked', visibility: 'public', protected: true, tags: [{ name: 'keep' }],
      objects: [{ name: 'o' }], properties: { p: { title: 'P', type: 'string' } }, resource_type_associations: [{ name: 'OS::Nova::Flavor' }] }, 201);
    await ok('POST', NS, { namespace: 'T::QuotaOnly', owner: PROJECTS.quota }, 201);
  });
  after(async () => {
    await api?.close();
  });

  test('objects: create, list, show, update, delete', async () => {
    const created = await ok('POST', `${OPEN}/objects`, { name: 'obj', description: 'd', properties: { a: { title: 'A', type: 'string' } } }, 201);
    assert.deepEqual(Object.keys(created), ['name', 'description', 'properties', 'created_at', 'updated_at', 'self', 'schema']);
    assert.equal(lastEvent().event_type, 'metadef_object.create');
    const list = await ok('GET', `${OPEN}/objects`);
    assert.equal(list.schema, 'v2/schemas/metadefs/objects');
    const [shown] = list.objects as Record<string, unknown>[];
    // Stored objects show their empty `required` as [].
    assert.deepEqual(Object.keys(shown!), ['name', 'required', 'description', 'properties', 'created_at', 'updated_at', 'self', 'schema']);
    assert.deepEqual(shown!.required, []);
    assert.deepEqual(await ok('GET', `${OPEN}/objects/obj`), shown);
    assertError(await api.call('admin', 'POST', `${OPEN}/objects`, { body: { name: 'obj' } }), 409,
      { message: 'A metadata definition object with name=obj already exists in namespace=T::Open.' });
    await ok('POST', `${OPEN}/objects`, { name: 'other' }, 201);
    assertError(await api.call('admin', 'PUT', `${OPEN}/objects/obj`, { body: { name: 'other' } }), 409,
      { message: 'Invalid update. It would result in a duplicate metadata definition object with the same name=other in namespace=T::Open.' });
    const updated = await ok('PUT', `${OPEN}/objects/obj`, { name: 'renamed', required: ['a'] });
    assert.deepEqual(Object.keys(updated), ['name', 'required', 'created_at', 'updated_at', 'self', 'schema']);
    assert.equal((lastEvent().payload as Record<string, unknown>).name_old, 'obj');
    assertError(await api.call('admin', 'GET', `${OPEN}/objects/obj`), 404, { message: 'Could not find metadata object obj' });
    await ok('DELETE', `${OPEN}/objects/renamed`, undefined, 204);
    assert.equal(lastEvent().event_type, 'metadef_object.delete');
    assertError(await api.call('admin', 'DELETE', `${NS}/T::Locked/objects/o`), 403,
      { message: 'Metadata definition object o is protected and cannot be deleted.' });
    assertError(await api.call('admin', 'GET', `${NS}/T::Nope/objects`), 404, { message: 'Could not find namespace T::Nope' });
  });

  test('properties: create, list, show (with a resource-type prefix), update, delete', async () => {
    const bad = await api.call('admin', 'POST', `${OPEN}/properties`, { body: { title: 'x', type: 'string' } });
    assert.equal(bad.statusCode, 400);
    assert.match(errorMessage(bad), /^Provided object does not match schema 'property': 'name' is a required property/);
    const created = await ok('POST', `${OPEN}/properties`, { name: 'cpu', title: 'CPU', type: 'integer', minimum: 1 }, 201);
    assert.deepEqual(created, { name: 'cpu', type: 'integer', title: 'CPU', minimum: 1 });
    assert.equal(lastEvent().event_type, 'metadef_property.create');
    assertError(await api.call('admin', 'POST', `${OPEN}/properties`, { body: { name: 'cpu', title: 'x', type: 'string' } }), 409,
      { message: 'A metadata definition property with name=cpu already exists in namespace=T::Open.' });
    assert.deepEqual(await ok('GET', `${OPEN}/properties`), { properties: { cpu: { name: 'cpu', type: 'integer', title: 'CPU', minimum: 1 } } });
    assert.deepEqual(await ok('GET', `${OPEN}/properties/cpu`), created);
    await ok('POST', `${OPEN}/resource_types`, { name: 'OS::Glance::Image', prefix: 'hw_' }, 201);
    assert.deepEqual(await ok('GET', `${OPEN}/properties/hw_cpu?resource_type=OS::Glance::Image`), created);
    assertError(await api.call('admin', 'GET', `${OPEN}/properties/cpu?resource_type=OS::Glance::Image`), 404,
      { message: "Property cpu does not start with the expected resource type association prefix of 'hw_'." });
    const updated = await ok('PUT', `${OPEN}/properties/cpu`, { name: 'cores', title: 'Cores', type: 'integer' });
    assert.deepEqual(updated, { name: 'cores', type: 'integer', title: 'Cores' });
    assertError(await api.call('admin', 'GET', `${OPEN}/properties/cpu`), 404, { message: 'Could not find property cpu' });
    await ok('DELETE', `${OPEN}/properties/cores`, undefined, 204);
    assert.equal(lastEvent().event_type, 'metadef_property.delete');
    assertError(await api.call('admin', 'DELETE', `${NS}/T::Locked/properties/p`), 403,
      { message: 'Metadata definition property p is protected and cannot be deleted.' });
    assertError(await api.call('demo', 'GET', `${NS}/T::QuotaOnly/properties`), 404, { message: 'Namespace T::QuotaOnly not found' });
  });

  test('tags: single and bulk create (replace, append, duplicates), paging, rename, delete', async () => {
    const tags = `${OPEN}/tags`;
    const names = async (query = '') => ((await ok('GET', `${tags}${query}`)).tags as { name: string }[]).map((t) => t.name);
    const one = await ok('POST', `${tags}/alpha`, undefined, 201);
    assert.deepEqual(Object.keys(one), ['name', 'created_at', 'updated_at']);
    assertError(await api.call('admin', 'POST', `${tags}/alpha`), 409,
      { message: 'A metadata tag with name=alpha already exists in namespace=T::Open. (Please note that metadata tag names are case insensitive).' });
    assert.deepEqual(await ok('POST', tags, { tags: [{ name: 'b1' }, { name: 'b2' }] }, 201), { tags: [{ name: 'b1' }, { name: 'b2' }] });
    assert.deepEqual((await names('?sort_key=name&sort_dir=asc')), ['b1', 'b2'], 'bulk create replaced alpha');
    await ok('POST', tags, { tags: [{ name: 'b3' }] }, 201, { 'x-openstack-append': 'True' });
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc'), ['b1', 'b2', 'b3']);
    assertError(await api.call('admin', 'POST', tags, { body: { tags: [{ name: 'b4' }, { name: 'b1' }] }, headers: { 'x-openstack-append': 'true' } }), 409,
      { message: 'A metadata tag with name=b1 already exists in namespace=T::Open. (Please note that metadata tag names are case insensitive).' });
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc'), ['b1', 'b2', 'b3'], 'nothing of the failed bulk create kept');
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc&limit=2'), ['b1', 'b2']);
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc&limit=2&marker=b2'), ['b3']);
    assertError(await api.call('admin', 'GET', `${tags}?marker=zz`), 404, { message: 'Could not find metadata tag zz' });
    const bad = await api.call('admin', 'POST', tags, { body: { tags: [{ name: 'x', extra: 1 }] } });
    assert.equal(bad.statusCode, 400);
    assert.match(errorMessage(bad), /^Provided object does not match schema 'tags': /);
    const renamed = await ok('PUT', `${tags}/b1`, { name: 'b0' });
    assert.equal(renamed.name, 'b0');
    assert.equal(lastEvent().event_type, 'metadef_tag.update');
    assertError(await api.call('admin', 'PUT', `${tags}/b0`, { body: { name: 'b2' } }), 409,
      { message: 'A metadata tag with name=b2 already exists in namespace=T::Open. (Please note that metadata tag names are case insensitive).' });
    assert.deepEqual(Object.keys(await ok('GET', `${tags}/b0`)), ['name', 'created_at', 'updated_at']);
    await ok('DELETE', `${tags}/b0`, undefined, 204);
    assertError(await api.call('admin', 'GET', `${tags}/b0`), 404, { message: 'Could not find metadata tag b0' });
    assertError(await api.call('admin', 'DELETE', `${NS}/T::Locked/tags/keep`), 403,
      { message: 'Metadata definition tag keep is protected and cannot be deleted.' });
    await ok('DELETE', tags, undefined, 204);
    assert.deepEqual(await names(), []);
  });

  test('resource types: list, associate (creating the type), list per namespace, dissociate', async () => {
    const all = await ok('GET', '/v2/metadefs/resource_types');
    assert.deepEqual((all.resource_types as { name: string }[]).map((r) => r.name), ['OS::Nova::Flavor', 'OS::Glance::Image']);
    const created = await ok('POST', `${OPEN}/resource_types`, { name: 'OS::Cinder::Volume', prefix: 'v_', properties_target: 'image' }, 201);
    assert.deepEqual(Object.keys(created), ['name', 'prefix', 'properties_target', 'created_at', 'updated_at']);
    assert.equal(lastEvent().event_type, 'metadef_resource_type.create');
    assertError(await api.call('admin', 'POST', `${OPEN}/resource_types`, { body: { name: 'OS::Cinder::Volume' } }), 409,
      { message: 'The metadata definition resource-type association of resource-type=OS::Cinder::Volume to namespace=T::Open already exists.' });
    const mine = await ok('GET', `${OPEN}/resource_types`);
    assert.deepEqual((mine.resource_type_associations as { name: string }[]).map((r) => r.name), ['OS::Glance::Image', 'OS::Cinder::Volume']);
    await ok('DELETE', `${OPEN}/resource_types/OS::Cinder::Volume`, undefined, 204);
    assert.equal((lastEvent().payload as Record<string, unknown>).deleted, true);
    assertError(await api.call('admin', 'DELETE', `${OPEN}/resource_types/OS::Cinder::Volume`), 404,
      { message: 'Failed to find resource type OS::Cinder::Volume to delete' });
    assertError(await api.call('admin', 'DELETE', `${NS}/T::Locked/resource_types/OS::Nova::Flavor`), 403,
      { message: 'Metadata definition resource-type-association OS::Nova::Flavor is protected and cannot be deleted.' });
    // The type itself stays.
    assert.ok(((await ok('GET', '/v2/metadefs/resource_types')).resource_types as { name: string }[]).some((r) => r.name === 'OS::Cinder::Volume'));
  });

  test('members see public content, not another project\'s, and may not write', async () => {
    assert.equal((await api.call('demo', 'GET', `${NS}/T::Locked/objects/o`)).statusCode, 200);
    assertError(await api.call('demo', 'GET', `${NS}/T::QuotaOnly/objects`), 404, { message: 'Could not find namespace T::QuotaOnly' });
    assertError(await api.call('demo', 'POST', `${OPEN}/objects`, { body: { name: 'x' } }), 403,
      { message: 'You are not authorized to complete add_metadef_object action.' });
    assertError(await api.call('demo', 'POST', `${NS}/T::QuotaOnly/tags/x`), 404, { message: 'Namespace T::QuotaOnly not found' });
    assertError(await api.call('demo', 'DELETE', `${OPEN}/tags`), 403, { message: 'You are not authorized to complete delete_metadef_namespace action.' });
  });
});

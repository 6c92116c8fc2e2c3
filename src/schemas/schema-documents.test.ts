import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchemaDocuments } from './schema-documents.js';
import { mergeCustomProperties, SchemaLoadError, stockCustomProperties } from './custom-properties.js';
import { baseImageProperties, buildImageSchema } from './image-schema.js';
import { ImageValidator } from './image-validator.js';
import { GlanceError } from '../domain/errors.js';

// The recorded server's configuration (the install guide's): note the single `ploop.root-tar` token.
const GUIDE = {
  diskFormats: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop.root-tar'],
  containerFormats: ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'],
};
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/schemas/${name}.json`, import.meta.url), 'utf8'));

const docs = buildSchemaDocuments(GUIDE, stockCustomProperties());
const NAMES = ['image', 'images', 'member', 'members', 'task', 'tasks', 'metadefs/namespace', 'metadefs/namespaces',
  'metadefs/resource_type', 'metadefs/resource_types', 'metadefs/property', 'metadefs/properties', 'metadefs/object',
  'metadefs/objects', 'metadefs/tag', 'metadefs/tags'];

for (const name of NAMES) {
  test(`schema document ${name} equals the recorded one`, () => {
    assert.deepStrictEqual(docs[name], fixture(name.replace('/', '-')));
  });
}

test('there are exactly the sixteen documents', () => {
  assert.deepStrictEqual(Object.keys(docs).sort(), [...NAMES].sort());
});

test('image schema keys are in upstream response order', () => {
  assert.deepStrictEqual(Object.keys(docs.image as object), ['name', 'properties', 'additionalProperties', 'links']);
  const props = Object.keys((docs.image as { properties: object }).properties);
  assert.deepStrictEqual(props.slice(0, 4), ['id', 'name', 'status', 'visibility']);
  assert.equal(props.at(-1), 'cinder_encryption_key_deletion_policy');
});

test('custom properties: flat form gets is_base false', () => {
  const c = mergeCustomProperties({ hw_x: { type: 'string' } }, baseImageProperties(GUIDE));
  assert.deepStrictEqual(c, { properties: { hw_x: { type: 'string', is_base: false } } });
});

test('custom properties: extended form carries required into the schema before links', () => {
  const c = mergeCustomProperties({ properties: { a: { type: 'string' } }, required: ['a'] }, baseImageProperties(GUIDE));
  assert.deepStrictEqual(c.required, ['a']);
  const s = buildImageSchema(GUIDE, c);
  assert.deepStrictEqual(Object.keys(s), ['name', 'properties', 'additionalProperties', 'required', 'links']);
});

test('custom properties: a clash with a base property is a load error', () => {
  assert.throws(() => mergeCustomProperties({ name: { type: 'string' } }, baseImageProperties(GUIDE)),
    (e: unknown) => e instanceof SchemaLoadError
      && e.message === 'Unable to load schema: custom properties (name) conflict with base properties');
});

const validator = new ImageValidator(docs.image as Record<string, unknown>);
const fails = (body: unknown, kind: string, message: string): void => {
  assert.throws(() => validator.parseCreateBody(body), (e: unknown) => {
    assert.ok(e instanceof GlanceError);
    assert.equal(e.kind, kind);
    assert.equal(e.message, message);
    return true;
  });
};

test('create: bad id gives the jsonschema message of ref 312', () => {
  const pat = "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'";
  fails({ name: 'x', id: 'not-a-uuid' }, 'bad_request',
    `Provided object does not match schema 'image': 'not-a-uuid' does not match ${pat}\n\n`
    + "Failed validating 'pattern' in schema['properties']['id']:\n"
    + "    {'description': 'An identifier for the image',\n"
    + `     'pattern': ${pat},\n`
    + "     'type': 'string'}\n\nOn instance['id']:\n    'not-a-uuid'");
});

test('create: ploop is not a disk format with the guide config (ref 315)', () => {
  const enumList = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop.root-tar'];
  fails({ name: 'x', disk_format: 'ploop', container_format: 'bare' }, 'bad_request',
    "Provided object does not match schema 'image': 'ploop' is not one of [None, "
    + enumList.map((f) => `'${f}'`).join(', ') + "]\n\nFailed validating 'enum' in schema['properties']['disk_format']:\n"
    + "    {'description': 'Format of the disk',\n     'enum': [None,\n"
    + enumList.map((f) => `              '${f}'`).join(',\n') + "],\n     'type': ['null', 'string']}\n\n"
    + "On instance['disk_format']:\n    'ploop'");
});

test('create: refused, read-only and reserved keys', () => {
  fails({ name: 'x', self: '/x' }, 'forbidden', "Attribute 'self' is read-only.");
  fails({ name: 'x', status: 'active' }, 'forbidden', "Attribute 'status' is read-only.");
  fails({ name: 'x', locations: [] }, 'forbidden', "Attribute 'locations' is reserved.");
  fails({ ['k'.repeat(256)]: 'v' }, 'bad_request', 'Custom property should not be greater than 255 characters.');
  assert.throws(() => validator.parseCreateBody({ name: 'x', os_glance_foo: 'bar' }), (e: unknown) =>
    e instanceof GlanceError && e.kind === 'forbidden' && e.message === ''
      && (e as GlanceError).detail === "Attribute 'os_glance_foo' is reserved.");
});

test('create: extra properties must be strings', () => {
  fails({ foo: 1 }, 'bad_request', "Provided object does not match schema 'image': 1 is not of type 'string'\n\n"
    + "Failed validating 'type' in schema['additionalProperties']:\n    {'type': 'string'}\n\nOn instance['foo']:\n    1");
});

test('create: a valid body splits into base, extra properties and tags', () => {
  const p = validator.parseCreateBody({ name: 's', disk_format: 'qcow2', tags: ['t1', 't2', 't1'], foo: 'bar' });
  assert.deepStrictEqual(p, { image: { disk_format: 'qcow2', name: 's' }, properties: { foo: 'bar' }, tags: ['t1', 't2'] });
});

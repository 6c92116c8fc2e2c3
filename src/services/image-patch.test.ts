import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImagePatch } from './image-patch.js';
import { applyImagePatch } from './image-patch-apply.js';
import type { ApplyPatchOptions } from './image-patch-apply.js';
import { GlanceError } from '../domain/errors.js';
import { newImage } from '../domain/image.js';
import type { Image } from '../domain/image.js';
import { buildImageSchema } from '../schemas/image-schema.js';
import { stockCustomProperties } from '../schemas/custom-properties.js';
import { ImageValidator } from '../schemas/image-validator.js';

const V21 = 'application/openstack-images-v2.1-json-patch';
const V20 = 'application/openstack-images-v2.0-json-patch';
const validator = new ImageValidator(buildImageSchema({ diskFormats: ['raw', 'qcow2'], containerFormats: ['bare'] },
  stockCustomProperties()));
const OPTS: ApplyPatchOptions = {
  isAdmin: false, showMultipleLocations: false, quotas: { imagePropertyQuota: 128, imageTagQuota: 128 },
};
const base = (extra: Partial<Image> = {}): Image => ({
  ...newImage({ id: '432e83f7-ed68-4ea1-a440-2ae720a638c1', now: new Date(0), owner: 'p', name: 'sample-1',
    disk_format: 'qcow2', container_format: 'bare', min_ram: 64, properties: { foo: 'bar' }, tags: ['t2', 't1'] }),
  ...extra,
});
const patch = (body: unknown, image = base(), opts = OPTS, ct = V21) =>
  applyImagePatch(image, parseImagePatch(ct, body, validator), opts);

// Asserts a GlanceError of `kind` whose explanation (or, with `detail`, WebOb detail) is `text`.
const rejects = (fn: () => unknown, kind: string, text: string, detail = false): void => {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GlanceError, String(e));
    assert.equal(e.kind, kind);
    if (detail) {
      assert.equal(e.message, '');
      assert.equal((e as GlanceError).detail, text);
    } else {
      assert.equal(e.message, text);
    }
    return true;
  });
};

test('ref 104: replace name, add property, remove property, replace tags', () => {
  const out = patch([{ op: 'replace', path: '/name', value: 'sample-1-renamed' },
    { op: 'add', path: '/hw_disk_bus', value: 'virtio' }, { op: 'remove', path: '/foo' },
    { op: 'replace', path: '/tags', value: ['t1', 't2', 't3'] }]);
  assert.equal(out.image.name, 'sample-1-renamed');
  assert.deepStrictEqual(out.image.properties, { hw_disk_bus: 'virtio' });
  assert.deepStrictEqual(out.image.tags, ['t2', 't1', 't3']);
  assert.deepStrictEqual(out.changed, ['name', 'hw_disk_bus', 'foo', 'tags']);
  assert.equal(out.visibility, undefined);
});

test('other media types are 415 with Accept-Patch', () => {
  assert.throws(() => parseImagePatch('application/json', [], validator), (e: unknown) =>
    e instanceof GlanceError && e.kind === 'unsupported_media_type' && e.headers['Accept-Patch']
      === 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
  assert.deepStrictEqual(parseImagePatch(`${V21}; charset=UTF-8`, [], validator), []);
});

test('body shape errors', () => {
  rejects(() => parseImagePatch(V21, undefined, validator), 'bad_request', 'Body expected in request.');
  rejects(() => parseImagePatch(V21, {}, validator), 'bad_request', 'Request body must be a JSON array of operation objects.');
  rejects(() => parseImagePatch(V21, [1], validator), 'bad_request', 'Operations must be JSON objects.');
});

test('ref 106: unknown op; missing op; missing path', () => {
  rejects(() => patch([{ op: 'frobnicate', path: '/name', value: 'x' }]), 'bad_request',
    'Invalid operation: `frobnicate`. It must be one of the following: add, remove, replace.');
  rejects(() => patch([{ op: 'move', path: '/name', from: '/x' }]), 'bad_request',
    'Invalid operation: `move`. It must be one of the following: add, remove, replace.');
  rejects(() => patch([{ path: '/name' }]), 'bad_request',
    'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.');
  rejects(() => patch([{ op: 'remove' }]), 'bad_request', "Unable to find 'path' in JSON Schema change");
});

test('v2.0 dialect: {"op-name": path}; one member only; add on existing is 409', () => {
  assert.equal(patch([{ replace: '/name', value: 'n' }], base(), OPTS, V20).image.name, 'n');
  rejects(() => patch([{ add: '/a', remove: '/b', value: 'x' }], base(), OPTS, V20), 'bad_request',
    'Operation objects must contain only one member named "add", "remove", or "replace".');
  rejects(() => patch([{ value: 'x' }], base(), OPTS, V20), 'bad_request',
    'Operation objects must contain exactly one member named "add", "remove", or "replace".');
  rejects(() => patch([{ add: '/foo', value: 'x' }], base(), OPTS, V20), 'conflict', 'Property foo already present.', true);
  rejects(() => patch([{ add: '/name', value: 'x' }], base(), OPTS, V20), 'conflict', 'Property name already present.', true);
});

test('v2.1: add on an existing property overwrites it', () => {
  assert.equal(patch([{ op: 'add', path: '/foo', value: 'baz' }]).image.properties.foo, 'baz');
  assert.equal(patch([{ op: 'add', path: '/name', value: 'n2' }]).image.name, 'n2');
});

test('pointer rules', () => {
  rejects(() => patch([{ op: 'remove', path: 'foo' }]), 'bad_request', 'Pointer `foo` does not start with "/".');
  rejects(() => patch([{ op: 'remove', path: '/a//b' }]), 'bad_request', 'Pointer `/a//b` contains adjacent "/".');
  rejects(() => patch([{ op: 'remove', path: '/foo/' }]), 'bad_request', 'Pointer `/foo/` end with "/".');
  rejects(() => patch([{ op: 'remove', path: '/f~2o' }]), 'bad_request',
    'Pointer `/f~2o` contains "~" not part of a recognized escape sequence.');
  rejects(() => patch([{ op: 'remove', path: '/foo~' }]), 'bad_request',
    'Pointer `/foo~` contains "~" not part of a recognized escape sequence.');
  const out = patch([{ op: 'add', path: '/a~1b~0c', value: 'v' }]);
  assert.equal(out.image.properties['a/b~c'], 'v');
});

test('ref 104b: depth is 1 except /locations/<n|-> for add and remove', () => {
  rejects(() => patch([{ op: 'add', path: '/tags/-', value: 't4' }]), 'bad_request',
    "Invalid JSON pointer for this resource: '/tags/-'");
  rejects(() => patch([{ op: 'replace', path: '/locations/0', value: {} }]), 'bad_request',
    "Invalid JSON pointer for this resource: '/locations/0'");
  rejects(() => patch([{ op: 'add', path: '/locations', value: { url: 'x', metadata: {} } }]), 'bad_request',
    "Invalid JSON pointer for this resource: '/locations'");
  const changes = parseImagePatch(V21, [{ op: 'add', path: '/locations/-', value: { url: 'file:///x', metadata: {} } },
    { op: 'remove', path: '/locations/0' }], validator);
  assert.deepStrictEqual(changes.map((c) => c.path), [['locations', '-'], ['locations', '0']]);
});

test('add and replace need a value', () => {
  rejects(() => patch([{ op: 'replace', path: '/name' }]), 'bad_request', 'Operation "replace" requires a member named "value".');
});

test('ref 107/108: read-only, reserved and os_glance attributes are 403', () => {
  rejects(() => patch([{ op: 'replace', path: '/status', value: 'active' }]), 'forbidden', "Attribute 'status' is read-only.");
  for (const a of ['created_at', 'updated_at', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file',
    'schema', 'id', 'os_hash_algo', 'os_hash_value']) {
    rejects(() => patch([{ op: 'remove', path: `/${a}` }]), 'forbidden', `Attribute '${a}' is read-only.`);
  }
  for (const a of ['location', 'deleted', 'deleted_at', 'os_glance_foo', 'os_glance']) {
    rejects(() => patch([{ op: 'add', path: `/${a}`, value: 'x' }]), 'forbidden', `Attribute '${a}' is reserved.`);
  }
});

test('values are validated against the image schema (400)', () => {
  assert.throws(() => patch([{ op: 'replace', path: '/min_ram', value: 'x' }]), (e: unknown) =>
    e instanceof GlanceError && e.kind === 'bad_request' && e.message.startsWith(
      "Provided object does not match schema 'image': 'x' is not of type 'integer'\n\nFailed validating 'type' in "
      + "schema['properties']['min_ram']:"));
  assert.throws(() => patch([{ op: 'add', path: '/foo', value: 5 }]), { kind: 'bad_request' });
  assert.throws(() => patch([{ op: 'replace', path: '/tags', value: ['x'.repeat(256)] }]), { kind: 'bad_request' });
  assert.throws(() => patch([{ op: 'replace', path: '/visibility', value: 'nope' }]), { kind: 'bad_request' });
});

test('ref 109: replace or remove a missing extra property is 409', () => {
  rejects(() => patch([{ op: 'remove', path: '/nosuchprop' }]), 'conflict', 'Property nosuchprop does not exist.', true);
  rejects(() => patch([{ op: 'replace', path: '/nosuchprop', value: 'x' }]), 'conflict',
    'Property nosuchprop does not exist.', true);
});

test('removing a base property is 403', () => {
  rejects(() => patch([{ op: 'remove', path: '/name' }]), 'forbidden', 'Property name may not be removed.', true);
  rejects(() => patch([{ op: 'remove', path: '/tags' }]), 'forbidden', 'Property tags may not be removed.', true);
});

test('replace /owner is admin-only', () => {
  rejects(() => patch([{ op: 'replace', path: '/owner', value: 'q' }]), 'forbidden', "Owner can't be updated by non admin.", true);
  assert.equal(patch([{ op: 'replace', path: '/owner', value: 'q' }], base(), { ...OPTS, isAdmin: true }).image.owner, 'q');
});

test('formats can only change while queued or importing; minimums cannot be negative', () => {
  rejects(() => patch([{ op: 'replace', path: '/disk_format', value: 'raw' }], base({ status: 'active' })), 'forbidden',
    'Attribute disk_format can be only replaced for a queued image.');
  assert.equal(patch([{ op: 'replace', path: '/disk_format', value: 'raw' }], base({ status: 'importing' }))
    .image.disk_format, 'raw');
  rejects(() => patch([{ op: 'replace', path: '/min_disk', value: -1 }]), 'bad_request',
    "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value");
});

test('4-byte UTF-8 is refused with 400', () => {
  rejects(() => patch([{ op: 'replace', path: '/name', value: 'x\u{1F600}' }]), 'bad_request',
    "Name can't contain 4 byte unicode characters.");
  rejects(() => patch([{ op: 'add', path: '/hw_disk_bus', value: '\u{1F600}' }]), 'bad_request',
    "Hw_Disk_Bus can't contain 4 byte unicode characters.");
  rejects(() => patch([{ op: 'add', path: '/\u{1F600}', value: 'v' }]), 'bad_request',
    "Property names can't contain 4 byte unicode.");
  rejects(() => patch([{ op: 'replace', path: '/tags', value: ['\u{1F600}'] }]), 'bad_request',
    "Param values can't contain 4 byte unicode.");
});

test('property quota: 413 only when new names are added, os_glance* not counted', () => {
  const full = base({ properties: { a: '1', b: '2', os_glance_import_task: 't' } });
  const opts = { ...OPTS, quotas: { imagePropertyQuota: 2, imageTagQuota: 128 } };
  assert.throws(() => patch([{ op: 'add', path: '/c', value: '3' }], full, opts), (e: unknown) =>
    e instanceof GlanceError && e.kind === 'too_large' && e.forcePlain
      && e.message === 'The limit has been exceeded on the number of allowed image properties. Attempted: 3, Maximum: 2');
  assert.equal(patch([{ op: 'replace', path: '/a', value: 'x' }], full, opts).image.properties.a, 'x');
  const over = base({ properties: { a: '1', b: '2', c: '3' } });
  assert.equal(patch([{ op: 'remove', path: '/c' }, { op: 'replace', path: '/a', value: 'y' }], over, opts)
    .image.properties.a, 'y');
});

test('tag quota: replacing /tags with too many tags is 413', () => {
  const opts = { ...OPTS, quotas: { imagePropertyQuota: 128, imageTagQuota: 2 } };
  rejects(() => patch([{ op: 'replace', path: '/tags', value: ['a', 'b', 'c'] }], base(), opts), 'too_large',
    'The limit has been exceeded on the number of allowed image tags. Attempted: 3, Maximum: 2');
  assert.deepStrictEqual(patch([{ op: 'replace', path: '/tags', value: ['a', 'a', 'b'] }], base(), opts).image.tags, ['a', 'b']);
});

test('location ops are 403 unless show_multiple_locations, then handed back unapplied', () => {
  const loc = { url: 'file:///x', metadata: {} };
  rejects(() => patch([{ op: 'add', path: '/locations/-', value: loc }]), 'forbidden',
    "It's not allowed to add locations if locations are invisible.");
  rejects(() => patch([{ op: 'remove', path: '/locations/0' }]), 'forbidden',
    "It's not allowed to remove locations if locations are invisible.");
  rejects(() => patch([{ op: 'replace', path: '/locations', value: [loc] }]), 'forbidden',
    "It's not allowed to update locations if locations are invisible.");
  rejects(() => patch([{ op: 'replace', path: '/locations', value: [] }]), 'forbidden',
    'Cannot set locations to empty list.', true);
  const out = patch([{ op: 'add', path: '/locations/-', value: loc }], base(), { ...OPTS, showMultipleLocations: true });
  assert.equal(out.locationChanges.length, 1);
  assert.deepStrictEqual(out.image.locations, []);
});

test('visibility changes are reported and pass through the property check', () => {
  const seen: string[] = [];
  const out = patch([{ op: 'replace', path: '/visibility', value: 'public' }], base(), {
    ...OPTS, checkProperty: (name, value) => { seen.push(`${name}=${String(value)}`); },
  });
  assert.deepStrictEqual(out.visibility, { from: 'shared', to: 'public' });
  assert.deepStrictEqual(seen, ['visibility=public']);
  assert.throws(() => patch([{ op: 'replace', path: '/visibility', value: 'public' }], base(), {
    ...OPTS, checkProperty: () => { throw new GlanceError('forbidden', 'nope'); },
  }), { kind: 'forbidden' });
});

test('the input image is never modified', () => {
  const img = base();
  patch([{ op: 'remove', path: '/foo' }, { op: 'replace', path: '/tags', value: [] }], img);
  assert.deepStrictEqual(img.properties, { foo: 'bar' });
  assert.deepStrictEqual(img.tags, ['t2', 't1']);
});

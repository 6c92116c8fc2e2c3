import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageView, isoTime } from './image-view.js';
import type { ImageViewOptions } from './image-view.js';
import { imageNotification } from './image-notification.js';
import { newImage } from './image.js';
import type { Image } from './image.js';

const ID = '432e83f7-ed68-4ea1-a440-2ae720a638c1';
const OPTS: ImageViewOptions = {
  showMultipleLocations: false, showImageDirectUrl: false, multistore: true, schemaProperties: new Set(['kernel_id']),
};

// Ref 100 (create) and ref 112 (active, after the ref 104 patch), ids and times aside.
const REF_100 = {
  foo: 'bar', name: 'sample-1', disk_format: 'qcow2', container_format: 'bare', visibility: 'shared', size: null,
  virtual_size: null, status: 'queued', checksum: null, protected: false, min_ram: 64, min_disk: 0,
  owner: '5477cc9495004176b00676113845ff4f', os_hidden: false, os_hash_algo: null, os_hash_value: null, id: ID,
  created_at: '2026-11-26T20:39:45Z', updated_at: '2026-11-26T20:39:45Z', tags: ['t2', 't1'],
  self: `/v2/images/${ID}`, file: `/v2/images/${ID}/file`, schema: '/v2/schemas/image',
};
const HASH = '26e3a10e63642885128f7b0adf1f2c6b14d943822598aea6be213f1ade347eb33d7fef7357d4b4532071f553110a6c17debcf959434adef6078b8b8961eb113a';
const REF_112 = {
  hw_disk_bus: 'virtio', name: 'sample-1-renamed', disk_format: 'qcow2', container_format: 'bare',
  visibility: 'shared', size: 12910592, virtual_size: 46137344, status: 'active',
  checksum: '2a991b6e0bf5890f76db631cd11233d4', protected: false, min_ram: 64, min_disk: 0,
  owner: '5477cc9495004176b00676113845ff4f', os_hidden: false, os_hash_algo: 'sha512', os_hash_value: HASH, id: ID,
  created_at: '2026-11-26T20:39:45Z', updated_at: '2026-11-26T20:39:47Z', tags: ['t2', 't1', 't3'],
  self: `/v2/images/${ID}`, file: `/v2/images/${ID}/file`, schema: '/v2/schemas/image', stores: 'fs',
};

const created = (): Image => ({
  ...newImage({
    id: ID, now: new Date('2026-11-26T20:39:45.123Z'), owner: '5477cc9495004176b00676113845ff4f', name: 'sample-1',
    disk_format: 'qcow2', container_format: 'bare', min_ram: 64, properties: { foo: 'bar' }, tags: ['t2', 't1'],
  }),
});

test('a queued image renders exactly as ref 100 (keys, order, values)', () => {
  const view = imageView(created(), OPTS);
  assert.deepStrictEqual(Object.keys(view), Object.keys(REF_100));
  assert.equal(JSON.stringify(view), JSON.stringify(REF_100));
});

test('an active multistore image renders as ref 112, with stores last', () => {
  const img: Image = {
    ...created(), name: 'sample-1-renamed', properties: { hw_disk_bus: 'virtio' }, tags: ['t2', 't1', 't3'],
    status: 'active', size: 12910592, virtual_size: 46137344, checksum: '2a991b6e0bf5890f76db631cd11233d4',
    os_hash_algo: 'sha512', os_hash_value: HASH, updated_at: new Date('2026-11-26T20:39:47Z'),
    locations: [{ url: 'file:///var/lib/glance/images/x', metadata: { store: 'fs' }, status: 'active' }],
  };
  const view = imageView(img, OPTS);
  assert.equal(JSON.stringify(view), JSON.stringify(REF_112));
  // Without multistore there is no `stores` key (ref 152 is the same image's later view).
  assert.equal('stores' in imageView(img, { ...OPTS, multistore: false }), false);
});

test('null extra properties render as "" unless the schema declares them; internals are hidden', () => {
  const img = { ...created(), properties: { legacy: null, kernel_id: null, os_glance_stage_host: 'h',
    os_glance_hash_op_host: 'h', os_glance_import_task: 't' } };
  const view = imageView(img, OPTS);
  assert.equal(view.legacy, '');
  assert.equal(view.kernel_id, null);
  assert.equal('os_glance_stage_host' in view, false);
  assert.equal('os_glance_hash_op_host' in view, false);
  assert.equal(view.os_glance_import_task, 't');
});

test('locations and direct_url appear only when configured', () => {
  const loc = { url: 'file:///a', metadata: { store: 'fs' }, status: 'active' as const };
  const img = { ...created(), locations: [loc] };
  const view = imageView(img, { ...OPTS, showMultipleLocations: true, showImageDirectUrl: true });
  assert.deepStrictEqual(view.locations, [{ url: 'file:///a', metadata: { store: 'fs' } }]);
  assert.equal(view.direct_url, 'file:///a');
  const keys = Object.keys(view);
  assert.deepStrictEqual(keys.slice(keys.indexOf('updated_at') + 1, keys.indexOf('tags')), ['locations', 'direct_url']);
  const empty = imageView(created(), { ...OPTS, showMultipleLocations: true, showImageDirectUrl: true });
  assert.deepStrictEqual(empty.locations, []);
  assert.equal('direct_url' in empty, false);
  assert.equal('locations' in imageView(img, OPTS), false);
});

test('isoTime drops fractions and ends in Z', () => {
  assert.equal(isoTime(new Date('2026-11-26T20:39:45.999Z')), '2026-11-26T20:39:45Z');
  assert.equal(isoTime(null), null);
});

test('notification payload: fields, is_public, delete stamps', () => {
  const p = imageNotification({ ...created(), visibility: 'public' }, 'image.update');
  assert.deepStrictEqual(Object.keys(p), ['id', 'name', 'status', 'created_at', 'updated_at', 'min_disk', 'min_ram',
    'protected', 'checksum', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'is_public',
    'visibility', 'properties', 'tags', 'deleted', 'deleted_at']);
  assert.equal(p.is_public, true);
  assert.equal(p.deleted, false);
  assert.equal(p.deleted_at, null);
  const d = imageNotification(created(), 'image.delete', new Date('2027-01-01T00:00:00.5Z'));
  assert.equal(d.deleted, true);
  assert.equal(d.deleted_at, '2027-01-01T00:00:00Z');
  assert.equal('locations' in d, false);
});

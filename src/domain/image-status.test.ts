import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, IMAGE_STATUS_TARGETS, InvalidImageStatusTransition, transition } from './image-status.js';
import { IMAGE_STATUSES, newImage } from './image.js';
import type { Image, ImageStatus } from './image.js';

const img = (status: ImageStatus, extra: Partial<Image> = {}): Image => ({
  ...newImage({ id: '00000000-0000-0000-0000-000000000001', now: new Date(0), owner: 'p' }),
  disk_format: 'raw', container_format: 'bare', size: 10, virtual_size: 20, status, ...extra,
});

const ALLOWED: [ImageStatus, ImageStatus][] = [
  ['queued', 'saving'], ['queued', 'uploading'], ['queued', 'importing'], ['queued', 'active'], ['queued', 'deleted'],
  ['saving', 'active'], ['saving', 'killed'], ['saving', 'deleted'], ['saving', 'queued'],
  ['uploading', 'importing'], ['uploading', 'queued'], ['uploading', 'deleted'],
  ['importing', 'active'], ['importing', 'deleted'], ['importing', 'queued'],
  ['active', 'pending_delete'], ['active', 'deleted'], ['active', 'deactivated'],
  ['killed', 'deleted'], ['pending_delete', 'deleted'], ['pending_delete', 'active'],
  ['deactivated', 'active'], ['deactivated', 'deleted'],
];

test('every allowed transition succeeds, every other one is refused with 409', () => {
  const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
  let refused = 0;
  for (const from of IMAGE_STATUSES) {
    for (const to of IMAGE_STATUSES) {
      if (allowed.has(`${from}>${to}`)) {
        assert.equal(transition(img(from), to).status, to);
        assert.ok(canTransition(from, to));
      } else {
        refused++;
        assert.throws(() => transition(img(from), to), (e: unknown) =>
          e instanceof InvalidImageStatusTransition && e.kind === 'conflict'
            && e.message === `Image status transition from ${from} to ${to} is not allowed`);
      }
    }
  }
  assert.equal(refused, 81 - ALLOWED.length);
  assert.equal(Object.values(IMAGE_STATUS_TARGETS).flat().length, ALLOWED.length);
});

test('deleted is terminal', () => {
  assert.deepStrictEqual(IMAGE_STATUS_TARGETS.deleted, []);
});

test('leaving queued for data statuses needs both formats (400)', () => {
  for (const to of ['saving', 'active', 'importing'] as const) {
    assert.throws(() => transition(img('queued', { disk_format: null }), to),
      { kind: 'bad_request', message: 'Property disk_format must be set prior to saving data.' });
    assert.throws(() => transition(img('queued', { disk_format: null, container_format: null }), to),
      { kind: 'bad_request', message: 'Properties disk_format, container_format must be set prior to saving data.' });
  }
  assert.throws(() => transition(img('uploading', { container_format: null }), 'importing'),
    { kind: 'bad_request', message: 'Property container_format must be set prior to saving data.' });
  // Other moves do not care about formats.
  assert.equal(transition(img('queued', { disk_format: null }), 'uploading').status, 'uploading');
  assert.equal(transition(img('queued', { disk_format: null }), 'deleted').status, 'deleted');
});

test('returning to queued clears size and virtual_size; other moves keep them', () => {
  const q = transition(img('saving'), 'queued');
  assert.equal(q.size, null);
  assert.equal(q.virtual_size, null);
  const a = transition(img('saving'), 'active');
  assert.equal(a.size, 10);
  assert.equal(a.virtual_size, 20);
});

test('transition does not mutate its input', () => {
  const src = img('saving');
  transition(src, 'queued');
  assert.equal(src.status, 'saving');
  assert.equal(src.size, 10);
});

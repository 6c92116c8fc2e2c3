import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Notifier, formatOsloTimestamp } from './notifier.js';
import { MemorySink } from './log-sink.js';

test('notifier builds the oslo envelope with publisher and priority', () => {
  const sink = new MemorySink();
  const fixed = new Date('2026-11-26T20:39:42.123Z');
  const n = new Notifier({ publisherId: 'image.localhost', disabled: [] }, sink, () => fixed);
  n.info('image.create', { id: 'x' });
  n.error('image.upload', 'boom');
  assert.equal(sink.sent.length, 2);
  const [a, b] = sink.sent;
  assert.equal(a!.publisher_id, 'image.localhost');
  assert.equal(a!.event_type, 'image.create');
  assert.equal(a!.priority, 'INFO');
  assert.deepEqual(a!.payload, { id: 'x' });
  assert.equal(a!.timestamp, '2026-11-26 20:39:42.123000');
  assert.match(a!.message_id, /^[0-9a-f-]{36}$/);
  assert.equal(b!.priority, 'ERROR');
  assert.equal(b!.payload, 'boom');
});

test('disabled_notifications drops exact events and whole groups', () => {
  const sink = new MemorySink();
  const n = new Notifier({ publisherId: 'p', disabled: ['image.update', 'task'] }, sink);
  n.info('image.update', {});
  n.info('task.success', {});
  n.info('image.create', {});
  n.info('image.member.create', {});
  assert.deepEqual(sink.sent.map((s) => s.event_type), ['image.create', 'image.member.create']);
  assert.equal(n.enabled('image.update'), false);
  assert.equal(n.enabled('images.update'), true);
});

test('oslo timestamp has microseconds and a space separator', () => {
  assert.equal(formatOsloTimestamp(new Date('2000-01-02T03:04:05.006Z')), '2000-01-02 03:04:05.006000');
});

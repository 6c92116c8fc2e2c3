/**
 * The notifications of the data path (inventory §11), read back from the `log` driver: a
 * successful upload sends `image.prepare`, `image.upload` and `image.activate` at INFO; a failed
 * one `image.prepare` then `image.upload` at ERROR with a string payload; a download
 * `image.send` with the bytes sent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Notification } from '../../src/notify/notifier.js';
import { PROJECTS } from '../api/api-harness.js';
import { eventually, startDataApi, type DataApi } from './data-harness.js';

let api: DataApi;

before(async () => {
  api = await startDataApi({ ini: { DEFAULT: { image_size_cap: '1024' } } });
});

after(async () => {
  await api?.close();
});

/** Runs `action` and returns the notifications it caused. */
async function during(action: () => Promise<unknown>): Promise<Notification[]> {
  const before = api.notifications().length;
  await action();
  return api.notifications().slice(before);
}

const events = (sent: Notification[]): string[] => sent.map((n) => `${n.event_type}:${n.priority}`);

test('a successful upload sends image.prepare, image.upload and image.activate', async () => {
  const id = await api.create('demo', { disk_format: 'raw' });
  const data = randomBytes(1000);
  const sent = await during(async () => assert.equal((await api.upload('demo', id, data)).status, 204));
  assert.deepEqual(events(sent), ['image.prepare:INFO', 'image.upload:INFO', 'image.activate:INFO']);
  const [prepare, upload, activate] = sent.map((n) => n.payload as Record<string, unknown>);
  assert.equal(prepare!.id, id);
  assert.equal(prepare!.status, 'saving');
  assert.equal(prepare!.backend, 'fs');
  assert.equal(upload!.status, 'active');
  assert.equal(upload!.size, 1000);
  assert.equal(activate!.id, id);
  assert.equal(activate!.status, 'active');
});

test('a failed upload sends image.upload at ERROR with a string payload', async () => {
  const id = await api.create('demo', { disk_format: 'raw' });
  const sent = await during(async () => assert.equal((await api.upload('demo', id, randomBytes(4096))).status, 413));
  assert.deepEqual(events(sent), ['image.prepare:INFO', 'image.upload:ERROR']);
  const payload = sent[1]!.payload;
  assert.equal(typeof payload, 'string');
  assert.match(payload as string, /too large/);
});

test('a download sends image.send with the bytes sent and who received them', async () => {
  const id = await api.create('demo', { disk_format: 'raw' });
  assert.equal((await api.upload('demo', id, randomBytes(700))).status, 204);
  const start = api.notifications().length;
  assert.equal((await api.call('demo', 'GET', `/v2/images/${id}/file`)).body.length, 700);
  // Sent when the response stream closes, which may be just after the client has read it all.
  const whole = (): Notification[] => api.notifications().slice(start);
  assert.ok(await eventually(async () => whole().length > 0), 'no image.send');
  assert.deepEqual(events(whole()), ['image.send:INFO']);
  assert.deepEqual(whole()[0]!.payload, {
    bytes_sent: 700, image_id: id, owner_id: PROJECTS.demo, receiver_tenant_id: PROJECTS.demo, receiver_user_id: 'demo-user',
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotificationConfig } from '../config/notification-slice.js';
import { ConfigError } from '../config/config-error.js';
import { LogSink, MemorySink, NoopSink } from './log-sink.js';
import { MessagingSink } from './messaging-sink.js';
import type { Notification } from './notifier.js';
import { createNotificationSink, FanoutSink } from './sink-factory.js';

const base: NotificationConfig = {
  publisherId: 'image.localhost',
  disabled: [],
  drivers: [],
  transportUrl: 'rabbit://u:p@127.0.0.1:1/',
  topics: ['notifications'],
  retry: -1,
  exchange: 'glance',
  sendQueueSize: 10,
  rabbit: { durable: false, autoDelete: false, quorumQueue: false, retryInterval: 1, retryBackoff: 2, intervalMax: 30, heartbeatTimeout: 60 },
};

function recorder() {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const log = { info() {}, error() {}, warn: (obj: object, msg: string) => { warnings.push({ obj, msg }); } };
  return { log, warnings };
}

test('no driver or only noop: nothing is sent', () => {
  assert.ok(createNotificationSink(base, recorder().log) instanceof NoopSink);
  assert.ok(createNotificationSink({ ...base, drivers: ['noop'] }, recorder().log) instanceof NoopSink);
});

test('one driver gives its own sink; several fan out; unknown names are skipped with a warning', async () => {
  assert.ok(createNotificationSink({ ...base, drivers: ['log'] }, recorder().log) instanceof LogSink);
  const { log, warnings } = recorder();
  const sink = createNotificationSink({ ...base, drivers: ['log', 'messagingv2', 'routing', 'log'] }, log);
  assert.ok(sink instanceof FanoutSink);
  assert.equal(sink.sinks.length, 2);
  assert.ok(sink.sinks[0] instanceof LogSink);
  assert.ok(sink.sinks[1] instanceof MessagingSink);
  assert.deepEqual(warnings.map((w) => w.obj), [{ driver: 'routing' }]);
  // Nothing was queued: closing connects to nothing and returns at once.
  await sink.close();
});

test('a fan-out sink gives every notification to each sink and closes them all', async () => {
  const a = new MemorySink();
  const b = new MemorySink();
  let closed = 0;
  const closing = { send() {}, async close() { closed++; } };
  const fan = new FanoutSink([a, b, closing]);
  const n: Notification = { message_id: 'm', publisher_id: 'p', event_type: 'image.create', priority: 'INFO', payload: {}, timestamp: 't' };
  fan.send(n);
  assert.deepEqual(a.sent, [n]);
  assert.deepEqual(b.sent, [n]);
  await fan.close();
  assert.equal(closed, 1);
});

test('an unusable transport URL is a ConfigError naming the option, without the password', () => {
  for (const transportUrl of ['kafka://u:hunter2@h:9092', 'rabbit://u:hunter2@h:0x1/', 'rabbit://u:hunter2@h/?ssl=1']) {
    assert.throws(() => createNotificationSink({ ...base, drivers: ['messaging'], transportUrl }, recorder().log), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^\[oslo_messaging_notifications\] transport_url: /);
      assert.ok(!e.message.includes('hunter2'));
      return true;
    });
  }
  // The URL is not looked at when no messaging driver is enabled.
  assert.ok(createNotificationSink({ ...base, drivers: ['log'], transportUrl: 'kafka://' }, recorder().log) instanceof LogSink);
});

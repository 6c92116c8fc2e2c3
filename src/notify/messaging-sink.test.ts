// The queue, drop, retry and backoff rules of the messaging sink, against brokers that refuse
// connections (127.0.0.1 port 1): no RabbitMQ needed. Publishing itself is tested against the
// real broker in test/notify/rabbit-notifications.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessagingSink, type MessagingSinkOptions, type SinkLogger } from './messaging-sink.js';
import { Notifier } from './notifier.js';
import { parseTransportUrl } from './transport-url.js';

function memoryLog(): SinkLogger & { entries: Array<{ level: string; obj: Record<string, unknown>; msg: string }> } {
  const entries: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => { entries.push({ level, obj: obj as Record<string, unknown>, msg }); };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

function deadSink(log: SinkLogger, over: Partial<MessagingSinkOptions> = {}, url = 'rabbit://u:pw-marker@127.0.0.1:1/v'): MessagingSink {
  return new MessagingSink({
    format: 'messagingv2',
    transport: parseTransportUrl(url),
    exchange: 'glance',
    topics: ['notifications'],
    retry: -1,
    queueSize: 100,
    rabbit: { durable: false, autoDelete: false, quorumQueue: false, retryInterval: 1, retryBackoff: 2, intervalMax: 30, heartbeatTimeout: 60 },
    ...over,
  }, log);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const notifierOf = (sink: MessagingSink) => new Notifier({ publisherId: 'image.localhost', disabled: [] }, sink);

test('past the bound, send drops and counts, with one warning for a burst', async () => {
  const log = memoryLog();
  const sink = deadSink(log, { queueSize: 2 });
  const n = notifierOf(sink);
  const started = performance.now();
  for (let i = 0; i < 5; i++) n.info('image.update', { i });
  assert.ok(performance.now() - started < 50, 'send must not wait for the broker');
  assert.deepEqual(sink.stats(), { queued: 2, published: 0, dropped: 3, abandoned: 0 });
  const full = log.entries.filter((e) => e.msg.startsWith('notification queue full'));
  assert.equal(full.length, 1);
  assert.deepEqual([full[0]!.obj.dropped, full[0]!.obj.queue_size], [1, 2]);
  await sink.close(50);
  const lost = log.entries.find((e) => e.msg.startsWith('notifications lost'));
  assert.deepEqual([lost?.obj.undelivered, lost?.obj.dropped], [2, 3]);
  assert.ok(!JSON.stringify(log.entries).includes('pw-marker'));
});

test('retry = N gives a notification up after N+1 failed attempts; the wait grows with the backoff', async () => {
  const log = memoryLog();
  const sink = deadSink(log, { retry: 1 });
  notifierOf(sink).info('image.create', {});
  // Attempt 1 fails (wait 1 s), attempt 2 fails: given up, next wait 1 + 2 = 3 s.
  await until(() => sink.stats().abandoned === 1);
  assert.equal(sink.stats().queued, 0);
  const waits = log.entries.filter((e) => e.level === 'error').map((e) => e.obj.retry_in_s);
  assert.deepEqual(waits, [1, 3]);
  assert.equal(log.entries.find((e) => e.level === 'error')!.obj.broker, '127.0.0.1:1/v');
  const started = Date.now();
  await sink.close();
  assert.ok(Date.now() - started < 500, 'close cuts the backoff pause short');
});

test('every broker of the URL is tried once before the loop waits', async () => {
  const log = memoryLog();
  const sink = deadSink(log, {}, 'rabbit://u:p@127.0.0.1:1,u:p@127.0.0.2:1/');
  notifierOf(sink).info('image.create', {});
  await until(() => log.entries.filter((e) => e.level === 'error').length === 2);
  const errors = log.entries.filter((e) => e.level === 'error').map((e) => [e.obj.broker, e.obj.retry_in_s]);
  assert.deepEqual(errors, [['127.0.0.1:1/', 0], ['127.0.0.2:1/', 1]]);
  await sink.close(50);
});

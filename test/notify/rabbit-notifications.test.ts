/**
 * Notifications on the message bus, against the real RabbitMQ on 127.0.0.1:5672: what a
 * consumer written against Glance (bound to `notifications.info` on the `glance` exchange)
 * receives for a real image lifecycle through the API, the `messaging` (v1) format, broker
 * failover and shutdown, and a broker outage (`rabbitmqctl stop_app` / `start_app`: the real
 * failure, connections closed by the broker and the port refusing, and it takes about a
 * second). Each run uses its own vhost and user. Skipped only when RabbitMQ is unreachable
 * outside CI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MessagingSink, type SinkLogger } from '../../src/notify/messaging-sink.js';
import { Notifier } from '../../src/notify/notifier.js';
import { parseTransportUrl } from '../../src/notify/transport-url.js';
import { Consumer, makeScratch, rabbitmqctl, skipUnlessRabbit, startBroker, stopBroker, type Scratch } from './rabbit-kit.js';
import { startNotifyApp } from './notify-app.js';

const skip = await skipUnlessRabbit();
let scratch: Scratch;

before(async () => {
  if (!skip) scratch = await makeScratch();
});

after(async () => {
  await scratch?.remove();
});

const OSLO_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;
const IMAGE_PAYLOAD_KEYS = [
  'checksum', 'container_format', 'created_at', 'deleted', 'deleted_at', 'disk_format', 'id', 'is_public', 'min_disk',
  'min_ram', 'name', 'owner', 'properties', 'protected', 'size', 'status', 'tags', 'updated_at', 'virtual_size', 'visibility',
];
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** A logger that keeps every entry, for sinks built directly. */
function memoryLog(): SinkLogger & { entries: Array<{ level: string; obj: object; msg: string }> } {
  const entries: Array<{ level: string; obj: object; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => { entries.push({ level, obj, msg }); };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

function directSink(url: string, log: SinkLogger, format: 'messagingv2' | 'messaging' = 'messagingv2'): MessagingSink {
  return new MessagingSink({
    format,
    transport: parseTransportUrl(url),
    exchange: 'glance',
    topics: ['notifications'],
    retry: -1,
    queueSize: 100,
    rabbit: { durable: false, autoDelete: false, quorumQueue: false, retryInterval: 1, retryBackoff: 0, intervalMax: 1, heartbeatTimeout: 60 },
  }, log);
}

/** The inner notification of a messagingv2 body, checking the envelope on the way. */
function unwrap(body: unknown): Record<string, unknown> {
  const envelope = body as Record<string, unknown>;
  assert.deepEqual(Object.keys(envelope).sort(), ['oslo.message', 'oslo.version']);
  assert.equal(envelope['oslo.version'], '2.0');
  assert.equal(typeof envelope['oslo.message'], 'string');
  return JSON.parse(envelope['oslo.message'] as string) as Record<string, unknown>;
}

test('messagingv2: a Glance consumer of notifications.info on exchange glance receives the image lifecycle', { skip }, async () => {
  const consumer = new Consumer(scratch, 'glance', 'notifications.info');
  await consumer.start();
  const api = await startNotifyApp({ oslo_messaging_notifications: [['driver', 'messagingv2'], ['transport_url', scratch.url()]] });
  try {
    const created = await api.call('demo', 'POST', '/v2/images', { name: 'bus', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201);
    const id = created.json!.id as string;
    assert.equal((await api.call('demo', 'PUT', `/v2/images/${id}/file`, randomBytes(1000), { 'content-type': 'application/octet-stream' })).status, 204);
    await consumer.waitFor(4);
    assert.equal((await api.call('demo', 'GET', `/v2/images/${id}/file`)).status, 200);
    await consumer.waitFor(5);
    assert.equal((await api.call('demo', 'PATCH', `/v2/images/${id}`, [{ op: 'replace', path: '/name', value: 'renamed' }], PATCH)).status, 200);
    assert.equal((await api.call('demo', 'DELETE', `/v2/images/${id}`)).status, 204);
    const got = await consumer.waitFor(7);

    const inner = got.map((m) => unwrap(m.body));
    assert.deepEqual(inner.map((n) => n.event_type), [
      'image.create', 'image.prepare', 'image.upload', 'image.activate', 'image.send', 'image.update', 'image.delete',
    ]);
    for (const [i, m] of got.entries()) {
      assert.equal(m.exchange, 'glance');
      assert.equal(m.routingKey, 'notifications.info');
      assert.equal(m.properties.contentType, 'application/json');
      assert.equal(m.properties.contentEncoding, 'utf-8');
      assert.equal(m.properties.deliveryMode, 2);
      const n = inner[i]!;
      assert.equal(n.publisher_id, 'image.localhost');
      assert.equal(n.priority, 'INFO');
      assert.match(n.timestamp as string, OSLO_TIMESTAMP);
      assert.match(n.message_id as string, /^[0-9a-f-]{36}$/);
      assert.match(n._unique_id as string, /^[0-9a-f]{32}$/);
    }
    const payload = (i: number) => inner[i]!.payload as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload(0)).sort(), IMAGE_PAYLOAD_KEYS);
    assert.equal(payload(0).id, id);
    assert.equal(payload(0).status, 'queued');
    assert.equal(payload(0).is_public, false);
    assert.equal(payload(1).status, 'saving');
    assert.equal(payload(1).backend, 'fs');
    assert.equal(payload(2).size, 1000);
    assert.equal(payload(3).status, 'active');
    assert.deepEqual(payload(4), {
      bytes_sent: 1000, image_id: id, owner_id: payload(0).owner, receiver_tenant_id: payload(0).owner, receiver_user_id: 'demo-user',
    });
    assert.equal(payload(5).name, 'renamed');
    assert.equal(payload(6).deleted, true);
    assert.match(payload(6).deleted_at as string, /^\d{4}-\d{2}-\d{2}T/);

    // The declarations oslo.messaging makes with its defaults: a non-durable topic exchange,
    // and the queue named after the routing key, bound with it.
    const exchanges = await rabbitmqctl('list_exchanges', '-p', scratch.vhost, 'name', 'type', 'durable', 'auto_delete');
    assert.match(exchanges, /^glance\ttopic\tfalse\tfalse$/m);
    const bindings = await rabbitmqctl('list_bindings', '-p', scratch.vhost, 'source_name', 'destination_name', 'routing_key');
    assert.match(bindings, /^glance\tnotifications\.info\tnotifications\.info$/m);
    assertNoSecret(api.logText());
  } finally {
    await api.close();
    await consumer.stop();
  }
});

test('messaging (v1) publishes the bare notification to every topic, declaring and binding each queue itself', { skip }, async () => {
  const consumer = new Consumer(scratch, 'glance', 'notifications.info');
  await consumer.start();
  const api = await startNotifyApp({
    oslo_messaging_notifications: [['driver', 'messaging'], ['topics', 'notifications,audit'], ['transport_url', scratch.url()]],
  });
  const audit = new Consumer(scratch, 'glance', 'audit.info');
  try {
    const created = await api.call('demo', 'POST', '/v2/images', { name: 'v1', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201);
    const [m] = await consumer.waitFor(1);
    const n = m!.body as Record<string, unknown>;
    assert.ok(!('oslo.version' in n) && !('oslo.message' in n), 'v1 has no envelope');
    assert.equal(n.event_type, 'image.create');
    assert.equal(n.publisher_id, 'image.localhost');
    assert.equal(n.priority, 'INFO');
    assert.equal((n.payload as Record<string, unknown>).id, created.json!.id);
    // Nobody consumed audit.info when the notification was sent: it waited in the queue that
    // the publisher declared and bound, as oslo's notify_send does.
    await audit.start();
    const [a] = await audit.waitFor(1);
    assert.equal(a!.routingKey, 'audit.info');
    assert.equal((a!.body as Record<string, unknown>).message_id, n.message_id);
  } finally {
    await api.close();
    await consumer.stop();
    await audit.stop();
  }
});

test('the publisher moves round robin past a dead broker of the URL, logging no credentials', { skip }, async () => {
  const consumer = new Consumer(scratch, 'glance', 'notifications.info');
  await consumer.start();
  const log = memoryLog();
  // Port 1 refuses at once: the first broker listed is down.
  const sink = directSink(scratch.url(['127.0.0.1:1', '127.0.0.1:5672']), log);
  try {
    new Notifier({ publisherId: 'image.localhost', disabled: [] }, sink).info('image.create', { id: 'rr' });
    const [m] = await consumer.waitFor(1, 5000);
    assert.equal(unwrap(m!.body).event_type, 'image.create');
    // One failure, on the first broker, and the second one tried at once (no backoff pause).
    const failed = log.entries.filter((e) => e.level === 'error').map((e) => e.obj as { broker?: string; retry_in_s?: number });
    assert.deepEqual(failed, [{ ...failed[0], broker: `127.0.0.1:1/${scratch.vhost}`, retry_in_s: 0 }]);
    assert.equal(sink.stats().published, 1);
  } finally {
    await sink.close();
    await consumer.stop();
  }
  assertNoSecret(JSON.stringify(log.entries));
});

test('close() publishes what is queued; with no broker it gives up at its deadline', { skip }, async () => {
  const consumer = new Consumer(scratch, 'glance', 'notifications.info');
  await consumer.start();
  const notifier = (sink: MessagingSink) => new Notifier({ publisherId: 'image.localhost', disabled: [] }, sink);
  try {
    const live = directSink(scratch.url(), memoryLog(), 'messaging');
    for (const id of ['a', 'b', 'c']) notifier(live).info('image.update', { id });
    await live.close();
    assert.deepEqual(live.stats(), { queued: 0, published: 3, dropped: 0, abandoned: 0 });
    const got = await consumer.waitFor(3);
    assert.deepEqual(got.map((m) => ((m.body as { payload: { id: string } }).payload.id)), ['a', 'b', 'c']);

    const log = memoryLog();
    const dead = directSink(scratch.url(['127.0.0.1:1']), log);
    notifier(dead).info('image.update', { id: 'lost' });
    const started = Date.now();
    await dead.close(300);
    assert.ok(Date.now() - started < 1500, `close took ${Date.now() - started} ms`);
    const lost = log.entries.find((e) => e.msg.startsWith('notifications lost'));
    assert.equal((lost?.obj as { undelivered?: number }).undelivered, 1);
    dead.send({ message_id: 'x', publisher_id: 'p', event_type: 'image.update', priority: 'INFO', payload: {}, timestamp: '' });
    assert.equal(dead.stats().dropped, 1, 'a closed sink drops');
  } finally {
    await consumer.stop();
  }
});

test('broker outage: API calls stay fast, overflow is dropped and counted, notifications flow again after', { skip }, async () => {
  const consumer = new Consumer(scratch, 'glance', 'notifications.info');
  await consumer.start();
  const api = await startNotifyApp({
    oslo_messaging_notifications: [['driver', 'messagingv2'], ['transport_url', scratch.url()], ['send_queue_size', '5']],
    oslo_messaging_rabbit: [['rabbit_retry_interval', '1'], ['rabbit_retry_backoff', '0'], ['rabbit_interval_max', '1']],
  });
  const create = async (name: string) => {
    const res = await api.call('demo', 'POST', '/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
    assert.equal(res.status, 201);
    return { id: res.json!.id as string, ms: res.ms };
  };
  let stopped = false;
  try {
    await create('before');
    await consumer.waitFor(1);
    await consumer.stop();

    await stopBroker();
    stopped = true;
    const during: Array<{ id: string; ms: number }> = [];
    for (let i = 0; i < 8; i++) during.push(await create(`outage-${i}`));
    for (const c of during) assert.ok(c.ms < 500, `an API call took ${Math.round(c.ms)} ms during the outage`);
    // Eight notifications, room for five: three dropped, reported by one rate-limited warning.
    const full = api.logs().filter((l) => String(l.msg).startsWith('notification queue full'));
    assert.equal(full.length, 1);
    assert.equal(full[0]!.dropped_total, 1);

    await startBroker();
    stopped = false;
    await consumer.start();
    // The five queued during the outage come first (the consumer also kept "before"); the
    // queue is full until they are out, so "after" is sent only then.
    await consumer.waitFor(6, 15_000);
    const after = await create('after');
    const got = (await consumer.waitFor(7)).slice(1);
    const ids = got.map((m) => (unwrap(m.body).payload as { id: string }).id);
    assert.deepEqual(ids, [...during.slice(0, 5).map((c) => c.id), after.id]);
  } finally {
    if (stopped) await startBroker();
    await api.close();
    await consumer.stop();
  }
  const lost = api.logs().find((l) => String(l.msg).startsWith('notifications lost'));
  assert.equal(lost?.dropped, 3);
  assert.equal(lost?.undelivered, 0);
  assert.equal(lost?.published, 7);
  assertNoSecret(api.logText());
});

/** Fails when the scratch user's password appears in `text`, as written or percent-encoded. */
function assertNoSecret(text: string): void {
  assert.ok(!text.includes(scratch.password), 'the broker password was logged');
  assert.ok(!text.includes(encodeURIComponent(scratch.password)), 'the encoded broker password was logged');
}

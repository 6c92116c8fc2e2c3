import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load-config.js';
import { ConfigError } from './config-error.js';
import { notificationSlice } from './notification-slice.js';

const load = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-notify-slice-'));
  writeFileSync(join(dir, 'g.conf'), text);
  return loadConfig({ configFiles: [join(dir, 'g.conf')], configDirs: [] });
};

test('defaults are Glance/oslo.messaging ones: no driver, exchange glance, topic notifications', () => {
  const s = notificationSlice(load(''));
  assert.deepEqual(s.drivers, []);
  assert.equal(s.publisherId, 'image.localhost');
  assert.equal(s.transportUrl, 'rabbit://');
  assert.equal(s.exchange, 'glance');
  assert.deepEqual(s.topics, ['notifications']);
  assert.equal(s.retry, -1);
  assert.equal(s.sendQueueSize, 10000);
  assert.deepEqual(s.rabbit, {
    durable: false, autoDelete: false, quorumQueue: false, retryInterval: 1, retryBackoff: 2, intervalMax: 30, heartbeatTimeout: 60,
  });
});

test('transport_url falls back to [DEFAULT]; the notification one wins when set', () => {
  const fallback = notificationSlice(load('[DEFAULT]\ntransport_url = rabbit://a:b@mq:5672/\n'));
  assert.equal(fallback.transportUrl, 'rabbit://a:b@mq:5672/');
  const own = notificationSlice(load(
    '[DEFAULT]\ntransport_url = rabbit://a:b@mq:5672/\n[oslo_messaging_notifications]\ntransport_url = rabbit://c:d@notify:5672/n\n',
  ));
  assert.equal(own.transportUrl, 'rabbit://c:d@notify:5672/n');
});

test('repeated drivers, old spellings and rabbit options are read', () => {
  const s = notificationSlice(load([
    '[DEFAULT]', 'notification_driver = log', 'control_exchange = images', 'rabbit_durable_queues = true',
    '[oslo_messaging_notifications]', 'driver = messagingv2', 'driver = messaging', 'topics = notifications, audit', 'retry = 3',
    '[oslo_messaging_rabbit]', 'rabbit_quorum_queue = true', 'rabbit_retry_interval = 2', 'rabbit_interval_max = 10',
  ].join('\n')));
  assert.deepEqual(s.drivers, ['log', 'messagingv2', 'messaging']);
  assert.equal(s.exchange, 'images');
  assert.deepEqual(s.topics, ['notifications', 'audit']);
  assert.equal(s.retry, 3);
  assert.equal(s.rabbit.durable, true);
  assert.equal(s.rabbit.quorumQueue, true);
  assert.equal(s.rabbit.retryInterval, 2);
  assert.equal(s.rabbit.intervalMax, 10);
});

test('quorum queues make the exchange durable; TLS and empty topics are refused', () => {
  assert.equal(notificationSlice(load('[oslo_messaging_rabbit]\nrabbit_quorum_queue = true\n')).rabbit.durable, true);
  assert.throws(() => notificationSlice(load('[oslo_messaging_rabbit]\nssl = true\n')), (e: unknown) => e instanceof ConfigError && /TLS/.test(e.message));
  assert.throws(() => notificationSlice(load('[oslo_messaging_notifications]\ntopics =\n')), ConfigError);
  assert.throws(() => load('[oslo_messaging_notifications]\nsend_queue_size = 0\n').validateAll(), ConfigError);
});

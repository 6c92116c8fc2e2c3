import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeHost, parseTransportUrl, TransportUrlError } from './transport-url.js';

test('rabbit:// alone is guest@localhost:5672 on vhost /', () => {
  assert.deepEqual(parseTransportUrl('rabbit://'), {
    transport: 'rabbit',
    hosts: [{ hostname: 'localhost', port: 5672, username: 'guest', password: 'guest' }],
    virtualHost: '/',
    query: {},
  });
});

test('one broker with credentials, port and vhost', () => {
  const u = parseTransportUrl('rabbit://openstack:s3cret@rabbit1:5673/glance');
  assert.deepEqual(u.hosts, [{ hostname: 'rabbit1', port: 5673, username: 'openstack', password: 's3cret' }]);
  assert.equal(u.virtualHost, 'glance');
});

test('a trailing slash or no path means vhost /; %2F and // name it explicitly', () => {
  assert.equal(parseTransportUrl('rabbit://u:p@h:5672/').virtualHost, '/');
  assert.equal(parseTransportUrl('rabbit://u:p@h:5672').virtualHost, '/');
  assert.equal(parseTransportUrl('rabbit://u:p@h/%2F').virtualHost, '/');
  assert.equal(parseTransportUrl('rabbit://u:p@h//').virtualHost, '/');
  assert.equal(parseTransportUrl('rabbit://u:p@h/a%20b').virtualHost, 'a b');
});

test('several brokers keep their order, each with its own credentials and default port', () => {
  const u = parseTransportUrl('rabbit://u1:p1@h1:5672,u2:p2@h2,h3:5674/vh');
  assert.deepEqual(u.hosts, [
    { hostname: 'h1', port: 5672, username: 'u1', password: 'p1' },
    { hostname: 'h2', port: 5672, username: 'u2', password: 'p2' },
    { hostname: 'h3', port: 5674, username: 'guest', password: 'guest' },
  ]);
  assert.equal(u.virtualHost, 'vh');
});

test('percent-encoded credentials are decoded; the password runs from the first colon to the last @', () => {
  const u = parseTransportUrl('rabbit://us%40er:p%3Aa%2Fss@h:5672/');
  assert.equal(u.hosts[0]!.username, 'us@er');
  assert.equal(u.hosts[0]!.password, 'p:a/ss');
  const raw = parseTransportUrl('rabbit://user:pa:ss@w;rd@h/');
  assert.equal(raw.hosts[0]!.username, 'user');
  assert.equal(raw.hosts[0]!.password, 'pa:ss@w;rd');
  assert.equal(raw.hosts[0]!.hostname, 'h');
});

test('IPv6 brokers in brackets, with or without a port', () => {
  const u = parseTransportUrl('rabbit://u:p@[::1]:5675,u:p@[fd00::2]/');
  assert.deepEqual(u.hosts.map((h) => [h.hostname, h.port]), [['::1', 5675], ['fd00::2', 5672]]);
  assert.equal(describeHost(u.hosts[0]!, u.virtualHost), '[::1]:5675/');
});

test('query options are kept; the kombu alias is accepted', () => {
  const u = parseTransportUrl('kombu://u:p@h/?ssl=1&x=a&x=b');
  assert.equal(u.transport, 'kombu');
  assert.deepEqual(u.query, { ssl: '1', x: 'a,b' });
});

test('describeHost shows host, port and vhost only', () => {
  const u = parseTransportUrl('rabbit://admin:topsecret@mq.example:5672/prod');
  const text = describeHost(u.hosts[0]!, u.virtualHost);
  assert.equal(text, 'mq.example:5672/prod');
  assert.ok(!text.includes('topsecret') && !text.includes('admin'));
});

test('unusable URLs are refused without echoing credentials', () => {
  for (const [url, re] of [
    ['localhost:5672', /no scheme/],
    ['kafka://h:9092', /not supported.*RabbitMQ/],
    ['amqp://h:5672', /not supported/],
    ['rabbit://u:p@h:99999/', /invalid port "99999"/],
    ['rabbit://u:p@h:abc/', /invalid port/],
    ['rabbit://u:p@[::1/', /IPv6/],
    ['rabbit://u:%zzsecret@h/', /password is not valid percent-encoding/],
  ] as const) {
    assert.throws(() => parseTransportUrl(url), (err: unknown) => {
      assert.ok(err instanceof TransportUrlError, url);
      assert.match(err.message, re);
      assert.ok(!err.message.includes('secret'), err.message);
      return true;
    });
  }
});

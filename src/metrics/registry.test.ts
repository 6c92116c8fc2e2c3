import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, formatValue, MetricsRegistry } from './registry.js';

test('counters and gauges render HELP, TYPE and one sample per label set in first-use order', () => {
  const r = new MetricsRegistry();
  const c = r.counter({ name: 'x_requests_total', help: 'Requests.', labelNames: ['method', 'status'] });
  const g = r.gauge({ name: 'x_in_flight', help: 'In flight.' });
  c.inc({ method: 'GET', status: '200' });
  c.inc({ method: 'PUT', status: '204' }, 3);
  c.inc({ status: '200', method: 'GET' });
  g.inc();
  g.inc();
  g.inc(undefined, -1);
  assert.equal(r.expose(), [
    '# HELP x_requests_total Requests.',
    '# TYPE x_requests_total counter',
    'x_requests_total{method="GET",status="200"} 2',
    'x_requests_total{method="PUT",status="204"} 3',
    '# HELP x_in_flight In flight.',
    '# TYPE x_in_flight gauge',
    'x_in_flight 1',
    '',
  ].join('\n'));
});

test('histograms render cumulative buckets, +Inf equal to _count, and _sum', () => {
  const r = new MetricsRegistry();
  const h = r.histogram({ name: 'x_seconds', help: 'Durations.', labelNames: ['route'], buckets: [0.1, 1, 10] });
  for (const v of [0.05, 0.1, 0.5, 2, 20]) h.observe({ route: '/a' }, v);
  h.observe({ route: '/b' }, 1);
  assert.equal(r.expose(), [
    '# HELP x_seconds Durations.',
    '# TYPE x_seconds histogram',
    'x_seconds_bucket{route="/a",le="0.1"} 2',
    'x_seconds_bucket{route="/a",le="1"} 3',
    'x_seconds_bucket{route="/a",le="10"} 4',
    'x_seconds_bucket{route="/a",le="+Inf"} 5',
    'x_seconds_sum{route="/a"} 22.65',
    'x_seconds_count{route="/a"} 5',
    'x_seconds_bucket{route="/b",le="0.1"} 0',
    'x_seconds_bucket{route="/b",le="1"} 1',
    'x_seconds_bucket{route="/b",le="10"} 1',
    'x_seconds_bucket{route="/b",le="+Inf"} 1',
    'x_seconds_sum{route="/b"} 1',
    'x_seconds_count{route="/b"} 1',
    '',
  ].join('\n'));
});

test('label values and help text are escaped as the text format requires', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const r = new MetricsRegistry();
  r.counter({ name: 'x_total', help: 'Line one\nback\\slash "quoted"', labelNames: ['v'] }).inc({ v: 'say "hi"\\\n' });
  assert.equal(r.expose(), [
    '# HELP x_total Line one\\nback\\\\slash "quoted"',
    '# TYPE x_total counter',
    'x_total{v="say \\"hi\\"\\\\\\n"} 1',
    '',
  ].join('\n'));
});

test('special values are spelled +Inf, -Inf and NaN', () => {
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(formatValue(0.25), '0.25');
});

test('collected metrics are read at each scrape', () => {
  const r = new MetricsRegistry();
  let v = 1;
  r.collectedGauge({ name: 'x_value', help: 'V.', collect: () => v });
  r.collectedCounter({ name: 'x_cpu_seconds_total', help: 'C.', collect: () => v * 2 });
  assert.match(r.expose(), /^x_value 1$/m);
  v = 5;
  assert.match(r.expose(), /^x_value 5$/m);
  assert.match(r.expose(), /^# TYPE x_cpu_seconds_total counter\nx_cpu_seconds_total 10$/m);
});

test('misuse is refused: wrong labels, decreasing counters, bad names, duplicates, bad buckets', () => {
  const r = new MetricsRegistry();
  const c = r.counter({ name: 'x_total', help: 'X.', labelNames: ['a'] });
  assert.throws(() => c.inc({}), /takes labels \[a\]/);
  assert.throws(() => c.inc({ a: '1', b: '2' }), /takes labels/);
  assert.throws(() => c.inc({ a: '1' }, -1), /cannot decrease/);
  assert.throws(() => r.counter({ name: 'x_total', help: 'again' }), /registered twice/);
  assert.throws(() => r.gauge({ name: 'bad-name', help: 'X.' }), /invalid metric name/);
  assert.throws(() => r.gauge({ name: 'x_g', help: 'X.', labelNames: ['le'] }), /invalid label name/);
  assert.throws(() => r.histogram({ name: 'x_h', help: 'X.', buckets: [1, 1] }), /strictly increasing/);
  // Nothing half-registered is exposed.
  assert.equal(r.expose(), '# HELP x_total X.\n# TYPE x_total counter\n');
});

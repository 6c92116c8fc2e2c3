/**
 * The Prometheus endpoint over real HTTP: off unless `[glance_ts_metrics] enabled`; when on, its
 * own listener (not the API port, no token) whose counters follow the API requests made, by
 * route pattern, with consistent histograms, image byte counts and store failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { identityHeaders } from '../api/api-harness.js';
import { startDataApi, type DataApi } from '../data/data-harness.js';
import { freePort } from '../support/api-process.js';

/** Sample key (`name{labels}` as exposed) → value. */
type Samples = Map<string, number>;

function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(api: DataApi): Promise<{ status: number; type: string | null; text: string; samples: Samples }> {
  const res = await fetch(api.app.metrics!.url('/metrics'));
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, samples: parse(text) };
}

const get = (s: Samples, key: string): number => s.get(key) ?? 0;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('the metrics endpoint is off by default: nothing listens on its port', async () => {
  const port = await freePort();
  const api = await startDataApi({ ini: { glance_ts_metrics: { bind_port: String(port) } } });
  try {
    assert.equal(api.app.metrics, null);
    await api.call('admin', 'GET', '/v2/images');
    assert.equal(await refused(port), true);
  } finally {
    await api.close();
  }
});

let api: DataApi;

before(async () => {
  api = await startDataApi({ ini: { glance_ts_metrics: { enabled: 'true', bind_port: '0' } } });
});
after(async () => {
  await api.close();
});

test('the endpoint has its own port, needs no token, and serves only its path', async () => {
  assert.notEqual(api.app.metrics!.port, api.port);
  const first = await scrape(api);
  assert.equal(first.status, 200);
  assert.equal(first.type, 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(first.text, /^# TYPE glance_http_requests_total counter$/m);
  assert.match(first.text, /^# TYPE glance_http_request_duration_seconds histogram$/m);
  assert.match(first.text, /^# TYPE glance_tasks_total counter$/m);
  assert.equal(get(first.samples, 'glance_uploads_in_flight'), 0);
  assert.ok(get(first.samples, 'process_resident_memory_bytes') > 1e6);
  assert.ok(get(first.samples, 'process_cpu_seconds_total') > 0);
  assert.ok(Math.abs(get(first.samples, 'process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 2);
  assert.ok(first.samples.has('nodejs_eventloop_lag_seconds'));
  assert.ok(get(first.samples, 'nodejs_heap_size_used_bytes') > 0);

  const other = await fetch(api.app.metrics!.url('/other'));
  assert.equal(other.status, 404);
  await other.arrayBuffer();
  const post = await fetch(api.app.metrics!.url('/metrics'), { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  await post.arrayBuffer();
  // The API port serves no metrics (Glance answers unknown root paths with the versions document).
  const onApi = await api.call('admin', 'GET', '/metrics');
  assert.ok(!onApi.text.includes('glance_http_requests_total'), onApi.text);
});

test('API requests are counted by route pattern; image bytes up and down are counted', async () => {
  const before = (await scrape(api)).samples;
  const id = await api.create('admin', { disk_format: 'raw' });
  const data = Buffer.from('12345');
  assert.equal((await api.upload('admin', id, data)).status, 204);
  const down = await api.call('admin', 'GET', `/v2/images/${id}/file`);
  assert.equal(down.status, 200);
  assert.equal((await api.call('admin', 'GET', `/v2/images/${id}`)).status, 200);
  assert.equal((await api.call('admin', 'GET', '/v2/no/such/thing')).status, 404);
  const { text, samples: after } = await scrape(api);

  const delta = (key: string): number => get(after, key) - get(before, key);
  assert.equal(delta('glance_http_requests_total{method="POST",route="/v2/images",status="201"}'), 1);
  assert.equal(delta('glance_http_requests_total{method="PUT",route="/v2/images/:id/file",status="204"}'), 1);
  assert.equal(delta('glance_http_requests_total{method="GET",route="/v2/images/:id/file",status="200"}'), 1);
  assert.equal(delta('glance_http_requests_total{method="GET",route="/v2/images/:id",status="200"}'), 1);
  assert.equal(delta('glance_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
  assert.equal(delta('glance_image_upload_bytes_total'), 5);
  assert.equal(delta('glance_image_download_bytes_total'), 5);
  assert.equal(get(after, 'glance_uploads_in_flight'), 0);
  // Bounded cardinality: no raw URL (the image id) in any label.
  assert.ok(!text.includes(id), 'the image id must not appear in a label');
});

test('each duration histogram is consistent: cumulative buckets, +Inf = _count = requests counted', async () => {
  const { samples } = await scrape(api);
  const series = new Set<string>();
  for (const key of samples.keys()) {
    const m = /^glance_http_request_duration_seconds_count\{(.*)\}$/.exec(key);
    if (m) series.add(m[1]!);
  }
  assert.ok(series.size >= 4);
  for (const labels of series) {
    const buckets = [...samples].filter(([k]) => k.startsWith(`glance_http_request_duration_seconds_bucket{${labels},le=`));
    assert.equal(buckets.length, 15, labels);
    const counts = buckets.map(([, v]) => v);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `cumulative: ${labels}`);
    const count = get(samples, `glance_http_request_duration_seconds_count{${labels}}`);
    assert.equal(buckets.at(-1)![0], `glance_http_request_duration_seconds_bucket{${labels},le="+Inf"}`);
    assert.equal(counts.at(-1), count);
    assert.ok(get(samples, `glance_http_request_duration_seconds_sum{${labels}}`) >= 0);
    // Every request counted by status appears once in the duration histogram.
    const [, method, route] = /method="([^"]*)",route="([^"]*)"/.exec(labels)!;
    const byStatus = [...samples]
      .filter(([k]) => k.startsWith(`glance_http_requests_total{method="${method}",route="${route}",`))
      .reduce((sum, [, v]) => sum + v, 0);
    // The scrape itself is not an API request, so the two agree exactly.
    assert.equal(byStatus, count, labels);
  }
});

test('a store read failure is counted under the store and operation', async () => {
  const id = await api.create('admin', { disk_format: 'raw' });
  assert.equal((await api.upload('admin', id, Buffer.from('abc'))).status, 204);
  const before = get((await scrape(api)).samples, 'glance_store_errors_total{store="fs",operation="read"}');
  // The data vanishes behind glance-ts's back: the download fails in the store.
  await rm(join(api.dataDir, id));
  const res = await api.call('admin', 'GET', `/v2/images/${id}/file`);
  assert.ok(res.status >= 400, `status ${res.status}`);
  const after = get((await scrape(api)).samples, 'glance_store_errors_total{store="fs",operation="read"}');
  assert.equal(after - before, 1);
  // A refusal caused by the request (a range past the end) is not a store failure.
  const id2 = await api.create('admin', { disk_format: 'raw' });
  assert.equal((await api.upload('admin', id2, Buffer.from('abc'))).status, 204);
  const ranged = await api.call('admin', 'GET', `/v2/images/${id2}/file`, { headers: { range: 'bytes=10-20' } });
  assert.equal(ranged.status, 416);
  const total = [...(await scrape(api)).samples].filter(([k]) => k.startsWith('glance_store_errors_total')).reduce((s, [, v]) => s + v, 0);
  assert.equal(total, after);
});

test('an upload in progress is counted in flight until it ends, its bytes as they arrive', async () => {
  const id = await api.create('admin', { disk_format: 'raw' });
  const before = (await scrape(api)).samples;
  let pending: ClientRequest | undefined;
  const res = new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${api.url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { ...identityHeaders('admin'), 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    }, (r) => { r.resume(); r.once('end', () => resolve(r.statusCode!)); });
    req.once('error', reject);
    req.write(Buffer.alloc(1000, 1));
    pending = req;
  });
  const during = async (): Promise<Samples> => {
    for (let i = 0; i < 250; i++) {
      const s = (await scrape(api)).samples;
      if (get(s, 'glance_image_upload_bytes_total') - get(before, 'glance_image_upload_bytes_total') === 1000) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the first chunk was never counted');
  };
  const mid = await during();
  assert.equal(get(mid, 'glance_uploads_in_flight'), 1);
  pending!.end(Buffer.alloc(24, 2));
  assert.equal(await res, 204);
  const after = (await scrape(api)).samples;
  assert.equal(get(after, 'glance_uploads_in_flight'), 0);
  assert.equal(get(after, 'glance_image_upload_bytes_total') - get(before, 'glance_image_upload_bytes_total'), 1024);
});

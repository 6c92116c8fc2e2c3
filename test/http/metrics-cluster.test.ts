/**
 * The metrics endpoint with `workers = 2`: each worker serves its own metrics on
 * `bind_port + index`, so the API requests counted on both ports add up to the requests made,
 * and a worker that dies is replaced on the same metrics port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startApi } from '../support/api-process.js';

/** A port p with p+1 free as well, a moment ago. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && (await isFree(p + 1))) return p;
  }
}

async function isFree(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return false;
  } catch {
    return true;
  }
}

async function scrape(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.status === 200 ? await res.text() : null;
  } catch {
    return null;
  }
}

async function waitForScrape(port: number, ms = 15000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await scrape(port);
    if (text !== null) return text;
    if (Date.now() > deadline) throw new Error(`no metrics on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LISTS = /^glance_http_requests_total\{method="GET",route="\/v2\/images",status="200"\} (\d+)$/m;
const listCount = (text: string): number => Number(LISTS.exec(text)?.[1] ?? 0);

test('with workers = 2 each worker serves its own metrics on bind_port + index; a replacement reuses the port', async () => {
  const port = await twoFreePorts();
  const api = await startApi(`[glance_ts_metrics]\nenabled = true\nbind_port = ${port}\n`, { workers: 2 });
  try {
    await waitForScrape(port);
    await waitForScrape(port + 1);
    const n = 12;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${api.url}/v2/images`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const counts = [listCount(await waitForScrape(port)), listCount(await waitForScrape(port + 1))];
    assert.equal(counts[0]! + counts[1]!, n, `per-worker counts ${counts.join(' + ')}`);

    // Kill the worker behind port+1; the primary starts a replacement with the same index.
    const listening = api.stderr().split('\n').filter((l) => l.includes('metrics endpoint listening')).map((l) => JSON.parse(l) as { pid: number; port: number });
    const victim = listening.find((l) => l.port === port + 1);
    assert.ok(victim, api.stderr());
    process.kill(victim.pid, 'SIGKILL');
    const deadline = Date.now() + 15000;
    let replaced: { pid: number } | undefined;
    while (!replaced && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      replaced = api.stderr().split('\n').filter((l) => l.includes('metrics endpoint listening'))
        .map((l) => JSON.parse(l) as { pid: number; port: number })
        .find((l) => l.port === port + 1 && l.pid !== victim.pid);
    }
    assert.ok(replaced, 'a replacement worker listens on the same metrics port');
    assert.equal(listCount(await waitForScrape(port + 1)), 0, 'the replacement starts from zero');
  } finally {
    await api.stop();
  }
});

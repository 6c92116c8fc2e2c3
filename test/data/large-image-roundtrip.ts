/**
 * The 1 GiB round trip the remote-store tests share: a generated image uploaded through the API
 * as a stream with a declared size, checked (size, checksum), downloaded as a stream and compared,
 * while this process's RSS (the server runs in it) is sampled every 20 ms. The caller checks the
 * store's objects between the steps with `afterUpload`, and the RSS bound.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { identityHeaders } from '../api/api-harness.js';
import type { DataApi } from './data-harness.js';

const MiB = 1024 * 1024;

/** What a round trip measured. */
export interface RoundTrip {
  id: string;
  upSeconds: number;
  downSeconds: number;
  /** RSS growth over the start: at the end of the upload, and the most seen. */
  upGrowth: number;
  peakGrowth: number;
}

/** Uploads and downloads `size` bytes (a whole number of MiB) through `api` as demo. */
export async function largeImageRoundTrip(api: DataApi, size: number, afterUpload: (id: string) => Promise<void> = async () => undefined): Promise<RoundTrip> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const id = await api.create('demo', { disk_format: 'raw' });
    const sent = createHash('md5');
    async function* image() {
      for (let i = 0; i < size / MiB; i++) {
        const chunk = Buffer.alloc(MiB, i % 251);
        chunk.writeUInt32BE(i, 0);
        sent.update(chunk);
        yield chunk;
      }
    }
    const upStart = Date.now();
    const put = await request(`${api.url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), ...identityHeaders('demo') },
      body: Readable.from(image()),
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    assert.equal(put.statusCode, 204, await put.body.text());
    const upSeconds = (Date.now() - upStart) / 1000;
    const upGrowth = peak - rss0;
    const md5 = sent.digest('hex');
    const record = await api.image(id, 'demo');
    assert.equal(record.size, size);
    assert.equal(record.checksum, md5);
    await afterUpload(id);

    const back = createHash('md5');
    let got = 0;
    const downStart = Date.now();
    const get = await request(`${api.url}/v2/images/${id}/file`, { headers: identityHeaders('demo'), bodyTimeout: 600_000 });
    assert.equal(get.statusCode, 200);
    for await (const chunk of get.body) { back.update(chunk as Buffer); got += (chunk as Buffer).length; }
    const downSeconds = (Date.now() - downStart) / 1000;
    assert.equal(got, size);
    assert.equal(back.digest('hex'), md5);
    return { id, upSeconds, downSeconds, upGrowth, peakGrowth: peak - rss0 };
  } finally {
    clearInterval(sampler);
  }
}

/** One line for the test log: rates and RSS growth. */
export function describeRoundTrip(label: string, size: number, r: RoundTrip): string {
  const mib = size / MiB;
  return `${mib} MiB through ${label}: up ${r.upSeconds.toFixed(1)} s (${(mib / r.upSeconds).toFixed(0)} MiB/s), down ${r.downSeconds.toFixed(1)} s `
    + `(${(mib / r.downSeconds).toFixed(0)} MiB/s); RSS growth ${(r.upGrowth / MiB).toFixed(0)} MiB after the upload, ${(r.peakGrowth / MiB).toFixed(0)} MiB at most`;
}

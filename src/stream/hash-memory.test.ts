import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { HasherPool } from './hasher-pool.js';
import { SizeLimit } from './size-limit.js';

// Its own file so that it runs in its own process: RSS is a per-process figure.

const MIB = 1024 * 1024;
const TOTAL = 2048 * MIB;

/** 2 GiB generated on demand: a fresh buffer per chunk, as a socket hands them over. */
class Generated extends Readable {
  private sent = 0;
  private readonly base = randomBytes(MIB + 4096);
  constructor(private readonly onChunk: () => void) { super(); }
  override _read(): void {
    if (this.sent >= TOTAL) { this.push(null); return; }
    const chunk = Buffer.allocUnsafe(MIB);
    const off = (this.sent / MIB * 4099) % 4096;
    this.base.copy(chunk, 0, off, off + MIB);
    this.sent += MIB;
    this.onChunk();
    this.push(chunk);
  }
}

describe('upload stages memory', { timeout: 600_000 }, () => {
  const pool = HasherPool.create({ hashingAlgorithm: 'sha512' });
  after(() => pool.close());

  it('stays flat: 2 GiB through SizeLimit and HashSession grows RSS by less than 100 MB', async () => {
    // Warm up the workers and the JIT so their one-off memory is in the baseline.
    const warm = pool.session();
    await pipeline(Readable.from([randomBytes(4 * MIB)]), warm, new Writable({ write: (_c, _e, cb) => cb() }));
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    let n = 0;
    const sample = (): void => { if (++n % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss()); };

    const session = pool.session();
    const limit = new SizeLimit({ limit: TOTAL, expectedSize: TOTAL });
    let forwarded = 0;
    const sink = new Writable({ write: (c: Buffer, _e, cb) => { forwarded += c.length; cb(); } });
    await pipeline(new Generated(sample), limit, session, sink);
    await session.digests();
    peak = Math.max(peak, process.memoryUsage.rss());

    assert.equal(forwarded, TOTAL);
    assert.equal(session.bytes, TOTAL);
    const growth = peak - baseline;
    assert.ok(growth < 100 * 1000 * 1000, `RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
  });

  it('stays flat over many uploads: 2000 small uploads grow RSS by less than 100 MB', async () => {
    const data = randomBytes(64 * 1024);
    const one = async (): Promise<void> => {
      const s = pool.session();
      await pipeline(Readable.from([data]), s, new Writable({ write: (_c, _e, cb) => cb() }));
      await s.digests();
    };
    await one();
    const baseline = process.memoryUsage.rss();
    for (let i = 0; i < 2000; i++) await one();
    const growth = process.memoryUsage.rss() - baseline;
    assert.ok(growth < 100 * 1000 * 1000, `RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
  });
});

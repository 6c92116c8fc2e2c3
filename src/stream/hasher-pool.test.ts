import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../config/config-error.js';
import { BadRequest, GlanceError, TooLarge } from '../domain/errors.js';
import { HasherPool } from './hasher-pool.js';
import type { HashSession } from './hash-session.js';
import { SizeLimit } from './size-limit.js';

const MIB = 1024 * 1024;
// From 1 byte to 4 MiB, deliberately unaligned to the ring and to each other.
const ODD_SIZES = [1, 3, 4 * MIB, 17, 4095, 4097, 65_537, 1, MIB + 3, 333_333, 2 * MIB - 1, 7];

/** `data` as a stream of chunks whose sizes cycle through `sizes`. */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - at);
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks, { objectMode: false });
}

/** A sink that hashes what reaches it, to prove the session forwards the bytes untouched. */
function md5Sink(): Writable & { hex(): string } {
  const h = createHash('md5');
  const sink = new Writable({ write: (c: Buffer, _e, cb) => { h.update(c); cb(); } });
  return Object.assign(sink, { hex: () => h.digest('hex') });
}

function reference(data: Buffer, algo = 'sha512') {
  return { checksum: createHash('md5').update(data).digest('hex'), hash: createHash(algo).update(data).digest('hex') };
}

async function assertIdle(pool: HasherPool, session: HashSession): Promise<void> {
  await session.released;
  const stats = pool.stats();
  assert.equal(stats.sessions, 0);
  assert.deepEqual(stats.lanesPerWorker, stats.lanesPerWorker.map(() => 0));
}

// A guard against a wedged worker hanging the suite, not a performance assertion.
describe('HasherPool and HashSession', { timeout: 300_000 }, () => {
  const pool = HasherPool.create({ hashingAlgorithm: 'sha512', workers: 2 });
  // A 4 KiB ring forces wrap-around, partial copies and waiting for room on every large chunk.
  const tiny = HasherPool.create({ hashingAlgorithm: 'sha512', workers: 3, ringBytes: 4096 });
  after(() => Promise.all([pool.close(), tiny.close()]));

  for (const [name, p] of [['default ring', pool], ['4 KiB ring', tiny]] as const) {
    it(`computes node:crypto's digests for random data in odd chunk sizes (${name})`, async () => {
      const data = randomBytes(12 * MIB + 5);
      const session = p.session();
      const sink = md5Sink();
      await pipeline(chunked(data, ODD_SIZES), session, sink);
      const ref = reference(data);
      assert.deepEqual(await session.digests(), { checksum: ref.checksum, algo: 'sha512', hash: ref.hash });
      assert.equal(sink.hex(), ref.checksum);
      assert.equal(session.bytes, data.length);
      await assertIdle(p, session);
    });
  }

  it('hashes an empty upload', async () => {
    const session = pool.session();
    await pipeline(Readable.from([]), session, md5Sink());
    const d = await session.digests();
    assert.equal(d.checksum, 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(d.hash, createHash('sha512').digest('hex'));
  });

  it('uses hashlib names: sha256 configured, sha3_256 per image', async () => {
    const sha256 = HasherPool.create({ hashingAlgorithm: 'sha256', workers: 2 });
    try {
      const data = randomBytes(300_001);
      const a = sha256.session();
      await pipeline(chunked(data, [65_536]), a, md5Sink());
      assert.deepEqual(await a.digests(), { ...reference(data, 'sha256'), algo: 'sha256' });
      const b = sha256.session({ hashingAlgorithm: 'sha3_256' });
      await pipeline(chunked(data, [1000]), b, md5Sink());
      assert.deepEqual(await b.digests(), { ...reference(data, 'sha3-256'), algo: 'sha3_256' });
    } finally {
      await sha256.close();
    }
  });

  it('refuses an unknown hashing_algorithm at start-up, naming the option', () => {
    assert.throws(() => HasherPool.create({ hashingAlgorithm: 'sha999' }), (e: unknown) =>
      e instanceof ConfigError && /\[DEFAULT\] hashing_algorithm/.test(e.message) && e.message.includes('"sha999"'));
    assert.throws(() => pool.session({ hashingAlgorithm: 'nope' }), GlanceError);
  });

  it('fails with TooLarge past the size cap and releases the session', async () => {
    const session = pool.session();
    const run = pipeline(chunked(randomBytes(3 * MIB), [MIB / 4]), new SizeLimit({ limit: 2 * MIB }), session, md5Sink());
    await assert.rejects(run, TooLarge);
    await assert.rejects(session.digests(), TooLarge);
    await assertIdle(pool, session);
  });

  it('fails with BadRequest on a declared-size mismatch and releases the session', async () => {
    const session = pool.session();
    const run = pipeline(chunked(randomBytes(MIB), [4096]), new SizeLimit({ expectedSize: MIB + 1 }), session, md5Sink());
    await assert.rejects(run, BadRequest);
    await assertIdle(pool, session);
  });

  it('releases everything when an upload is aborted mid-stream, and stays usable', async () => {
    const ac = new AbortController();
    const session = pool.session({ signal: ac.signal });
    let sent = 0;
    // A client that sends 8 chunks and then goes quiet without ending.
    const stalled = new Readable({ read() { if (sent < 8) { sent++; this.push(randomBytes(65_536)); } } });
    let seen = 0;
    const sink = new Writable({ write: (_c, _e, cb) => { if (++seen === 4) ac.abort(); cb(); } });
    const run = pipeline(stalled, session, sink);
    await assert.rejects(run, { name: 'AbortError' });
    await assert.rejects(session.digests());
    await assertIdle(pool, session);
    // The same workers serve the next upload correctly.
    const data = randomBytes(2 * MIB + 1);
    const next = pool.session();
    await pipeline(chunked(data, [100_000]), next, md5Sink());
    assert.deepEqual(await next.digests(), { ...reference(data), algo: 'sha512' });
  });

  it('releases a session destroyed while it waits for ring room', async () => {
    const session = tiny.session();
    session.on('error', () => undefined); // not in a pipeline: the error is asserted via digests()
    session.resume();
    session.write(randomBytes(4 * MIB)); // a thousand ring-fulls: copyRest is waiting on the workers
    assert.equal(tiny.stats().sessions, 1);
    session.destroy(new Error('client went away'));
    await assert.rejects(session.digests(), /client went away/);
    await assertIdle(tiny, session);
    const data = randomBytes(MIB);
    const next = tiny.session();
    await pipeline(chunked(data, [MIB]), next, md5Sink());
    assert.equal((await next.digests()).checksum, reference(data).checksum);
  });

  it('gives 20 concurrent uploads their own correct digests', async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => randomBytes(MIB / 2 + i * 7919));
    const sessions = inputs.map(() => pool.session());
    assert.equal(pool.stats().sessions, 20);
    assert.equal(pool.stats().lanesPerWorker.reduce((a, b) => a + b), 40);
    await Promise.all(inputs.map((data, i) => pipeline(chunked(data, [1 + i * 3001]), sessions[i]!, md5Sink())));
    const digests = await Promise.all(sessions.map((s) => s.digests()));
    digests.forEach((d, i) => assert.deepEqual(d, { ...reference(inputs[i]!), algo: 'sha512' }, `upload ${i}`));
    await Promise.all(sessions.map((s) => s.released));
    assert.equal(pool.stats().sessions, 0);
  });

  it('reuses its shared rings: memory follows peak concurrency, not the number of uploads', async () => {
    const reuse = HasherPool.create({ hashingAlgorithm: 'sha512', workers: 2 });
    try {
      const upload = async (data: Buffer) => {
        const s = reuse.session();
        await pipeline(Readable.from([data]), s, md5Sink());
        assert.equal((await s.digests()).checksum, reference(data).checksum);
        await s.released;
      };
      for (let i = 0; i < 50; i++) await upload(randomBytes(1000 + i));
      assert.equal(reuse.stats().rings, 1);
      await Promise.all(Array.from({ length: 5 }, (_, i) => upload(randomBytes(5000 + i))));
      for (let i = 0; i < 50; i++) await upload(randomBytes(3000 + i));
      assert.equal(reuse.stats().rings, 5);
    } finally {
      await reuse.close();
    }
  });

  it('spreads a session\'s two lanes over two workers', () => {
    const session = pool.session();
    assert.deepEqual(pool.stats().lanesPerWorker, [1, 1]);
    session.destroy();
    return session.released;
  });

  it('fails the sessions of a worker that dies, and replaces the worker', async () => {
    const fragile = HasherPool.create({ hashingAlgorithm: 'sha512', workers: 2 });
    try {
      const session = fragile.session();
      session.on('error', () => undefined);
      session.write(Buffer.alloc(1000));
      // Reach into the pool to kill one of its threads, as a crash in OpenSSL would.
      const inner = fragile as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> };
      await inner.workers[0]!.worker.terminate();
      await assert.rejects(session.digests(), (e: unknown) => e instanceof GlanceError && e.kind === 'internal');
      await assertIdle(fragile, session);
      const data = randomBytes(MIB);
      const next = fragile.session();
      await pipeline(chunked(data, [4096]), next, md5Sink());
      assert.deepEqual(await next.digests(), { ...reference(data), algo: 'sha512' });
      assert.equal(fragile.stats().workers, 2);
    } finally {
      await fragile.close();
    }
  });

  it('on close, fails open sessions and refuses new ones', async () => {
    const closing = HasherPool.create({ hashingAlgorithm: 'sha512', workers: 2 });
    const session = closing.session();
    session.on('error', () => undefined);
    session.write(Buffer.alloc(10));
    await closing.close();
    await assert.rejects(session.digests(), (e: unknown) => e instanceof GlanceError && e.kind === 'service_unavailable');
    assert.throws(() => closing.session(), GlanceError);
  });
});

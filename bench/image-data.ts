/**
 * Image data benchmark: uploads and downloads through a real `bin/glance-api` (one worker
 * process, SQLite, one filesystem store) over loopback HTTP, each figure printed beside the
 * machine's own ceiling measured in the same run, moments before:
 *  1. upload of one generated raw image, against md5 + sha512 of the same file computed by plain
 *     worker threads (the ceiling); the image's checksum and os_hash_value must equal theirs;
 *  2. download of that image into a null sink, against `fs.createReadStream` of the stored file
 *     with the server's block size into a null sink; the client is a bare socket reading into one
 *     reused buffer, so the figure is the server's (an undici download is shown beside it);
 *  3. concurrent uploads: aggregate rate against the hashing ceiling, and the server's peak
 *     resident memory (VmRSS polled every 50 ms, and VmHWM).
 * Client and server run on the same machine and share its cores; the ceilings run alone.
 *
 * Environment: BENCH_SIZE_MB (MiB per image, default 1024), BENCH_CONCURRENCY (default 4),
 * BENCH_RUNS (alternated ceiling/measurement runs, the best of each counts; default 1, downloads
 * 3× that), BENCH_CPU_PROF (a directory: the server runs with --cpu-prof writing there).
 * Every file it creates lives in temporary directories removed at the end.
 *
 * Usage: npm run bench:data   (build, then node dist/bench/image-data.js)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApi, type ApiProcess } from '../test/support/api-process.js';
import { generateImage, hashCeiling, readCeiling, type HashCeiling } from './image-data-ceiling.js';
import { ImageDataClient, cpuSeconds, peakRssMiB, rssMiB, sampleRss, type ImageRecord } from './image-data-client.js';

const MIB = 1024 * 1024;
/** The filesystem store's read block with Glance's default chunk size (see src/store/registry.ts). */
const SERVER_BLOCK = MIB;
const WARMUP_BYTES = 16 * MIB;

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}


function cpuSelf(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Fails the benchmark unless `img` is active with the ceiling's digests. */
function checkImage(img: ImageRecord, size: number, ceil: HashCeiling): void {
  const problems: string[] = [];
  if (img.status !== 'active') problems.push(`status ${img.status}`);
  if (img.size !== size) problems.push(`size ${img.size}, expected ${size}`);
  if (img.checksum !== ceil.md5) problems.push(`checksum ${img.checksum}, expected md5 ${ceil.md5}`);
  if (img.os_hash_algo !== 'sha512' || img.os_hash_value !== ceil.sha512) {
    problems.push(`os_hash ${img.os_hash_algo}:${img.os_hash_value}, expected sha512:${ceil.sha512}`);
  }
  if (problems.length > 0) throw new Error(`correctness gate failed for image ${img.id}: ${problems.join('; ')}`);
}

interface Row {
  measure: string;
  figure: string;
  ceiling: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
}

function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.measure,
    r.figure,
    r.ceiling,
    r.ratio === null ? '—' : r.ratio.toFixed(3),
    r.target,
    r.met === null ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const head = ['measure', 'figure', 'ceiling (same run)', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

const rate = (bytes: number, seconds: number): number => bytes / MIB / seconds;
const fmt = (mibps: number): string => `${mibps.toFixed(0)} MiB/s`;

async function main(): Promise<void> {
  const sizeMiB = envInt('BENCH_SIZE_MB', 1024, 1);
  const concurrency = envInt('BENCH_CONCURRENCY', 4, 1);
  const runs = envInt('BENCH_RUNS', 1, 1);
  const size = sizeMiB * MIB;
  const cores = availableParallelism();
  const pairs = Math.max(1, Math.floor(cores / 2));
  const concurrentPairs = Math.min(concurrency, pairs);

  const work = mkdtempSync(join(tmpdir(), 'glance-ts-bench-data-'));
  let api: ApiProcess | undefined;
  let client: ImageDataClient | undefined;
  const cleanup = async (): Promise<void> => {
    await client?.close().catch(() => undefined);
    await api?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (): void => { void cleanup().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    console.log(`image-data benchmark: ${cores} cores (client, server and its hash workers share them); ` +
      `${sizeMiB} MiB raw image; ${concurrency} concurrent uploads; best of ${runs} run(s), downloads ${3 * runs}`);
    const source = join(work, 'image.raw');
    let t0 = performance.now();
    generateImage(source, size);
    console.log(`generated ${source} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const profDir = process.env.BENCH_CPU_PROF;
    const savedNodeOptions = process.env.NODE_OPTIONS;
    if (profDir) {
      mkdirSync(profDir, { recursive: true });
      // Node 20 refuses --cpu-prof in NODE_OPTIONS; this preload does the same job.
      const preload = new URL('./image-data-profile.js', import.meta.url).href;
      process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --import=${preload}`.trim();
      process.env.GLANCE_BENCH_PROF_DIR = resolve(profDir);
    }
    try {
      api = await startApi('', { workers: 1 });
    } finally {
      if (profDir) {
        if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = savedNodeOptions;
        delete process.env.GLANCE_BENCH_PROF_DIR;
      }
    }
    const pid = api.child.pid!;
    client = new ImageDataClient(api.url);
    console.log(`glance-api pid ${pid} at ${api.url}, ${rssMiB(pid).toFixed(0)} MiB resident at start`);

    // Warm-up: one small upload and download, so the server's JIT and pools are not timed.
    const warm = await client.create('bench-warmup');
    await client.upload(warm.id, source, WARMUP_BYTES);
    await client.download(warm.id, (await client.show(warm.id)).checksum!);

    // 1. One upload against the hashing ceiling.
    let ceil1: HashCeiling | undefined;
    let best1 = Number.POSITIVE_INFINITY;
    let upload = { seconds: Number.POSITIVE_INFINITY, serverCpu: 0, clientCpu: 0 };
    let ceilCpu = Number.POSITIVE_INFINITY;
    let stored = '';
    for (let r = 0; r < runs; r++) {
      const c0 = cpuSelf();
      const ceil = await hashCeiling(source, size, 1, SERVER_BLOCK);
      ceilCpu = Math.min(ceilCpu, cpuSelf() - c0);
      if (ceil.seconds < best1) { best1 = ceil.seconds; ceil1 = ceil; }
      const img = await client.create(`bench-upload-${r}`);
      const s0 = cpuSeconds(pid);
      const k0 = cpuSelf();
      const seconds = await client.upload(img.id, source, size);
      const run = { seconds, serverCpu: cpuSeconds(pid) - s0, clientCpu: cpuSelf() - k0 };
      checkImage(await client.show(img.id), size, ceil);
      console.log(`upload run ${r + 1}: ceiling ${fmt(rate(size, ceil.seconds))}, upload ${fmt(rate(size, seconds))}; checksum and os_hash_value match`);
      if (run.seconds < upload.seconds) upload = run;
      stored = img.id;
    }
    const upRate = rate(size, upload.seconds);
    const upCeil = rate(size, best1);

    // 2. Download of the stored image against a raw read of its file.
    const storedPath = join(api.dir, 'images', stored);
    if (!existsSync(storedPath) || statSync(storedPath).size !== size) throw new Error(`stored file ${storedPath} missing or of the wrong size`);
    let readBest = Number.POSITIVE_INFINITY;
    let downBest = { seconds: Number.POSITIVE_INFINITY, serverCpu: 0, clientCpu: 0 };
    let undiciBest = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3 * runs; r++) {
      readBest = Math.min(readBest, await readCeiling(storedPath, SERVER_BLOCK));
      const s0 = cpuSeconds(pid);
      const k0 = cpuSelf();
      const d = await client.rawDownload(stored, ceil1!.md5);
      if (d.seconds < downBest.seconds) downBest = { seconds: d.seconds, serverCpu: cpuSeconds(pid) - s0, clientCpu: cpuSelf() - k0 };
      const u = await client.download(stored, ceil1!.md5);
      if (u.bytes !== size) throw new Error(`download returned ${u.bytes} bytes, expected ${size}`);
      undiciBest = Math.min(undiciBest, u.seconds);
    }
    const downRate = rate(size, downBest.seconds);
    const undiciRate = rate(size, undiciBest);
    const readRate = rate(size, readBest);
    console.log(`download: raw read ${fmt(readRate)}, HTTP ${fmt(downRate)} (socket client), ${fmt(undiciRate)} (undici client); best of ${3 * runs} each`);

    // 3. Concurrent uploads: aggregate rate and the server's peak memory.
    let bestN = Number.POSITIVE_INFINITY;
    let ceilN = Number.POSITIVE_INFINITY;
    let peakSampled = 0;
    for (let r = 0; r < runs; r++) {
      const ceil = await hashCeiling(source, size, concurrentPairs, SERVER_BLOCK);
      ceilN = Math.min(ceilN, ceil.seconds);
      const imgs = await Promise.all(Array.from({ length: concurrency }, (_, i) => client!.create(`bench-concurrent-${r}-${i}`)));
      const sampler = sampleRss(pid, 50);
      t0 = performance.now();
      await Promise.all(imgs.map((img) => client!.upload(img.id, source, size)));
      const seconds = (performance.now() - t0) / 1000;
      peakSampled = Math.max(peakSampled, sampler.stop());
      for (const img of imgs) checkImage(await client.show(img.id), size, ceil);
      console.log(`concurrent run ${r + 1}: ceiling ${fmt(rate(ceil.bytes, ceil.seconds))}, ${concurrency} uploads ${fmt(rate(concurrency * size, seconds))} aggregate; all digests match`);
      bestN = Math.min(bestN, seconds);
    }
    const aggRate = rate(concurrency * size, bestN);
    const aggCeil = rate(concurrentPairs * size, ceilN);
    const hwm = peakRssMiB(pid);

    console.log('');
    printTable([
      { measure: `upload, 1 × ${sizeMiB} MiB`, figure: fmt(upRate), ceiling: `${fmt(upCeil)} md5‖sha512`, ratio: upRate / upCeil, target: '≥ 0.85', met: upRate / upCeil >= 0.85 },
      { measure: `download, 1 × ${sizeMiB} MiB`, figure: fmt(downRate), ceiling: `${fmt(readRate)} file read`, ratio: downRate / readRate, target: '≥ 0.80', met: downRate / readRate >= 0.8 },
      { measure: '  same, undici client (informative)', figure: fmt(undiciRate), ceiling: `${fmt(readRate)} file read`, ratio: undiciRate / readRate, target: '—', met: null },
      { measure: `uploads, ${concurrency} × ${sizeMiB} MiB concurrent`, figure: fmt(aggRate), ceiling: `${fmt(aggCeil)} md5‖sha512`, ratio: aggRate / aggCeil, target: '—', met: null },
      { measure: `server peak RSS during them (50 ms polls)`, figure: `${peakSampled.toFixed(0)} MiB`, ceiling: '—', ratio: null, target: '< 200 MB', met: peakSampled * MIB < 200e6 },
      { measure: 'server peak RSS, whole run (VmHWM)', figure: `${hwm.toFixed(0)} MiB`, ceiling: '—', ratio: null, target: '< 200 MB', met: hwm * MIB < 200e6 },
    ]);
    console.log('');
    const perGiB = (cpu: number) => ((cpu * 1024) / sizeMiB).toFixed(2);
    console.log(`CPU seconds per GiB (best runs; independent of other load on the machine): ceiling hashing ${perGiB(ceilCpu)}; ` +
      `upload server ${perGiB(upload.serverCpu)} + client ${perGiB(upload.clientCpu)}; ` +
      `download server ${perGiB(downBest.serverCpu)} + client ${perGiB(downBest.clientCpu)}`);
    // On an idle machine both runs are CPU-bound on the same cores, so the wall-clock ratio tends
    // to the ratio of CPU spent for the same bytes; under outside load it drifts either way.
    const upCpuRatio = ceilCpu / (upload.serverCpu + upload.clientCpu);
    console.log(`CPU-bound upload ratio (ceiling CPU / upload server+client CPU): ${upCpuRatio.toFixed(3)} — ` +
      `the wall-clock ratio's limit when nothing else runs, since client, server and hashing share ${cores} cores`);
    console.log(`Clients: uploads node:http from two reused 1 MiB buffers; downloads a bare socket into one reused buffer.`);
    console.log(`${cores} cores, shared: the client (this process) and the server with its hash workers run on the same cores; the ceilings run alone.`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

await main();

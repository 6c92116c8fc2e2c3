/**
 * Image API read benchmark: GET /v2/images/{id} and three GET /v2/images pages against a
 * 100k-image SQLite catalogue, served by the real `glance-api` (1 worker) in a child process and
 * driven over loopback by a keep-alive load generator in a worker thread. In the same run it
 * measures the database layer alone (ImageRepo on the same file) as the ceiling, and prints
 * both side by side with the targets.
 *
 *   npm run bench:api
 *   BENCH_IMAGES=20000 BENCH_SECONDS=5 npm run bench:api      (quicker)
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:api                (server CPU profile)
 *
 * Knobs: BENCH_IMAGES (100000), BENCH_SECONDS per scenario (10), BENCH_CONNECTIONS (16),
 * BENCH_DB_SECONDS (3), BENCH_CPU_PROF (directory), BENCH_ONLY (run only the scenarios whose
 * name contains this text), BENCH_NAME_INDEX=1 (what-if: add an index on images.name, which
 * Glance's schema does not have), BENCH_KEEP=1 keeps the temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { DbCeiling, type CeilingFigures, type RepoOp } from './image-api/db-ceiling.js';
import { loadGenerator, type LoadFigures } from './image-api/load-generator.js';
import { seedImages, type SeededCatalogue } from './image-api/seed-images.js';
import { startServer, type ServerProcess } from './image-api/server-process.js';

/** Settings of one benchmark run. */
export interface ImageApiBenchOptions {
  images: number;
  seconds: number;
  connections: number;
  dbSeconds: number;
  cpuProfDir?: string;
  /** Adds an index on images.name to the catalogue (not part of Glance's schema). */
  nameIndex: boolean;
  /** Only scenarios whose name contains this text. */
  only?: string;
  keep: boolean;
}

interface Scenario {
  name: string;
  kind: 'show' | 'list';
  paths: string[];
  op: RepoOp;
  /** Checks one response body, so a broken scenario cannot pass for a fast one. */
  check(body: unknown): void;
}

interface Row {
  scenario: Scenario;
  http: LoadFigures;
  /** Server CPU-seconds used during the measuring window. */
  serverCpu: number;
  db: CeilingFigures;
}

// Targets from the "Image API v2" issue, per server core.
const TARGET_SHOW = 10_000;
const TARGET_LIST = 3_000;
const TARGET_P99_MS = 5;
const WARMUP_MS = 2000;

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  const n = v === undefined || v === '' ? dflt : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
}

type ImageBody = { id: string; name: string; [k: string]: unknown };

function listCheck(pred: (img: ImageBody) => boolean, what: string): (body: unknown) => void {
  return (body) => {
    const images = (body as { images?: ImageBody[] }).images;
    // A small catalogue (BENCH_IMAGES) may hold fewer than 25 matches; an empty page is a bug.
    if (!Array.isArray(images) || images.length === 0 || images.length > 25) throw new Error(`expected 1-25 images, got ${images?.length}`);
    if (!images.every(pred)) throw new Error(`page contains images not matching ${what}`);
  };
}

function scenarios(cat: SeededCatalogue): Scenario[] {
  const { sharedName, property } = cat;
  const list = (name: string, params: [string, string][], pred: (i: ImageBody) => boolean): Scenario => ({
    name,
    kind: 'list',
    paths: [`/v2/images?${new URLSearchParams(params)}`],
    op: { kind: 'list', params },
    check: listCheck(pred, name),
  });
  return [
    {
      name: 'show /v2/images/{id} (random)',
      kind: 'show',
      paths: cat.sampleIds.map((id) => `/v2/images/${id}`),
      op: { kind: 'get', ids: cat.sampleIds },
      check: (body) => {
        if (!cat.sampleIds.includes((body as ImageBody).id)) throw new Error('show returned an unexpected image');
      },
    },
    list('list ?limit=25', [['limit', '25']], () => true),
    list(`list ?limit=25&name=${sharedName}`, [['limit', '25'], ['name', sharedName]], (i) => i.name === sharedName),
    list(`list ?limit=25&${property.name}=${property.value}`, [['limit', '25'], [property.name, property.value]],
      (i) => i[property.name] === property.value),
  ];
}

async function verify(server: ServerProcess, sc: Scenario): Promise<void> {
  const res = await request(`${server.origin}${sc.paths[0]}`);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${sc.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  sc.check(JSON.parse(text));
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printTable(rows: Row[], opts: ImageApiBenchOptions, rssMiB: number, loadAtStart: number): void {
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'req/CPU-s', 'DB ops/s', 'DB ops/CPU-s',
    'server/DB', 'per CPU-s', 'target (per core, p99)'];
  const body = rows.map(({ scenario, http, serverCpu, db }) => {
    const goal = scenario.kind === 'show' ? TARGET_SHOW : TARGET_LIST;
    const perCore = http.requests / serverCpu;
    const met = perCore >= goal && http.p99 < TARGET_P99_MS && http.errors === 0;
    return [scenario.name, fmt(http.perSecond), fmt(http.p50, 2), fmt(http.p99, 2), fmt(http.errors),
      `${fmt((serverCpu / opts.seconds) * 100)} %`, fmt(perCore), fmt(db.perSecond), fmt(db.perCpuSecond),
      fmt(http.perSecond / db.perSecond, 2), fmt(perCore / db.perCpuSecond, 2),
      `≥ ${fmt(goal)}, < ${TARGET_P99_MS} ms: ${met ? 'met' : 'NOT met'}`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const say = (text: string) => console.log(text);
  say('');
  say(line(head));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) say(line(r));
  say('');
  say(`server: bin/glance-api, workers = 1 (one process = one core), SQLite WAL, access log to a file; RSS after the run ${fmt(rssMiB)} MiB`);
  say(`load: ${opts.connections} keep-alive connections from a worker thread of this process, ${opts.seconds} s per scenario after ${WARMUP_MS / 1000} s warm-up; ` +
    `the generator shares this ${availableParallelism()}-core machine with the server`);
  say(`machine: 1-min load average ${fmt(loadAtStart, 1)} at start, ${fmt(loadavg()[0]!, 1)} at end (above ~2, other work competed for the cores and req/s understates capacity)`);
  say('server CPU: share of one core the server used in the window; req/CPU-s = requests per CPU-second of the server = what one fully used core serves');
  say(`DB layer (the ceiling): ImageRepo.get/list back to back in this process on the same file, no HTTP/JSON, ${opts.dbSeconds} s each; ` +
    'server/DB compares req/s with ops/s, "per CPU-s" compares per-core rates (robust on a busy machine)');
  say(`targets: ≥ ${fmt(TARGET_SHOW)} shows/s and ≥ ${fmt(TARGET_LIST)} lists/s per server core (judged on req/CPU-s), p99 < ${TARGET_P99_MS} ms at 16 connections`);
  say('context (other setup, shared notes): Glance 25.1, 2 eventlet workers + Keystone + MariaDB: show 606 req/s (p99 172 ms), list 137 req/s');
}

/** Runs the whole benchmark and prints its table; rejects on any failed check. */
export async function imageApiBench(opts: ImageApiBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-bench-api-'));
  const dbPath = join(dir, 'glance.sqlite');
  let server: ServerProcess | undefined;
  let ceiling: DbCeiling | undefined;
  const loadAtStart = loadavg()[0]!;
  try {
    let t = performance.now();
    const cat = await seedImages(dbPath, opts.images, { nameIndex: opts.nameIndex });
    const r = cat.rows;
    console.log(`seeded ${fmt(r.images)} images (${fmt(r.properties)} properties, ${fmt(r.tags)} tags, ${fmt(r.locations)} locations) ` +
      `in ${fmt((performance.now() - t) / 1000, 1)} s${opts.nameIndex ? '; WHAT-IF: extra index on images.name' : ''}`);
    t = performance.now();
    server = await startServer({ dir, dbPath, cpuProfDir: opts.cpuProfDir });
    console.log(`glance-api pid ${server.pid} on ${server.origin}, ready in ${fmt(performance.now() - t)} ms`);
    ceiling = await DbCeiling.open(dbPath);
    const rows: Row[] = [];
    for (const sc of scenarios(cat).filter((s) => !opts.only || s.name.includes(opts.only))) {
      await verify(server, sc);
      const db = await ceiling.measure(sc.op, 500, opts.dbSeconds * 1000);
      let cpuOpen = NaN;
      let cpuClose = NaN;
      const srv = server;
      const http = await loadGenerator(
        { origin: srv.origin, connections: opts.connections, paths: sc.paths, warmupMs: WARMUP_MS, durationMs: opts.seconds * 1000 },
        { onOpen: () => { cpuOpen = srv.cpuSeconds(); }, onClose: () => { cpuClose = srv.cpuSeconds(); } },
      );
      const serverCpu = cpuClose - cpuOpen;
      console.log(`${sc.name}: ${fmt(http.perSecond)} req/s (${fmt(http.requests / serverCpu)} per server CPU-s), ` +
        `p99 ${fmt(http.p99, 2)} ms; DB layer ${fmt(db.perSecond)} ops/s (${fmt(db.perCpuSecond)} per CPU-s)`);
      rows.push({ scenario: sc, http, serverCpu, db });
    }
    printTable(rows, opts, server.rssMiB(), loadAtStart);
  } finally {
    await ceiling?.close();
    await server?.stop();
    if (opts.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  imageApiBench({
    images: envInt('BENCH_IMAGES', 100_000),
    seconds: envInt('BENCH_SECONDS', 10),
    connections: envInt('BENCH_CONNECTIONS', 16),
    dbSeconds: envInt('BENCH_DB_SECONDS', 3),
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
    nameIndex: process.env.BENCH_NAME_INDEX === '1',
    only: process.env.BENCH_ONLY || undefined,
    keep: process.env.BENCH_KEEP === '1',
  }).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/**
 * Object-store benchmark: a 1 GiB image uploaded and downloaded through glance-ts (a real
 * `bin/glance-api`, one worker) with its `swift` store (tempauth proxy :8081) and its `s3` store
 * (Swift's s3api on the Keystone proxy :8080), each beside the same object pushed straight to the
 * same Swift proxy with curl in the same run (the ceiling: what the object store takes from one
 * client stream here). Target: glance-ts ≥ 0.8× the direct rate.
 *
 * Needs the single-node Swift of scripts/swift.sh (`start`, then `keystone` and
 * `SWIFT_KEYSTONE=1 … start` for s3). Environment: BENCH_SIZE_MB (default 1024), BENCH_RUNS
 * (alternated direct/glance-ts runs, the best of each counts; default 1).
 *
 * Usage: npm run bench:stores   (build, then node dist/bench/object-stores.js)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApi, type ApiProcess } from '../test/support/api-process.js';
import { ImageDataClient } from './image-data-client.js';
import { generateImage } from './image-data-ceiling.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_SIZE_MB ?? 1024) * MIB;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const STATE = process.env.GLANCE_TS_TEST_STATE ?? '/var/lib/glance-ts-test';

interface Rates { up: number; down: number }

function curl(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('curl', ['-sS', '-f', '-o', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`curl ${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

// The tempauth account's storage URL and token.
function tempauth(): { url: string; token: string } {
  const r = spawnSync('curl', ['-sS', '-i', '-H', 'X-Auth-User: test:tester', '-H', 'X-Auth-Key: testing', 'http://127.0.0.1:8081/auth/v1.0'], { encoding: 'utf8' });
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(r.stdout)?.[1]?.trim() ?? '';
  return { url: header('X-Storage-Url'), token: header('X-Auth-Token') };
}

function s3Keys(): { access: string; secret: string } {
  const vars = Object.fromEntries(readFileSync(join(STATE, 'swift.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { access: vars.S3_ACCESS_KEY ?? '', secret: vars.S3_SECRET_KEY ?? '' };
}

function directSwift(file: string): Rates {
  const { url, token } = tempauth();
  const auth = ['-H', `X-Auth-Token: ${token}`];
  curl(['-X', 'PUT', ...auth, `${url}/bench-direct`]);
  const up = curl(['-T', file, ...auth, `${url}/bench-direct/object`]);
  const down = curl([...auth, `${url}/bench-direct/object`]);
  curl(['-X', 'DELETE', ...auth, `${url}/bench-direct/object`]);
  return { up: SIZE / MIB / up, down: SIZE / MIB / down };
}

function directS3(file: string): Rates {
  const { access, secret } = s3Keys();
  const sign = ['--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${access}:${secret}`, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD'];
  curl([...sign, '-X', 'PUT', 'http://127.0.0.1:8080/bench-direct']);
  const up = curl([...sign, '-T', file, 'http://127.0.0.1:8080/bench-direct/object']);
  const down = curl([...sign, 'http://127.0.0.1:8080/bench-direct/object']);
  curl([...sign, '-X', 'DELETE', 'http://127.0.0.1:8080/bench-direct/object']);
  return { up: SIZE / MIB / up, down: SIZE / MIB / down };
}

async function throughGlance(api: ApiProcess, file: string): Promise<Rates> {
  const client = new ImageDataClient(api.url);
  const image = await client.create('bench');
  const up = await client.upload(image.id, file, SIZE);
  const shown = await client.show(image.id);
  const down = (await client.download(image.id, shown.checksum!)).seconds;
  await client.delete(image.id);
  await client.close();
  return { up: SIZE / MIB / up, down: SIZE / MIB / down };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-bench-stores-'));
  try {
    const file = join(dir, 'image.raw');
    generateImage(file, SIZE);
    const refs = join(dir, 'glance-swift.conf');
    writeFileSync(refs, '[tempauth]\nauth_version = 1\nauth_address = http://127.0.0.1:8081/auth/v1.0\nuser = test:tester\nkey = testing\n');
    const { access, secret } = s3Keys();
    const stores = {
      swift: { ini: `[DEFAULT]\nenabled_backends = swift:swift\n[glance_store]\ndefault_backend = swift\n[swift]\nswift_store_config_file = ${refs}\ndefault_swift_reference = tempauth\nswift_store_container = bench-glance\nswift_store_create_container_on_put = true\n`, direct: directSwift },
      s3: { ini: `[DEFAULT]\nenabled_backends = s3:s3\n[glance_store]\ndefault_backend = s3\n[s3]\ns3_store_host = http://127.0.0.1:8080\ns3_store_access_key = ${access}\ns3_store_secret_key = ${secret}\ns3_store_bucket = bench-glance\ns3_store_create_bucket_on_put = true\ns3_store_bucket_url_format = path\n`, direct: directS3 },
    };
    console.log(`object stores, ${SIZE / MIB} MiB, best of ${RUNS}; MiB/s (ratio = glance-ts / direct curl to the same Swift proxy; target ≥ 0.8)`);
    for (const [name, s] of Object.entries(stores)) {
      const api = await startApi(s.ini);
      try {
        const best = { direct: { up: 0, down: 0 }, glance: { up: 0, down: 0 } };
        for (let i = 0; i < RUNS; i++) {
          const d = s.direct(file);
          const g = await throughGlance(api, file);
          best.direct = { up: Math.max(best.direct.up, d.up), down: Math.max(best.direct.down, d.down) };
          best.glance = { up: Math.max(best.glance.up, g.up), down: Math.max(best.glance.down, g.down) };
        }
        for (const dir2 of ['up', 'down'] as const) {
          const ratio = best.glance[dir2] / best.direct[dir2];
          console.log(`${name.padEnd(5)} ${dir2 === 'up' ? 'upload  ' : 'download'}  glance-ts ${best.glance[dir2].toFixed(0).padStart(5)}  direct ${best.direct[dir2].toFixed(0).padStart(5)}  ratio ${ratio.toFixed(2)}`);
        }
      } finally {
        await api.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

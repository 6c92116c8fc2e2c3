#!/usr/bin/env node
// Runs every compiled test with node's own runner. Test files are found from their TypeScript
// sources (src/**, test/**), so a stale file left in dist/ by a deleted source never runs.
// Usage: node scripts/run-tests.mjs [substring ...]   (only tests whose path contains one of them)
import { readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const sources = ['src', 'test'].flatMap((d) => (existsSync(join(root, d)) ? walk(join(root, d), []) : []));
const files = sources
  .map((src) => join(root, 'dist', relative(root, src)).replace(/\.ts$/, '.js'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

const missing = files.filter((f) => !existsSync(f));
if (missing.length > 0) {
  console.error(`not compiled (run npm run build): ${missing.join(', ')}`);
  process.exit(1);
}
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const concurrency = String(Math.max(2, availableParallelism()));
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);

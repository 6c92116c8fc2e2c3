/**
 * End to end with Debian's real `glance` command (python-glanceclient 4.1) against `bin/glance-api`
 * started as a process with the image cache on (`image_cache_dir`, `worker_self_reference_url`,
 * the unauthenticated `caching` flavor): `cache-queue`, `cache-list`, `cache-delete`,
 * `cache-clear`, and `image-download` filling the cache. glanceclient refuses the cache commands
 * unless the versions document lists v2.14 and the endpoint is given directly (`--os-image-url`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { clientsInstalled, runCli, type CliResult, cliOk } from '../support/cli-runner.js';
import { parseListTable, type ListTable } from '../support/cli-tables.js';

const SKIP = clientsInstalled() ? false : '/usr/bin/glance missing: run scripts/install-peers.sh';

describe('glance cache-* commands against glance-api with image_cache_dir', { skip: SKIP }, () => {
  let api: ApiProcess;
  let scratch: string;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'glance-cache-cli-'));
    api = await startApi([
      '[DEFAULT]',
      `image_cache_dir = ${join(scratch, 'cache')}`,
      'worker_self_reference_url = http://127.0.0.1:9292',
      '[paste_deploy]',
      'flavor = caching',
    ].join('\n'));
  });
  after(async () => {
    await api?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const glance = (...args: string[]): CliResult => runCli('glance', ['--os-image-url', api.url, '--os-auth-token', 'x', ...args]);
  const ok = (r: CliResult): string => cliOk(r, () => api.stderr());
  const list = (): ListTable => parseListTable(ok(glance('cache-list')));
  const until = async (check: (t: ListTable) => boolean): Promise<ListTable> => {
    for (let i = 0; i < 20; i++) {
      const t = list();
      if (check(t)) return t;
      await new Promise((r) => setTimeout(r, 250));
    }
    return list();
  };
  const activeImage = async (data: Buffer): Promise<string> => {
    const res = await fetch(`${api.url}/v2/images`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cache-cli', disk_format: 'raw', container_format: 'bare' }),
    });
    const id = ((await res.json()) as { id: string }).id;
    const up = await fetch(`${api.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: data });
    assert.equal(up.status, 204);
    return id;
  };

  const data = randomBytes(200_000);
  let id = '';

  test('cache-list prints the empty table with Glance\'s columns', async () => {
    id = await activeImage(data);
    const t = list();
    assert.deepEqual(t.columns, ['ID', 'State', 'Last Accessed (UTC)', 'Last Modified (UTC)', 'Size', 'Hits']);
    assert.deepEqual(t.rows, []);
  });

  test('cache-queue queues the image; the server caches it and cache-list shows it cached', async () => {
    ok(glance('cache-queue', id));
    const t = await until((x) => x.rows.some((r) => r.ID === id && r.State === 'cached'));
    const row = t.rows.find((r) => r.ID === id)!;
    assert.equal(row.State, 'cached');
    assert.equal(row.Size, String(data.length));
    assert.equal(row.Hits, '0');
    assert.match(row['Last Modified (UTC)']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });

  test('image-download is served from the cache and counted as a hit', () => {
    const out = join(scratch, 'download.img');
    ok(glance('image-download', '--file', out, id));
    assert.ok(readFileSync(out).equals(data));
    assert.equal(list().rows.find((r) => r.ID === id)?.Hits, '1');
  });

  test('cache-delete removes the image from the cache', () => {
    ok(glance('cache-delete', id));
    assert.deepEqual(list().rows, []);
  });

  test('a download fills the cache again; cache-clear empties it', async () => {
    ok(glance('image-download', '--file', join(scratch, 'again.img'), id));
    await until((x) => x.rows.some((r) => r.ID === id && r.State === 'cached'));
    ok(glance('cache-clear'));
    assert.deepEqual(list().rows, []);
  });
});

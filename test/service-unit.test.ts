import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './support/repo-root.js';

const analyze = '/usr/bin/systemd-analyze';

test('etc/glance-api.service passes systemd-analyze verify', { skip: existsSync(analyze) ? false : `${analyze} is not installed` }, () => {
  const unit = readFileSync(repoPath('etc', 'glance-api.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/glance-api --config-file \/etc\/glance\/glance-api.conf$/m);
  assert.match(unit, /^KillSignal=SIGTERM$/m);
  // verify checks that ExecStart exists: point it at this checkout's executable.
  const dir = mkdtempSync(join(tmpdir(), 'glance-unit-'));
  try {
    const file = join(dir, 'glance-api.service');
    writeFileSync(file, unit.replace('ExecStart=/usr/bin/glance-api', `ExecStart=${repoPath('bin', 'glance-api')}`));
    const r = spawnSync(analyze, ['verify', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // verify also lints units installed on the machine (e.g. Debian's keystone.service); only
    // what it says about ours counts.
    const ours = r.stderr.split('\n').filter((l) => l.includes('glance-api'));
    assert.deepEqual(ours, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

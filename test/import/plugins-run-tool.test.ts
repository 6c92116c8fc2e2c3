/**
 * The process runner behind qemu-img: a real child process killed by the timeout or by the
 * task's AbortSignal, and output captured within its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTool } from '../../src/import/plugins/run-tool.js';

test('the timeout kills the process with SIGKILL and says so', async () => {
  const started = Date.now();
  const r = await runTool('sleep', ['30'], { signal: new AbortController().signal, timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.equal(r.killedBy, 'SIGKILL');
  assert.ok(Date.now() - started < 10_000);
});

test('aborting kills the process and rejects with the reason', async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  setTimeout(() => controller.abort(reason), 100);
  const started = Date.now();
  await assert.rejects(runTool('sleep', ['30'], { signal: controller.signal, timeoutMs: 60_000 }), (err) => err === reason);
  assert.ok(Date.now() - started < 10_000);
});

test('exit status and both outputs are reported; output past the bound is cut', async () => {
  const r = await runTool('sh', ['-c', 'printf 0123456789; printf oops >&2; exit 3'], {
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    maxOutput: 4,
  });
  assert.deepEqual(r, { code: 3, killedBy: null, timedOut: false, stdout: '0123…', stderr: 'oops' });
});

test('a missing program rejects with ENOENT', async () => {
  await assert.rejects(
    runTool('glance-ts-no-such-tool', [], { signal: new AbortController().signal, timeoutMs: 1000 }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
});

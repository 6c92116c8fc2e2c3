/**
 * Preload for profiling the server under the image-data benchmark (`BENCH_CPU_PROF=dir`):
 * Node 20 refuses `--cpu-prof` in NODE_OPTIONS, but accepts `--import` of this module, which
 * profiles the main thread with the inspector and writes `<dir>/glance-<pid>.cpuprofile` at exit.
 * The in-process inspector session answers synchronously, so writing in 'exit' is safe.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.GLANCE_BENCH_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `glance-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}

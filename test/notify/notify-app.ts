/**
 * The real application for the message-bus notification tests, listening on a real socket: a
 * temp glance-api.conf (SQLite, one `fs` file store, unauthenticated) plus the test's
 * `[oslo_messaging_notifications]` / `[oslo_messaging_rabbit]` options, built with `buildApp`,
 * with every log line captured so tests can check warnings and that no secret is logged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app.js';
import { buildAppFromConfigFile } from '../support/config-app.js';
import { identityHeaders, type RefUser } from '../api/api-harness.js';

/** A running application and its captured log. */
export interface NotifyApp {
  app: App;
  /** Every log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** The raw log text so far (for "never contains" checks). */
  logText(): string;
  /** A request as `user`; JSON bodies are serialised. Returns the status, the duration and the parsed body. */
  call(user: RefUser, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; ms: number; json: Record<string, unknown> | null }>;
  close(): Promise<void>;
}

/** Starts the app with `sections` (section → option → value lines, repeated keys allowed). */
export async function startNotifyApp(sections: Record<string, Array<[string, string]>>): Promise<NotifyApp> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-notify-'));
  const all: Record<string, Array<[string, string]>> = {
    DEFAULT: [['enabled_backends', 'fs:file']],
    database: [['connection', `sqlite:///${join(dir, 'glance.sqlite')}`]],
    glance_store: [['default_backend', 'fs']],
    fs: [['filesystem_store_datadir', join(dir, 'images')]],
    os_glance_staging_store: [['filesystem_store_datadir', join(dir, 'staging')]],
    os_glance_tasks_store: [['filesystem_store_datadir', join(dir, 'tasks')]],
  };
  for (const [name, lines] of Object.entries(sections)) all[name] = [...(all[name] ?? []), ...lines];
  const text = Object.entries(all).map(([name, lines]) => [`[${name}]`, ...lines.map(([k, v]) => `${k} = ${v}`)].join('\n')).join('\n');
  const confFile = join(dir, 'glance-api.conf');
  await writeFile(confFile, `${text}\n`);

  const { app, logLines } = await buildAppFromConfigFile(confFile);
  const lines = logLines();
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  return {
    app,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    logText: () => lines.join(''),
    async call(user, method, path, body, headers = {}) {
      const h: Record<string, string> = { accept: 'application/json', ...identityHeaders(user), ...headers };
      let payload: string | Buffer | undefined;
      if (Buffer.isBuffer(body)) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const started = performance.now();
      const res = await fetch(`${url}${path}`, { method, headers: h, body: payload });
      const text = await res.text();
      const ms = performance.now() - started;
      return { status: res.status, ms, json: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : null };
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

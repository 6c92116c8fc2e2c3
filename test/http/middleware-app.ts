/**
 * The real application for the healthcheck, CORS and proxy-header tests: a temporary
 * glance-api.conf with a SQLite database and one `fs` file store in a scratch directory, plus
 * the sections a test adds, built by `buildApp` as glance-api would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app.js';
import { buildAppFromConfigFile } from '../support/config-app.js';

/** A running application and its scratch directory (the store lives in `<dir>/images`). */
export interface MiddlewareApp {
  app: App;
  dir: string;
  imagesDir: string;
  close(): Promise<void>;
}

/** Section name → `key = value` lines; merged over the base configuration's sections. */
export type ExtraConfig = Record<string, Record<string, string>>;

/**
 * Keystone authentication towards an address nothing listens on: enough to prove a request was
 * answered before authentication (anything that reaches it fails with 401 or 503).
 */
export const UNREACHABLE_KEYSTONE: ExtraConfig = {
  paste_deploy: { flavor: 'keystone' },
  keystone_authtoken: {
    www_authenticate_uri: 'http://127.0.0.1:9',
    auth_url: 'http://127.0.0.1:9',
    auth_type: 'password',
    project_domain_name: 'Default',
    user_domain_name: 'Default',
    project_name: 'service',
    username: 'glance',
    password: 'unused',
  },
};

/** Starts the application with `extra` configuration. */
export async function startMiddlewareApp(...extra: ExtraConfig[]): Promise<MiddlewareApp> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-mw-'));
  const imagesDir = join(dir, 'images');
  const sections: ExtraConfig = {
    DEFAULT: { enabled_backends: 'fs:file' },
    database: { connection: `sqlite:///${join(dir, 'glance.sqlite')}` },
    glance_store: { default_backend: 'fs' },
    fs: { filesystem_store_datadir: imagesDir },
    os_glance_staging_store: { filesystem_store_datadir: join(dir, 'staging') },
    os_glance_tasks_store: { filesystem_store_datadir: join(dir, 'tasks') },
  };
  for (const e of extra) {
    for (const [section, values] of Object.entries(e)) sections[section] = { ...sections[section], ...values };
  }
  const text = Object.entries(sections)
    .map(([name, values]) => [`[${name}]`, ...Object.entries(values).map(([k, v]) => `${k} = ${v}`)].join('\n'))
    .join('\n\n');
  const confFile = join(dir, 'glance-api.conf');
  await writeFile(confFile, `${text}\n`);
  const { app } = await buildAppFromConfigFile(confFile);
  return {
    app,
    dir,
    imagesDir,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

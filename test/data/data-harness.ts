/**
 * The real application for the image-data tests, listening on a real socket (uploads are real
 * HTTP streams: chunked bodies, sockets cut mid-body, concurrent requests): a temp
 * glance-api.conf (SQLite, `enabled_backends = fs:file`, the `log` notification driver) with
 * per-test options, `buildApp` from src/app.ts, and small helpers to create images, upload,
 * download and look inside the store's data directories.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app.js';
import { buildAppFromConfigFile } from '../support/config-app.js';
import type { Notification } from '../../src/notify/notifier.js';
import { identityHeaders, type RefUser } from '../api/api-harness.js';

/** INI sections: section name → option → value. */
export type IniSections = Record<string, Record<string, string>>;

/** Options of {@link startDataApi}. */
export interface DataApiOptions {
  /** Merged over the defaults, section by section; `{dir}` in a value is the scratch directory. */
  ini?: IniSections;
  /** The `fs` store's data directory (default `<dir>/images`). */
  dataDir?: string;
  /**
   * Single-store mode: no `enabled_backends`; the legacy `[glance_store]` options name one file
   * store on the same data directory.
   */
  singleStore?: boolean;
}

/** A fetch answer with its body read. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

/** A running application on a real socket. */
export interface DataApi {
  app: App;
  url: string;
  port: number;
  dir: string;
  /** The `fs` store's data directory. */
  dataDir: string;
  stagingDir: string;
  notifications(): Notification[];
  /** A request as `user` (JSON `Accept` unless overridden); JSON bodies are serialised. */
  call(user: RefUser, method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  /** Creates a queued image (qcow2/bare unless overridden) as `user`; returns its id. */
  create(user: RefUser, fields?: Record<string, unknown>): Promise<string>;
  /** The image record as `user` sees it (admin by default). */
  image(id: string, user?: RefUser): Promise<Record<string, unknown>>;
  /** `PUT /file` with `data` as an octet-stream body (Content-Length set). */
  upload(user: RefUser, id: string, data: Buffer, headers?: Record<string, string>): Promise<Answer>;
  /** Every entry of a directory (hidden partial files included); [] when it does not exist. */
  entries(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

function iniText(sections: IniSections): string {
  return Object.entries(sections)
    .flatMap(([name, opts]) => [`[${name}]`, ...Object.entries(opts).map(([k, v]) => `${k} = ${v}`)])
    .join('\n') + '\n';
}

/** Starts the application with a fresh SQLite database and data directories. */
export async function startDataApi(opts: DataApiOptions = {}): Promise<DataApi> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-data-'));
  const dataDir = opts.dataDir ?? join(dir, 'images');
  const stagingDir = join(dir, 'staging');
  const base: IniSections = {
    DEFAULT: { enabled_backends: 'fs:file' },
    database: { connection: `sqlite:///${join(dir, 'glance.sqlite')}` },
    glance_store: { default_backend: 'fs' },
    fs: { filesystem_store_datadir: dataDir },
    os_glance_staging_store: { filesystem_store_datadir: stagingDir },
    os_glance_tasks_store: { filesystem_store_datadir: join(dir, 'tasks') },
    image_format: { disk_formats: 'ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop.root-tar' },
    oslo_messaging_notifications: { driver: 'log' },
  };
  if (opts.singleStore) {
    base.DEFAULT = {};
    base.glance_store = { stores: 'file', default_store: 'file', filesystem_store_datadir: dataDir };
    delete base.fs;
  }
  for (const [name, section] of Object.entries(opts.ini ?? {})) {
    const values = Object.fromEntries(Object.entries(section).map(([k, v]) => [k, v.split('{dir}').join(dir)]));
    base[name] = { ...base[name], ...values };
  }
  const confFile = join(dir, 'glance-api.conf');
  await writeFile(confFile, iniText(base));
  const { app, notifications } = await buildAppFromConfigFile(confFile);
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const call: DataApi['call'] = async (user, method, path, callOpts = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', ...identityHeaders(user), ...callOpts.headers };
    let body: string | Buffer | undefined;
    if (Buffer.isBuffer(callOpts.body) || typeof callOpts.body === 'string') body = callOpts.body;
    else if (callOpts.body !== undefined) {
      body = JSON.stringify(callOpts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: buf, text: buf.toString('utf8') };
  };

  return {
    app,
    url,
    port,
    dir,
    dataDir,
    stagingDir,
    notifications,
    call,
    async create(user, fields = {}) {
      const res = await call(user, 'POST', '/v2/images', {
        body: { name: 'data-test', disk_format: 'qcow2', container_format: 'bare', ...fields },
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
      return (JSON.parse(res.text) as { id: string }).id;
    },
    async image(id, user = 'admin') {
      const res = await call(user, 'GET', `/v2/images/${id}`);
      if (res.status !== 200) throw new Error(`show ${id}: ${res.status} ${res.text}`);
      return JSON.parse(res.text) as Record<string, unknown>;
    },
    upload(user, id, data, headers = {}) {
      return call(user, 'PUT', `/v2/images/${id}/file`, {
        body: data,
        headers: { 'content-type': 'application/octet-stream', ...headers },
      });
    },
    async entries(path) {
      try {
        return (await readdir(path)).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it returns true or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

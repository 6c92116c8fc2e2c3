/**
 * The real application for the Image API tests: a temp glance-api.conf (SQLite file created
 * with `syncSchema`, `enabled_backends = fs:file`, the guide's disk formats, the `log`
 * notification driver), `buildApp` from src/app.ts, and `inject()` requests made as the users
 * of the recorded reference (shared/ref INDEX.md) through the unauthenticated mode's identity
 * headers. Notifications are read back from the log lines the `log` driver writes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../src/app.js';
import { buildAppFromConfigFile } from '../support/config-app.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { SqlCodec } from '../../src/db/repos/sql-codec.js';
import type { Notification } from '../../src/notify/notifier.js';

/** Projects of the recorded reference, so `owner` values compare literally. */
export const PROJECTS = {
  demo: '5477cc9495004176b00676113845ff4f',
  admin: 'd4a3447811924a0ca8caa84f6b5c6364',
  quota: '0e741e2fd5014d4cb4de879dfcf28f8a',
} as const;

/** The Host the reference server was recorded at; sent on every request so `Location` matches. */
export const REF_HOST = '127.0.0.1:19292';

/** A reference user; `anonymous` sends no identity header (Glance's all-powerful context). */
export type RefUser = keyof typeof PROJECTS | 'anonymous';

/** The noauth identity headers of each reference user. */
export function identityHeaders(user: RefUser): Record<string, string> {
  switch (user) {
    case 'demo': return { 'x-project-id': PROJECTS.demo, 'x-user-id': 'demo-user', 'x-roles': 'member,reader' };
    case 'quota': return { 'x-project-id': PROJECTS.quota, 'x-user-id': 'quota-user', 'x-roles': 'member,reader' };
    case 'admin': return { 'x-project-id': PROJECTS.admin, 'x-user-id': 'admin-user', 'x-roles': 'admin,member,reader' };
    default: return {};
  }
}

/** The data facts of the reference upload (INDEX.md: cirros-test.qcow2). */
export const REF_DATA = {
  size: 12910592,
  virtual_size: 46137344,
  checksum: '2a991b6e0bf5890f76db631cd11233d4',
  os_hash_algo: 'sha512',
  os_hash_value: '26e3a10e63642885128f7b0adf1f2c6b14d943822598aea6be213f1ade347eb33d7fef7357d4b4532071f553110a6c17debcf959434adef6078b8b8961eb113a',
};

/** Options of one request. */
export interface CallOptions {
  /** A JSON body (serialised) or a raw string. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A running application with its scratch directory. */
export interface ApiHarness {
  app: App;
  dir: string;
  /** Every notification the `log` driver has written so far, oldest first. */
  notifications(): Notification[];
  /** Sends a request as `user`; `Accept: application/json` unless overridden. */
  call(user: RefUser, method: string, url: string, opts?: CallOptions): Promise<LightMyRequestResponse>;
  /**
   * Puts `id` in the state a finished upload of the reference file leaves it in (active, size,
   * checksum, hashes, one `fs` location). The data path is not part of the image-record API, so
   * this goes through the real repository instead of `PUT /file`.
   */
  markUploaded(id: string): Promise<void>;
  /**
   * Shares `imageId` with `project` in `status` by writing the `image_members` row (the
   * members routes are another issue's; listing and showing only read the row).
   */
  addMember(imageId: string, project: string, status: 'pending' | 'accepted' | 'rejected'): Promise<void>;
  close(): Promise<void>;
}

/** Extra lines appended to `[DEFAULT]` or added as sections. */
export interface HarnessOptions {
  defaults?: Record<string, string>;
  /**
   * `[oslo_policy]` lines over the recorded reference's effective values
   * (`enforce_new_defaults = False`, `enforce_scope = False`: Glance 25.1's legacy rules).
   */
  osloPolicy?: Record<string, string>;
}

/** Starts the application on a fresh SQLite database. */
export async function startApi(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'glance-api-'));
  const defaults = { enabled_backends: 'fs:file', ...opts.defaults };
  const osloPolicy = { enforce_new_defaults: 'False', enforce_scope: 'False', ...opts.osloPolicy };
  const conf = [
    '[DEFAULT]',
    ...Object.entries(defaults).map(([k, v]) => `${k} = ${v}`),
    '[database]',
    `connection = sqlite:///${join(dir, 'glance.sqlite')}`,
    '[glance_store]',
    'default_backend = fs',
    '[fs]',
    `filesystem_store_datadir = ${join(dir, 'images')}/`,
    '[image_format]',
    'disk_formats = ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop.root-tar',
    '[oslo_messaging_notifications]',
    'driver = log',
    '[oslo_policy]',
    ...Object.entries(osloPolicy).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  const confFile = join(dir, 'glance-api.conf');
  await writeFile(confFile, conf);
  const { app, notifications } = await buildAppFromConfigFile(confFile);
  const repo = new ImageRepo(app.database);

  return {
    app,
    dir,
    notifications,
    call(user, method, url, callOpts = {}) {
      const body = callOpts.body;
      const headers: Record<string, string> = {
        host: REF_HOST, accept: 'application/json', ...identityHeaders(user), ...callOpts.headers,
      };
      if (body !== undefined && typeof body !== 'string' && headers['content-type'] === undefined) {
        headers['content-type'] = 'application/json';
      }
      return app.server.inject({
        method: method as 'GET',
        url,
        headers,
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    async markUploaded(id) {
      const image = await repo.get(id);
      if (image === null) throw new Error(`no image ${id}`);
      await repo.save({
        ...image,
        ...REF_DATA,
        status: 'active',
        locations: [{ url: `file://${join(dir, 'images', id)}`, metadata: { store: 'fs' }, status: 'active' }],
      });
    },
    async addMember(imageId, project, status) {
      const codec = new SqlCodec(app.database.dialect);
      const now = codec.time(new Date());
      await app.database.db.insertInto('image_members').values({
        image_id: imageId, member: project, can_share: codec.bool(false), status,
        created_at: now, updated_at: now, deleted_at: null, deleted: codec.bool(false),
      }).execute();
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

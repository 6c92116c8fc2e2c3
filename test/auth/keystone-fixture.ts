/**
 * The real Keystone (and memcached) behind the auth tests, brought up by the repository's own
 * scripts: `scripts/keystone.sh install|start|seed` (idempotent, so every test file may call it)
 * and `scripts/memcached.sh start`. Also: tokens straight from the Identity API, revocation
 * with the real `openstack` client, and freezing/stopping an instance to make it unavailable.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { repoPath } from '../support/repo-root.js';
import { runCli, type CliResult } from '../support/cli-runner.js';

const run = promisify(execFile);

/** Where scripts/keystone.sh keeps its state (see the script). */
export const STATE_BASE = process.env.GLANCE_TS_TEST_STATE ?? '/var/lib/glance-ts-test';

/** The facts `keystone.sh seed` writes, as read back from its state file. */
export interface KeystoneFacts {
  port: number;
  url: string;
  adminPassword: string;
  vars: Record<string, string>;
}

/** A token as issued by Keystone. */
export interface IssuedToken {
  token: string;
  expiresAt: number;
  body: { token: Record<string, unknown> };
}

/** Identities created by the seed: user, project (null = system scope) and password variable. */
const IDENTITIES = {
  admin: { user: 'admin', project: 'admin' as string | null },
  demo: { user: 'demo', project: 'demo' as string | null },
  alt: { user: 'alt', project: 'alt' as string | null },
  glance: { user: 'glance', project: 'service' as string | null },
  'glance-system': { user: 'glance', project: null as string | null },
};
export type Identity = keyof typeof IDENTITIES;

async function script(name: string, args: string[], env: Record<string, string>): Promise<void> {
  try {
    await run('bash', [repoPath('scripts', name), ...args], { env: { ...process.env, ...env }, timeout: 900_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/${name} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/**
 * Installs, starts and seeds the Keystone instance on `port` (5000 = the main one; others are
 * independent instances, see the script), then returns its facts. `tokenExpiration` sets the
 * instance's token lifetime in seconds when the call starts it.
 */
export async function ensureKeystone(port = 5000, opts: { tokenExpiration?: number } = {}): Promise<KeystoneFacts> {
  const env: Record<string, string> = { KEYSTONE_PORT: String(port) };
  if (opts.tokenExpiration !== undefined) env.KEYSTONE_TOKEN_EXPIRATION = String(opts.tokenExpiration);
  await script('keystone.sh', ['install'], env);
  await script('keystone.sh', ['start'], env);
  await script('keystone.sh', ['seed'], env);
  return readFacts(port);
}

/** Reads the state file of the instance on `port`. */
export function readFacts(port = 5000): KeystoneFacts {
  const file = port === 5000 ? `${STATE_BASE}/keystone.env` : `${STATE_BASE}/keystone-${port}.env`;
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) vars[line.slice(0, i)] = line.slice(i + 1);
  }
  return { port, url: vars.KEYSTONE_URL!, adminPassword: vars.KEYSTONE_ADMIN_PASSWORD!, vars };
}

/** Starts memcached on 127.0.0.1:11211 with scripts/memcached.sh. */
export async function ensureMemcached(): Promise<string> {
  await script('memcached.sh', ['start'], {});
  return '127.0.0.1:11211';
}

/** Starts (after a stop) the Keystone instance on `port`; waits until it answers. */
export async function startKeystone(port: number): Promise<void> {
  await script('keystone.sh', ['start'], { KEYSTONE_PORT: String(port) });
}

/** Stops the Keystone instance on `port` by its pid file. */
export async function stopKeystone(port: number): Promise<void> {
  await script('keystone.sh', ['stop'], { KEYSTONE_PORT: String(port) });
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) the uwsgi master and workers of the instance on `port`:
 * Keystone then accepts connections and never answers, the hang a deadline must cut short.
 */
export async function signalKeystone(port: number, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  const master = Number(readFileSync(`${STATE_BASE}/keystone-${port}/uwsgi.pid`, 'utf8').trim());
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(master)]);
  const pids = [master, ...stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0)];
  for (const pid of pids) process.kill(pid, signal);
}

/** Password of an identity in the seeded instance. */
function passwordOf(f: KeystoneFacts, who: Identity): string {
  if (who === 'admin') return f.adminPassword;
  if (who === 'glance' || who === 'glance-system') return f.vars.GLANCE_PASSWORD!;
  return f.vars[`${who.toUpperCase()}_PASSWORD`]!;
}

/** Issues a fresh token for `who` with the Identity API (project scope, or system scope). */
export async function issueToken(f: KeystoneFacts, who: Identity): Promise<IssuedToken> {
  const id = IDENTITIES[who];
  const scope = id.project === null
    ? { system: { all: true } }
    : { project: { name: id.project, domain: { id: 'default' } } };
  const res = await fetch(`${f.url}/v3/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: id.user, domain: { id: 'default' }, password: passwordOf(f, who) } } },
        scope,
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${who}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: Record<string, unknown> };
  return { token: res.headers.get('x-subject-token')!, expiresAt: Date.parse(String(body.token.expires_at)), body };
}

/** The OS_* variables of `who` for the real clients (as `keystone.sh env` prints them). */
export function osEnv(f: KeystoneFacts, who: 'admin' | 'demo' | 'alt' | 'glance', extra: Record<string, string> = {}): Record<string, string> {
  const id = IDENTITIES[who];
  return {
    OS_AUTH_URL: `${f.url}/v3`, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: id.user, OS_PASSWORD: passwordOf(f, who),
    OS_PROJECT_NAME: id.project!, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'public', ...extra,
  };
}

/** Revokes `token` with the real client, as an administrator would (`openstack token revoke`). */
export function revokeToken(f: KeystoneFacts, token: string): CliResult {
  const r = runCli('openstack', ['token', 'revoke', token], osEnv(f, 'admin'));
  if (r.status !== 0) throw new Error(`openstack token revoke failed: ${r.stderr}`);
  return r;
}

/** The `[keystone_authtoken]` and `[paste_deploy]` sections glance-api needs for the instance. */
export function keystoneIni(f: KeystoneFacts, extra: string[] = []): string {
  return [
    '[keystone_authtoken]',
    `www_authenticate_uri = ${f.url}`,
    `auth_url = ${f.url}`,
    'auth_type = password',
    'project_domain_name = Default',
    'user_domain_name = Default',
    'project_name = service',
    'username = glance',
    `password = ${f.vars.GLANCE_PASSWORD}`,
    ...extra,
    '[paste_deploy]',
    'flavor = keystone',
  ].join('\n');
}

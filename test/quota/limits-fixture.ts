/**
 * Keystone set-up for the quota tests: a throw-away project with a member user (so each test
 * file starts from zero usage and its limit overrides touch no one else), project limits made
 * with the real `openstack limit create|set|delete`, and the `[oslo_limit]` section the install
 * guide writes, pointed at the seeded image endpoint.
 */
import { randomBytes } from 'node:crypto';
import { runCli } from '../support/cli-runner.js';
import { identityCall } from '../auth/catalog-region.js';
import { issueToken, osEnv, type KeystoneFacts } from '../auth/keystone-fixture.js';

/** A project of its own with a member user and a way to get its tokens. */
export interface QuotaProject {
  projectId: string;
  /** A fresh project-scoped token of the member user. */
  token(): Promise<string>;
  /** Creates or changes the project's limit for `resource` with `openstack limit create|set`. */
  setLimit(resource: string, value: number): void;
  /** Deletes the limits, the user and the project. */
  remove(): Promise<void>;
}

/** Creates `quota-<random>` with a member user. */
export async function createQuotaProject(ks: KeystoneFacts): Promise<QuotaProject> {
  const admin = (await issueToken(ks, 'admin')).token;
  const name = `quota-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const project = (await identityCall(ks, admin, 'POST', '/projects', { project: { name, domain_id: 'default' } })).project as { id: string };
  const user = (await identityCall(ks, admin, 'POST', '/users', { user: { name, domain_id: 'default', password, default_project_id: project.id } })).user as { id: string };
  const roles = (await identityCall(ks, admin, 'GET', '/roles?name=member')).roles as Array<{ id: string }>;
  await identityCall(ks, admin, 'PUT', `/projects/${project.id}/users/${user.id}/roles/${roles[0]!.id}`);
  const limitIds = new Map<string, string>();
  const cli = (args: string[]): string => {
    const r = runCli('openstack', args, osEnv(ks, 'admin'));
    if (r.status !== 0) throw new Error(`openstack ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    projectId: project.id,
    async token() {
      const res = await fetch(`${ks.url}/v3/auth/tokens?nocatalog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: {
          identity: { methods: ['password'], password: { user: { id: user.id, password } } },
          scope: { project: { id: project.id } },
        } }),
      });
      if (res.status !== 201) throw new Error(`token for ${name}: HTTP ${res.status}`);
      return res.headers.get('x-subject-token')!;
    },
    setLimit(resource, value) {
      const id = limitIds.get(resource);
      if (id !== undefined) {
        cli(['limit', 'set', '--resource-limit', String(value), id]);
        return;
      }
      limitIds.set(resource, cli(['limit', 'create', '--project', project.id, '--service', 'glance', '--region', 'RegionOne',
        '--resource-limit', String(value), resource, '-f', 'value', '-c', 'id']));
    },
    async remove() {
      for (const id of limitIds.values()) cli(['limit', 'delete', id]);
      const again = (await issueToken(ks, 'admin')).token;
      await identityCall(ks, again, 'DELETE', `/users/${user.id}`).catch(() => undefined);
      await identityCall(ks, again, 'DELETE', `/projects/${project.id}`).catch(() => undefined);
    },
  };
}

/** The install guide's `[DEFAULT] use_keystone_limits` and `[oslo_limit]`, for the seeded Keystone. */
export function unifiedLimitsIni(ks: KeystoneFacts, extra: string[] = []): string {
  return [
    '[DEFAULT]',
    'use_keystone_limits = True',
    '[oslo_limit]',
    `auth_url = ${ks.url}`,
    'auth_type = password',
    'user_domain_id = default',
    'username = glance',
    'system_scope = all',
    `password = ${ks.vars.GLANCE_PASSWORD}`,
    `endpoint_id = ${ks.vars.IMAGE_ENDPOINT_PUBLIC_ID}`,
    'region_name = RegionOne',
    ...extra,
  ].join('\n');
}

/**
 * Who may do what: every role (admin, member, reader) × every relation to an image (own
 * project, another project's private image, public, community, shared with the caller as an
 * accepted or a pending member) × show, list, download (the image has data), members list,
 * update and delete, asserting Glance's status for each cell — under the recorded reference's
 * legacy rules (`enforce_new_defaults = False`) and under the secure-RBAC defaults. Callers
 * use the noauth identity headers, so no Keystone is needed. Every 404 must carry nothing of
 * the image, and a listing must never show an image the caller may not see.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiHarness } from './api-harness.js';

type Role = 'admin' | 'member' | 'reader';
type Cell = 'own' | 'other' | 'public' | 'community' | 'accepted' | 'pending';
type Op = 'show' | 'list' | 'download' | 'members' | 'update' | 'delete';
const CELLS: Cell[] = ['own', 'other', 'public', 'community', 'accepted', 'pending'];
const OPS: Op[] = ['show', 'list', 'download', 'members', 'update', 'delete'];

const OWNER = 'proj-owner';
const CALLER: Record<Role, { project: string; roles: string }> = {
  admin: { project: 'proj-admin', roles: 'admin,member,reader' },
  member: { project: 'proj-member', roles: 'member,reader' },
  reader: { project: 'proj-reader', roles: 'reader' },
};

// Expected answers per cell, in OPS order; `list` is true when the default listing shows it.
type Row = [number, boolean, number, number, number, number];
const NON_ADMIN_LEGACY: Record<Cell, Row> = {
  own: [200, true, 200, 403, 200, 204],
  other: [404, false, 404, 404, 404, 404],
  public: [200, true, 200, 403, 403, 403],
  community: [200, false, 200, 403, 403, 403],
  accepted: [200, true, 200, 200, 403, 403],
  pending: [200, false, 200, 200, 403, 403],
};
const ADMIN: Record<Cell, Row> = {
  own: [200, true, 200, 403, 200, 204],
  other: [200, true, 200, 403, 200, 204],
  public: [200, true, 200, 403, 200, 204],
  // The default listing leaves out other projects' community images, admins included.
  community: [200, false, 200, 403, 200, 204],
  accepted: [200, true, 200, 200, 200, 204],
  pending: [200, true, 200, 200, 200, 204],
};
// Secure RBAC: a reader may look (and list members of shares) but not download or change.
const READER_SRBAC: Record<Cell, Row> = {
  own: [200, true, 403, 403, 403, 403],
  other: [404, false, 404, 404, 404, 404],
  public: [200, true, 403, 403, 403, 403],
  community: [200, false, 403, 403, 403, 403],
  accepted: [200, true, 403, 200, 403, 403],
  pending: [200, false, 403, 200, 403, 403],
};

const EXPECTED: Record<'legacy' | 'srbac', Record<Role, Record<Cell, Row>>> = {
  legacy: { admin: ADMIN, member: NON_ADMIN_LEGACY, reader: NON_ADMIN_LEGACY },
  srbac: { admin: ADMIN, member: NON_ADMIN_LEGACY, reader: READER_SRBAC },
};

const DATA = 'glance-ts matrix data '.repeat(64);

for (const mode of ['legacy', 'srbac'] as const) {
  describe(`access matrix, ${mode === 'legacy' ? 'legacy rules (the recorded reference)' : 'secure-RBAC defaults'}`, () => {
    let api: ApiHarness;

    before(async () => {
      api = await startApi({
        osloPolicy: mode === 'legacy' ? {} : { enforce_new_defaults: 'True', enforce_scope: 'True' },
      });
    });
    after(async () => {
      await api.close();
    });

    const as = (role: Role) => ({ 'x-project-id': CALLER[role].project, 'x-roles': CALLER[role].roles, 'x-user-id': `${role}-user` });

    // Creates one image per cell for `role`, as the unauthenticated admin context, with data.
    async function images(role: Role): Promise<Record<Cell, string>> {
      const me = CALLER[role].project;
      const spec: Record<Cell, { owner: string; visibility: string; member?: 'accepted' | 'pending' }> = {
        own: { owner: me, visibility: 'private' },
        other: { owner: OWNER, visibility: 'private' },
        public: { owner: OWNER, visibility: 'public' },
        community: { owner: OWNER, visibility: 'community' },
        accepted: { owner: OWNER, visibility: 'shared', member: 'accepted' },
        pending: { owner: OWNER, visibility: 'shared', member: 'pending' },
      };
      const out = {} as Record<Cell, string>;
      for (const cell of CELLS) {
        const { owner, visibility, member } = spec[cell];
        const res = await api.call('anonymous', 'POST', '/v2/images', {
          body: { name: `${role}-${cell}`, owner, visibility, disk_format: 'raw', container_format: 'bare' },
        });
        assert.equal(res.statusCode, 201, res.body);
        const id = (JSON.parse(res.body) as { id: string }).id;
        const up = await api.call('anonymous', 'PUT', `/v2/images/${id}/file`, {
          body: DATA, headers: { 'content-type': 'application/octet-stream' },
        });
        assert.equal(up.statusCode, 204, up.body);
        if (member) await api.addMember(id, me, member);
        out[cell] = id;
      }
      return out;
    }

    for (const role of ['admin', 'member', 'reader'] as const) {
      test(`${role}: status of every operation on every kind of image`, async () => {
        const ids = await images(role);
        const headers = as(role);
        const listed = await api.call('anonymous', 'GET', '/v2/images?limit=1000', { headers });
        assert.equal(listed.statusCode, 200, listed.body);
        const shown = new Set((JSON.parse(listed.body) as { images: Array<{ id: string }> }).images.map((i) => i.id));

        const got: Record<string, unknown> = {};
        const want: Record<string, unknown> = {};
        for (const cell of CELLS) {
          const id = ids[cell];
          const expected = EXPECTED[mode][role][cell];
          const calls: Record<Exclude<Op, 'list'>, () => Promise<{ statusCode: number; body: string }>> = {
            show: () => api.call('anonymous', 'GET', `/v2/images/${id}`, { headers }),
            download: () => api.call('anonymous', 'GET', `/v2/images/${id}/file`, { headers }),
            members: () => api.call('anonymous', 'GET', `/v2/images/${id}/members`, { headers }),
            update: () => api.call('anonymous', 'PATCH', `/v2/images/${id}`, {
              headers: { ...headers, 'content-type': 'application/openstack-images-v2.1-json-patch' },
              body: [{ op: 'replace', path: '/name', value: 'changed' }],
            }),
            delete: () => api.call('anonymous', 'DELETE', `/v2/images/${id}`, { headers }),
          };
          for (const [i, op] of OPS.entries()) {
            want[`${cell}.${op}`] = expected[i];
            if (op === 'list') {
              got[`${cell}.${op}`] = shown.has(id);
              continue;
            }
            const res = await calls[op]();
            got[`${cell}.${op}`] = res.statusCode;
            if (res.statusCode === 404) {
              // A refusal never tells anything about the image beyond its id in the URL.
              assert.doesNotMatch(res.body, new RegExp(`${OWNER}|${role}-${cell}|private|shared`), `${cell}.${op}`);
            }
            if (op === 'download' && res.statusCode === 200) assert.equal(res.body, DATA);
          }
        }
        assert.deepEqual(got, want);

        // The listing as a whole: nothing the caller may not see, whatever the filters.
        for (const query of ['visibility=all', 'visibility=private', 'member_status=all', 'owner=' + OWNER]) {
          const res = await api.call('anonymous', 'GET', `/v2/images?limit=1000&${query}`, { headers });
          const found = (JSON.parse(res.body) as { images: Array<{ id: string }> }).images.map((i) => i.id);
          if (role !== 'admin') assert.ok(!found.includes(ids.other), `${query} leaks another project's private image`);
        }
      });
    }
  });
}

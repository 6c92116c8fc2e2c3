/**
 * Compares one of our responses with a recorded Glance exchange (shared/ref): status, the
 * headers that matter, and the body byte for byte once the recorded image ids are replaced by
 * ours and every timestamp by a placeholder. Tags are a set in Glance (its JSON order is the
 * order of a Python set), so tag arrays are compared sorted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { readRef, REF_DIR, type RefExchange } from '../http/helpers.js';
import type { ApiHarness, RefUser } from './api-harness.js';

// Response headers whose presence and value must match the recording.
const EXACT_HEADERS = ['content-type', 'accept-patch', 'openstack-image-import-methods', 'openstack-image-store-ids', 'allow'];

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;
const HAS_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/;

/** Recorded id → our id. */
export type IdMap = Record<string, string>;

function substitute(text: string, ids: IdMap): string {
  let out = text;
  for (const [from, to] of Object.entries(ids)) out = out.split(from).join(to);
  return out;
}

/** The body with ids substituted, times masked and every `tags` array sorted. */
export function normalizeBody(body: string, ids: IdMap = {}): string {
  return substitute(body, ids)
    .replace(TIME, '<time>')
    .replace(/"tags": \[([^\]]*)\]/g, (_m, inner: string) => {
      const tags = inner === '' ? [] : inner.split(', ').sort();
      return `"tags": [${tags.join(', ')}]`;
    });
}

/**
 * The request body of recording `name` (file name without `.txt`): the text between the blank
 * line after the request headers and the `### RESPONSE` marker, minus the recorder's two
 * trailing newlines; '' when the request had none.
 */
export function requestBodyOf(name: string): string {
  const text = readFileSync(`${REF_DIR}/${name}.txt`, 'utf8');
  const request = text.slice(0, text.indexOf('### RESPONSE\n'));
  const blank = request.indexOf('\n\n');
  if (blank === -1) return '';
  return request.slice(blank + 2).replace(/\n\n$/, '');
}

/** Options of {@link assertLikeRef}. */
export interface CompareOptions {
  ids?: IdMap;
}

/**
 * Asserts that `res` answers like the recorded exchange `name` (file name without `.txt`).
 * Returns the parsed recording for further checks.
 */
export function assertLikeRef(res: LightMyRequestResponse, name: string, opts: CompareOptions = {}): RefExchange {
  const ref = readRef(`${name}.txt`);
  const ids = opts.ids ?? {};
  const label = `${name}: ${res.body.slice(0, 300)}`;
  assert.equal(res.statusCode, ref.status, label);
  for (const h of EXACT_HEADERS) {
    assert.equal(res.headers[h], ref.headers[h], `${name}: header ${h}`);
  }
  if (ref.headers.location !== undefined) {
    assert.equal(res.headers.location, substitute(ref.headers.location, ids), `${name}: Location`);
  } else {
    assert.equal(res.headers.location, undefined, `${name}: no Location`);
  }
  // Content-Length: present when recorded (WebOb sends `0` on its 204s), always the body's length.
  assert.equal(res.headers['content-length'] !== undefined, ref.headers['content-length'] !== undefined, `${name}: Content-Length presence`);
  if (res.headers['content-length'] !== undefined) {
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), `${name}: Content-Length value`);
  }
  assert.match(String(res.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/, `${name}: request id`);
  if (ref.headers['content-type'] === 'application/json') {
    const want = JSON.parse(normalizeBody(ref.body, ids)) as unknown;
    const got = JSON.parse(normalizeBody(res.body)) as unknown;
    assertSameShape(got, want, name);
  }
  assert.equal(normalizeBody(res.body), normalizeBody(ref.body, ids), `${name}: body bytes`);
  if (Object.keys(ids).length === 0 && !HAS_TIME.test(ref.body)) {
    assert.equal(res.headers['content-length'], ref.headers['content-length'], `${name}: Content-Length`);
  }
  return ref;
}

/**
 * Sends recording `name`'s request as `user` (method, path with ids substituted, Accept,
 * Content-Type, body) and asserts the answer matches the recording. `learn` names the recorded
 * id a 201 response stands for; it is added to `ids` before comparing.
 */
export async function replayRef(api: ApiHarness, name: string, user: RefUser, ids: IdMap, learn?: string): Promise<void> {
  const ref = readRef(`${name}.txt`);
  const path = substitute(ref.path, ids);
  const body = requestBodyOf(name);
  const headers: Record<string, string> = {};
  // The recorded Accept matters: it chooses the error format (refs 306–309).
  if ('accept' in ref.requestHeaders) headers.accept = ref.requestHeaders.accept!;
  if (ref.requestHeaders['content-type']) headers['content-type'] = ref.requestHeaders['content-type'];
  const res = await api.call(user, ref.method, path, { headers, ...(body === '' ? {} : { body }) });
  if (learn !== undefined && res.statusCode === 201) ids[learn] = (JSON.parse(res.body) as { id: string }).id;
  assertLikeRef(res, name, { ids });
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Same keys in the same order, same value types, same values, recursively (clear messages). */
export function assertSameShape(got: unknown, want: unknown, path: string): void {
  assert.equal(typeOf(got), typeOf(want), `${path}: type`);
  if (Array.isArray(want)) {
    const g = got as unknown[];
    assert.equal(g.length, want.length, `${path}: length`);
    want.forEach((w, i) => assertSameShape(g[i], w, `${path}[${i}]`));
  } else if (typeOf(want) === 'object') {
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    assert.deepEqual(Object.keys(g), Object.keys(w), `${path}: keys in order`);
    for (const k of Object.keys(w)) assertSameShape(g[k], w[k], `${path}.${k}`);
  } else {
    assert.equal(got, want, `${path}: value`);
  }
}

/** Id of the public cirros image the reference admin uploaded before the recorded session. */
export const REF_CIRROS = '844e6bc6-8085-44a8-b128-7db0ba331d68';

/**
 * Recreates that image (public, qcow2/bare, data recorded as uploaded) and maps its reference id
 * onto ours in `ids`, for the exchanges that address it (refs 125–129, 330–333).
 */
export async function seedReferenceCirros(api: ApiHarness, ids: IdMap): Promise<void> {
  const res = await api.call('admin', 'POST', '/v2/images', {
    body: { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
  });
  assert.equal(res.statusCode, 201, res.body);
  ids[REF_CIRROS] = (JSON.parse(res.body) as { id: string }).id;
  await api.markUploaded(ids[REF_CIRROS]);
}

/**
 * `GET /v2/images` through HTTP on the real application: a fixed set of images owned by three
 * projects, then a matrix of filters, sorts and visibility scopes (expected names in order), the
 * `first`/`next` links while paging, and every 400 the list answers, with Glance's message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pyJson } from '../../src/http/py-json.js';
import { PROJECTS, startApi, type ApiHarness, type RefUser } from './api-harness.js';

type Listing = { images: Array<{ id: string; name: string | null }>; first: string; next?: string; schema: string };

let api: ApiHarness;
/** Image name → id. */
const id: Record<string, string> = {};

async function create(user: RefUser, key: string, body: Record<string, unknown>): Promise<void> {
  const res = await api.call(user, 'POST', '/v2/images', { body });
  assert.equal(res.statusCode, 201, res.body);
  id[key] = (JSON.parse(res.body) as { id: string }).id;
  // Distinct creation times keep the default order (created_at desc) deterministic.
  await new Promise((r) => setTimeout(r, 5));
}

async function list(user: RefUser, query: string): Promise<Listing> {
  const res = await api.call(user, 'GET', `/v2/images${query}`);
  assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
  assert.equal(res.headers['content-type'], 'application/json');
  return JSON.parse(res.body) as Listing;
}

/** The fixture names of a listing, in order (unknown ids shown raw). */
function keys(l: Listing): string[] {
  const byId = new Map(Object.entries(id).map(([k, v]) => [v, k]));
  return l.images.map((i) => byId.get(i.id) ?? i.id);
}

before(async () => {
  api = await startApi();
  await create('admin', 'P', { name: 'public-one', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' });
  await create('admin', 'C', { name: 'comm', visibility: 'community' });
  await create('quota', 'S', { name: 'shared-q', visibility: 'shared' });
  await create('quota', 'Q', { name: 'quota-private', visibility: 'private' });
  await create('demo', 'A1', { name: 'alpha', disk_format: 'qcow2', container_format: 'bare', tags: ['x', 'y'], os_distro: 'ubuntu' });
  await create('demo', 'A2', { name: 'beta', disk_format: 'raw', container_format: 'bare', tags: ['x'], protected: true, min_ram: 64 });
  await create('demo', 'A3', { name: 'gamma, with comma', os_hidden: true });
  await create('demo', 'A4', { disk_format: 'qcow2', container_format: 'bare', visibility: 'private' });
  await api.markUploaded(id.P!);
  await api.markUploaded(id.A4!);
  await api.addMember(id.S!, PROJECTS.demo, 'pending');
});

after(async () => {
  await api.close();
});

// [user, query, expected names in order]
const MATRIX: Array<[RefUser, string, string[]]> = [
  ['demo', '', ['A4', 'A2', 'A1', 'P']],
  ['admin', '', ['A4', 'A2', 'A1', 'Q', 'S', 'C', 'P']],
  ['quota', '', ['Q', 'S', 'P']],
  ['demo', '?name=alpha', ['A1']],
  ['demo', '?name=eq:beta', ['A2']],
  ['demo', '?name=in:alpha,beta', ['A2', 'A1']],
  ['demo', '?name=in:%22gamma,%20with%20comma%22,alpha&os_hidden=true', ['A3']],
  ['demo', '?id=in:' + '<A1>,<A2>', ['A2', 'A1']],
  ['demo', '?status=active', ['A4', 'P']],
  ['demo', '?status=in:queued,active&disk_format=qcow2', ['A4', 'A1', 'P']],
  ['demo', '?disk_format=raw', ['A2']],
  ['demo', '?container_format=bare&disk_format=qcow2', ['A4', 'A1', 'P']],
  ['demo', '?tag=x', ['A2', 'A1']],
  ['demo', '?tag=x&tag=y', ['A1']],
  ['demo', '?tag=nope', []],
  ['demo', '?protected=true', ['A2']],
  ['demo', '?protected=false', ['A4', 'A1', 'P']],
  ['demo', '?os_hidden=true', ['A3']],
  ['demo', '?os_hidden=false', ['A4', 'A2', 'A1', 'P']],
  ['demo', '?os_distro=ubuntu', ['A1']],
  ['demo', '?min_ram=64', ['A2']],
  ['demo', '?size_min=12910592', ['A4', 'P']],
  ['demo', '?size_max=100', []],
  ['demo', '?size_min=1&size_max=999999999', ['A4', 'P']],
  ['demo', '?created_at=lt:2000-01-01T00:00:00Z', []],
  ['demo', '?created_at=gte:2000-01-01T00:00:00Z', ['A4', 'A2', 'A1', 'P']],
  ['demo', '?updated_at=gt:2000-01-01', ['A4', 'A2', 'A1', 'P']],
  ['demo', '?visibility=public', ['P']],
  ['demo', '?visibility=community', ['C']],
  ['demo', '?visibility=private', ['A4']],
  ['demo', '?visibility=shared', ['A2', 'A1']],
  ['demo', '?visibility=shared&member_status=pending', ['A2', 'A1', 'S']],
  ['demo', '?member_status=all', ['A4', 'A2', 'A1', 'S', 'P']],
  ['demo', '?visibility=all', ['A4', 'A2', 'A1', 'C', 'P']],
  ['quota', '?visibility=private', ['Q']],
  ['admin', '?owner=' + PROJECTS.quota, ['Q', 'S']],
  ['demo', '?owner=' + PROJECTS.quota, []],
  ['demo', '?sort_key=name&sort_dir=asc', ['A4', 'A1', 'A2', 'P']],
  ['demo', '?sort_key=name&sort_dir=desc', ['P', 'A2', 'A1', 'A4']],
  ['demo', '?sort=name:desc', ['P', 'A2', 'A1', 'A4']],
  ['demo', '?sort=name', ['P', 'A2', 'A1', 'A4']],
  ['demo', '?sort=size:asc,name:asc', ['A1', 'A2', 'A4', 'P']],
  ['demo', '?sort_key=created_at&sort_dir=asc', ['P', 'A1', 'A2', 'A4']],
  ['demo', '?sort_key=disk_format&sort_key=name&sort_dir=asc&sort_dir=desc', ['P', 'A1', 'A4', 'A2']],
  // One direction also orders the created_at/id tie-breakers.
  ['demo', '?sort_key=status&sort_dir=asc', ['P', 'A4', 'A1', 'A2']],
];

test('list filters, sorts and visibility scopes answer the expected images in order', async (t) => {
  for (const [user, rawQuery, want] of MATRIX) {
    const query = rawQuery.replace(/<(\w+)>/g, (_m, k: string) => id[k]!);
    await t.test(`${user} ${query || '(no query)'}`, async () => {
      const page = await list(user, query);
      assert.deepEqual(keys(page), want);
      assert.equal(page.schema, '/v2/schemas/images');
      assert.equal(page.next, undefined, 'a page shorter than the limit has no next link');
    });
  }
});

test('pagination: next carries the last id as marker until a short page; first never has a marker', async () => {
  const seen: string[] = [];
  let url = '?limit=2';
  const links: string[] = [];
  for (;;) {
    const page = await list('demo', url);
    assert.equal(page.first, '/v2/images?limit=2');
    seen.push(...keys(page));
    if (page.next === undefined) break;
    links.push(page.next);
    assert.equal(page.next, `/v2/images?limit=2&marker=${page.images.at(-1)!.id}`);
    url = page.next.slice('/v2/images'.length);
  }
  assert.deepEqual(seen, ['A4', 'A2', 'A1', 'P']);
  // Glance gives `next` whenever the page is full, so the last link leads to an empty page.
  assert.equal(links.length, 2);
});

test('pagination keeps the sort, re-encodes the query like urlencode and keeps the last of repeated keys', async () => {
  const p1 = await list('demo', '?sort_key=name&sort_dir=asc&limit=2&tag=x&tag=y&name=in:alpha,beta');
  assert.deepEqual(keys(p1), ['A1']);
  assert.equal(p1.first, '/v2/images?sort_key=name&sort_dir=asc&limit=2&tag=y&name=in%3Aalpha%2Cbeta');
  const q1 = await list('demo', '?sort_key=name&sort_dir=asc&limit=2');
  assert.deepEqual(keys(q1), ['A4', 'A1']);
  assert.equal(q1.next, `/v2/images?sort_key=name&sort_dir=asc&limit=2&marker=${id.A1}`);
  const q2 = await list('demo', q1.next!.slice('/v2/images'.length));
  assert.deepEqual(keys(q2), ['A2', 'P']);
  assert.equal(q2.first, '/v2/images?sort_key=name&sort_dir=asc&limit=2');
  const spaced = await list('demo', '?name=a%20b&limit=5');
  assert.equal(spaced.first, '/v2/images?name=a+b&limit=5');
});

test('limit 0 gives an empty page without next; a huge limit is capped at api_limit_max', async () => {
  const zero = await list('demo', '?limit=0');
  assert.deepEqual(zero.images, []);
  assert.equal(zero.next, undefined);
  const huge = await list('demo', '?limit=999999');
  assert.deepEqual(keys(huge), ['A4', 'A2', 'A1', 'P']);
});

test('a marker the caller may not see is as unknown as a missing one', async () => {
  const res = await api.call('demo', 'GET', `/v2/images?marker=${id.Q}`);
  assert.equal(res.statusCode, 400);
  assert.equal((JSON.parse(res.body) as { message: string }).message, `No image found with ID ${id.Q}<br /><br />\n\n\n`);
  const ok = await list('admin', `?marker=${id.Q}`);
  assert.deepEqual(keys(ok), ['S', 'C', 'P']);
});

// [query, message]
const BAD: Array<[string, string]> = [
  ['?limit=abc', 'limit param must be an integer'],
  ['?limit=1.5', 'limit param must be an integer'],
  ['?limit=-1', 'limit param must be positive'],
  ['?marker=2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec', 'No image found with ID 2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec'],
  ['?visibility=nope', 'Invalid visibility value: nope'],
  ['?member_status=maybe', 'Invalid status: maybe'],
  ['?changes-since=2020-01-01', 'The "changes-since" filter is no longer available on v2.'],
  ['?sort_key=bogus', 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.'],
  ['?sort=bogus:asc', 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.'],
  ['?sort_dir=up', 'Invalid sort direction: up'],
  ['?sort=name:up', 'Invalid sort direction: up'],
  ['?sort=name&sort_key=id', 'Old and new sorting syntax cannot be combined'],
  ['?sort_key=name&sort_key=id&sort_key=size&sort_dir=asc&sort_dir=desc', 'Number of sort dirs does not match the number of sort keys'],
  ['?os_hidden=maybe', "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
  ['?protected=yes', "Invalid value 'yes' for 'protected' filter. Valid values are 'true' or 'false'."],
  ['?size_min=big', 'Unable to filter on a range with a non-numeric value.'],
  ['?size_max=1e3', 'Unable to filter on a range with a non-numeric value.'],
  ['?created_at=gte:yesterday', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
  ['?updated_at=2020-13-01T00:00:00Z', 'Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'],
  ['?created_at=foo:2020-01-01T00:00:00Z', 'Unable to filter on a unknown operator.'],
  ['?name=like:alpha', "Unable to filter by unknown operator 'like'."],
  ['?status=in:active,"queued', 'Invalid filter value active,"queued. The quote is not closed.'],
  ['?name=in:a"b",c', 'Invalid filter value a"b",c. There is no comma before opening quotation mark.'],
  ['?name=in:"a"b,c', 'Invalid filter value "a"b,c. There is no comma after closing quotation mark.'],
];

test('every invalid list query answers 400 with Glance\'s message', async (t) => {
  for (const [query, message] of BAD) {
    await t.test(query, async () => {
      const res = await api.call('demo', 'GET', `/v2/images${query}`);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.body, pyJson({ message: `${message}<br /><br />\n\n\n`, code: '400 Bad Request', title: 'Bad Request' }));
    });
  }
});

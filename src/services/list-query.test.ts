import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markerNotFound, parseListQuery, splitQuotedList } from './list-query.js';
import { listQueryLinks } from './list-query-links.js';
import { parseIsoTime } from './list-query-time.js';

const CFG = { limitParamDefault: 25, apiLimitMax: 1000 };
const q = (qs: string) => parseListQuery(new URLSearchParams(qs), CFG);
const bad = (qs: string, message: string): void => {
  assert.throws(() => q(qs), { kind: 'bad_request', message }, qs);
};

test('defaults: limit 25, accepted members, visible only, created_at desc with id tie-breaker', () => {
  const r = q('');
  assert.equal(r.limit, 25);
  assert.equal(r.marker, null);
  assert.equal(r.memberStatus, 'accepted');
  assert.equal(r.visibility, null);
  assert.equal(r.osHidden, false);
  assert.equal(r.protected, null);
  assert.deepStrictEqual(r.sort, [{ key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }]);
});

test('every 400 with its message (refs 316-320 and the rest of Glance\'s checks)', () => {
  const cases: [string, string][] = [
    ['limit=abc', 'limit param must be an integer'],
    ['limit=-1', 'limit param must be positive'],
    ['limit=1.5', 'limit param must be an integer'],
    ['sort_key=bogus', 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, '
      + 'disk_format, size, id, created_at, updated_at.'],
    ['sort=bogus:asc', 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, '
      + 'disk_format, size, id, created_at, updated_at.'],
    ['sort_dir=up', 'Invalid sort direction: up'],
    ['sort=name:up', 'Invalid sort direction: up'],
    ['sort=name&sort_key=id', 'Old and new sorting syntax cannot be combined'],
    ['sort=name&sort_dir=asc', 'Old and new sorting syntax cannot be combined'],
    ['sort_key=name&sort_key=id&sort_key=size&sort_dir=asc&sort_dir=desc',
      'Number of sort dirs does not match the number of sort keys'],
    ['visibility=nope', 'Invalid visibility value: nope'],
    ['member_status=maybe', 'Invalid status: maybe'],
    ['changes-since=2000-01-01T00:00:00Z', 'The "changes-since" filter is no longer available on v2.'],
    ['os_hidden=yes', "Invalid value 'yes' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
    ['protected=TRUE', "Invalid value 'TRUE' for 'protected' filter. Valid values are 'true' or 'false'."],
    ['size_min=big', 'Unable to filter on a range with a non-numeric value.'],
    ['size_max=1e3', 'Unable to filter on a range with a non-numeric value.'],
    ['created_at=gte:yesterday', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
    ['updated_at=2000-13-01T00:00:00Z', 'Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'],
    ['created_at=after:2000-01-01T00:00:00Z', 'Unable to filter on a unknown operator.'],
    ['name=like:foo', "Unable to filter by unknown operator 'like'."],
    ['status=in:"active,queued', 'Invalid filter value "active,queued. The quote is not closed.'],
    ['name=in:a"b",c', 'Invalid filter value a"b",c. There is no comma before opening quotation mark.'],
    ['name=in:"a"b,c', 'Invalid filter value "a"b,c. There is no comma after closing quotation mark.'],
  ];
  for (const [qs, message] of cases) bad(qs, message);
  assert.equal(markerNotFound('2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec').message,
    'No image found with ID 2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec');
});

test('validation order: visibility before member status before limit before sort', () => {
  bad('limit=x&visibility=nope&member_status=x&sort_key=x', 'Invalid visibility value: nope');
  bad('limit=x&member_status=x&sort_key=x', 'Invalid status: x');
  bad('sort_key=x&limit=x', 'limit param must be an integer');
});

test('limit is capped at api_limit_max; 0 is allowed', () => {
  assert.equal(q('limit=5000').limit, 1000);
  assert.equal(q('limit=0').limit, 0);
  assert.equal(q('limit=+7').limit, 7);
});

test('sorting: classic syntax, one dir for all keys, tie-breakers in the default dir', () => {
  assert.deepStrictEqual(q('sort_key=name&sort_dir=asc').sort,
    [{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'asc' }, { key: 'id', dir: 'asc' }]);
  assert.deepStrictEqual(q('sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc').sort,
    [{ key: 'name', dir: 'asc' }, { key: 'size', dir: 'desc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }]);
  assert.deepStrictEqual(q('sort=name:asc,created_at:desc').sort,
    [{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }]);
  assert.deepStrictEqual(q('sort=size').sort,
    [{ key: 'size', dir: 'desc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }]);
});

test('filters: in/eq with quotes, time operators, ranges, booleans, tags, columns, properties', () => {
  const r = q('name=in:"a,b",c&status=eq:active&disk_format=qcow2&created_at=gte:2000-01-01T00:00:00Z'
    + '&updated_at=2001-02-03T04:05:06%2B01:00&size_min=1&size_max=999999999&protected=true&os_hidden=TRUE'
    + '&tag=t1&tag=%20t2%20&owner=abc&hw_disk_bus=virtio&visibility=all&member_status=all&marker=m1');
  assert.deepStrictEqual(r.columnIn, [
    { column: 'name', values: ['a,b', 'c'] }, { column: 'status', values: ['active'] },
    { column: 'disk_format', values: ['qcow2'] }]);
  assert.deepStrictEqual(r.time, [
    { column: 'created_at', op: 'gte', value: new Date('2000-01-01T00:00:00Z') },
    { column: 'updated_at', op: 'eq', value: new Date('2001-02-03T03:05:06Z') }]);
  assert.deepStrictEqual(r.ranges, [{ column: 'size', bound: 'min', value: 1 }, { column: 'size', bound: 'max', value: 999999999 }]);
  assert.equal(r.protected, true);
  assert.equal(r.osHidden, true);
  assert.deepStrictEqual(r.tags, ['t1', 't2']);
  assert.deepStrictEqual(r.columnEquals, [{ column: 'owner', value: 'abc' }]);
  assert.deepStrictEqual(r.propertyEquals, [{ name: 'hw_disk_bus', value: 'virtio' }]);
  assert.equal(r.visibility, 'all');
  assert.equal(r.memberStatus, 'all');
  assert.equal(r.marker, 'm1');
});

test('a value with a colon needs eq: unless it is a time', () => {
  bad('name=a:b', "Unable to filter by unknown operator 'a'.");
  assert.deepStrictEqual(q('name=eq:a:b').columnIn, [{ column: 'name', values: ['a:b'] }]);
  assert.deepStrictEqual(q('name=2000-01-01T00:00:00Z').columnIn, [{ column: 'name', values: ['2000-01-01T00:00:00Z'] }]);
});

test('repeated filter keys keep the last value; a second limit becomes a property filter', () => {
  assert.deepStrictEqual(q('foo=1&foo=2').propertyEquals, [{ name: 'foo', value: '2' }]);
  const r = q('limit=1&limit=2');
  assert.equal(r.limit, 1);
  assert.deepStrictEqual(r.propertyEquals, [{ name: 'limit', value: '2' }]);
});

test('splitQuotedList follows the api-wg quoting rules', () => {
  assert.deepStrictEqual(splitQuotedList('a,b'), ['a', 'b']);
  assert.deepStrictEqual(splitQuotedList('"a,b",c'), ['a,b', 'c']);
  assert.deepStrictEqual(splitQuotedList('a,,b'), ['a', '', 'b']);
});

test('ISO-8601 forms Glance accepts', () => {
  assert.equal(parseIsoTime('2000-01-01')?.toISOString(), '2000-01-01T00:00:00.000Z');
  assert.equal(parseIsoTime('2000')?.toISOString(), '2000-01-01T00:00:00.000Z');
  assert.equal(parseIsoTime('20000102T0304Z')?.toISOString(), '2000-01-02T03:04:00.000Z');
  assert.equal(parseIsoTime('2000-01-01 10:00:00.5-0130')?.toISOString(), '2000-01-01T11:30:00.500Z');
  assert.equal(parseIsoTime('2000-02-30'), null);
  assert.equal(parseIsoTime('yesterday'), null);
});

test('links: ref 124 (classic sort, limit 1)', () => {
  const params = new URLSearchParams('limit=1&sort_key=name&sort_dir=asc');
  assert.deepStrictEqual(listQueryLinks(params, 'eeed2db3-a01c-428c-90dd-4082866ba1e9'), {
    first: '/v2/images?limit=1&sort_key=name&sort_dir=asc',
    next: '/v2/images?limit=1&sort_key=name&sort_dir=asc&marker=eeed2db3-a01c-428c-90dd-4082866ba1e9',
  });
});

test('links: ref 125 (new sort syntax re-encoded with quote_plus)', () => {
  const params = new URLSearchParams('sort=name:asc,created_at:desc&limit=3');
  assert.deepStrictEqual(listQueryLinks(params, '432e83f7-ed68-4ea1-a440-2ae720a638c1'), {
    first: '/v2/images?sort=name%3Aasc%2Ccreated_at%3Adesc&limit=3',
    next: '/v2/images?sort=name%3Aasc%2Ccreated_at%3Adesc&limit=3&marker=432e83f7-ed68-4ea1-a440-2ae720a638c1',
  });
});

test('links: marker replaced and moved last, repeats collapsed, no query, no next', () => {
  const params = new URLSearchParams('marker=old&tag=a&name=x y&tag=b');
  assert.deepStrictEqual(listQueryLinks(params, 'new'), {
    first: '/v2/images?tag=b&name=x+y', next: '/v2/images?tag=b&name=x+y&marker=new',
  });
  assert.deepStrictEqual(listQueryLinks([], null), { first: '/v2/images' });
  assert.deepStrictEqual(listQueryLinks([['name', 'é~*']], null), { first: '/v2/images?name=%C3%A9~%2A' });
});

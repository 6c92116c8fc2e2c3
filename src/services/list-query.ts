/**
 * Parses the query string of `GET /v2/images` into a typed `ListQuery` (inventory §3), with
 * Glance's validation order and error texts (refs 316–320). Pure: the marker's existence and
 * the visibility scope are checked by the repository, which uses `markerNotFound` for the 400.
 */
import { BadRequest } from '../domain/errors.js';
import { parseIsoTime } from './list-query-time.js';
import { SORT_KEYS, type ListColumn, type ListQuery, type SortDir, type SortKey, type TimeOp } from '../domain/image-list-query.js';

/** The `[DEFAULT]` paging options. */
export interface ListQueryConfig {
  /** `limit_param_default` (25). */
  limitParamDefault: number;
  /** `api_limit_max` (1000). */
  apiLimitMax: number;
}

// Columns of the images table a plain `key=value` filter compares directly.
const COLUMNS = new Set(['id', 'name', 'size', 'status', 'created_at', 'updated_at', 'deleted_at', 'deleted',
  'disk_format', 'container_format', 'checksum', 'owner', 'min_disk', 'min_ram', 'protected', 'virtual_size',
  'visibility', 'os_hidden', 'os_hash_algo', 'os_hash_value']);
const IN_COLUMNS = new Set<string>(['name', 'id', 'status', 'container_format', 'disk_format']);
const TIME_OPS = new Set<string>(['gt', 'gte', 'lt', 'lte', 'eq', 'neq']);
// Filter keys the controller or repository treat specially rather than as equality filters
// (`deleted` is forced to false whatever the caller says).
const SPECIAL = new Set(['visibility', 'changes-since', 'os_hidden', 'protected', 'deleted']);

/** The 400 the repository raises when the marker image is missing or not visible (ref 319). */
export function markerNotFound(marker: string): BadRequest {
  return new BadRequest(`No image found with ID ${marker}`);
}

/** Python's `int(text)`: optional blanks and sign, digits with single underscores between. */
export function pythonInt(text: string): number | null {
  const t = text.trim();
  return /^[+-]?\d+(_\d+)*$/.test(t) ? Number(t.replace(/_/g, '')) : null;
}

/** Glance's `split_filter_op`: `op:value`, unless the whole text is an ISO-8601 time. */
export function splitFilterOp(expr: string): [string, string] {
  const i = expr.indexOf(':');
  if (i < 0 || parseIsoTime(expr) !== null) return ['eq', expr];
  return [expr.slice(0, i), expr.slice(i + 1)];
}

/** Splits an `in:` value on commas, honouring `"…"` quoting (api-wg rules); bad quoting is 400. */
export function splitQuotedList(value: string): string[] {
  let open = true;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '"' || (i > 0 && value[i - 1] === '\\')) continue;
    if (open && i > 0 && value[i - 1] !== ',') {
      throw new BadRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`);
    }
    if (!open && i + 1 !== value.length && value[i + 1] !== ',') {
      throw new BadRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    }
    open = !open;
  }
  if (!open) throw new BadRequest(`Invalid filter value ${value}. The quote is not closed.`);
  const out: string[] = [];
  for (const m of value.matchAll(/"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,/g)) out.push(m[1] || m[2] || '');
  return out;
}

function first(params: [string, string][], key: string): string | undefined {
  const i = params.findIndex(([k]) => k === key);
  if (i < 0) return undefined;
  const [, v] = params.splice(i, 1)[0] as [string, string];
  return v;
}

function sortDir(d: string): SortDir {
  if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
  return d;
}

function sortKey(k: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(k)) {
    throw new BadRequest(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return k as SortKey;
}

function parseSort(params: [string, string][]): { key: SortKey; dir: SortDir }[] {
  const keys: SortKey[] = [];
  let dirs: SortDir[] = [];
  const has = (k: string): boolean => params.some(([p]) => p === k);
  if (has('sort')) {
    if (has('sort_key') || has('sort_dir')) throw new BadRequest('Old and new sorting syntax cannot be combined');
    for (const part of (first(params, 'sort') ?? '').trim().split(',')) {
      const i = part.indexOf(':');
      keys.push(sortKey((i < 0 ? part : part.slice(0, i)).trim()));
      const dir = i < 0 ? '' : part.slice(i + 1);
      dirs.push(sortDir(dir === '' ? 'desc' : dir.trim()));
    }
  } else {
    for (let k = first(params, 'sort_key'); k !== undefined; k = first(params, 'sort_key')) keys.push(sortKey(k.trim()));
    for (let d = first(params, 'sort_dir'); d !== undefined; d = first(params, 'sort_dir')) dirs.push(sortDir(d.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length) {
      throw new BadRequest('Number of sort dirs does not match the number of sort keys');
    }
  }
  if (keys.length === 0) keys.push('created_at');
  // One direction applies to every key and becomes the tie-breakers' direction too.
  let tieDir: SortDir = 'desc';
  if (dirs.length === 0) dirs = keys.map(() => 'desc');
  else if (dirs.length === 1) {
    tieDir = dirs[0] as SortDir;
    dirs = keys.map(() => tieDir);
  }
  const sort = keys.map((key, i) => ({ key, dir: dirs[i] ?? tieDir }));
  for (const key of ['created_at', 'id'] as const) if (!keys.includes(key)) sort.push({ key, dir: tieDir });
  return sort;
}

// Python's `dict(multidict)`: each key once, at its first position, holding its last value.
function lastValues(params: [string, string][]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of params) m.set(k, v);
  return m;
}

function parseFilter(q: ListQuery, key: string, value: string): void {
  if (key.endsWith('_min') || key.endsWith('_max')) {
    const n = pythonInt(value);
    if (n === null) throw new BadRequest('Unable to filter on a range with a non-numeric value.');
    q.ranges.push({ column: key.slice(0, -4), bound: key.endsWith('_min') ? 'min' : 'max', value: n });
  } else if (key === 'created_at' || key === 'updated_at') {
    const [op, text] = splitFilterOp(value);
    const time = parseIsoTime(text);
    if (time === null) throw new BadRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
    if (!TIME_OPS.has(op)) throw new BadRequest('Unable to filter on a unknown operator.');
    q.time.push({ column: key, op: op as TimeOp, value: time });
  } else if (IN_COLUMNS.has(key)) {
    const [op, text] = splitFilterOp(value);
    if (op === 'in') q.columnIn.push({ column: key as ListColumn, values: splitQuotedList(text) });
    else if (op === 'eq') q.columnIn.push({ column: key as ListColumn, values: [text] });
    else throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
  } else if (COLUMNS.has(key)) {
    q.columnEquals.push({ column: key, value });
  } else {
    q.propertyEquals.push({ name: key, value });
  }
}

/**
 * Parses the query parameters of `GET /v2/images`, in order of appearance (repeated keys
 * allowed). Validation order and messages follow Glance: visibility ("Invalid visibility
 * value: nope"), `changes-since`, member status ("Invalid status: x"), limit ("limit param
 * must be an integer" / "limit param must be positive"), sorting, `os_hidden`, `protected`,
 * then each filter (ranges, times, `in:`/`eq:` operators and quoting).
 */
export function parseListQuery(input: Iterable<[string, string]>, cfg: ListQueryConfig): ListQuery {
  const params = [...input];
  // `limit`, `marker` and `member_status` take their first occurrence; later ones stay filters.
  const limitText = first(params, 'limit');
  const marker = first(params, 'marker') ?? null;
  const memberStatus = first(params, 'member_status') ?? 'accepted';
  const tags: string[] = [];
  for (let t = first(params, 'tag'); t !== undefined; t = first(params, 'tag')) tags.push(t.trim());

  const visibility = lastValues(params).get('visibility');
  if (visibility && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) {
    throw new BadRequest(`Invalid visibility value: ${visibility}`);
  }
  if (lastValues(params).get('changes-since')) {
    throw new BadRequest('The "changes-since" filter is no longer available on v2.');
  }
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) {
    throw new BadRequest(`Invalid status: ${memberStatus}`);
  }
  let limit = cfg.limitParamDefault;
  if (limitText !== undefined) {
    const n = pythonInt(limitText);
    if (n === null) throw new BadRequest('limit param must be an integer');
    if (n < 0) throw new BadRequest('limit param must be positive');
    limit = n;
  }
  const sort = parseSort(params);

  const filters = lastValues(params);
  const osHidden = (filters.get('os_hidden') ?? 'false').toLowerCase();
  if (osHidden !== 'true' && osHidden !== 'false') {
    throw new BadRequest(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  }
  const prot = filters.get('protected');
  if (prot !== undefined && prot !== 'true' && prot !== 'false') {
    throw new BadRequest(`Invalid value '${prot}' for 'protected' filter. Valid values are 'true' or 'false'.`);
  }
  const q: ListQuery = {
    limit: Math.min(cfg.apiLimitMax, limit),
    marker,
    memberStatus: memberStatus as ListQuery['memberStatus'],
    visibility: visibility ?? null,
    osHidden: osHidden === 'true',
    protected: prot === undefined ? null : prot === 'true',
    tags,
    sort,
    columnIn: [], time: [], ranges: [], columnEquals: [], propertyEquals: [],
  };
  for (const [key, value] of filters) if (!SPECIAL.has(key)) parseFilter(q, key, value);
  return q;
}

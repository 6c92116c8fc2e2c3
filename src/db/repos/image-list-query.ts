/**
 * Builds the SQL of an image list page: filters, visibility scope, ORDER BY with Glance's
 * tie-breakers and keyset pagination after a marker image.
 *
 * NULL ordering: every dialect orders NULL as the smallest value (first ascending, last
 * descending). That is MySQL's and SQLite's native behaviour — and real Glance deployments run on
 * MySQL — so only PostgreSQL gets explicit `NULLS FIRST`/`NULLS LAST`, and only on nullable keys
 * (name, size, container_format, disk_format, updated_at), so the `created_at` index still serves
 * the default order everywhere. The keyset predicate follows the same rule, so a page walk never
 * skips or repeats rows whatever the NULLs.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { BadRequest } from '../../domain/errors.js';
// A type-only import: the parsed query is the contract between the list service and this repo.
import type { ListQuery, SortDir, SortKey, TimeOp } from '../../domain/image-list-query.js';
import type { GlanceTables as Tables } from '../tables.js';
import { IMAGE_COLUMNS } from './image-row-mapper.js';
import type { SqlCodec } from './sql-codec.js';

type EB = ExpressionBuilder<Tables, 'images'>;
type Cond = Expression<SqlBool>;
type ImageColumn = (typeof IMAGE_COLUMNS)[number];

/** Whose view of the image table a list or marker lookup uses. */
export interface ImageListScope {
  /** Admins see every project's images (still subject to the community rule). */
  isAdmin: boolean;
  /** The caller's project; null for a project-less context. */
  projectId: string | null;
}

/** One resolved ORDER BY term. */
export interface SortTerm {
  key: SortKey;
  dir: SortDir;
}

/** Sort keys whose column may hold NULL. */
const NULLABLE_KEYS: ReadonlySet<SortKey> = new Set(['name', 'size', 'container_format', 'disk_format', 'updated_at']);

/** Integer columns: equality values are compared as integers (a non-integer matches nothing). */
const INT_COLUMNS: ReadonlySet<string> = new Set(['size', 'virtual_size', 'min_disk', 'min_ram']);

const TIME_OPS: Record<TimeOp, '>' | '>=' | '<' | '<=' | '=' | '!='> = {
  gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '!=',
};

/**
 * The query's sort made total: duplicate keys dropped, and `created_at`/`id` appended (with the
 * last direction) if the parser did not already add them, so keyset pagination is exact.
 */
export function totalOrder(sort: readonly SortTerm[]): SortTerm[] {
  const terms = sort.filter((t, i) => sort.findIndex((u) => u.key === t.key) === i);
  const tieDir = terms.at(-1)?.dir ?? 'desc';
  for (const key of ['created_at', 'id'] as const) if (!terms.some((t) => t.key === key)) terms.push({ key, dir: tieDir });
  return terms;
}

function column(name: string, what: string): ImageColumn {
  // Names reach SQL as identifiers; only real columns of `images` may pass.
  if (!(IMAGE_COLUMNS as readonly string[]).includes(name)) throw new BadRequest(`Unable to filter by unknown ${what} '${name}'.`);
  return name as ImageColumn;
}

/** Which sort values of the marker row are NULL (the values themselves stay in the database). */
export interface MarkerInfo {
  id: string;
  nullKeys: ReadonlySet<SortKey>;
}

/**
 * Query builder for the list page and the marker lookup. Stateless apart from the handle and
 * the dialect codec.
 */
export class ImageListQuery {
  constructor(private readonly db: Kysely<Tables>, private readonly codec: SqlCodec) {}

  /**
   * Loads the marker row if the scope may see it (Glance's `is_image_visible`: admin, owner-less,
   * public/community, own, or shared with the project in any member status); deleted rows never
   * qualify. Returns null when the marker is unknown or not visible.
   */
  async marker(id: string, scope: ImageListScope, terms: SortTerm[]): Promise<MarkerInfo | null> {
    const c = this.codec;
    const row = await this.db
      .selectFrom('images')
      .select(terms.map((t) => t.key))
      .where('images.id', '=', id)
      .where('images.deleted', '=', c.bool(false))
      .$if(!scope.isAdmin, (q) => q.where((eb) => {
        const ors: Cond[] = [eb('images.owner', 'is', null), eb('images.visibility', 'in', ['public', 'community'])];
        if (scope.projectId !== null) {
          ors.push(eb('images.owner', '=', scope.projectId));
          ors.push(eb.and([eb('images.visibility', '=', 'shared'), this.memberExists(eb, scope.projectId, 'all')]));
        }
        return eb.or(ors);
      }))
      .executeTakeFirst();
    if (!row) return null;
    const values = row as Record<string, unknown>;
    return { id, nullKeys: new Set(terms.filter((t) => values[t.key] === null).map((t) => t.key)) };
  }

  /** Selects one page of full `images` rows in `terms` order, after `marker` if given. */
  page(query: ListQuery, scope: ImageListScope, terms: SortTerm[], marker: MarkerInfo | null) {
    let q = this.db
      .selectFrom('images')
      .select(IMAGE_COLUMNS.map((col) => `images.${col}` as const))
      .where((eb) => eb.and([...this.filterConds(eb, query), ...this.scopeConds(eb, query, scope)]));
    if (marker) q = q.where((eb) => this.after(eb, terms, marker));
    for (const t of terms) {
      const col = `images.${t.key}` as const;
      if (this.codec.dialect === 'postgresql' && NULLABLE_KEYS.has(t.key)) {
        q = q.orderBy(col, (ob) => (t.dir === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
      } else {
        q = q.orderBy(col, t.dir);
      }
    }
    return q.limit(query.limit);
  }

  /** Column filters of §3, plus the always-on ones (not deleted, not killed, os_hidden). */
  private filterConds(eb: EB, q: ListQuery): Cond[] {
    const c = this.codec;
    const conds: Cond[] = [
      eb('images.deleted', '=', c.bool(false)),
      eb('images.status', '!=', 'killed'),
      eb('images.os_hidden', '=', c.bool(q.osHidden)),
    ];
    for (const m of q.columnIn) {
      const col = `images.${m.column}` as const;
      if (m.values.length === 1) conds.push(eb(col, '=', m.values[0]!));
      else conds.push(m.values.length > 0 ? eb(col, 'in', m.values) : sql<SqlBool>`1 = 0`);
    }
    for (const t of q.time) conds.push(eb(`images.${t.column}`, TIME_OPS[t.op], c.time(t.value)));
    for (const r of q.ranges) {
      // Glance compares any column with the integer (and fails with a 500 on most); only the
      // integer columns make sense, so anything else is refused up front.
      const col = column(r.column, 'range column');
      if (!INT_COLUMNS.has(col)) throw new BadRequest(`Unable to filter on a range of '${col}'.`);
      conds.push(eb(`images.${col}`, r.bound === 'min' ? '>=' : '<=', r.value));
    }
    for (const e of q.columnEquals) {
      const col = column(e.column, 'column');
      // Listed images are never deleted, so their deleted_at is always NULL.
      if (col === 'deleted_at') conds.push(sql<SqlBool>`1 = 0`);
      else if (!INT_COLUMNS.has(col)) conds.push(eb(`images.${col}`, '=', e.value as never));
      else if (/^[+-]?\d+$/.test(e.value.trim())) conds.push(eb(`images.${col}`, '=', Number(e.value) as never));
      else conds.push(sql<SqlBool>`1 = 0`);
    }
    if (q.protected !== null) conds.push(eb('images.protected', '=', c.bool(q.protected)));
    for (const { name, value } of q.propertyEquals) {
      conds.push(eb.exists(
        eb.selectFrom('image_properties as fp').select(sql.lit(1).as('one'))
          .whereRef('fp.image_id', '=', 'images.id')
          .where('fp.name', '=', name).where('fp.value', '=', value).where('fp.deleted', '=', c.bool(false)),
      ));
    }
    for (const tag of new Set(q.tags)) {
      conds.push(eb.exists(
        eb.selectFrom('image_tags as ft').select(sql.lit(1).as('one'))
          .whereRef('ft.image_id', '=', 'images.id')
          .where('ft.value', '=', tag).where('ft.deleted', '=', c.bool(false)),
      ));
    }
    return conds;
  }

  /**
   * Who may see what (§3): non-admins get public + community + own + shared-with-membership;
   * then the `visibility=` filter, or the community rule when absent.
   */
  private scopeConds(eb: EB, q: ListQuery, scope: ImageListScope): Cond[] {
    const conds: Cond[] = [];
    const project = scope.projectId;
    if (!scope.isAdmin) {
      const ors: Cond[] = [eb('images.visibility', 'in', ['public', 'community'])];
      if (project !== null) {
        ors.push(eb('images.owner', '=', project));
        ors.push(eb.and([eb('images.visibility', '=', 'shared'), this.memberExists(eb, project, q.memberStatus)]));
      }
      conds.push(eb.or(ors));
    }
    if (q.visibility !== null) {
      if (q.visibility !== 'all') conds.push(eb('images.visibility', '=', q.visibility as never));
    } else if (project === null) {
      conds.push(eb('images.visibility', '!=', 'community'));
    } else {
      conds.push(eb.or([eb('images.owner', '=', project), eb('images.visibility', '!=', 'community')]));
    }
    return conds;
  }

  /** EXISTS a non-deleted membership of `project` (with `status` unless 'all'). */
  private memberExists(eb: EB, project: string, status: string): Cond {
    let sub = eb.selectFrom('image_members as im').select(sql.lit(1).as('one'))
      .whereRef('im.image_id', '=', 'images.id')
      .where('im.member', '=', project)
      .where('im.deleted', '=', this.codec.bool(false));
    if (status !== 'all') sub = sub.where('im.status', '=', status);
    return eb.exists(sub);
  }

  /**
   * The keyset predicate "sorts after the marker": OR over i of (keys before i equal AND key i
   * strictly after). Marker values are read by scalar sub-selects rather than bound from JS, so
   * stored precision (SQLAlchemy's microseconds) survives exactly.
   */
  private after(eb: EB, terms: SortTerm[], marker: MarkerInfo): Cond {
    const value = (key: SortKey) =>
      eb.selectFrom('images as mk').select(`mk.${key}`).where('mk.id', '=', marker.id);
    const equal = (key: SortKey): Cond =>
      marker.nullKeys.has(key) ? eb(`images.${key}`, 'is', null) : eb(`images.${key}`, '=', value(key) as never);
    const strictlyAfter = (t: SortTerm): Cond | null => {
      const isNull = marker.nullKeys.has(t.key);
      const nullable = NULLABLE_KEYS.has(t.key);
      if (t.dir === 'asc') {
        // NULL is the smallest value: everything non-NULL follows a NULL marker.
        return isNull ? eb(`images.${t.key}`, 'is not', null) : eb(`images.${t.key}`, '>', value(t.key) as never);
      }
      if (isNull) return null; // nothing sorts below NULL
      const less = eb(`images.${t.key}`, '<', value(t.key) as never);
      return nullable ? eb.or([less, eb(`images.${t.key}`, 'is', null)]) : less;
    };
    const branches: Cond[] = [];
    terms.forEach((t, i) => {
      const tail = strictlyAfter(t);
      if (tail === null) return;
      branches.push(eb.and([...terms.slice(0, i).map((p) => equal(p.key)), tail]));
    });
    if (branches.length === 0) return sql<SqlBool>`1 = 0`;
    // A redundant bound on the first key, implied by the OR, gives the planner an index range
    // (e.g. `created_at <= marker's` on the default order) instead of a full scan.
    const first = terms[0]!;
    const firstCol = `images.${first.key}` as const;
    if (first.dir === 'asc' && !marker.nullKeys.has(first.key)) {
      return eb.and([eb(firstCol, '>=', value(first.key) as never), eb.or(branches)]);
    }
    if (first.dir === 'desc' && !NULLABLE_KEYS.has(first.key)) {
      return eb.and([eb(firstCol, '<=', value(first.key) as never), eb.or(branches)]);
    }
    return eb.or(branches);
  }
}

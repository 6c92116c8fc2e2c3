/**
 * The parsed form of an image-list request (`GET /v2/images`, inventory §3): what the service
 * layer hands to the repository. Parsing lives in `services/list-query.ts`.
 */

/** Keys `GET /v2/images` may sort on. */
export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
/** A sort key. */
export type SortKey = (typeof SORT_KEYS)[number];
/** A sort direction. */
export type SortDir = 'asc' | 'desc';
/** Comparison operators of the time filters. */
export type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
/** Columns filtered with `in:`/`eq:`. */
export type ListColumn = 'name' | 'id' | 'status' | 'container_format' | 'disk_format';

/** A parsed image-list query. Every filter array is in query-string order. */
export interface ListQuery {
  /** Page size after defaulting and capping. */
  limit: number;
  marker: string | null;
  memberStatus: 'accepted' | 'pending' | 'rejected' | 'all';
  /** `public`/`private`/`shared`/`community`/`all`, or null for the default scope. */
  visibility: string | null;
  /** Only hidden images when true, only visible ones when false (the default). */
  osHidden: boolean;
  protected: boolean | null;
  /** Images must carry every tag. */
  tags: string[];
  /** Sort keys with the `created_at`/`id` tie-breakers appended, and one direction per key. */
  sort: { key: SortKey; dir: SortDir }[];
  /** `name=in:a,b` → values [a, b]; `name=a` or `eq:a` → [a]. */
  columnIn: { column: ListColumn; values: string[] }[];
  time: { column: 'created_at' | 'updated_at'; op: TimeOp; value: Date }[];
  /** `<column>_min` / `<column>_max`; the column is not checked here (Glance fails later, 500). */
  ranges: { column: string; bound: 'min' | 'max'; value: number }[];
  /** Equality on other `images` columns (owner, checksum, os_hash_value, min_ram, …). */
  columnEquals: { column: string; value: string }[];
  /** Equality on extra properties (any other key). */
  propertyEquals: { name: string; value: string }[];
}


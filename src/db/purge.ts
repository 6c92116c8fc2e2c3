/**
 * Hard deletion of soft-deleted rows, as `glance-manage db purge` / `purge_images_table` do:
 * rows whose `deleted_at` is older than the cut-off, oldest first, at most `maxRows` per table
 * (-1: no limit). `task_info` rows of old deleted tasks go first, then the image child tables,
 * then `tasks`; `images` only through `purgeImagesTable` (OSSN-0075: purging images allows
 * image id reuse).
 */
import { sql } from 'kysely';
import type { Database } from './database.js';
import { formatDbTimestamp } from './timestamps.js';

/** Called before and after each table with Glance's log messages. */
export type PurgeLog = (message: string) => void;

/** Tables purged by `db purge`, in Glance's order (models order, tasks moved last). */
export const PURGE_TABLES = ['image_properties', 'image_tags', 'image_locations', 'image_members', 'tasks'] as const;

function cutoff(ageInDays: number, now: Date): string {
  return formatDbTimestamp(new Date(now.getTime() - ageInDays * 86_400_000));
}

const limit = (maxRows: number) => (maxRows === -1 ? sql`` : sql` LIMIT ${sql.lit(maxRows)}`);

// Rows a delayed delete still needs are kept, unlike Glance's purge: a `pending_delete` image
// (and its location, properties, tags and members) is data the scrubber has not removed yet, or
// an image `glance-scrubber --restore` may bring back; purging them would orphan the data.
function keepPending(table: string) {
  if (table === 'images' || table === 'image_locations') return sql` AND status <> 'pending_delete'`;
  if (table === 'tasks') return sql``;
  return sql` AND image_id NOT IN (SELECT P.id FROM images P WHERE P.status = 'pending_delete')`;
}

// The doubly nested select is needed because MySQL refuses LIMIT inside an IN subquery.
async function purgeTable(database: Database, table: string, before: string, maxRows: number): Promise<number> {
  const r = await sql`DELETE FROM ${sql.table(table)} WHERE id IN (SELECT T1.id FROM (
      SELECT id FROM ${sql.table(table)} WHERE deleted_at < ${before}${keepPending(table)} ORDER BY deleted_at${limit(maxRows)}) AS T1)`.execute(
    database.db,
  );
  return Number(r.numAffectedRows ?? 0n);
}

async function purgeTaskInfo(database: Database, before: string, maxRows: number): Promise<number> {
  const r = await sql`DELETE FROM task_info WHERE task_id IN (SELECT T1.task_id FROM (
      SELECT task_info.task_id FROM task_info JOIN tasks ON tasks.id = task_info.task_id
      WHERE tasks.deleted_at < ${before} ORDER BY tasks.deleted_at${limit(maxRows)}) AS T1)`.execute(database.db);
  return Number(r.numAffectedRows ?? 0n);
}

/** `db purge`: every soft-deleting table except `images`. Returns rows deleted per table. */
export async function purgeDeletedRows(
  database: Database, ageInDays: number, maxRows: number, log: PurgeLog = () => undefined, now = new Date(),
): Promise<Record<string, number>> {
  const before = cutoff(ageInDays, now);
  const out: Record<string, number> = {};
  const step = async (table: string, fn: () => Promise<number>) => {
    log(`Purging deleted rows older than ${ageInDays} day(s) from table ${table}`);
    out[table] = await fn();
    log(`Deleted ${out[table]} row(s) from table ${table}`);
  };
  await step('task_info', () => purgeTaskInfo(database, before, maxRows));
  for (const table of PURGE_TABLES) await step(table, () => purgeTable(database, table, before, maxRows));
  return out;
}

/** `db purge_images_table`: the `images` table only. Returns the number of rows deleted. */
export async function purgeImagesTable(
  database: Database, ageInDays: number, maxRows: number, log: PurgeLog = () => undefined, now = new Date(),
): Promise<number> {
  log(`Purging deleted rows older than ${ageInDays} day(s) from table images`);
  const n = await purgeTable(database, 'images', cutoff(ageInDays, now), maxRows);
  log(`Deleted ${n} row(s) from table images`);
  return n;
}

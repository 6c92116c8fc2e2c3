/**
 * `glance-manage db purge` and `db purge_images_table`: argument checks with Glance's messages,
 * then the purge, logging per table. A child row still referencing a purged parent fails
 * with Glance's "Purge command failed" message.
 */
import { purgeDeletedRows, purgeImagesTable } from '../db/purge.js';
import type { DbCommandContext } from './db-phases.js';
import { logInfo, ManageExit } from './manage-io.js';

const MAX_INT = 2147483647;

function toInt(name: string, v: string | null, dflt: number): number {
  if (v === null) return dflt;
  if (!/^[+-]?\d+$/.test(v.trim())) throw new ManageExit(`Invalid int value for ${name}: ${v}`);
  return Number(v);
}

/**
 * Runs the purge. `imagesOnly` selects `purge_images_table` (default age 180 days instead of 30).
 * `ageText` / `maxRowsText` are the raw option values (null when absent; max_rows default 100).
 */
export async function dbPurge(
  c: DbCommandContext, ageText: string | null, maxRowsText: string | null, imagesOnly: boolean,
): Promise<void> {
  const age = toInt('age_in_days', ageText, imagesOnly ? 180 : 30);
  const maxRows = toInt('max_rows', maxRowsText, 100);
  if (age < 0) throw new ManageExit('Must supply a non-negative value for age.');
  if (age >= Math.floor(c.io.now().getTime() / 1000) / 86400) throw new ManageExit('Maximal age is count of days since epoch.');
  if (maxRows < -1) throw new ManageExit('Minimal rows limit is -1.');
  if (maxRows > MAX_INT) throw new ManageExit(`'max_rows' value out of range, must not exceed ${MAX_INT}.`);
  const log = (m: string) => logInfo(c.io, 'glance.db.sqlalchemy.api', m);
  try {
    if (imagesOnly) await purgeImagesTable(c.database, age, maxRows, log, c.io.now());
    else await purgeDeletedRows(c.database, age, maxRows, log, c.io.now());
  } catch (err) {
    if (isReferenceError(err)) throw new ManageExit('Purge command failed, check glance-manage logs for more details.');
    throw err;
  }
}

// MySQL ER_ROW_IS_REFERENCED(_2), PostgreSQL foreign_key_violation.
function isReferenceError(err: unknown): boolean {
  const e = err as { errno?: number; code?: string };
  return e.errno === 1451 || e.errno === 1217 || e.code === '23503';
}

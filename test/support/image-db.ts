/**
 * Direct edits of a test server's SQLite database, for states the API under test cannot reach
 * yet. Today: an `active` image, needed by the deactivate/reactivate and status-filter tests while
 * image data upload is still being built. Once `PUT /v2/images/{id}/file` exists, prefer a real
 * upload (`glance image-upload`) and drop the callers of this file.
 */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';

/**
 * Marks the queued image `id` in the SQLite file `dbFile` as `active` with the record a
 * zero-byte upload leaves in Glance (size 0, md5 and sha512 of nothing, no location). Throws
 * unless exactly one live queued image was changed.
 */
export function markImageActive(dbFile: string, id: string): void {
  const db = new BetterSqlite3(dbFile, { timeout: 5_000 });
  try {
    const md5 = createHash('md5').update('').digest('hex');
    const sha512 = createHash('sha512').update('').digest('hex');
    const res = db
      .prepare(
        "UPDATE images SET status = 'active', size = 0, checksum = ?, os_hash_algo = 'sha512', os_hash_value = ? " +
          "WHERE id = ? AND status = 'queued' AND deleted = 0",
      )
      .run(md5, sha512, id);
    if (res.changes !== 1) throw new Error(`image ${id} is not a live queued image in ${dbFile}`);
  } finally {
    db.close();
  }
}

/**
 * Ocata: community images. `ocata_expand01` adds `images.visibility` and relaxes `is_public`;
 * `ocata_migrate01_community_images` fills visibility from is_public and memberships;
 * `ocata_contract01` drops `is_public` and makes visibility NOT NULL DEFAULT 'shared'.
 * (The MySQL triggers Glance adds for online rolling upgrades are not created: `db_sync`
 * never creates them either.)
 */
import { sql } from 'kysely';
import { addColumn, col, createIndex, renderDropIndex, t, type MigrationContext } from './ddl.js';
import { columnExists } from './inspect.js';
import type { DataMigration, Revision } from './revision.js';
import { rebuildSqliteTable } from './sqlite-rebuild.js';

const ENUM = "ENUM('private','public','shared','community')";

/** Revision `ocata_expand01` (first revision of the expand branch). */
export const ocataExpand01: Revision = {
  id: 'ocata_expand01',
  down: 'mitaka02',
  dependsOn: null,
  branch: 'expand',
  doc: 'add visibility to images',
  async upgrade(ctx) {
    if (ctx.dialect === 'postgresql') {
      await ctx.exec("CREATE TYPE image_visibility AS ENUM ('private', 'public', 'shared', 'community')");
    }
    await addColumn(ctx, 'images', col('visibility', t.visibility, true));
    await createIndex(ctx, 'images', { name: 'visibility_image_idx', columns: ['visibility'] });
    if (ctx.dialect === 'mysql') await ctx.exec('ALTER TABLE images MODIFY is_public BOOL NULL');
    else if (ctx.dialect === 'postgresql') {
      await ctx.exec('ALTER TABLE images ALTER COLUMN is_public DROP NOT NULL');
      await ctx.exec('ALTER TABLE images ALTER COLUMN is_public DROP DEFAULT');
    } else {
      await rebuildSqliteTable(ctx, 'images', { alter: { is_public: { nullable: true, defaultSql: null } } });
    }
  },
};

// Rows whose visibility still has to be derived: NULL ones, and private images that have
// live members (those are 'shared' in the new model).
async function hasPending(ctx: MigrationContext): Promise<boolean> {
  if (!(await columnExists(ctx, 'images', 'is_public'))) return false;
  const nulls = await sql`SELECT id FROM images WHERE visibility IS NULL LIMIT 1`.execute(ctx.db);
  if (nulls.rows.length > 0) return true;
  const shared = await sql`SELECT id FROM images WHERE visibility = 'private' AND id IN
    (SELECT DISTINCT image_id FROM image_members WHERE NOT image_members.deleted) LIMIT 1`.execute(ctx.db);
  return shared.rows.length > 0;
}

async function deriveVisibility(ctx: MigrationContext, onlyNull: boolean): Promise<number> {
  const cond = onlyNull ? ' AND visibility IS NULL' : '';
  let n = 0;
  const run = async (text: string) => {
    const r = await sql.raw(text).execute(ctx.db);
    n += Number(r.numAffectedRows ?? 0n);
  };
  await run(`UPDATE images SET visibility='public' WHERE is_public${cond}`);
  await run(`UPDATE images SET visibility='private' WHERE NOT is_public${cond}`);
  // Rows with neither column set (written without the rolling-upgrade triggers) count as private.
  await run(`UPDATE images SET visibility='private' WHERE visibility IS NULL`);
  await run(`UPDATE images SET visibility='shared' WHERE visibility = 'private' AND id IN
    (SELECT DISTINCT image_id FROM image_members WHERE NOT image_members.deleted)`);
  return n;
}

/** Data migration `ocata_migrate01_community_images`. */
export const ocataMigrate01: DataMigration = {
  name: 'ocata_migrate01_community_images',
  hasMigrations: hasPending,
  migrate: (ctx) => deriveVisibility(ctx, false),
};

/** Revision `ocata_contract01` (first revision of the contract branch; legacy name `ocata01`). */
export const ocataContract01: Revision = {
  id: 'ocata_contract01',
  down: 'mitaka02',
  dependsOn: 'ocata_expand01',
  branch: 'contract',
  doc: 'remove is_public from images',
  async upgrade(ctx) {
    // Glance would fail on NULL visibilities here (or lose is_public); derive them first so an
    // upgrade path that skipped `db migrate` keeps every image's visibility.
    if (await hasPending(ctx)) await deriveVisibility(ctx, true);
    if (ctx.dialect === 'sqlite') {
      await rebuildSqliteTable(ctx, 'images', {
        dropColumns: ['is_public'],
        dropIndexes: ['ix_images_is_public'],
        alter: { visibility: { nullable: false, defaultSql: "'shared'" } },
      });
      return;
    }
    await ctx.exec(renderDropIndex(ctx.dialect, 'images', 'ix_images_is_public'));
    await ctx.exec('ALTER TABLE images DROP COLUMN is_public');
    if (ctx.dialect === 'mysql') {
      await ctx.exec(`ALTER TABLE images MODIFY visibility ${ENUM} NOT NULL DEFAULT 'shared'`);
    } else {
      await ctx.exec('ALTER TABLE images ALTER COLUMN visibility SET NOT NULL');
      await ctx.exec("ALTER TABLE images ALTER COLUMN visibility SET DEFAULT 'shared'");
    }
  },
};

/**
 * The shape of one alembic revision reproduced in TypeScript. Identifiers, parents, dependencies
 * and doc strings are Glance's, because they are written to (and read from) `alembic_version`
 * and printed by `glance-manage`.
 */
import type { MigrationContext } from './ddl.js';

/** Which of Glance's two alembic branches a revision belongs to (null: the shared trunk). */
export type Branch = 'expand' | 'contract' | null;

/** One revision of the chain. */
export interface Revision {
  /** The revision id stored in `alembic_version`, e.g. `ocata_expand01`. */
  id: string;
  /** `down_revision`, null for the base (`liberty`). */
  down: string | null;
  /** `depends_on` (contract revisions depend on the same-named expand), or null. */
  dependsOn: string | null;
  branch: Branch;
  /** First paragraph of the revision's doc string, printed after "Running upgrade"; null if none. */
  doc: string | null;
  /** Applies the schema change. Must be safe to run on every dialect. */
  upgrade(ctx: MigrationContext): Promise<void>;
}

/** A data migration run by `glance-manage db migrate` between expand and contract. */
export interface DataMigration {
  /** Upstream module name, e.g. `ocata_migrate01_community_images`. */
  name: string;
  /** True when at least one row needs migrating. */
  hasMigrations(ctx: MigrationContext): Promise<boolean>;
  /** Migrates the rows; returns how many rows changed. */
  migrate(ctx: MigrationContext): Promise<number>;
}

/** A revision whose upgrade does nothing (the "empty ... for symmetry" ones). */
export function emptyRevision(id: string, down: string, dependsOn: string | null, branch: Branch, doc: string | null): Revision {
  return { id, down, dependsOn, branch, doc, upgrade: async () => undefined };
}

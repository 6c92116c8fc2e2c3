/**
 * Glance's alembic revisions (through 2024.1) and data migrations, in upstream order.
 * Nothing later than 2024.1 changed the schema, so these heads are also master's.
 */
import { expand2024x1 } from './2024-1.js';
import {
  contract2023x1, contract2024x1, expand2023x1, queensContract01, queensExpand01, ussuriContract01,
  ussuriExpand01, xenaContract01, xenaExpand01, yogaContract01, yogaExpand01, zedContract01, zedExpand01,
} from './empty-releases.js';
import { liberty } from './liberty.js';
import { mitaka01, mitaka02 } from './mitaka.js';
import { ocataContract01, ocataExpand01, ocataMigrate01 } from './ocata.js';
import { pikeContract01, pikeExpand01 } from './pike.js';
import type { DataMigration, Revision } from './revision.js';
import { rockyContract01, rockyContract02, rockyExpand01, rockyExpand02 } from './rocky.js';
import { trainContract01, trainExpand01, trainMigrate01 } from './train.js';
import { wallabyContract01, wallabyExpand01 } from './wallaby.js';

/** Every revision: the trunk, then the expand branch, then the contract branch. */
export const glanceRevisions: readonly Revision[] = [
  liberty, mitaka01, mitaka02,
  ocataExpand01, pikeExpand01, queensExpand01, rockyExpand01, rockyExpand02, trainExpand01,
  ussuriExpand01, wallabyExpand01, xenaExpand01, yogaExpand01, zedExpand01, expand2023x1, expand2024x1,
  ocataContract01, pikeContract01, queensContract01, rockyContract01, rockyContract02, trainContract01,
  ussuriContract01, wallabyContract01, xenaContract01, yogaContract01, zedContract01, contract2023x1, contract2024x1,
];

/** Head of the expand branch. */
export const EXPAND_HEAD = '2024_1_expand01';
/** Head of the contract branch: a fully synced database holds exactly this one row. */
export const CONTRACT_HEAD = '2024_1_contract01';
/** What `db version_control` stamps by default (Glance's ALEMBIC_INIT_VERSION). */
export const INIT_VERSION = 'liberty';

/**
 * Data migrations `db migrate` runs. Upstream only runs the current release's (all empty since
 * Train); we keep the two real ones because a database stopped mid-upgrade by an old release
 * still needs them, and each reports nothing pending once applied.
 */
export const glanceDataMigrations: readonly DataMigration[] = [ocataMigrate01, trainMigrate01];

/** Legacy head names of the pre-expand/contract chain, rewritten on read as Glance does. */
export const LEGACY_HEADS: Readonly<Record<string, string>> = {
  pike01: 'pike_contract01',
  ocata01: 'ocata_contract01',
};

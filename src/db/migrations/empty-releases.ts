/**
 * The releases whose revisions change nothing: queens, ussuri, xena, yoga, zed, 2023.1, and the
 * 2024.1 contract. Their ids and doc strings still matter (version table, logs).
 */
import { emptyRevision } from './revision.js';

const SYM_2023 = 'empty expand for symmetry with 2023_1_expand01';

/** Revision `queens_expand01` (no doc string upstream). */
export const queensExpand01 = emptyRevision('queens_expand01', 'pike_expand01', null, 'expand', null);
/** Revision `queens_contract01`. */
export const queensContract01 = emptyRevision('queens_contract01', 'pike_contract01', 'queens_expand01', 'contract', null);
/** Revision `ussuri_expand01` (upstream's doc names itself, not the contract). */
export const ussuriExpand01 = emptyRevision(
  'ussuri_expand01', 'train_expand01', null, 'expand', 'empty expand for symmetry with ussuri_expand01',
);
/** Revision `ussuri_contract01`. */
export const ussuriContract01 = emptyRevision('ussuri_contract01', 'train_contract01', 'ussuri_expand01', 'contract', null);
/** Revision `xena_expand01`. */
export const xenaExpand01 = emptyRevision('xena_expand01', 'wallaby_expand01', null, 'expand', SYM_2023);
/** Revision `xena_contract01`. */
export const xenaContract01 = emptyRevision('xena_contract01', 'wallaby_contract01', 'xena_expand01', 'contract', null);
/** Revision `yoga_expand01`. */
export const yogaExpand01 = emptyRevision('yoga_expand01', 'xena_expand01', null, 'expand', SYM_2023);
/** Revision `yoga_contract01`. */
export const yogaContract01 = emptyRevision('yoga_contract01', 'xena_contract01', 'yoga_expand01', 'contract', null);
/** Revision `zed_expand01`. */
export const zedExpand01 = emptyRevision('zed_expand01', 'yoga_expand01', null, 'expand', SYM_2023);
/** Revision `zed_contract01`. */
export const zedContract01 = emptyRevision('zed_contract01', 'yoga_contract01', 'zed_expand01', 'contract', null);
/** Revision `2023_1_expand01`. */
export const expand2023x1 = emptyRevision('2023_1_expand01', 'zed_expand01', null, 'expand', SYM_2023);
/** Revision `2023_1_contract01`. */
export const contract2023x1 = emptyRevision('2023_1_contract01', 'zed_contract01', '2023_1_expand01', 'contract', null);
/** Revision `2024_1_contract01`. */
export const contract2024x1 = emptyRevision('2024_1_contract01', '2023_1_contract01', '2024_1_expand01', 'contract', null);

/**
 * The image status machine (inventory §2.3): which status may follow which, and the side rules
 * Glance attaches to a status change.
 */
import { BadRequest, Conflict } from './errors.js';
import type { GlanceErrorOptions } from './errors.js';
import { cloneImage } from './image.js';
import type { Image, ImageStatus } from './image.js';

/** For each current status, the statuses it may move to. Anything else is refused. */
export const IMAGE_STATUS_TARGETS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  // saving→queued lets a failed upload be retried; `killed` only survives for old records.
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

/**
 * A refused status change. Its kind is `conflict` (how upload, stage and import report it);
 * DELETE reports the same refusal as 400, so the delete use case rethrows it as `BadRequest`
 * with the same message.
 */
export class InvalidImageStatusTransition extends Conflict {
  readonly from: ImageStatus;
  readonly to: ImageStatus;

  constructor(from: ImageStatus, to: ImageStatus, opts?: GlanceErrorOptions) {
    super(`Image status transition from ${from} to ${to} is not allowed`, opts);
    this.name = 'InvalidImageStatusTransition';
    this.from = from;
    this.to = to;
  }
}

/** True when `from` → `to` is an allowed transition (a status never "moves" to itself). */
export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return IMAGE_STATUS_TARGETS[from].includes(to);
}

// Leaving these statuses for one of DATA_STATUSES means data is about to exist, which makes no
// sense without knowing its formats.
const PRE_DATA_STATUSES: readonly ImageStatus[] = ['queued', 'uploading'];
const DATA_STATUSES: readonly ImageStatus[] = ['saving', 'active', 'importing'];

/**
 * Returns a copy of `image` in status `to`.
 *
 * Throws `InvalidImageStatusTransition` (409 kind) when the move is not in the table, and
 * `BadRequest` ("Property disk_format must be set prior to saving data." or the plural form)
 * when leaving queued/uploading for saving/active/importing without both formats set. Moving
 * to `queued` clears `size` and `virtual_size`. `updated_at` is left to the caller (the
 * repository stamps it on save).
 */
export function transition(image: Image, to: ImageStatus): Image {
  const from = image.status;
  if (!canTransition(from, to)) throw new InvalidImageStatusTransition(from, to);
  if (PRE_DATA_STATUSES.includes(from) && DATA_STATUSES.includes(to)) {
    const missing = (['disk_format', 'container_format'] as const).filter((k) => !image[k]);
    if (missing.length === 1) {
      throw new BadRequest(`Property ${missing[0]} must be set prior to saving data.`);
    }
    if (missing.length > 1) {
      throw new BadRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
    }
  }
  const next = cloneImage(image);
  next.status = to;
  if (to === 'queued') {
    next.size = null;
    next.virtual_size = null;
  }
  return next;
}

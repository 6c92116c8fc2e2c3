/**
 * Applies parsed PATCH changes (see `parseImagePatch`) to an image, with the rules Glance's
 * images controller and domain object enforce while doing so. Pure: returns a new image and a
 * record of what changed; the caller saves it. Location changes are refused (403) unless
 * `show_multiple_locations`, and otherwise handed back unapplied in `locationChanges` (they
 * need the stores: `image-locations.ts` applies them).
 */
import { BadRequest, Conflict, Forbidden } from '../domain/errors.js';
import { assertNoFourByteUnicode } from '../domain/four-byte-unicode.js';
import { cloneImage, IMAGE_BASE_ATTRIBUTES, isReservedNamespace } from '../domain/image.js';
import type { Image, ImageVisibility } from '../domain/image.js';
import { assertPropertyQuota, assertTagQuota } from '../domain/image-quota.js';
import type { ImageCountQuotas } from '../domain/image-quota.js';
import type { PatchChange } from './image-patch.js';

/** What applying a patch depends on besides the image. */
export interface ApplyPatchOptions {
  /** The caller is an administrator (only admins may replace `/owner`). */
  isAdmin: boolean;
  /** `[DEFAULT] show_multiple_locations`; location ops are refused when false. */
  showMultipleLocations: boolean;
  quotas: ImageCountQuotas;
  /**
   * Called where Glance runs its per-property policy check (`modify_image`, and the
   * publicize/communitize rules when `name` is `visibility`), before the change is made; throw
   * to refuse. `value` is undefined for `remove`.
   */
  checkProperty?: (name: string, value: unknown, op: PatchChange['op']) => void;
  /**
   * Called where Glance's property protections act: just before an extra property is set or
   * deleted, after the existence checks (so a missing property is still a 409). `create` for a
   * property not on the image yet, `update` for one it has (an `add` of an existing property is
   * an update), `delete` for a removal; throw to refuse.
   */
  checkExtraProperty?: (name: string, action: 'create' | 'update' | 'delete') => void;
}

/** The outcome of a patch. */
export interface PatchOutcome {
  /** The patched image (input untouched). */
  image: Image;
  /** Names of the attributes and extra properties touched, in first-touch order. */
  changed: string[];
  /** Set when `visibility` ends up different from where it started. */
  visibility?: { from: ImageVisibility; to: ImageVisibility };
  /** Location changes, left for the location use case (only when `show_multiple_locations`). */
  locationChanges: PatchChange[];
}

// Base attributes that exist on Glance's domain object but are not persisted columns a patch
// can meaningfully set; Glance assigns them on the in-memory object and the save ignores them.
const TRANSIENT_ATTRIBUTES = new Set(['image_id', 'extra_properties', 'member', 'deleted', 'deleted_at']);

function setBase(image: Image, name: string, value: unknown, opts: ApplyPatchOptions): void {
  if (TRANSIENT_ATTRIBUTES.has(name)) return;
  if ((name === 'disk_format' || name === 'container_format')
      && image.status !== 'queued' && image.status !== 'importing') {
    throw new Forbidden(`Attribute ${name} can be only replaced for a queued image.`);
  }
  if ((name === 'min_disk' || name === 'min_ram') && typeof value === 'number' && value < 0) {
    throw new BadRequest(`Invalid value '${value}' for parameter '${name}': Cannot be a negative value`);
  }
  if (name === 'tags') {
    const wanted = [...new Set(value as string[])];
    assertTagQuota(wanted.length, opts.quotas.imageTagQuota);
    // Tags still present keep their stored position; new ones follow in the order given.
    image.tags = [...image.tags.filter((t) => wanted.includes(t)), ...wanted.filter((t) => !image.tags.includes(t))];
    return;
  }
  (image as unknown as Record<string, unknown>)[name] = value;
}

function locationChange(change: PatchChange, opts: ApplyPatchOptions, out: PatchOutcome): void {
  if (!opts.showMultipleLocations) {
    const verb = change.op === 'replace' ? 'update' : change.op;
    throw new Forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
  }
  out.locationChanges.push(change);
}

/**
 * Applies `changes` in order. Errors (Glance's texts): 403 "Cannot set locations to empty
 * list.", "Owner can't be updated by non admin.", "Property X may not be removed." (detail
 * form), format change outside queued/importing; 409 "Property X does not exist." and, with
 * the v2.0 dialect, "Property X already present." (detail form); 400 negative minimums and
 * 4-byte characters; 413 tag quota, and property quota when new property names were added.
 */
export function applyImagePatch(image: Image, changes: PatchChange[], opts: ApplyPatchOptions): PatchOutcome {
  const next = cloneImage(image);
  const out: PatchOutcome = { image: next, changed: [], locationChanges: [] };
  const touch = (name: string): void => {
    if (!out.changed.includes(name)) out.changed.push(name);
  };
  for (const change of changes) {
    const root = change.path[0] ?? '';
    const isBase = IMAGE_BASE_ATTRIBUTES.has(root);
    if (change.op === 'replace') {
      if (root === 'locations') {
        if (Array.isArray(change.value) && change.value.length === 0) {
          throw new Forbidden('', { detail: 'Cannot set locations to empty list.' });
        }
        locationChange(change, opts, out);
      } else if (root === 'owner' && !opts.isAdmin) {
        throw new Forbidden('', { detail: "Owner can't be updated by non admin." });
      } else {
        opts.checkProperty?.(root, change.value, change.op);
        if (isBase) setBase(next, root, change.value, opts);
        else if (root in next.properties) {
          opts.checkExtraProperty?.(root, 'update');
          next.properties[root] = change.value as string | null;
        } else throw new Conflict('', { detail: `Property ${root} does not exist.` });
        touch(root);
      }
    } else if (change.op === 'add') {
      if (root === 'locations') {
        locationChange(change, opts, out);
        continue;
      }
      opts.checkProperty?.(root, change.value, change.op);
      if (change.dialect === 4 && (isBase || root in next.properties)) {
        throw new Conflict('', { detail: `Property ${root} already present.` });
      }
      if (isBase) setBase(next, root, change.value, opts);
      else {
        opts.checkExtraProperty?.(root, root in next.properties ? 'update' : 'create');
        next.properties[root] = change.value as string | null;
      }
      touch(root);
    } else {
      if (root === 'locations') {
        locationChange(change, opts, out);
        continue;
      }
      opts.checkProperty?.(root, undefined, change.op);
      if (isBase) throw new Forbidden('', { detail: `Property ${root} may not be removed.` });
      if (!(root in next.properties)) throw new Conflict('', { detail: `Property ${root} does not exist.` });
      opts.checkExtraProperty?.(root, 'delete');
      delete next.properties[root];
      touch(root);
    }
  }
  // Checked on save, as Glance's quota layer does: only when a new (non-internal) name appeared.
  const before = new Set(Object.keys(image.properties));
  if (Object.keys(next.properties).some((k) => !before.has(k) && !isReservedNamespace(k))) {
    assertPropertyQuota(next, opts.quotas.imagePropertyQuota);
  }
  assertNoFourByteUnicode(next);
  if (next.visibility !== image.visibility) out.visibility = { from: image.visibility, to: next.visibility };
  return out;
}

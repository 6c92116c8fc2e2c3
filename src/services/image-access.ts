/**
 * The access rules of Glance's database layer, which apply before and beside policy: which
 * images a caller can load at all (a hidden image is a plain 404) and which fields of a loaded
 * image it gets. Every action decision (may this caller modify, delete, download, share…) is
 * the PolicyChecker's (src/policy/policy-checker.ts).
 */
import type { RequestContext } from '../auth/request-context.js';
import { NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';

/** The 404 Glance answers for a missing image and for one the caller may not see. */
export function imageNotFound(id: string): NotFound {
  return new NotFound(`No image found with ID ${id}`);
}

/**
 * True when the caller may see `image`: admins see everything; others their own images, images
 * without an owner (made by the unauthenticated context, which has no project), public and
 * community images, and shared images of which their project is a member (any status).
 */
export function canSeeImage(ctx: RequestContext, image: Image): boolean {
  if (ctx.isAdmin) return true;
  // Glance's database layer shows owner-less images to everybody.
  if (image.owner === null) return true;
  if (image.owner === ctx.projectId) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  return image.visibility === 'shared' && image.memberStatus !== undefined;
}

/**
 * The image as the caller gets to see it: Glance's database layer hands a non-admin a
 * deactivated image without its locations, so its `stores`, `direct_url` and `locations` are
 * not shown (ref 152). Everything else is unchanged; the input is not modified.
 */
export function presentedImage(ctx: RequestContext, image: Image): Image {
  if (ctx.isAdmin || image.status !== 'deactivated' || image.locations.length === 0) return image;
  return { ...image, locations: [] };
}

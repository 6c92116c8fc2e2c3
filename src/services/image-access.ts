/**
 * Who may see and change an image, as Glance 25.1 decides it with its packaged (legacy) policy
 * defaults and the ownership checks of its domain layer (refs 330, 331, 332): the recorded
 * reference behaviour. The oslo.policy engine of the Keystone issue takes these decisions over
 * rule by rule; until then every use case calls these functions at the same points.
 */
import type { RequestContext } from '../auth/request-context.js';
import { Forbidden, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';

/** The 404 Glance answers for a missing image and for one the caller may not see. */
export function imageNotFound(id: string): NotFound {
  return new NotFound(`No image found with ID ${id}`);
}

/**
 * True when the caller may see `image`: admins see everything; others their own images, public
 * and community images, and shared images of which their project is a member (any status).
 */
export function canSeeImage(ctx: RequestContext, image: Image): boolean {
  if (ctx.isAdmin) return true;
  if (image.owner !== null && image.owner === ctx.projectId) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  return image.visibility === 'shared' && image.memberStatus !== undefined;
}

/** Throws 403 "You do not own this image" unless the caller is admin or the owner. */
export function assertCanModify(ctx: RequestContext, image: Image): void {
  if (ctx.isAdmin) return;
  if (image.owner === null || image.owner !== ctx.projectId) throw new Forbidden('You do not own this image');
}

/**
 * Checks the rule that guards a visibility value: `public` needs `publicize_image` (admin),
 * `community` needs `communitize_image` (admin or owner, checked by assertCanModify already).
 */
export function assertCanSetVisibility(ctx: RequestContext, visibility: string): void {
  if (visibility === 'public' && !ctx.isAdmin) {
    throw new Forbidden('You are not authorized to complete publicize_image action.');
  }
}

/** Throws 403 when a non-admin creates an image for another project. */
export function assertCanSetOwner(ctx: RequestContext, owner: string | null): void {
  if (ctx.isAdmin || owner === null || owner === ctx.projectId) return;
  throw new Forbidden("You are not permitted to create images owned by '" + owner + "'.");
}

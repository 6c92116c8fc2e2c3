import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { Image } from '../domain/image.js';
import { canSeeImage, imageNotFound } from './image-access.js';

/**
 * Loads image `id` as the caller sees it: with the caller's membership status for a shared
 * image it does not own, or Glance's 404 when the image is missing or not visible.
 */
export async function loadVisibleImage(images: ImageRepo, ctx: RequestContext, id: string): Promise<Image> {
  const image = await images.get(id);
  if (image === null) throw imageNotFound(id);
  if (!ctx.isAdmin && image.visibility === 'shared' && ctx.projectId !== null && image.owner !== ctx.projectId) {
    const status = await images.memberStatus(id, ctx.projectId);
    if (status !== null) image.memberStatus = status;
  }
  if (!canSeeImage(ctx, image)) throw imageNotFound(id);
  return image;
}

/**
 * One method per Glance action, each deciding with the PolicyEngine on the target Glance builds
 * for it and throwing the error Glance answers with:
 *
 * - a denied rule: 403 "You are not authorized to complete <action> action." ({@link PolicyDenied});
 * - a denied rule on an image the caller may not even `get_image`: a bare 404, so a refusal
 *   never reveals that an image exists (Glance's Forbidden→NotFound rule); `get_image` itself
 *   always denies with that 404;
 * - with `enforce_new_defaults = False` (where the deprecated defaults make most rules allow
 *   everything), the hard-coded checks Glance keeps for that mode: only an admin or the owner
 *   may modify, delete, upload to, deactivate or reactivate an image (403 "You do not own this
 *   image"), and a non-admin may only create images for its own project.
 *
 * `ctx.isAdmin` is Glance's `context.is_admin` (set by the auth layer); role checks in rules
 * use the context's roles.
 */
import type { RequestContext } from '../auth/request-context.js';
import { Forbidden, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { PolicyEngine } from './policy-engine.js';
import {
  imageTarget, policyCredentials, projectTarget, proposedImageTarget, type ProposedImage,
} from './policy-target.js';
import type { PolicyTarget } from './rule-evaluator.js';

/** 403 for a denied policy rule; `action` is the rule name. */
export class PolicyDenied extends Forbidden {
  constructor(readonly action: string) {
    super(`You are not authorized to complete ${action} action.`);
  }
}

/** Glance's policy decisions, one method per action. Stateless; share one per process. */
export class PolicyChecker {
  /** True when Glance's legacy ownership checks apply (`enforce_new_defaults = False`). */
  readonly legacyOwnershipChecks: boolean;

  constructor(private readonly engine: PolicyEngine) {
    this.legacyOwnershipChecks = !engine.enforceNewDefaults;
  }

  /** The `context_is_admin` rule, for the auth layer to compute `ctx.isAdmin` with. */
  isAdmin(ctx: RequestContext): boolean {
    return this.engine.allows('context_is_admin', projectTarget(ctx), policyCredentials(ctx));
  }

  /**
   * `POST /v2/images`: `add_image`, then `publicize_image`/`communitize_image` for those
   * visibilities, then (legacy mode) the owner must be the caller's project unless admin.
   */
  addImage(ctx: RequestContext, proposed: ProposedImage): void {
    const target = proposedImageTarget(proposed);
    if (!this.allows(ctx, 'add_image', target)) {
      if (proposed.owner !== ctx.projectId) {
        throw new Forbidden(`You are not permitted to create images owned by '${proposed.owner ?? 'None'}'`);
      }
      throw new PolicyDenied('add_image');
    }
    this.visibilityRule(ctx, target, String(target.visibility));
    if (this.legacyOwnershipChecks && !ctx.isAdmin && proposed.owner !== ctx.projectId) {
      throw new Forbidden(`You are not permitted to create images owned by '${proposed.owner ?? 'None'}'.`);
    }
  }

  /** `GET /v2/images`: may the caller list images at all (each image is then `canGetImage`). */
  getImages(ctx: RequestContext): void {
    if (!this.allows(ctx, 'get_images', projectTarget(ctx))) throw new PolicyDenied('get_images');
  }

  /** `get_image`; a refusal is a bare 404. */
  getImage(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'get_image');
  }

  /** The `get_image` decision without throwing (used to filter list pages). */
  canGetImage(ctx: RequestContext, image: Image): boolean {
    return this.allows(ctx, 'get_image', imageTarget(ctx, image));
  }

  /** True when `get_image_location` allows the caller to see the image's locations in its view. */
  canGetImageLocation(ctx: RequestContext, image: Image): boolean {
    return this.allows(ctx, 'get_image_location', imageTarget(ctx, image));
  }

  /**
   * A PATCH changing property `name`: a visibility change must pass `publicize_image` or
   * `communitize_image` first, then every change passes `modify_image`.
   */
  updateProperty(ctx: RequestContext, image: Image, name: string, value: unknown): void {
    if (name === 'visibility' && typeof value === 'string') {
      this.visibilityRule(ctx, imageTarget(ctx, image), value);
    }
    this.modifyImage(ctx, image);
  }

  /** `modify_image` (also guards tag changes). */
  modifyImage(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'modify_image');
  }

  /** `delete_image`. */
  deleteImage(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'delete_image');
  }

  /** `upload_image` (data upload and staging). */
  uploadImage(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'upload_image');
  }

  /** `download_image`. */
  downloadImage(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'download_image');
  }

  /** `deactivate`. */
  deactivate(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'deactivate');
  }

  /** `reactivate`. */
  reactivate(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'reactivate');
  }

  /**
   * `set_image_location` (adding or replacing locations by PATCH). With legacy defaults the
   * owner check applies too (the rule alone would let any reader of an image repoint its data).
   */
  setImageLocation(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'set_image_location');
  }

  /** `add_image_location` (`POST /v2/images/{id}/locations`, API 2.17). */
  addImageLocation(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'add_image_location');
  }

  /** `fetch_image_location` (`GET /v2/images/{id}/locations`, API 2.17). */
  fetchImageLocation(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'fetch_image_location');
  }

  /** The `service_api` rule: the caller is another OpenStack service (nova, cinder, …). */
  isServiceCaller(ctx: RequestContext): boolean {
    return this.allows(ctx, 'service_api', projectTarget(ctx));
  }

  /** `delete_image_location`. */
  deleteImageLocation(ctx: RequestContext, image: Image): void {
    this.mutatingRule(ctx, image, 'delete_image_location');
  }

  /** `get_image_location`. */
  getImageLocation(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'get_image_location');
  }

  /** `copy_image` (the copy-image import method). */
  copyImage(ctx: RequestContext, image: Image): void {
    this.imageRule(ctx, image, 'copy_image');
  }

  /** `get_members` (after `get_image`). */
  getMembers(ctx: RequestContext, image: Image): void {
    this.memberRule(ctx, image, 'get_members');
  }

  /** `get_member` (after `get_image`). */
  getMember(ctx: RequestContext, image: Image): void {
    this.memberRule(ctx, image, 'get_member');
  }

  /** The `get_member` decision without throwing (used to filter member lists). */
  canGetMember(ctx: RequestContext, image: Image): boolean {
    return this.canGetImage(ctx, image) && this.allows(ctx, 'get_member', imageTarget(ctx, image));
  }

  /** `add_member` (after `get_image`). */
  addMember(ctx: RequestContext, image: Image): void {
    this.memberRule(ctx, image, 'add_member');
  }

  /** `modify_member` (after `get_image`). */
  modifyMember(ctx: RequestContext, image: Image): void {
    this.memberRule(ctx, image, 'modify_member');
  }

  /** `delete_member` (after `get_image`). */
  deleteMember(ctx: RequestContext, image: Image): void {
    this.memberRule(ctx, image, 'delete_member');
  }

  /**
   * The tasks API: `tasks_api_access` (admin by default, so the deprecated API stays closed to
   * users) and then the action's own rule (`get_tasks`, `get_task`, `add_task`).
   */
  tasksApi(ctx: RequestContext, action: 'get_tasks' | 'get_task' | 'add_task' | null): void {
    const target = projectTarget(ctx);
    if (!this.allows(ctx, 'tasks_api_access', target)) throw new PolicyDenied('tasks_api_access');
    if (action !== null && !this.allows(ctx, action, target)) throw new PolicyDenied(action);
  }

  /**
   * The cache API's rules (`cache_list`, `cache_image`, `cache_delete`), on the image's target
   * when the call names an existing image. A refusal is Glance's bare 403 ("Access was denied to
   * this resource."), never turned into a 404.
   */
  manageImageCache(ctx: RequestContext, action: 'cache_list' | 'cache_image' | 'cache_delete', image: Image | null): void {
    const target = image === null ? projectTarget(ctx) : imageTarget(ctx, image);
    if (!this.allows(ctx, action, target)) throw new Forbidden();
  }

  /**
   * A metadef rule (`get_metadef_namespace`, `add_metadef_object`, …) on `namespace`, whose owner
   * and visibility are the target (without one, the caller's project), as Glance's
   * MetadefAPIPolicy: a refusal is a bare 404 when the caller may not even
   * `get_metadef_namespace` that target, else 403 naming the rule.
   */
  metadef(ctx: RequestContext, action: string, namespace?: { owner: string; visibility: string }): void {
    const target: PolicyTarget = namespace ? { project_id: namespace.owner, visibility: namespace.visibility } : projectTarget(ctx);
    if (this.allows(ctx, action, target)) return;
    if (action === 'get_metadef_namespace' || !this.allows(ctx, 'get_metadef_namespace', target)) throw new NotFound();
    throw new PolicyDenied(action);
  }

  /** The decision of {@link metadef} without throwing (filters list pages). */
  canMetadef(ctx: RequestContext, action: string, namespace: { owner: string; visibility: string }): boolean {
    return this.allows(ctx, action, { project_id: namespace.owner, visibility: namespace.visibility });
  }

  private allows(ctx: RequestContext, action: string, target: PolicyTarget): boolean {
    return this.engine.allows(action, target, policyCredentials(ctx));
  }

  // Glance's visibility rules are enforced without the 404 translation.
  private visibilityRule(ctx: RequestContext, target: PolicyTarget, visibility: string): void {
    const action = visibility === 'public' ? 'publicize_image' : visibility === 'community' ? 'communitize_image' : null;
    if (action !== null && !this.allows(ctx, action, target)) throw new PolicyDenied(action);
  }

  private imageRule(ctx: RequestContext, image: Image, action: string): void {
    const target = imageTarget(ctx, image);
    if (this.allows(ctx, action, target)) return;
    if (action === 'get_image' || !this.allows(ctx, 'get_image', target)) throw new NotFound();
    throw new PolicyDenied(action);
  }

  private mutatingRule(ctx: RequestContext, image: Image, action: string): void {
    this.imageRule(ctx, image, action);
    if (!this.legacyOwnershipChecks || ctx.isAdmin) return;
    if (image.owner === null || ctx.projectId === null || image.owner !== ctx.projectId) {
      // Stricter than Glance, which answers 403 here even when `get_image` is refused (only
      // possible with an overridden get_image): an image one may not see stays a 404.
      if (!this.canGetImage(ctx, image)) throw new NotFound();
      throw new Forbidden('You do not own this image');
    }
  }

  private memberRule(ctx: RequestContext, image: Image, action: string): void {
    this.getImage(ctx, image);
    if (!this.allows(ctx, action, imageTarget(ctx, image))) throw new PolicyDenied(action);
  }
}

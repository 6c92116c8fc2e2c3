/**
 * The image-sharing use cases (`/v2/images/{id}/members`, inventory §4.1, refs 131–143), in
 * Glance's order for each request: body → load the image (404 "Image … not found.") → only
 * shared images have members → (legacy mode) the owner adds and removes, the member answers →
 * policy → who may touch which row → quota → persist → notify.
 *
 * The row rules hold whatever the policy says, as in Glance's authorization layer: the owner
 * (or an admin) adds, lists and removes memberships; a member project sees and answers only its
 * own row. Refusals that come from those checks are reworded per request ("Not allowed to …");
 * a denied policy rule keeps its own text.
 */
import type { RequestContext } from '../auth/request-context.js';
import type { ImageRepo } from '../db/repos/image-repo.js';
import type { MemberRepo } from '../db/repos/member-repo.js';
import { BadRequest, Conflict, Forbidden, NotFound, TooLarge } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { imageMemberNotification, parseMemberStatus, type ImageMember } from '../domain/image-member.js';
import type { Notifier } from '../notify/notifier.js';
import { PolicyDenied, type PolicyChecker } from '../policy/policy-checker.js';
import { loadVisibleImage } from './visible-image.js';

/** Collaborators of the member use cases, wired in `app-image-api.ts`. */
export interface MemberServiceDeps {
  images: ImageRepo;
  members: MemberRepo;
  policy: PolicyChecker;
  notifier: Notifier;
  /** `image_member_quota` (-1 = unlimited). */
  imageMemberQuota: number;
}

type Op = 'create' | 'update' | 'delete' | 'list' | 'show';

/** The image-sharing use cases. */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  /** `POST …/members` `{"member": "<project>"}`: a new `pending` membership (200). */
  async create(ctx: RequestContext, imageId: string, body: unknown): Promise<ImageMember> {
    const memberId = memberOf(body);
    const image = await this.lookupImage(ctx, imageId);
    const member = await reworded(`Not allowed to create members for image ${imageId}.`, async () => {
      this.checkShared(ctx, image, 'create');
      this.deps.policy.addMember(ctx, image);
      if (!this.ownerOrAdmin(ctx, image)) throw new Forbidden(`You cannot add image member for ${imageId}`);
      await this.checkQuota(imageId);
      const created = await this.deps.members.create(imageId, memberId);
      if (created === null) throw new Conflict(`Member ${memberId} is duplicated for image ${imageId}`);
      return created;
    });
    this.deps.notifier.info('image.member.create', imageMemberNotification(member));
    return member;
  }

  /** `GET …/members`: every membership for the owner or an admin, a member's own row else. */
  async list(ctx: RequestContext, imageId: string): Promise<ImageMember[]> {
    const image = await this.lookupImage(ctx, imageId);
    try {
      this.checkShared(ctx, image, 'list');
      this.deps.policy.getMembers(ctx, image);
    } catch (err) {
      if (!isRowRefusal(err)) throw err;
      throw new Forbidden(`Not allowed to list members for image ${imageId}: ${err.message}`);
    }
    const members = await this.deps.members.list(imageId);
    let visible = members;
    if (!this.ownerOrAdmin(ctx, image)) {
      visible = members.filter((m) => m.member_id === ctx.projectId);
      if (visible.length === 0) throw new Forbidden(`You cannot get image member for ${imageId}`);
    }
    // Each row passes `get_member` too; the rule sees the image, so it is one decision for all.
    return this.deps.policy.canGetMember(ctx, image) ? visible : [];
  }

  /** `GET …/members/{member}`; every refusal is a 404, so nothing leaks about other rows. */
  async show(ctx: RequestContext, imageId: string, memberId: string): Promise<ImageMember> {
    const image = await this.lookupImage(ctx, imageId);
    try {
      this.checkShared(ctx, image, 'show');
      return await this.lookupMember(ctx, image, memberId);
    } catch (err) {
      if (err instanceof Forbidden) throw new NotFound(err.message);
      throw err;
    }
  }

  /** `PUT …/members/{member}` `{"status": …}`: the member project answers the share. */
  async update(ctx: RequestContext, imageId: string, memberId: string, body: unknown): Promise<ImageMember> {
    const requested = statusOf(body);
    const image = await this.lookupImage(ctx, imageId);
    const saved = await reworded(`Not allowed to update members for image ${imageId}.`, async () => {
      this.checkShared(ctx, image, 'update');
      const member = await this.lookupMember(ctx, image, memberId);
      this.deps.policy.modifyMember(ctx, image);
      const status = parseMemberStatus(requested);
      if (!ctx.isAdmin && ctx.projectId !== member.member_id) {
        throw new Forbidden(`You cannot update image member ${member.member_id}`);
      }
      const updated = await this.deps.members.updateStatus(member, status);
      if (updated === null) throw this.memberNotFound(image, memberId);
      return updated;
    });
    this.deps.notifier.info('image.member.update', imageMemberNotification(saved));
    return saved;
  }

  /** `DELETE …/members/{member}`: the owner (or an admin) withdraws the share (204). */
  async delete(ctx: RequestContext, imageId: string, memberId: string): Promise<void> {
    const image = await this.lookupImage(ctx, imageId);
    const [member, deletedAt] = await reworded(`Not allowed to delete members for image ${imageId}.`, async () => {
      this.checkShared(ctx, image, 'delete');
      const found = await this.lookupMember(ctx, image, memberId);
      this.deps.policy.deleteMember(ctx, image);
      if (!this.ownerOrAdmin(ctx, image)) throw new Forbidden(`You cannot delete image member for ${imageId}`);
      const at = await this.deps.members.delete(found);
      if (at === null) throw this.memberNotFound(image, memberId);
      return [found, at] as const;
    });
    this.deps.notifier.info('image.member.delete', imageMemberNotification(member, deletedAt));
  }

  private async lookupImage(ctx: RequestContext, imageId: string): Promise<Image> {
    try {
      return await loadVisibleImage(this.deps.images, ctx, imageId);
    } catch (err) {
      throw err instanceof NotFound ? new NotFound(`Image ${imageId} not found.`) : err;
    }
  }

  /**
   * Only shared images have members; in legacy mode a non-admin must own the image to add or
   * remove members, and must not own it to answer a share.
   */
  private checkShared(ctx: RequestContext, image: Image, op: Op): void {
    if (image.visibility !== 'shared') throw new Forbidden('Only shared images have members.');
    if (!this.deps.policy.legacyOwnershipChecks || ctx.isAdmin) return;
    const owns = image.owner !== null && image.owner === ctx.projectId;
    if (op === 'create' && !owns) throw new Forbidden('You are not permitted to create image members for the image.');
    if (op === 'update' && owns) throw new Forbidden("You are not permitted to modify 'status' on this image member.");
    if (op === 'delete' && !owns) throw new Forbidden('You cannot delete image member.');
  }

  /**
   * `get_member`, then the row rule (only the owner, an admin or the member itself may look a
   * membership up: 403 "You are not authorized to lookup the members of the image …", which
   * callers do not reword), then 404 when there is no such live membership.
   */
  private async lookupMember(ctx: RequestContext, image: Image, memberId: string): Promise<ImageMember> {
    this.deps.policy.getMember(ctx, image);
    if (!this.ownerOrAdmin(ctx, image) && ctx.projectId !== memberId) {
      throw new LookupRefused(`You are not authorized to lookup the members of the image ${image.id}.`);
    }
    const member = await this.deps.members.find(image.id, memberId);
    if (member === null) throw this.memberNotFound(image, memberId);
    return member;
  }

  private memberNotFound(image: Image, memberId: string): NotFound {
    return new NotFound(`${memberId} not found in the member list of the image ${image.id}.`);
  }

  private ownerOrAdmin(ctx: RequestContext, image: Image): boolean {
    return ctx.isAdmin || (image.owner !== null && image.owner === ctx.projectId);
  }

  private async checkQuota(imageId: string): Promise<void> {
    const maximum = this.deps.imageMemberQuota;
    if (maximum < 0) return;
    const attempted = (await this.deps.members.count(imageId)) + 1;
    if (attempted <= maximum) return;
    throw new TooLarge(`Image member limit exceeded for image ${imageId}: The limit has been exceeded on the number `
      + `of allowed image members for this image. Attempted: ${attempted}, Maximum: ${maximum}:`);
  }
}

/** The row-lookup refusal, which keeps its text through the per-request rewording. */
class LookupRefused extends Forbidden {}

// Refusals of the row and ownership checks (reworded per request); denied rules keep their text.
function isRowRefusal(err: unknown): err is Forbidden {
  return err instanceof Forbidden && !(err instanceof PolicyDenied) && !(err instanceof LookupRefused);
}

async function reworded<T>(message: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isRowRefusal(err)) throw new Forbidden(message);
    throw err;
  }
}

function bodyObject(body: unknown, form: string): Record<string, unknown> {
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`Expected a ${form}`);
  return body as Record<string, unknown>;
}

// `{"member": "<project>"}`: the texts of Glance's request deserializer.
function memberOf(body: unknown): string {
  const obj = bodyObject(body, 'member in the form: {"member": "image_id"}');
  if (!Object.prototype.hasOwnProperty.call(obj, 'member')) throw new BadRequest('Member to be added not specified');
  const member = obj.member;
  if (member === '' || member === null || member === false || member === 0) throw new BadRequest("Member can't be empty");
  // Member ids are free text (no Keystone lookup), but text of the column's size.
  if (typeof member !== 'string') throw new BadRequest('Expected a member in the form: {"member": "image_id"}');
  if (member.length > 255) throw new BadRequest('Member id is too long (255 characters at most).');
  return member;
}

function statusOf(body: unknown): unknown {
  const obj = bodyObject(body, 'status in the form: {"status": "status"}');
  if (!Object.prototype.hasOwnProperty.call(obj, 'status')) throw new BadRequest('Status not specified');
  return obj.status;
}

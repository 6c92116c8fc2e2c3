/**
 * Image membership: a project an image is shared with (inventory §4.1). Only `shared` images
 * have members; a new member is `pending` and only the member project moves it between
 * `pending`, `accepted` and `rejected`.
 */
import { BadRequest } from './errors.js';
import type { MemberStatus } from './image.js';
import { isoTime } from './image-view.js';

/** The statuses a membership can have, in Glance's schema order. */
export const MEMBER_STATUSES: readonly MemberStatus[] = ['pending', 'accepted', 'rejected'];

/** One live row of `image_members`. */
export interface ImageMember {
  /** The row id (not shown by the API). */
  id: number;
  image_id: string;
  /** The member project (Glance's `member` column, `member_id` in the API). */
  member_id: string;
  status: MemberStatus;
  created_at: Date;
  updated_at: Date;
}

/** The API view of a membership, in Glance's key order. */
export interface ImageMemberView {
  member_id: string;
  image_id: string;
  status: MemberStatus;
  created_at: string | null;
  updated_at: string | null;
  schema: '/v2/schemas/member';
}

/** Builds the API view of `member`. */
export function imageMemberView(member: ImageMember): ImageMemberView {
  return {
    member_id: member.member_id,
    image_id: member.image_id,
    status: member.status,
    created_at: isoTime(member.created_at),
    updated_at: isoTime(member.updated_at),
    schema: '/v2/schemas/member',
  };
}

/** The `image.member.*` notification payload. */
export interface ImageMemberNotification {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: string | null;
  updated_at: string | null;
  deleted: boolean;
  deleted_at: string | null;
}

/**
 * The payload of `image.member.create`/`update`/`delete`; `deletedAt` is given for the delete
 * event (Glance stamps the moment of the notification).
 */
export function imageMemberNotification(member: ImageMember, deletedAt?: Date): ImageMemberNotification {
  return {
    image_id: member.image_id,
    member_id: member.member_id,
    status: member.status,
    created_at: isoTime(member.created_at),
    updated_at: isoTime(member.updated_at),
    deleted: deletedAt !== undefined,
    deleted_at: deletedAt === undefined ? null : isoTime(deletedAt),
  };
}

/**
 * Checks a requested membership status; 400 "Incorrect request: Status must be …" (ref 138)
 * for anything else, the JSON type of the value included.
 */
export function parseMemberStatus(value: unknown): MemberStatus {
  if (typeof value === 'string' && (MEMBER_STATUSES as readonly string[]).includes(value)) return value as MemberStatus;
  throw new BadRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
}

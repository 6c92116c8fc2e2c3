/**
 * What rules see: the target of an image action as Glance builds it, and the caller's
 * credentials as oslo.context hands them to oslo.policy.
 */
import type { RequestContext } from '../auth/request-context.js';
import type { Image } from '../domain/image.js';
import type { PolicyCredentials, PolicyTarget } from './rule-evaluator.js';

/**
 * The target of an action on an existing image: every attribute of the image under its own
 * name plus Glance's aliases — `id`/`image_id`, `project_id` (= `owner`) and `member_id`,
 * which is the caller's project when the image is `shared` and the caller is not its owner
 * (the database layer has then already established that the caller is a member, or an
 * admin), else None. Extra properties are reachable by name; a base attribute wins over an
 * extra property of the same name. Locations are left out: no rule needs their URLs.
 */
export function imageTarget(ctx: RequestContext, image: Image): PolicyTarget {
  const member = image.visibility === 'shared' && ctx.projectId !== image.owner ? ctx.projectId : null;
  return {
    ...image.properties,
    id: image.id,
    image_id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    owner: image.owner,
    project_id: image.owner,
    member,
    member_id: member,
    checksum: image.checksum,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    size: image.size,
    virtual_size: image.virtual_size,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    disk_format: image.disk_format,
    container_format: image.container_format,
    created_at: image.created_at,
    updated_at: image.updated_at,
    tags: [...image.tags],
  };
}

/** The proposed attributes of an image about to be created. */
export interface ProposedImage {
  owner: string | null;
  visibility?: string;
}

/**
 * The target of `add_image` (and its visibility rules): only `project_id` and `owner` (both the
 * proposed owner) and `visibility` (`private` when none was asked for), as Glance gives it.
 */
export function proposedImageTarget(proposed: ProposedImage): PolicyTarget {
  return { project_id: proposed.owner, owner: proposed.owner, visibility: proposed.visibility ?? 'private' };
}

/** The target of project-level actions without an object (listing images). */
export function projectTarget(ctx: RequestContext): PolicyTarget {
  return { project_id: ctx.projectId };
}

/**
 * The caller's credentials. A context the auth layer made an administrator without any role —
 * the unauthenticated pipeline's all-powerful context — is given the `admin` role, so that it
 * stays all-powerful under role-based rules (Glance would leave it role-less and, with the new
 * defaults, powerless; glance-ts documents that mode as "every caller is an administrator").
 */
export function policyCredentials(ctx: RequestContext): PolicyCredentials {
  const roles = ctx.isAdmin && ctx.roles.length === 0 ? ['admin'] : [...ctx.roles];
  return {
    user_id: ctx.userId,
    user_domain_id: ctx.userDomainId,
    project_id: ctx.projectId,
    project_domain_id: ctx.projectDomainId,
    system_scope: ctx.systemScope,
    domain_id: null,
    roles,
    is_admin_project: true,
    service_roles: [...ctx.serviceRoles],
    // The older names Glance's context adds for policy files written before oslo.context.
    user: ctx.userId,
    tenant: ctx.projectId,
  };
}

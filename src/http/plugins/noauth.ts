/**
 * Unauthenticated mode, used when `[paste_deploy] flavor` is unset: like Glance's
 * unauthenticated-context pipeline, every request runs as an administrator without any token
 * check. For testing and single-user setups, identity headers refine the context when sent:
 * `X-User-Id`, `X-Project-Id` (or the older `X-Tenant-Id`), `X-User-Domain-Id`,
 * `X-Project-Domain-Id`, `X-Roles` (comma list, lower-cased; without `admin` the caller is not an
 * administrator) and `X-Identity-Status` (anything but `Confirmed` gives an anonymous, non-admin
 * context). Glance itself ignores these headers in this mode; this is a deliberate extension.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../auth/request-context.js';

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  const s = Array.isArray(v) ? v.join(',') : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function roleList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((r) => r.trim().toLowerCase()).filter((r) => r !== '');
}

/** Builds the context of one request from its headers, as described in the module comment. */
export function noauthContext(request: FastifyRequest): RequestContext {
  const ctx: RequestContext = {
    requestId: request.id,
    userId: header(request, 'x-user-id') ?? null,
    projectId: header(request, 'x-project-id') ?? header(request, 'x-tenant-id') ?? null,
    userDomainId: header(request, 'x-user-domain-id') ?? null,
    projectDomainId: header(request, 'x-project-domain-id') ?? null,
    roles: roleList(header(request, 'x-roles')),
    systemScope: null,
    serviceRoles: roleList(header(request, 'x-service-roles')),
    isAdmin: true,
    authToken: header(request, 'x-auth-token') ?? null,
  };
  const status = header(request, 'x-identity-status');
  if (status !== undefined && status !== 'Confirmed') {
    return { ...ctx, userId: null, projectId: null, userDomainId: null, projectDomainId: null, roles: [], serviceRoles: [], isAdmin: false };
  }
  // Roles sent explicitly describe the caller; otherwise keep Glance's all-powerful admin context.
  if (header(request, 'x-roles') !== undefined) ctx.isAdmin = ctx.roles.includes('admin');
  return ctx;
}

/**
 * Registers the hook that attaches `request.ctx` to every request and re-binds the request
 * logger with the user and project; logs a loud start-up warning that the API is open.
 */
export function noauthPlugin(app: FastifyInstance): void {
  app.log.warn('[paste_deploy] flavor is not a keystone flavor: the Image API runs UNAUTHENTICATED and every caller is an administrator. Do not expose it to untrusted networks.');
  app.addHook('onRequest', async (request) => {
    request.ctx = noauthContext(request);
    request.log = request.log.child({ user_id: request.ctx.userId, project_id: request.ctx.projectId });
  });
}

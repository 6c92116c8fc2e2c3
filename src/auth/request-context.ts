/**
 * The identity a request runs as, built by the auth plugin (noauth headers or a validated
 * Keystone token) and passed explicitly to every service call.
 */
export interface RequestContext {
  /** The request id echoed in `x-openstack-request-id` (`req-<uuid>`). */
  requestId: string;
  userId: string | null;
  projectId: string | null;
  userDomainId: string | null;
  projectDomainId: string | null;
  /** Role names, lower-cased. */
  roles: string[];
  /** `'all'` for a system-scoped token, otherwise null. */
  systemScope: string | null;
  /** Roles carried by an `X-Service-Token`, lower-cased. */
  serviceRoles: string[];
  /** True when the caller is an administrator (admin role, or the unauthenticated admin context). */
  isAdmin: boolean;
  /** The raw token, for calls made on the user's behalf; never logged. */
  authToken: string | null;
}

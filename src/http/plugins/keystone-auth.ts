/**
 * Keystone authentication (`[paste_deploy] flavor = keystone`, also `keystone+caching` and
 * `keystone+cachemanagement`): every request that reaches this hook (the versions document
 * answers earlier, without a token) must carry a valid `X-Auth-Token` (or the older
 * `X-Storage-Token`). The request then runs as the token's user and project.
 *
 * Answers as Glance does (recorded samples shared/ref 002, 004, 005): a refused request gets
 * WebOb's 401 in the format `Accept` asks for, with `WWW-Authenticate: Keystone
 * uri="<www_authenticate_uri>"` and without `x-openstack-request-id` (Glance's context
 * middleware refuses before it assigns one). Keystone unreachable or failing gives a 503 saying so,
 * within the client's deadlines, and later requests recover on their own.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeystoneAuth } from '../../auth/keystone-auth.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** What the plugin needs; built in `app.ts`. */
export interface KeystoneAuthPluginDeps {
  auth: KeystoneAuth;
  /** Sent in `WWW-Authenticate` on every 401. */
  wwwAuthenticateUri: string;
  /** `[DEFAULT] allow_anonymous_access`: not supported with Keystone yet (warned, then refused). */
  allowAnonymousAccess: boolean;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  // keystonemiddleware strips blanks around tokens (clients have sent trailing newlines).
  const t = s?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/**
 * Registers the authentication hook (sets `request.ctx` and re-binds the request logger with the
 * user and project) and the 401 decoration described in the module comment.
 */
export function keystoneAuthPlugin(app: FastifyInstance, deps: KeystoneAuthPluginDeps): void {
  if (deps.allowAnonymousAccess) {
    app.log.warn('[DEFAULT] allow_anonymous_access is not supported with Keystone authentication yet: requests without a valid token are refused');
  }
  const challenge = `Keystone uri="${deps.wwwAuthenticateUri}"`;
  app.addHook('onRequest', async (request) => {
    request.ctx = await deps.auth.authenticate(request.id, {
      userToken: header(request, 'x-auth-token') ?? header(request, 'x-storage-token'),
      serviceToken: header(request, 'x-service-token'),
    });
    request.log = request.log.child({ user_id: request.ctx.userId, project_id: request.ctx.projectId });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401) {
      reply.removeHeader(REQUEST_ID_HEADER);
      reply.header('www-authenticate', challenge);
    }
    return payload;
  });
}

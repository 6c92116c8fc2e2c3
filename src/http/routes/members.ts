/**
 * Routes of image sharing: `GET/POST /v2/images/{id}/members` and
 * `GET/PUT/DELETE /v2/images/{id}/members/{member}`. Each handler translates HTTP to a
 * MemberService call and the result to Glance's member view (refs 131–141).
 */
import type { FastifyInstance } from 'fastify';
import { imageMemberView } from '../../domain/image-member.js';
import type { MemberService } from '../../services/member-service.js';
import { sendNoContent } from '../no-content.js';
import type { RouteRegistrar } from '../server.js';
import { rejectBody } from './images.js';

/** What the member routes need. */
export interface MemberRoutesDeps {
  members: MemberService;
}

type ImageParams = { id: string };
type MemberParams = { id: string; member: string };

/** Registers the member routes. */
export function memberRoutes(deps: MemberRoutesDeps): RouteRegistrar {
  const noBody = { onRequest: rejectBody };
  return (app: FastifyInstance) => {
    // Registration order is the order of the methods in a 405's Allow header (Glance: GET, POST).
    app.get<{ Params: ImageParams }>('/v2/images/:id/members', noBody, async (request) => {
      const members = await deps.members.list(request.ctx, request.params.id);
      return { members: members.map(imageMemberView), schema: '/v2/schemas/members' };
    });

    // Glance answers a new membership with 200, not 201 (ref 131).
    app.post<{ Params: ImageParams }>('/v2/images/:id/members', async (request) =>
      imageMemberView(await deps.members.create(request.ctx, request.params.id, request.body)));

    app.get<{ Params: MemberParams }>('/v2/images/:id/members/:member', noBody, async (request) =>
      imageMemberView(await deps.members.show(request.ctx, request.params.id, request.params.member)));

    app.put<{ Params: MemberParams }>('/v2/images/:id/members/:member', async (request) =>
      imageMemberView(await deps.members.update(request.ctx, request.params.id, request.params.member, request.body)));

    app.delete<{ Params: MemberParams }>('/v2/images/:id/members/:member', noBody, async (request, reply) => {
      await deps.members.delete(request.ctx, request.params.id, request.params.member);
      return sendNoContent(reply, { bare: true });
    });
  };
}

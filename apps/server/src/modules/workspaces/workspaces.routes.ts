import {
  ZAcceptedInvitation,
  ZAcceptInvitationInput,
  ZCreateInvitationInput,
  ZCreateWorkspaceInput,
  ZInvitation,
  ZInvitationList,
  ZInvitationLookup,
  ZInvitationLookupQuery,
  ZInvitationParams,
  ZMember,
  ZMemberListQuery,
  ZMemberPage,
  ZMemberParams,
  ZSwitchWorkspaceInput,
  ZTeam,
  ZTeamInput,
  ZTeamList,
  ZTeamMemberParams,
  ZTeamParams,
  ZUpdateMemberInput,
  ZUpdateWorkspaceInput,
  ZWorkspace,
  ZWorkspaceList,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember, requireUser } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  lookupInvitation,
  revokeInvitation,
} from './invitations.service.ts';
import { changeMemberRole, listMembers, removeMember } from './members.service.ts';
import { addTeamMember, createTeam, deleteTeam, listTeams, removeTeamMember, renameTeam } from './teams.service.ts';
import {
  actorOf,
  createWorkspace,
  getWorkspace,
  listMyWorkspacesForSession,
  switchWorkspace,
  updateWorkspace,
} from './workspaces.service.ts';

/** Workspaces, members, invitations and teams. Each route: validate, authorise, one service call. */
export function registerWorkspaceRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = services.database.db;

  // Workspaces

  r.get(
    '/api/workspaces',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'My workspaces, with my role and the active one',
        response: { 200: ZWorkspaceList },
      },
    },
    async (request) => {
      const me = await requireUser(services, request);
      return listMyWorkspacesForSession(db, me.user.id, me.session.activeWorkspaceId);
    },
  );

  r.post(
    '/api/workspaces',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace (I become its owner; it becomes my active workspace)',
        body: ZCreateWorkspaceInput,
        response: { 201: ZWorkspace },
      },
    },
    async (request, reply) => {
      const me = await requireUser(services, request);
      const { workspaceId } = await createWorkspace(services, me.user.id, request.body, me.session.id);
      const workspace = await getWorkspace(services, {
        workspaceId,
        userId: me.user.id,
        role: 'owner',
        twoFactorEnabled: me.user.twoFactorEnabled,
      });
      return reply.status(201).send(workspace);
    },
  );

  r.get(
    '/api/workspaces/current',
    { schema: { tags: ['workspaces'], summary: 'The workspace this request acts in', response: { 200: ZWorkspace } } },
    async (request) => getWorkspace(services, actorOf(await requireMember(services, request, 'viewer'))),
  );

  r.patch(
    '/api/workspaces/current',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Change name, country, region (admin) or the two-factor requirement (owner)',
        body: ZUpdateWorkspaceInput,
        response: { 200: ZWorkspace },
      },
    },
    async (request) =>
      updateWorkspace(services, actorOf(await requireMember(services, request, 'admin')), request.body),
  );

  r.post(
    '/api/workspaces/switch',
    {
      schema: {
        tags: ['workspaces'],
        summary: "Make a workspace I belong to this session's active workspace",
        body: ZSwitchWorkspaceInput,
        response: { 200: ZWorkspace },
      },
    },
    async (request) => {
      const me = await requireUser(services, request);
      return switchWorkspace(services, { id: me.user.id, sessionId: me.session.id }, request.body.workspaceId);
    },
  );

  // Members

  r.get(
    '/api/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Members of the workspace, in user-id order (keyset pagination by `after`)',
        querystring: ZMemberListQuery,
        response: { 200: ZMemberPage },
      },
    },
    async (request) => listMembers(services, actorOf(await requireMember(services, request, 'viewer')), request.query),
  );

  r.patch(
    '/api/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: "Change a member's role (admin; only an owner grants or takes away owner)",
        params: ZMemberParams,
        body: ZUpdateMemberInput,
        response: { 200: ZMember },
      },
    },
    async (request) =>
      changeMemberRole(
        services,
        actorOf(await requireMember(services, request, 'admin')),
        request.params.userId,
        request.body.role,
      ),
  );

  r.delete(
    '/api/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: 'Remove a member (admin), or leave the workspace (any member, for themself)',
        params: ZMemberParams,
      },
    },
    async (request, reply) => {
      const signedIn = await requireUser(services, request);
      const self = request.params.userId === signedIn.user.id;
      // Leaving needs no second factor: a workspace that requires one must still let people go.
      const ctx = await requireMember(services, request, self ? 'viewer' : 'admin', { allowWithoutTwoFactor: self });
      await removeMember(services, actorOf(ctx), request.params.userId);
      return reply.status(204).send();
    },
  );

  // Invitations

  r.post(
    '/api/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invite someone by email (admin; only an owner invites an owner)',
        body: ZCreateInvitationInput,
        response: { 201: ZInvitation },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      return reply.status(201).send(await createInvitation(services, actorOf(ctx), request.body));
    },
  );

  r.get(
    '/api/invitations',
    { schema: { tags: ['invitations'], summary: 'Pending invitations (admin)', response: { 200: ZInvitationList } } },
    async (request) => ({
      invitations: await listInvitations(services, actorOf(await requireMember(services, request, 'admin'))),
    }),
  );

  r.get(
    '/api/invitations/lookup',
    {
      schema: {
        tags: ['invitations'],
        summary: 'What an invitation link is for (no sign-in: the token is the permission)',
        security: [],
        querystring: ZInvitationLookupQuery,
        response: { 200: ZInvitationLookup },
      },
    },
    async (request) => lookupInvitation(services, request.query.token),
  );

  r.post(
    '/api/invitations/accept',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Accept an invitation addressed to my email',
        body: ZAcceptInvitationInput,
        response: { 200: ZAcceptedInvitation },
      },
    },
    async (request) => {
      const me = await requireUser(services, request);
      return acceptInvitation(
        services,
        { id: me.user.id, email: me.user.email, sessionId: me.session.id },
        request.body.token,
      );
    },
  );

  r.delete(
    '/api/invitations/:invitationId',
    { schema: { tags: ['invitations'], summary: 'Withdraw a pending invitation (admin)', params: ZInvitationParams } },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      await revokeInvitation(services, actorOf(ctx), request.params.invitationId);
      return reply.status(204).send();
    },
  );

  // Teams

  r.get(
    '/api/teams',
    { schema: { tags: ['teams'], summary: 'Teams and who is in them', response: { 200: ZTeamList } } },
    async (request) => ({
      teams: await listTeams(services, actorOf(await requireMember(services, request, 'viewer'))),
    }),
  );

  r.post(
    '/api/teams',
    { schema: { tags: ['teams'], summary: 'Create a team (admin)', body: ZTeamInput, response: { 201: ZTeam } } },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      return reply.status(201).send(await createTeam(services, actorOf(ctx), request.body));
    },
  );

  r.patch(
    '/api/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Rename a team (admin)',
        params: ZTeamParams,
        body: ZTeamInput,
        response: { 200: ZTeam },
      },
    },
    async (request) =>
      renameTeam(
        services,
        actorOf(await requireMember(services, request, 'admin')),
        request.params.teamId,
        request.body,
      ),
  );

  r.delete(
    '/api/teams/:teamId',
    { schema: { tags: ['teams'], summary: 'Delete a team (admin)', params: ZTeamParams } },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      await deleteTeam(services, actorOf(ctx), request.params.teamId);
      return reply.status(204).send();
    },
  );

  r.put(
    '/api/teams/:teamId/members/:userId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Put a member in a team (admin)',
        params: ZTeamMemberParams,
        response: { 200: ZTeam },
      },
    },
    async (request) =>
      addTeamMember(
        services,
        actorOf(await requireMember(services, request, 'admin')),
        request.params.teamId,
        request.params.userId,
      ),
  );

  r.delete(
    '/api/teams/:teamId/members/:userId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Take a member out of a team (admin)',
        params: ZTeamMemberParams,
        response: { 200: ZTeam },
      },
    },
    async (request) =>
      removeTeamMember(
        services,
        actorOf(await requireMember(services, request, 'admin')),
        request.params.teamId,
        request.params.userId,
      ),
  );
}

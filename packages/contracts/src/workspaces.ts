// Zod schemas of the workspace API (workspaces, members, invitations, teams). Shared by server and web.
import { z } from 'zod';
import { ZCountryCode, ZEmail, ZRegion } from './common.ts';

export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const ZWorkspaceRole = z.enum(WORKSPACE_ROLES);
export type TWorkspaceRole = z.infer<typeof ZWorkspaceRole>;

export const ZWorkspaceCountry = ZCountryCode;
export const ZWorkspaceRegionCode = ZRegion;

export const ZWorkspaceName = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');
export const ZTeamName = z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters');
export const ZEmailAddress = ZEmail;

const ZId = z.uuid('must be a UUID');
const ZTimestamp = z.string();

// Workspaces

export const ZWorkspace = z.object({
  workspaceId: ZId,
  name: z.string(),
  country: z.string(),
  region: z.string(),
  requireTwoFactor: z.boolean(),
  /** The caller's role here. */
  role: ZWorkspaceRole,
  createdAt: ZTimestamp,
});
export type TWorkspace = z.infer<typeof ZWorkspace>;

export const ZWorkspaceListItem = z.object({
  workspaceId: ZId,
  name: z.string(),
  country: z.string(),
  region: z.string(),
  requireTwoFactor: z.boolean(),
  role: ZWorkspaceRole,
  active: z.boolean(),
});
export type TWorkspaceListItem = z.infer<typeof ZWorkspaceListItem>;

export const ZWorkspaceList = z.object({ workspaces: z.array(ZWorkspaceListItem), activeWorkspaceId: ZId.nullable() });
export type TWorkspaceList = z.infer<typeof ZWorkspaceList>;

export const ZCreateWorkspaceInput = z
  .object({ name: ZWorkspaceName, country: ZWorkspaceCountry, region: ZWorkspaceRegionCode })
  .strict();
export type TCreateWorkspaceInput = z.infer<typeof ZCreateWorkspaceInput>;

export const ZUpdateWorkspaceInput = z
  .object({
    name: ZWorkspaceName.optional(),
    country: ZWorkspaceCountry.optional(),
    region: ZWorkspaceRegionCode.optional(),
    requireTwoFactor: z.boolean().optional(),
  })
  .strict();
export type TUpdateWorkspaceInput = z.infer<typeof ZUpdateWorkspaceInput>;

export const ZSwitchWorkspaceInput = z.object({ workspaceId: ZId }).strict();
export type TSwitchWorkspaceInput = z.infer<typeof ZSwitchWorkspaceInput>;

// Members

export const ZTeamRef = z.object({ teamId: ZId, name: z.string() });

export const ZMember = z.object({
  userId: ZId,
  name: z.string(),
  email: z.string(),
  role: ZWorkspaceRole,
  teams: z.array(ZTeamRef),
  twoFactorEnabled: z.boolean(),
  joinedAt: ZTimestamp,
});
export type TMember = z.infer<typeof ZMember>;

export const ZMemberPage = z.object({ members: z.array(ZMember), nextAfter: ZId.nullable() });
export type TMemberPage = z.infer<typeof ZMemberPage>;

export const ZMemberListQuery = z
  .object({
    after: ZId.optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  })
  .strict();
export type TMemberListQuery = z.infer<typeof ZMemberListQuery>;

export const ZMemberParams = z.object({ userId: ZId }).strict();
export const ZUpdateMemberInput = z.object({ role: ZWorkspaceRole }).strict();
export type TUpdateMemberInput = z.infer<typeof ZUpdateMemberInput>;

// Invitations

export const INVITATION_STATES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export const ZInvitationState = z.enum(INVITATION_STATES);

export const ZInvitation = z.object({
  invitationId: ZId,
  email: z.string(),
  role: ZWorkspaceRole,
  teamId: ZId.nullable(),
  status: ZInvitationState,
  invitedBy: ZId.nullable(),
  createdAt: ZTimestamp,
  expiresAt: ZTimestamp,
});
export type TInvitation = z.infer<typeof ZInvitation>;

export const ZInvitationList = z.object({ invitations: z.array(ZInvitation) });

export const ZCreateInvitationInput = z
  .object({ email: ZEmailAddress, role: ZWorkspaceRole, teamId: ZId.optional() })
  .strict();
export type TCreateInvitationInput = z.infer<typeof ZCreateInvitationInput>;

export const ZInvitationParams = z.object({ invitationId: ZId }).strict();

/** `<workspaceId>.<secret>`: the workspace id tells the server where to look. */
export const ZInvitationToken = z
  .string()
  .min(40, 'is not an invitation token')
  .max(200, 'is not an invitation token')
  .regex(/^[0-9a-fA-F-]{36}\.[A-Za-z0-9_-]+$/, 'is not an invitation token');

export const ZInvitationLookupQuery = z.object({ token: ZInvitationToken }).strict();

export const ZInvitationLookup = z.object({
  workspaceName: z.string(),
  email: z.string(),
  role: ZWorkspaceRole,
  status: ZInvitationState,
  expired: z.boolean(),
  expiresAt: ZTimestamp,
});
export type TInvitationLookup = z.infer<typeof ZInvitationLookup>;

export const ZAcceptInvitationInput = z.object({ token: ZInvitationToken }).strict();
export const ZAcceptedInvitation = z.object({ workspaceId: ZId, role: ZWorkspaceRole });
export type TAcceptedInvitation = z.infer<typeof ZAcceptedInvitation>;

// Teams

export const ZTeam = z.object({
  teamId: ZId,
  name: z.string(),
  memberCount: z.number().int(),
  memberIds: z.array(ZId),
  createdAt: ZTimestamp,
});
export type TTeam = z.infer<typeof ZTeam>;

export const ZTeamList = z.object({ teams: z.array(ZTeam) });
export const ZTeamInput = z.object({ name: ZTeamName }).strict();
export type TTeamInput = z.infer<typeof ZTeamInput>;
export const ZTeamParams = z.object({ teamId: ZId }).strict();
export const ZTeamMemberParams = z.object({ teamId: ZId, userId: ZId }).strict();

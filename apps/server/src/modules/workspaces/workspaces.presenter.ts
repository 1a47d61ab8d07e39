import type { TInvitation, TMember, TTeam, TWorkspace, TWorkspaceListItem } from '@tillit/contracts';
import type { WorkspaceRole } from '../../db/schema/index.ts';

/** Rows to responses: nothing leaves the server as a raw row. */

export type WorkspaceRow = {
  workspaceId: string;
  name: string;
  country: string;
  region: string;
  requireTwoFactor: boolean;
  createdAt: Date;
};

export function presentWorkspace(row: WorkspaceRow, role: WorkspaceRole): TWorkspace {
  return {
    workspaceId: row.workspaceId,
    name: row.name,
    country: row.country,
    region: row.region,
    requireTwoFactor: row.requireTwoFactor,
    role,
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentMyWorkspace(
  row: Omit<WorkspaceRow, 'createdAt'> & { role: WorkspaceRole },
  activeWorkspaceId: string | null,
): TWorkspaceListItem {
  return {
    workspaceId: row.workspaceId,
    name: row.name,
    country: row.country,
    region: row.region,
    requireTwoFactor: row.requireTwoFactor,
    role: row.role,
    active: row.workspaceId === activeWorkspaceId,
  };
}

export type MemberRow = {
  userId: string;
  name: string;
  email: string;
  role: WorkspaceRole;
  twoFactorEnabled: boolean;
  joinedAt: Date;
};

export function presentMember(row: MemberRow, teams: { teamId: string; name: string }[]): TMember {
  return {
    userId: row.userId,
    name: row.name,
    email: row.email,
    role: row.role,
    teams,
    twoFactorEnabled: row.twoFactorEnabled,
    joinedAt: row.joinedAt.toISOString(),
  };
}

export type InvitationRow = {
  invitationId: string;
  email: string;
  role: WorkspaceRole;
  teamId: string | null;
  status: 'pending' | 'accepted' | 'revoked';
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
};

/** A pending invitation past its time reads as `expired`. */
export function invitationState(row: Pick<InvitationRow, 'status' | 'expiresAt'>, now: Date): TInvitation['status'] {
  return row.status === 'pending' && row.expiresAt.getTime() <= now.getTime() ? 'expired' : row.status;
}

export function presentInvitation(row: InvitationRow, now: Date): TInvitation {
  return {
    invitationId: row.invitationId,
    email: row.email,
    role: row.role,
    teamId: row.teamId,
    status: invitationState(row, now),
    invitedBy: row.invitedBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

export function presentTeam(row: { teamId: string; name: string; createdAt: Date }, memberIds: string[]): TTeam {
  return {
    teamId: row.teamId,
    name: row.name,
    memberCount: memberIds.length,
    memberIds,
    createdAt: row.createdAt.toISOString(),
  };
}

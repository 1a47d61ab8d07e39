import { queryOptions } from '@tanstack/react-query';
import type { TInvitation, TMember, TMemberPage, TTeam, TWorkspace, TWorkspaceListItem } from '@tillit/contracts';
import { api, asList } from '../../lib/api.ts';
import type { Role } from '../../lib/format.ts';

export type { TMember, TTeam, TWorkspace, TWorkspaceListItem } from '@tillit/contracts';
export type TCreateWorkspaceInput = { name: string; country: string; region: string };
export type TUpdateWorkspaceInput = Partial<{
  name: string;
  country: string;
  region: string;
  requireTwoFactor: boolean;
}>;

export const workspacesQuery = queryOptions({
  queryKey: ['workspaces'],
  queryFn: async () => asList<TWorkspaceListItem>(await api<unknown>('/api/workspaces'), 'workspaces'),
});

export const currentWorkspaceQuery = queryOptions({
  queryKey: ['workspaces', 'current'],
  queryFn: () => api<TWorkspace>('/api/workspaces/current'),
});

export const createWorkspace = (input: TCreateWorkspaceInput) =>
  api<TWorkspace>('/api/workspaces', { method: 'POST', body: input });
export const updateWorkspace = (input: TUpdateWorkspaceInput) =>
  api<TWorkspace>('/api/workspaces/current', { method: 'PATCH', body: input });
const REMEMBER_KEY = 'tillit.workspace';

/** Switches the session's workspace and remembers it for the next sign-in on this browser. */
export async function switchWorkspace(workspaceId: string): Promise<unknown> {
  const result = await api<unknown>('/api/workspaces/switch', { method: 'POST', body: { workspaceId } });
  try {
    localStorage.setItem(REMEMBER_KEY, workspaceId);
  } catch {}
  return result;
}

export function rememberedWorkspace(): string | null {
  try {
    return localStorage.getItem(REMEMBER_KEY);
  } catch {
    return null;
  }
}

// Members, invitations and teams of the active workspace.

/** An invitation; the server may also hand back its link (e.g. when no mail server is set). */
export type TInvitationWithLink = TInvitation & { url?: string; link?: string };

export const membersQuery = queryOptions({
  queryKey: ['members'],
  queryFn: () => fetchAllMembers(),
});

/** Every member, page by page: a workspace has at most a few hundred. */
async function fetchAllMembers(): Promise<TMember[]> {
  const out: TMember[] = [];
  let after: string | null | undefined;
  for (let i = 0; i < 50; i++) {
    const q = new URLSearchParams({ limit: '200' });
    if (after) q.set('after', after);
    const page = await api<TMemberPage>(`/api/members?${q}`);
    out.push(...page.members);
    after = page.nextAfter;
    if (!after) break;
  }
  return out;
}

export const updateMemberRole = (userId: string, role: Role) =>
  api<TMember>(`/api/members/${encodeURIComponent(userId)}`, { method: 'PATCH', body: { role } });
export const removeMember = (userId: string) =>
  api<unknown>(`/api/members/${encodeURIComponent(userId)}`, { method: 'DELETE' });

export const invitationsQuery = queryOptions({
  queryKey: ['invitations'],
  queryFn: async () => asList<TInvitationWithLink>(await api<unknown>('/api/invitations'), 'invitations'),
});
export const createInvitation = (input: { email: string; role: Role; teamId?: string }) =>
  api<TInvitationWithLink | { invitation: TInvitationWithLink; url?: string }>('/api/invitations', {
    method: 'POST',
    body: input,
  });
export const revokeInvitation = (invitationId: string) =>
  api<unknown>(`/api/invitations/${encodeURIComponent(invitationId)}`, { method: 'DELETE' });

export const teamsQuery = queryOptions({
  queryKey: ['teams'],
  queryFn: async () => asList<TTeam>(await api<unknown>('/api/teams'), 'teams'),
});
export const createTeam = (name: string) => api<TTeam>('/api/teams', { method: 'POST', body: { name } });
export const renameTeam = (teamId: string, name: string) =>
  api<TTeam>(`/api/teams/${encodeURIComponent(teamId)}`, { method: 'PATCH', body: { name } });
export const deleteTeam = (teamId: string) =>
  api<unknown>(`/api/teams/${encodeURIComponent(teamId)}`, { method: 'DELETE' });
export const addTeamMember = (teamId: string, userId: string) =>
  api<unknown>(`/api/teams/${encodeURIComponent(teamId)}/members/${encodeURIComponent(userId)}`, { method: 'PUT' });
export const removeTeamMember = (teamId: string, userId: string) =>
  api<unknown>(`/api/teams/${encodeURIComponent(teamId)}/members/${encodeURIComponent(userId)}`, {
    method: 'DELETE',
  });

import { queryOptions } from '@tanstack/react-query';
import type { TMe, TMeWorkspace } from '@tillit/contracts';
import { ApiError, api } from '../../lib/api.ts';

export type { TMe } from '@tillit/contracts';
export type TMyWorkspace = TMeWorkspace;

export type TSetup = { firstRun: boolean; mail: 'smtp' | 'outbox' };

export type TSignUpInput = {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  locale?: string;
  invitationToken?: string;
};

export type TUpdateMeInput = Partial<{
  firstName: string;
  lastName: string;
  phone: string | null;
  address: Partial<{
    street: string | null;
    state: string | null;
    postalCode: string | null;
    city: string | null;
    country: string | null;
  }>;
  locale: string;
}>;

export const setupQuery = queryOptions({
  queryKey: ['setup'],
  queryFn: () => api<TSetup>('/api/setup'),
  staleTime: 60_000,
});

/** The signed-in account, or null when nobody is signed in. Asks better-auth's session
 *  endpoint first (200 with null when signed out) so that a visitor's browser console
 *  shows no failed request. */
export const meQuery = queryOptions({
  queryKey: ['me'],
  queryFn: async () => {
    const session = await api<{ session?: unknown } | null>('/api/auth/get-session');
    if (!session?.session) return null;
    try {
      return await api<TMe>('/api/account/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },
  staleTime: 30_000,
});

export function activeWorkspace(me: TMe | null | undefined): TMyWorkspace | undefined {
  if (!me) return undefined;
  return me.workspaces.find((w) => w.workspaceId === me.activeWorkspaceId) ?? me.workspaces[0];
}

export function isWorkspaceAdmin(me: TMe | null | undefined): boolean {
  const role = activeWorkspace(me)?.role;
  return role === 'owner' || role === 'admin';
}

export function displayName(me: Pick<TMe, 'firstName' | 'lastName' | 'email'>): string {
  const name = `${me.firstName ?? ''} ${me.lastName ?? ''}`.trim();
  return name || me.email;
}

export const signUp = (input: TSignUpInput) => api<TMe>('/api/account/sign-up', { method: 'POST', body: input });
export const updateMe = (input: TUpdateMeInput) => api<TMe>('/api/account/me', { method: 'PATCH', body: input });
export const deleteMe = (password: string) => api<unknown>('/api/account/me', { method: 'DELETE', body: { password } });

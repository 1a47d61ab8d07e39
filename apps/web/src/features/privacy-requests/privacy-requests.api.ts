import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type {
  TCreatePrivacyRequestBody,
  TFulfilPrivacyRequestResult,
  TPrivacyRequestDetail,
  TPrivacyRequestList,
  TPrivacyRequestSettings,
  TPublicPrivacyInfo,
  TPublicStartBody,
  TPublicStartResult,
  TPublicVerifyResult,
  TUpdatePrivacyRequestBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type {
  TPrivacyRequest,
  TPrivacyRequestDetail,
  TPrivacyRequestKind,
  TPrivacyRequestStatus,
} from '@tillit/contracts';
export { PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_STATUSES } from '@tillit/contracts';

const BASE = '/api/v1/privacy/requests';

export type InboxFilter = { status?: string; kind?: string; overdue?: boolean; personId?: string };

export function requestsQuery(filter: InboxFilter) {
  return infiniteQueryOptions({
    queryKey: ['privacy-requests', 'list', filter],
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: '50' });
      if (filter.status) q.set('status', filter.status);
      if (filter.kind) q.set('kind', filter.kind);
      if (filter.overdue) q.set('overdue', 'true');
      if (filter.personId) q.set('personId', filter.personId);
      if (pageParam) q.set('after', pageParam);
      return api<TPrivacyRequestList>(`${BASE}?${q}`);
    },
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export const requestQuery = (id: string) =>
  queryOptions({
    queryKey: ['privacy-requests', 'one', id],
    queryFn: () => api<TPrivacyRequestDetail>(`${BASE}/${id}`),
  });

export const createRequest = (body: TCreatePrivacyRequestBody) =>
  api<TPrivacyRequestDetail>(BASE, { method: 'POST', body });
export const updateRequest = (id: string, body: TUpdatePrivacyRequestBody) =>
  api<TPrivacyRequestDetail>(`${BASE}/${id}`, { method: 'PATCH', body });
export const addRequestNote = (id: string, note: string) =>
  api<TPrivacyRequestDetail>(`${BASE}/${id}/notes`, { method: 'POST', body: { note } });
export const extendRequest = (id: string, months: 1 | 2, reason: string) =>
  api<TPrivacyRequestDetail>(`${BASE}/${id}/extend`, { method: 'POST', body: { months, reason } });
export const refuseRequest = (id: string, reason: string) =>
  api<TPrivacyRequestDetail>(`${BASE}/${id}/refuse`, { method: 'POST', body: { reason } });
export const fulfilRequest = (id: string, body: { purposeKey?: string; note?: string; confirm?: string }) =>
  api<TFulfilPrivacyRequestResult>(`${BASE}/${id}/fulfil`, { method: 'POST', body });
export const packageDownloadPath = (requestId: string, packageId: string, part?: string) =>
  `${BASE}/${requestId}/packages/${packageId}/download${part ? `?part=${encodeURIComponent(part)}` : ''}`;

export const settingsQuery = queryOptions({
  queryKey: ['privacy-requests', 'settings'],
  queryFn: () => api<TPrivacyRequestSettings>('/api/v1/privacy/request-settings'),
});
export const saveSettings = (body: {
  authorityName: string | null;
  authorityUrl: string | null;
  contactEmail?: string | null;
}) => api<TPrivacyRequestSettings>('/api/v1/privacy/request-settings', { method: 'PUT', body });

// The public page

export const publicInfoQuery = (workspaceId: string) =>
  queryOptions({
    queryKey: ['public-privacy', workspaceId],
    queryFn: () => api<TPublicPrivacyInfo>(`/api/public/privacy/${workspaceId}`),
    retry: false,
  });
export const startPublicRequest = (workspaceId: string, body: TPublicStartBody) =>
  api<TPublicStartResult>(`/api/public/privacy/${workspaceId}/start`, { method: 'POST', body });
export const verifyPublicRequest = (workspaceId: string, verificationId: string, code: string) =>
  api<TPublicVerifyResult>(`/api/public/privacy/${workspaceId}/verify`, {
    method: 'POST',
    body: { verificationId, code },
  });

/** Open requests past their due date are shown in red. */
export const isClosed = (status: string) => status === 'fulfilled' || status === 'refused';

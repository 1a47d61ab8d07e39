import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type {
  TConsentHistory,
  TConsentStateAt,
  TCreatePurposeBody,
  TNotice,
  TPersonPrivacy,
  TPurposeList,
  TRecordConsentBody,
  TRecordObjectionBody,
  TRegister,
  TUpdatePurposeBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';

// Purposes, consents, restriction, objections, the register and the notice (issue 4).

export const personPrivacyQuery = (personId: string) =>
  queryOptions({
    queryKey: ['people', personId, 'privacy'],
    queryFn: () => api<TPersonPrivacy>(`/api/v1/people/${personId}/privacy`),
  });

export const consentHistoryQuery = (personId: string) =>
  infiniteQueryOptions({
    queryKey: ['people', personId, 'privacy', 'consents'],
    queryFn: ({ pageParam }) =>
      api<TConsentHistory>(
        `/api/v1/people/${personId}/consents?limit=20${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const consentStateAtQuery = (personId: string, at: string) =>
  queryOptions({
    queryKey: ['people', personId, 'privacy', 'state', at],
    queryFn: () => api<TConsentStateAt>(`/api/v1/people/${personId}/consents/state?at=${encodeURIComponent(at)}`),
    enabled: Boolean(at),
  });

export const recordConsent = (personId: string, body: TRecordConsentBody) =>
  api(`/api/v1/people/${personId}/consents`, { method: 'POST', body });
export const sendDoubleOptIn = (personId: string, purposeKey: string) =>
  api<{ confirmationId: string; sentTo: string }>(`/api/v1/people/${personId}/consents/double-opt-in`, {
    method: 'POST',
    body: { purposeKey },
  });
export const restrictPerson = (personId: string, reason: string) =>
  api(`/api/v1/people/${personId}/restriction`, { method: 'POST', body: { reason } });
export const liftRestriction = (personId: string, reason: string) =>
  api(`/api/v1/people/${personId}/restriction/lift`, { method: 'POST', body: { reason } });
export const recordObjection = (personId: string, body: TRecordObjectionBody) =>
  api(`/api/v1/people/${personId}/objections`, { method: 'POST', body });
export const withdrawObjection = (personId: string, objectionId: string) =>
  api(`/api/v1/people/${personId}/objections/${objectionId}/withdraw`, { method: 'POST' });

export const purposesQuery = (archived = false) =>
  queryOptions({
    queryKey: ['privacy', 'purposes', archived],
    queryFn: () => api<TPurposeList>(`/api/privacy/purposes${archived ? '?archived=true' : ''}`),
  });
export const createPurpose = (body: TCreatePurposeBody) => api('/api/privacy/purposes', { method: 'POST', body });
export const updatePurpose = (key: string, body: TUpdatePurposeBody) =>
  api(`/api/privacy/purposes/${encodeURIComponent(key)}`, { method: 'PATCH', body });

export const noticeQuery = queryOptions({
  queryKey: ['privacy', 'notice'],
  queryFn: () => api<TNotice>('/api/privacy/notice'),
});
export const publishNotice = (body: string) => api<TNotice>('/api/privacy/notice', { method: 'POST', body: { body } });

export const registerQuery = queryOptions({
  queryKey: ['privacy', 'register'],
  queryFn: () => api<TRegister>('/api/privacy/register'),
});

export const confirmConsentLink = (token: string) =>
  api<{ purposeKey: string; already: boolean }>('/api/public/consent/confirm', { method: 'POST', body: { token } });
export const withdrawConsentLink = (token: string) =>
  api<{ purposeKey: string; already: boolean }>('/api/public/consent/withdraw', { method: 'POST', body: { token } });

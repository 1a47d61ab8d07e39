import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type {
  TCreateLegalHoldBody,
  TErasePersonBody,
  TErasureCertificate,
  TErasureList,
  TLegalHold,
  TLegalHoldList,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TCertificateEntry, TErasureCertificate, TLegalHold } from '@tillit/contracts';

/** A person's erasure certificates (admins only on the server). */
export function erasuresQuery(personId: string) {
  return queryOptions({
    queryKey: ['people', personId, 'erasures'],
    queryFn: () => api<TErasureList>(`/api/v1/people/${personId}/erasures`),
  });
}

export function erasePerson(personId: string, body: TErasePersonBody): Promise<TErasureCertificate> {
  return api<TErasureCertificate>(`/api/v1/people/${personId}/erase`, { method: 'POST', body });
}

export function legalHoldsQuery(filter: { personId?: string; active?: 'true' | 'false' } = {}) {
  return infiniteQueryOptions({
    queryKey: ['legal-holds', filter],
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: '50' });
      if (filter.personId) q.set('personId', filter.personId);
      if (filter.active) q.set('active', filter.active);
      if (pageParam) q.set('after', pageParam);
      return api<TLegalHoldList>(`/api/v1/legal-holds?${q}`);
    },
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function placeHold(body: TCreateLegalHoldBody): Promise<TLegalHold> {
  return api<TLegalHold>('/api/v1/legal-holds', { method: 'POST', body });
}

export function releaseHold(id: string): Promise<TLegalHold> {
  return api<TLegalHold>(`/api/v1/legal-holds/${id}/release`, { method: 'POST' });
}

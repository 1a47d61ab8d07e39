import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { TSearchResponse } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TSearchResponse, TSearchResult } from '@tillit/contracts';

/** The global search; the previous answer stays on screen while the next one loads. */
export const searchQuery = (q: string) =>
  queryOptions({
    queryKey: ['search', q],
    queryFn: ({ signal }) =>
      api<TSearchResponse>(`/api/v1/search?${new URLSearchParams({ q, limit: '10' })}`, { signal }),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
    meta: { background: true },
  });

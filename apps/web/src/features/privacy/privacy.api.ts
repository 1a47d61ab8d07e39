import { infiniteQueryOptions } from '@tanstack/react-query';
import type { TAccessList } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TAccessEntry } from '@tillit/contracts';

/** Who read a person's record, newest first (admins only on the server). */
export function personAccessesQuery(personId: string) {
  return infiniteQueryOptions({
    queryKey: ['people', personId, 'accesses'],
    queryFn: ({ pageParam }) =>
      api<TAccessList>(
        `/api/v1/people/${personId}/accesses?limit=20${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

import { infiniteQueryOptions } from '@tanstack/react-query';
import type { TTrashItem, TTrashKind, TTrashList } from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { listQuery } from '../people/people.api.ts';

export type { TTrashItem, TTrashKind } from '@tillit/contracts';

export const trashQuery = (kind: TTrashKind | undefined) =>
  infiniteQueryOptions({
    queryKey: ['trash', kind ?? 'all'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TTrashList>(`/api/v1/trash?${listQuery({ kind }, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
  });

/** Puts the record back where it was; answers with the restored person or company. */
export const restoreFromTrash = (item: Pick<TTrashItem, 'kind' | 'id'>) =>
  api<unknown>(`/api/v1/trash/${item.kind}/${encodeURIComponent(item.id)}/restore`, { method: 'POST' });

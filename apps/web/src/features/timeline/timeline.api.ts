import { infiniteQueryOptions } from '@tanstack/react-query';
import type {
  TCreateInteractionBody,
  TCreateNoteBody,
  TInteraction,
  TNote,
  TTimeline,
  TTrashItem,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TInteraction, TNote, TTimeline, TTimelineItem } from '@tillit/contracts';
export type TTimelineRecordKind = 'person' | 'company' | 'deal';

/** GET /api/v1/timeline?person=… newest first, by keyset pages ("Load more"). */
export const timelineQuery = (kind: TTimelineRecordKind, id: string) =>
  infiniteQueryOptions({
    queryKey: ['timeline', kind, id],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ [kind]: id, limit: '20' });
      if (pageParam) q.set('after', pageParam);
      return api<TTimeline>(`/api/v1/timeline?${q}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? null,
  });

export const createNote = (body: TCreateNoteBody) => api<TNote>('/api/v1/notes', { method: 'POST', body });
export const deleteNote = (id: string) =>
  api<TTrashItem>(`/api/v1/notes/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const createInteraction = (body: TCreateInteractionBody) =>
  api<TInteraction>('/api/v1/interactions', { method: 'POST', body });
export const deleteInteraction = (id: string) =>
  api<null>(`/api/v1/interactions/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** The link body for a record of `kind`. */
export const linksTo = (kind: TTimelineRecordKind, id: string) =>
  kind === 'person' ? { personIds: [id] } : kind === 'company' ? { companyIds: [id] } : { dealIds: [id] };

import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  PROJECT_SORTS,
  TCreateProjectBody,
  TDeletedProject,
  TProject,
  TProjectList,
  TUpdateProjectBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { listQuery, type TSortDir } from '../people/people.api.ts';

export type { TCreateProjectBody, TProject, TProjectStatus, TUpdateProjectBody } from '@tillit/contracts';
export { PROJECT_STATUSES } from '@tillit/contracts';

export type TProjectFilters = {
  status?: string;
  member?: string;
  companyId?: string;
  dealId?: string;
  sort?: (typeof PROJECT_SORTS)[number];
  dir?: TSortDir;
};

const base = '/api/v1/projects';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const projectsListQuery = (filters: TProjectFilters) =>
  infiniteQueryOptions({
    queryKey: ['projects', 'list', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TProjectList>(`${base}?${listQuery(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });

/** For pickers: the first 200 projects by name (a workspace has far fewer live projects than records). */
export const projectsPickQuery = queryOptions({
  queryKey: ['projects', 'pick'],
  queryFn: ({ signal }) => api<TProjectList>(`${base}?sort=name&dir=asc&limit=200`, { signal }).then((r) => r.items),
  staleTime: 30_000,
});

export const projectQuery = (id: string) =>
  queryOptions({ queryKey: ['projects', 'one', id], queryFn: ({ signal }) => api<TProject>(one(id), { signal }) });

export const createProject = (body: TCreateProjectBody) => api<TProject>(base, { method: 'POST', body });
export const updateProject = (id: string, body: TUpdateProjectBody) =>
  api<TProject>(one(id), { method: 'PATCH', body });
export const deleteProject = (id: string) => api<TDeletedProject>(one(id), { method: 'DELETE' });

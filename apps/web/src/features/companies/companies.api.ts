import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { TCompany, TCompanyList, TCreateCompanyBody, TTrashItem, TUpdateCompanyBody } from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { listQuery, type TSortDir, type TSortField } from '../people/people.api.ts';

export type { TCompany, TCreateCompanyBody, TUpdateCompanyBody } from '@tillit/contracts';
export { COMPANY_SIZES } from '@tillit/contracts';

export type TCompanyFilters = {
  q?: string;
  tag?: string;
  ownerId?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** Table-view filters, `field:op:value` each. */
  filter?: string[];
  sort?: TSortField;
  dir?: TSortDir;
};

const base = '/api/v1/companies';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const companiesListQuery = (filters: TCompanyFilters) =>
  infiniteQueryOptions({
    queryKey: ['companies', 'list', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TCompanyList>(`${base}?${listQuery(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });

export const companyQuery = (id: string) =>
  queryOptions({
    queryKey: ['companies', 'one', id],
    queryFn: ({ signal }) => api<TCompany>(one(id), { signal }),
  });

/** Companies whose name matches, for pickers: the first page is enough to choose from. */
export async function searchCompanies(q: string): Promise<{ value: string; label: string }[]> {
  const params = new URLSearchParams({ limit: '20', sort: 'name', dir: 'asc' });
  if (q.trim()) params.set('q', q.trim());
  const page = await api<TCompanyList>(`${base}?${params}`);
  return page.items.map((c) => ({ value: c.id, label: c.name }));
}

export const createCompany = (input: TCreateCompanyBody) => api<TCompany>(base, { method: 'POST', body: input });
export const updateCompany = (id: string, input: TUpdateCompanyBody) =>
  api<TCompany>(one(id), { method: 'PATCH', body: input });
export const deleteCompany = (id: string) => api<TTrashItem>(one(id), { method: 'DELETE' });

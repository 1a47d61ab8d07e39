import {
  type InfiniteData,
  infiniteQueryOptions,
  keepPreviousData,
  type QueryClient,
  queryOptions,
  useQuery,
} from '@tanstack/react-query';
import type {
  COMPANY_TEXT_SORTS,
  PERSON_TEXT_SORTS,
  TAddress,
  TCreatePersonBody,
  TLinkCompanyBody,
  TPerson,
  TPersonEmail,
  TPersonList,
  TPersonPhone,
  TRecordVisibility,
  TTrashItem,
  TUpdatePersonBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { i18n } from '../../lib/i18n.ts';
import { activeWorkspace, isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { teamsQuery } from '../workspaces/workspaces.api.ts';

export type {
  TAddress,
  TCreatePersonBody,
  TPerson,
  TPersonCompany,
  TRecordVisibility,
  TSubjectCategory,
  TUpdatePersonBody,
} from '@tillit/contracts';
export {
  EMAIL_TYPES,
  PHONE_TYPES,
  RECORD_VISIBILITIES as VISIBILITIES,
  SUBJECT_CATEGORIES,
} from '@tillit/contracts';

export type TVisibility = TRecordVisibility;
export type TContactPoint = TPersonEmail | TPersonPhone;
export type TPostalAddress = TAddress;

/** A built-in sort, or `cf.<key>` for a custom field. */
export type TSortField =
  | 'name'
  | 'createdAt'
  | 'updatedAt'
  | (typeof PERSON_TEXT_SORTS)[number]
  | (typeof COMPANY_TEXT_SORTS)[number]
  | 'owner'
  | 'size'
  | `cf.${string}`;
export type TSortDir = 'asc' | 'desc';
export type TPage<T> = { items: T[]; nextCursor: string | null };

export type TPeopleFilters = {
  q?: string;
  tag?: string;
  ownerId?: string;
  subjectCategory?: string;
  companyId?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** Table-view filters, `field:op:value` each (custom fields as cf.<key>). */
  filter?: string[];
  sort?: TSortField;
  dir?: TSortDir;
};

export const PAGE_SIZE = 50;

/** Query-string of a list call: only the filters that are set. */
export function listQuery(filters: Record<string, string | string[] | undefined>, after: string | null): string {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [key, value] of Object.entries(filters)) {
    if (Array.isArray(value)) for (const v of value) q.append(key, v);
    else if (value) q.set(key, value);
  }
  if (after) q.set('after', after);
  return q.toString();
}

export function personName(p: Pick<TPerson, 'firstName' | 'lastName'>): string {
  return `${p.firstName ?? ''} ${p.lastName ?? ''}`.trim();
}

export function primaryOf(points: TContactPoint[] | undefined): string | undefined {
  if (!points?.length) return undefined;
  return (points.find((p) => p.primary) ?? points[0])?.value;
}

const base = '/api/v1/people';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const peopleListQuery = (filters: TPeopleFilters) =>
  infiniteQueryOptions({
    queryKey: ['people', 'list', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TPersonList>(`${base}?${listQuery(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });

export const personQuery = (id: string) =>
  queryOptions({
    queryKey: ['people', 'one', id],
    queryFn: ({ signal }) => getPerson(id, signal),
  });

export const getPerson = (id: string, signal?: AbortSignal) => api<TPerson>(one(id), { signal });
export const createPerson = (input: TCreatePersonBody) => api<TPerson>(base, { method: 'POST', body: input });
export const updatePerson = (id: string, input: TUpdatePersonBody) =>
  api<TPerson>(one(id), { method: 'PATCH', body: input });
/** Moves the person to the trash; the answer says when it will be purged. */
export const deletePerson = (id: string) => api<TTrashItem>(one(id), { method: 'DELETE' });

const link = (personId: string, companyId: string) => `${one(personId)}/companies/${encodeURIComponent(companyId)}`;
/** Links the person to a company, or changes the role of an existing link; answers with the person. */
export const linkCompany = (personId: string, body: TLinkCompanyBody) =>
  api<TPerson>(`${one(personId)}/companies`, { method: 'POST', body });
export const unlinkCompany = (personId: string, companyId: string) =>
  api<TPerson>(link(personId, companyId), { method: 'DELETE' });

/** Teams a record can be shared with: every team for an admin, else the reader's own teams. */
export function useTeamOptions(): { value: string; label: string }[] {
  const me = useQuery(meQuery).data;
  const admin = isWorkspaceAdmin(me);
  const all = useQuery({ ...teamsQuery, enabled: admin, meta: { background: true } });
  const teams = admin && all.data ? all.data : (activeWorkspace(me)?.teams ?? []);
  return teams.map((team) => ({ value: team.teamId, label: team.name }));
}

/** People whose name or email starts with the text, for pickers. */
export async function searchPeople(q: string): Promise<{ value: string; label: string }[]> {
  const params = new URLSearchParams({ limit: '20', sort: 'name', dir: 'asc' });
  if (q.trim()) params.set('q', q.trim());
  const page = await api<TPersonList>(`${base}?${params}`);
  return page.items.map((p) => {
    const email = primaryOf(p.emails);
    return { value: p.id, label: email ? `${personName(p)} (${email})` : personName(p) };
  });
}

/** "manual", "import", "sync:google" and so on, in the reader's words. */
export function sourceLabel(source: string): string {
  const [kind, provider] = source.split(':');
  if (kind === 'sync') return i18n.t('sources.sync', { provider: provider ?? '' });
  if (kind === 'manual' || kind === 'import' || kind === 'api' || kind === 'form') return i18n.t(`sources.${kind}`);
  return source;
}

/** Viewers read; members and above create, change and delete records. */
export function useCanWrite(): boolean {
  const me = useQuery(meQuery).data;
  const role = activeWorkspace(me)?.role;
  return Boolean(role) && role !== 'viewer';
}

/** A day picked in a date input ("2026-11-25") as the instant it starts, or the next day starts,
 *  in the reader's time zone: "created from" includes the first day, "until" the last. */
export function dayBoundary(day: string | undefined, edge: 'start' | 'end'): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const at = new Date(y, m - 1, edge === 'start' ? d : d + 1);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** A record already in a loaded list page, shown at once while its own request runs. */
export function findInLists<T extends { id: string }>(qc: QueryClient, prefix: string, id: string): T | undefined {
  for (const [, data] of qc.getQueriesData<InfiniteData<{ items: T[] }>>({ queryKey: [prefix, 'list'] })) {
    for (const page of data?.pages ?? []) {
      const hit = page.items.find((x) => x.id === id);
      if (hit) return hit;
    }
  }
  return undefined;
}

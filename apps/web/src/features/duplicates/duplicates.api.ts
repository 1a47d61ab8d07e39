import { infiniteQueryOptions } from '@tanstack/react-query';
import type { TDuplicateList, TDuplicateReason, TMergeFields, TMergeResult, TPerson } from '@tillit/contracts';
import { MERGE_LIST_FIELDS, MERGE_VALUE_FIELDS } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TDuplicatePair, TDuplicateReason, TMergeFields } from '@tillit/contracts';
export { MERGE_LIST_FIELDS, MERGE_VALUE_FIELDS };

const base = '/api/v1/people';

export const duplicatesQuery = infiniteQueryOptions({
  queryKey: ['people', 'duplicates'],
  initialPageParam: null as string | null,
  queryFn: ({ pageParam, signal }) =>
    api<TDuplicateList>(`${base}/duplicates?limit=25${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`, {
      signal,
    }),
  getNextPageParam: (last) => last.nextCursor ?? null,
});

export const dismissDuplicate = (personIds: [string, string]) =>
  api<null>(`${base}/duplicates/dismiss`, { method: 'POST', body: { personIds } });

export const mergePeople = (body: { survivorId: string; mergedId: string; fields: TMergeFields }) =>
  api<TMergeResult>(`${base}/merge`, { method: 'POST', body });

export const DEFAULT_FIELDS: TMergeFields = {
  firstName: 'survivor',
  lastName: 'survivor',
  title: 'survivor',
  address: 'survivor',
  ownerId: 'survivor',
  visibility: 'survivor',
  emails: 'union',
  phones: 'union',
  tags: 'union',
  subjectCategories: 'union',
  companies: 'union',
};

export const REASONS: TDuplicateReason[] = ['email', 'phone', 'name_company'];

/** Union of two lists by a key, the survivor's first (what the server keeps). */
function unite<T>(a: T[], b: T[], key: (x: T) => string): T[] {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((x) => !seen.has(key(x)))];
}

function pick<T>(choice: string, survivor: T[], merged: T[], key: (x: T) => string): T[] {
  if (choice === 'survivor') return survivor;
  if (choice === 'merged') return merged;
  return unite(survivor, merged, key);
}

/** What the survivor will look like after the merge: computed here, the same rules as the server. */
export function previewMerge(survivor: TPerson, merged: TPerson, f: TMergeFields): TPerson {
  const from = (choice: 'survivor' | 'merged') => (choice === 'merged' ? merged : survivor);
  const emails = pick(f.emails, survivor.emails, merged.emails, (e) => e.value);
  const phones = pick(f.phones, survivor.phones, merged.phones, (p) => p.value);
  const onePrimary = <T extends { primary: boolean }>(list: T[]) => {
    let seen = false;
    return list.map((x) => {
      const primary = x.primary && !seen;
      if (primary) seen = true;
      return { ...x, primary };
    });
  };
  return {
    ...survivor,
    firstName: from(f.firstName).firstName,
    lastName: from(f.lastName).lastName,
    title: from(f.title).title,
    address: from(f.address).address,
    ownerId: from(f.ownerId).ownerId,
    visibility: from(f.visibility).visibility,
    teamId: from(f.visibility).teamId,
    emails: onePrimary(emails),
    phones: onePrimary(phones),
    tags: pick(f.tags, survivor.tags, merged.tags, (t) => t.toLowerCase()),
    subjectCategories: pick(f.subjectCategories, survivor.subjectCategories, merged.subjectCategories, (c) => c),
    companies: pick(f.companies, survivor.companies, merged.companies, (c) => c.companyId),
  };
}

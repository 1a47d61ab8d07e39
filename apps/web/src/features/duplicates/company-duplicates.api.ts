import { infiniteQueryOptions } from '@tanstack/react-query';
import type { TCompany, TCompanyDuplicateList, TCompanyMergeFields, TCompanyMergeResult } from '@tillit/contracts';
import { COMPANY_MERGE_FIELDS } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TCompanyDuplicatePair, TCompanyMergeFields } from '@tillit/contracts';
export { COMPANY_MERGE_FIELDS };

const base = '/api/v1/companies';

export const companyDuplicatesQuery = infiniteQueryOptions({
  queryKey: ['companies', 'duplicates'],
  initialPageParam: null as string | null,
  queryFn: ({ pageParam, signal }) =>
    api<TCompanyDuplicateList>(
      `${base}/duplicates?limit=25${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      { signal },
    ),
  getNextPageParam: (last) => last.nextCursor ?? null,
});

export const dismissCompanyDuplicate = (companyIds: [string, string]) =>
  api<null>(`${base}/duplicates/dismiss`, { method: 'POST', body: { companyIds } });

export const mergeCompanies = (body: { survivorId: string; mergedId: string; fields: TCompanyMergeFields }) =>
  api<TCompanyMergeResult>(`${base}/merge`, { method: 'POST', body });

export const DEFAULT_COMPANY_FIELDS = Object.fromEntries(
  COMPANY_MERGE_FIELDS.map((f) => [f, 'survivor']),
) as TCompanyMergeFields;

/** What the survivor will look like after the merge: the same rules as the server. */
export function previewCompanyMerge(survivor: TCompany, merged: TCompany, f: TCompanyMergeFields): TCompany {
  const from = (choice: 'survivor' | 'merged') => (choice === 'merged' ? merged : survivor);
  const seen = new Set(survivor.tags.map((t) => t.toLowerCase()));
  return {
    ...survivor,
    name: from(f.name).name,
    domain: from(f.domain).domain,
    orgNumber: from(f.orgNumber).orgNumber,
    address: from(f.address).address,
    industry: from(f.industry).industry,
    size: from(f.size).size,
    ownerId: from(f.ownerId).ownerId,
    visibility: from(f.visibility).visibility,
    teamId: from(f.visibility).teamId,
    tags: [...survivor.tags, ...merged.tags.filter((t) => !seen.has(t.toLowerCase()))],
  };
}

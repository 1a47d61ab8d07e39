import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { TFile, TFileList, TFileRecordKind, TStorageUsage, TTrashItem } from '@tillit/contracts';
import { ApiError, api, toApiError } from '../../lib/api.ts';

export type { TFile, TFileRecordKind, TStorageUsage } from '@tillit/contracts';

export const filesQuery = (kind: TFileRecordKind, recordId: string) =>
  infiniteQueryOptions({
    queryKey: ['files', kind, recordId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ kind, record: recordId, limit: '50' });
      if (pageParam) q.set('after', pageParam);
      return api<TFileList>(`/api/v1/files?${q}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? null,
  });

export const storageUsageQuery = queryOptions({
  queryKey: ['files', 'usage'],
  queryFn: ({ signal }) => api<TStorageUsage>('/api/v1/files/usage', { signal }),
});

/** Sends one file as multipart/form-data (streamed by the browser, never read into memory here). */
async function sendFile<T>(method: 'POST' | 'PUT', path: string, file: File): Promise<T> {
  const body = new FormData();
  body.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(path, { method, body, credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

export const uploadFile = (kind: TFileRecordKind, recordId: string, file: File) =>
  sendFile<TFile>('POST', `/api/v1/files?${new URLSearchParams({ kind, record: recordId })}`, file);

export const deleteFile = (id: string) =>
  api<TTrashItem>(`/api/v1/files/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const setPersonPhoto = (personId: string, file: File) =>
  sendFile<TFile>('PUT', `/api/v1/people/${encodeURIComponent(personId)}/photo`, file);

export const removePersonPhoto = (personId: string) =>
  api<null>(`/api/v1/people/${encodeURIComponent(personId)}/photo`, { method: 'DELETE' });

/** "2.4 MB" style sizes in the reader's language. */
export function formatSize(bytes: number, locale?: string): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

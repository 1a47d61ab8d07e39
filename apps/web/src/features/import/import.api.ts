import { queryOptions } from '@tanstack/react-query';
import type {
  TCreateImportBody,
  TImport,
  TImportEncoding,
  TImportFile,
  TImportList,
  TImportPreset,
  TImportPreview,
  TImportTarget,
} from '@tillit/contracts';
import { ApiError, api, toApiError } from '../../lib/api.ts';

export type {
  TDuplicateMode,
  TImport,
  TImportEncoding,
  TImportField,
  TImportFile,
  TImportPreset,
  TImportPreview,
} from '@tillit/contracts';
export { DUPLICATE_MODES, IMPORT_ENCODINGS, IMPORT_FIELDS, IMPORT_PRESETS } from '@tillit/contracts';

/** The targets of the mapping step: the built-in fields, then the workspace's custom fields
 *  of people as `cf.<key>` (labelled by the caller, e.g. "Custom field: Level"), then those of
 *  companies as `company.cf.<key>` (the company the row names). A vCard's properties get only
 *  the custom fields (`fields` empty). */
export function mappingTargets(
  fields: readonly string[],
  customFields: readonly { key: string; label: string }[],
  label: (field: string) => string,
  customLabel: (label: string) => string,
  companyFields: readonly { key: string; label: string }[] = [],
  companyLabel: (label: string) => string = customLabel,
): { value: string; label: string }[] {
  return [
    ...fields.map((f) => ({ value: f, label: label(f) })),
    ...customFields.map((f) => ({ value: `cf.${f.key}`, label: customLabel(f.label) })),
    ...companyFields.map((f) => ({ value: `company.cf.${f.key}`, label: companyLabel(f.label) })),
  ];
}

/** A vCard's mapped properties, as the import's `properties`: each header that is a property
 *  to map (in `properties`) with the field chosen for it (left-out ones are not sent). */
export function vcardProperties(
  headers: readonly string[],
  properties: readonly string[],
  mapping: readonly (string | null)[],
): Record<string, TImportTarget> {
  const out: Record<string, TImportTarget> = {};
  headers.forEach((h, i) => {
    const target = mapping[i];
    if (properties.includes(h) && target) out[h] = target as TImportTarget;
  });
  return out;
}

/**
 * Sends the file as the raw request body, so the server streams it to disk; XMLHttpRequest
 * because fetch cannot report upload progress.
 */
export function uploadImportFile(file: File, onProgress: (fraction: number) => void): Promise<TImportFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/imports/files?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as TImportFile);
      else reject(toApiError(xhr.status, body));
    };
    xhr.send(file);
  });
}

export function previewQuery(fileId: string, encoding?: TImportEncoding, preset?: TImportPreset) {
  const params = new URLSearchParams();
  if (encoding) params.set('encoding', encoding);
  if (preset) params.set('preset', preset);
  const qs = params.toString();
  return queryOptions({
    queryKey: ['imports', 'preview', fileId, encoding ?? null, preset ?? null],
    queryFn: () => api<TImportPreview>(`/api/v1/imports/files/${fileId}/preview${qs ? `?${qs}` : ''}`),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export const startImport = (body: TCreateImportBody) => api<TImport>('/api/v1/imports', { method: 'POST', body });

const RUNNING = new Set(['queued', 'running', 'undoing']);
export const isRunning = (i: TImport | undefined) => Boolean(i && RUNNING.has(i.status));

/** Whether the global search does not find what the import wrote yet (decision 0009). */
export const isIndexing = (i: TImport | undefined) => Boolean(i && !isRunning(i) && i.searchIndex === 'pending');

/** Polls twice a second while the import runs, once a second while its search postings are written. */
export function importQuery(id: string) {
  return queryOptions({
    queryKey: ['imports', 'one', id],
    queryFn: () => api<TImport>(`/api/v1/imports/${id}`),
    refetchInterval: (q) => (isRunning(q.state.data) ? 500 : isIndexing(q.state.data) ? 1000 : false),
  });
}

export const importsQuery = () =>
  queryOptions({
    queryKey: ['imports', 'list'],
    queryFn: () => api<TImportList>('/api/v1/imports?limit=20'),
  });

export const undoImport = (id: string) => api<TImport>(`/api/v1/imports/${id}/undo`, { method: 'POST', body: {} });

export const reportUrl = (id: string) => `/api/v1/imports/${id}/report`;

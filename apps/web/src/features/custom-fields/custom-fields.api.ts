import { queryOptions } from '@tanstack/react-query';
import type {
  TCreateCustomFieldBody,
  TCreateSavedViewBody,
  TCustomField,
  TCustomFieldList,
  TCustomFieldObject,
  TSavedView,
  TSavedViewList,
  TUpdateCustomFieldBody,
  TUpdateSavedViewBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type {
  TCustomField,
  TCustomFieldObject,
  TCustomFieldType,
  TCustomFieldValue,
  TSavedView,
  TViewFilter,
} from '@tillit/contracts';
export { CUSTOM_FIELD_TYPES } from '@tillit/contracts';

/** The workspace's custom fields of one object, in their order (every member reads them). */
export const customFieldsQuery = (object: TCustomFieldObject) =>
  queryOptions({
    queryKey: ['custom-fields', object],
    queryFn: ({ signal }) => api<TCustomFieldList>(`/api/v1/custom-fields?object=${object}`, { signal }),
    select: (d) => d.items,
    staleTime: 60_000,
  });

export const createCustomField = (body: TCreateCustomFieldBody) =>
  api<TCustomField>('/api/v1/custom-fields', { method: 'POST', body });
export const updateCustomField = (id: string, body: TUpdateCustomFieldBody) =>
  api<TCustomField>(`/api/v1/custom-fields/${encodeURIComponent(id)}`, { method: 'PATCH', body });
export const deleteCustomField = (id: string) =>
  api<null>(`/api/v1/custom-fields/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** My saved views of a list, and the shared ones. */
export const savedViewsQuery = (object: TCustomFieldObject) =>
  queryOptions({
    queryKey: ['views', object],
    queryFn: ({ signal }) => api<TSavedViewList>(`/api/v1/views?object=${object}`, { signal }),
    select: (d) => d.items,
  });

export const createView = (body: TCreateSavedViewBody) => api<TSavedView>('/api/v1/views', { method: 'POST', body });
export const updateView = (id: string, body: TUpdateSavedViewBody) =>
  api<TSavedView>(`/api/v1/views/${encodeURIComponent(id)}`, { method: 'PATCH', body });
export const deleteView = (id: string) => api<null>(`/api/v1/views/${encodeURIComponent(id)}`, { method: 'DELETE' });

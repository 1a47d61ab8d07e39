import { Anchor, MultiSelect, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { TCustomFieldValues } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../lib/api.ts';
import {
  customFieldsQuery,
  type TCustomField,
  type TCustomFieldObject,
  type TCustomFieldValue,
} from './custom-fields.api.ts';
import { displayValue, toFieldValue } from './filters.ts';

/** What an editor holds for a field: text for most types, a list for multi_select. */
export type TDraft = string | string[];

export function draftOf(field: TCustomField, value: TCustomFieldValue | undefined): TDraft {
  if (field.type === 'multi_select') return Array.isArray(value) ? value : [];
  if (value === undefined || value === null) return '';
  return String(value);
}

/** One input for one custom field, of the kind its type needs. */
export function CustomFieldInput(props: {
  field: TCustomField;
  value: TDraft;
  onChange: (value: TDraft) => void;
  error?: string | undefined;
  /** In a table cell: no label shown (it is in the header), compact. */
  compact?: boolean;
  autoFocus?: boolean;
  onCommit?: () => void;
  onCancel?: () => void;
  onBlur?: () => void;
}) {
  const { t } = useTranslation();
  const { field, compact } = props;
  const common = {
    label: compact ? undefined : field.label,
    'aria-label': field.label,
    error: props.error,
    size: compact ? ('xs' as const) : ('sm' as const),
    autoFocus: props.autoFocus,
  };
  const keys = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' && props.onCommit) {
      e.preventDefault();
      props.onCommit();
    }
    if (e.key === 'Escape' && props.onCancel) {
      e.preventDefault();
      props.onCancel();
    }
  };
  const text = typeof props.value === 'string' ? props.value : '';
  switch (field.type) {
    case 'select':
    case 'boolean': {
      const data =
        field.type === 'boolean'
          ? [
              { value: '', label: '—' },
              { value: 'true', label: t('customFields.yes') },
              { value: 'false', label: t('customFields.no') },
            ]
          : [{ value: '', label: '—' }, ...field.options.map((o) => ({ value: o, label: o }))];
      return (
        <NativeSelect
          {...common}
          data={data}
          value={text}
          onKeyDown={keys}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
      );
    }
    case 'multi_select':
      return (
        <MultiSelect
          {...common}
          data={field.options}
          value={Array.isArray(props.value) ? props.value : []}
          onChange={props.onChange}
          onKeyDown={keys}
          onBlur={props.onBlur}
          clearable
          comboboxProps={{ withinPortal: !compact }}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          type={field.type === 'date' ? 'date' : field.type === 'url' ? 'url' : 'text'}
          inputMode={field.type === 'number' ? 'decimal' : undefined}
          value={text}
          onKeyDown={keys}
          onBlur={props.onBlur}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
      );
  }
}

/** The value for the API of what an editor holds. */
export function valueOfDraft(field: TCustomField, draft: TDraft): TCustomFieldValue | null {
  return toFieldValue(field, draft);
}

/** The inputs of every custom field of an object, for a create or edit form. `values` holds
 *  drafts by key; `error` is the form's last error (problems named customFields.<key>). */
export function CustomFieldsFormSection(props: {
  object: TCustomFieldObject;
  values: Record<string, TDraft>;
  onChange: (key: string, value: TDraft) => void;
  error: unknown;
}) {
  const fields = useQuery(customFieldsQuery(props.object));
  if (!fields.data?.length) return null;
  return (
    <Stack gap="sm">
      {fields.data.map((f) => (
        <CustomFieldInput
          key={f.id}
          field={f}
          value={props.values[f.key] ?? draftOf(f, undefined)}
          onChange={(v) => props.onChange(f.key, v)}
          error={fieldError(props.error, `customFields.${f.key}`)}
        />
      ))}
    </Stack>
  );
}

/** The drafts of a record's values (for a form's initial state). */
export function draftsOf(fields: TCustomField[] | undefined, values: TCustomFieldValues | undefined) {
  const out: Record<string, TDraft> = {};
  for (const f of fields ?? []) out[f.key] = draftOf(f, values?.[f.key]);
  return out;
}

/** `{ key: value }` for the API from drafts: only the fields that exist (null clears). */
export function customFieldsBody(
  fields: TCustomField[] | undefined,
  drafts: Record<string, TDraft>,
): Record<string, TCustomFieldValue | null> {
  const out: Record<string, TCustomFieldValue | null> = {};
  for (const f of fields ?? []) if (f.key in drafts) out[f.key] = valueOfDraft(f, drafts[f.key] ?? '');
  return out;
}

/** A read-only table of a record's custom field values, for detail pages. */
export function CustomFieldsFacts(props: { object: TCustomFieldObject; values: TCustomFieldValues | undefined }) {
  const { t } = useTranslation();
  const fields = useQuery(customFieldsQuery(props.object));
  if (!fields.data?.length) return null;
  return (
    <Table variant="vertical" withTableBorder fz="sm" aria-label={t('customFields.title')}>
      <Table.Tbody>
        {fields.data.map((f) => {
          const v = props.values?.[f.key];
          return (
            <Table.Tr key={f.id}>
              <Table.Th w={200}>{f.label}</Table.Th>
              <Table.Td>
                {v === undefined ? (
                  <Text span c="dimmed" fz="sm">
                    —
                  </Text>
                ) : f.type === 'url' && typeof v === 'string' ? (
                  <Anchor href={v} target="_blank" rel="noopener noreferrer nofollow" fz="sm">
                    {v}
                  </Anchor>
                ) : (
                  displayValue(v, t('customFields.yes'), t('customFields.no'))
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

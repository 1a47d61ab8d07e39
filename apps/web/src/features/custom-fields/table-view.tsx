import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Divider,
  Group,
  Menu,
  NativeSelect,
  Popover,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFilterOp, TViewFilter, TViewSort } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TColumn } from '../../components/data-table.tsx';
import { fieldError } from '../../lib/api.ts';
import { describeError } from '../../lib/i18n.ts';
import { activeWorkspace, meQuery } from '../account/account.api.ts';
import { CustomFieldInput, draftOf, type TDraft, valueOfDraft } from './custom-field-input.tsx';
import {
  createView,
  customFieldsQuery,
  deleteView,
  savedViewsQuery,
  type TCustomField,
  type TCustomFieldObject,
  type TCustomFieldValue,
  type TSavedView,
  updateView,
} from './custom-fields.api.ts';
import { customFilterField, displayValue, OPS_BY_KIND, type TFilterField, takesValue } from './filters.ts';

/** The filters of a table: one chip per filter (remove with ×) and "Add filter". A problem the
 *  server names (`filter.<field>`) shows under the chips. */
export function FilterBar(props: {
  fields: TFilterField[];
  filters: TViewFilter[];
  onChange: (filters: TViewFilter[]) => void;
  error?: unknown;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [field, setField] = useState('');
  const [op, setOp] = useState<TFilterOp>('eq');
  const [value, setValue] = useState('');
  const chosen = props.fields.find((f) => f.id === field);
  const ops = chosen ? OPS_BY_KIND[chosen.kind] : [];
  const labelOf = (id: string) => props.fields.find((f) => f.id === id)?.label ?? id;
  const problems = props.filters
    .map((f) => fieldError(props.error, `filter.${f.field}`))
    .filter((p): p is string => Boolean(p));
  const add = () => {
    if (!chosen) return;
    props.onChange([...props.filters, { field: chosen.id, op, value: takesValue(op) ? value : '' }]);
    setOpen(false);
    setField('');
    setValue('');
  };
  return (
    <Stack gap={4}>
      <Group gap="xs" aria-label={t('customFields.filters')} role="group">
        {props.filters.map((f, i) => (
          <Badge
            key={`${f.field}:${f.op}:${f.value}`}
            variant="light"
            tt="none"
            size="lg"
            rightSection={
              <ActionIcon
                size="xs"
                variant="transparent"
                aria-label={t('customFields.removeFilter', { field: labelOf(f.field) })}
                onClick={() => props.onChange(props.filters.filter((_, j) => j !== i))}
              >
                ×
              </ActionIcon>
            }
          >
            {labelOf(f.field)} {t(`customFields.ops.${f.op}`)} {takesValue(f.op) ? f.value : ''}
          </Badge>
        ))}
        <Popover opened={open} onChange={setOpen} position="bottom-start" shadow="md" trapFocus returnFocus>
          <Popover.Target>
            <Button variant="default" size="xs" onClick={() => setOpen((o) => !o)}>
              {t('customFields.addFilter')}
            </Button>
          </Popover.Target>
          <Popover.Dropdown>
            <Stack gap="xs" w={260}>
              <NativeSelect
                label={t('customFields.field')}
                size="xs"
                value={field}
                data={[{ value: '', label: '—' }, ...props.fields.map((f) => ({ value: f.id, label: f.label }))]}
                onChange={(e) => {
                  const next = props.fields.find((f) => f.id === e.currentTarget.value);
                  setField(e.currentTarget.value);
                  setOp(next ? (OPS_BY_KIND[next.kind][0] ?? 'eq') : 'eq');
                  setValue('');
                }}
              />
              {chosen && (
                <NativeSelect
                  label={t('customFields.operator')}
                  size="xs"
                  value={op}
                  data={ops.map((o) => ({ value: o, label: t(`customFields.ops.${o}`) }))}
                  onChange={(e) => setOp(e.currentTarget.value as TFilterOp)}
                />
              )}
              {chosen && takesValue(op) && (
                <FilterValueInput field={chosen} value={value} onChange={setValue} onEnter={add} />
              )}
              <Button size="xs" onClick={add} disabled={!chosen}>
                {t('customFields.applyFilter')}
              </Button>
            </Stack>
          </Popover.Dropdown>
        </Popover>
      </Group>
      {problems.map((p) => (
        <Text key={p} c="red" fz="sm" role="alert">
          {p}
        </Text>
      ))}
    </Stack>
  );
}

function FilterValueInput(props: {
  field: TFilterField;
  value: string;
  onChange: (v: string) => void;
  onEnter: () => void;
}) {
  const { t } = useTranslation();
  const { field } = props;
  if (field.kind === 'boolean')
    return (
      <NativeSelect
        label={t('customFields.value')}
        size="xs"
        value={props.value}
        data={[
          { value: '', label: '—' },
          { value: 'true', label: t('customFields.yes') },
          { value: 'false', label: t('customFields.no') },
        ]}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      />
    );
  if (field.options?.length)
    return (
      <NativeSelect
        label={t('customFields.value')}
        size="xs"
        value={props.value}
        data={[{ value: '', label: '—' }, ...field.options]}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      />
    );
  return (
    <TextInput
      label={t('customFields.value')}
      size="xs"
      type={field.kind === 'date' || field.kind === 'timestamp' ? 'date' : 'text'}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          props.onEnter();
        }
      }}
    />
  );
}

export type TViewState = { columns: string[]; filters: TViewFilter[]; sort: TViewSort | null };

/** "Views": the saved views of a list (mine and shared) to open, and saving the current
 *  columns, filters and sort as a new view or into the open one. */
export function ViewMenu(props: {
  object: TCustomFieldObject;
  activeId: string | undefined;
  current: TViewState;
  onOpen: (view: TSavedView | null) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const me = useQuery(meQuery).data;
  const role = activeWorkspace(me)?.role;
  const views = useQuery(savedViewsQuery(props.object));
  const active = views.data?.find((v) => v.id === props.activeId);
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: ['views', props.object] });
  const save = useMutation({
    mutationFn: () => createView({ object: props.object, name, shared, ...props.current }),
    onSuccess: async (view) => {
      await refresh();
      setSaving(false);
      setName('');
      props.onOpen(view);
    },
  });
  const overwrite = useMutation({
    mutationFn: (id: string) => updateView(id, props.current),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => deleteView(id),
    onSuccess: async () => {
      await refresh();
      props.onOpen(null);
    },
  });
  const mayChange = (v: TSavedView) => v.ownerId === me?.id || role === 'admin' || role === 'owner';
  return (
    <Group gap={4}>
      <Menu position="bottom-start" shadow="md">
        <Menu.Target>
          <Button variant="default" size="xs">
            {t('customFields.views')}: {active?.name ?? t('customFields.allRecords')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => props.onOpen(null)}>{t('customFields.allRecords')}</Menu.Item>
          {(views.data ?? []).map((v) => (
            <Menu.Item
              key={v.id}
              onClick={() => props.onOpen(v)}
              rightSection={v.shared ? t('customFields.shared') : ''}
            >
              {v.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item onClick={() => setSaving(true)}>{t('customFields.saveView')}</Menu.Item>
          {active && mayChange(active) && (
            <>
              <Menu.Item onClick={() => overwrite.mutate(active.id)}>
                {t('customFields.updateView', { name: active.name })}
              </Menu.Item>
              <Menu.Item color="red" onClick={() => remove.mutate(active.id)}>
                {t('customFields.deleteView', { name: active.name })}
              </Menu.Item>
            </>
          )}
        </Menu.Dropdown>
      </Menu>
      <Popover opened={saving} onChange={setSaving} position="bottom-start" shadow="md" trapFocus returnFocus>
        <Popover.Target>
          <span />
        </Popover.Target>
        <Popover.Dropdown>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <Stack gap="xs" w={260}>
              <TextInput
                label={t('customFields.viewName')}
                size="xs"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={fieldError(save.error, 'name')}
                data-autofocus
              />
              {role !== 'viewer' && (
                <Checkbox
                  size="xs"
                  label={t('customFields.shareView')}
                  checked={shared}
                  onChange={(e) => setShared(e.currentTarget.checked)}
                />
              )}
              {save.isError && !fieldError(save.error, 'name') && (
                <Text c="red" fz="sm" role="alert">
                  {describeError(save.error)}
                </Text>
              )}
              <Divider />
              <Button size="xs" type="submit" loading={save.isPending}>
                {t('records.save')}
              </Button>
            </Stack>
          </form>
        </Popover.Dropdown>
      </Popover>
      {(overwrite.isError || remove.isError) && (
        <Text c="red" fz="sm" role="alert">
          {describeError(overwrite.error ?? remove.error)}
        </Text>
      )}
    </Group>
  );
}

/**
 * A table cell of a custom field that edits in place: a button shows the value; activating it
 * opens the field's input; Enter or leaving the input saves through the record's PATCH, Escape
 * cancels. The server's problem with the value (`customFields.<key>`) stays in the cell.
 */
export function EditableCell(props: {
  field: TCustomField;
  value: TCustomFieldValue | undefined;
  recordLabel: string;
  canEdit: boolean;
  save: (value: TCustomFieldValue | null) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const { field } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<TDraft>('');
  const mutation = useMutation({
    mutationFn: (value: TCustomFieldValue | null) => props.save(value),
    onSuccess: () => setEditing(false),
  });
  const shown = displayValue(props.value, t('customFields.yes'), t('customFields.no'));
  if (!props.canEdit) return <>{shown || '—'}</>;
  if (!editing)
    return (
      <UnstyledButton
        fz="sm"
        aria-label={t('customFields.editCell', { field: field.label, record: props.recordLabel })}
        onClick={() => {
          setDraft(draftOf(field, props.value));
          mutation.reset();
          setEditing(true);
        }}
        style={{ minWidth: 40, minHeight: 20 }}
      >
        {shown || (
          <Text span c="dimmed" fz="sm">
            —
          </Text>
        )}
      </UnstyledButton>
    );
  const choice = field.type === 'select' || field.type === 'boolean';
  const commit = (value: TDraft = draft) => {
    const next = valueOfDraft(field, value);
    const same = JSON.stringify(next) === JSON.stringify(props.value ?? null);
    if (same) setEditing(false);
    else mutation.mutate(next);
  };
  return (
    <CustomFieldInput
      field={field}
      compact
      autoFocus
      value={draft}
      onChange={(v) => {
        setDraft(v);
        if (choice) commit(v);
      }}
      onCommit={() => commit()}
      onCancel={() => setEditing(false)}
      // Leaving a typed value saves it, like a spreadsheet; choices save as they are picked.
      onBlur={() => {
        if (!choice && !mutation.isPending) commit();
      }}
      error={
        mutation.isError
          ? (fieldError(mutation.error, `customFields.${field.key}`) ?? describeError(mutation.error))
          : undefined
      }
    />
  );
}

/** The columns and filter fields a list gets from its object's custom fields: one column per
 *  field (`cf.<key>`, sortable, edited in place when the reader may write). */
export function useCustomColumns<R extends { id: string; customFields: Record<string, TCustomFieldValue> }>(
  object: TCustomFieldObject,
  opts: {
    canEdit: boolean;
    label: (row: R) => string;
    save: (row: R, key: string, value: TCustomFieldValue | null) => Promise<unknown>;
  },
): { fields: TCustomField[]; columns: TColumn<string, R, string>[]; filterFields: TFilterField[] } {
  const fields = useQuery(customFieldsQuery(object)).data ?? [];
  const columns = fields.map(
    (f): TColumn<string, R, string> => ({
      key: `cf.${f.key}`,
      label: f.label,
      sort: `cf.${f.key}`,
      firstDir: 'asc',
      cell: (row) => (
        <EditableCell
          field={f}
          value={row.customFields[f.key]}
          recordLabel={opts.label(row)}
          canEdit={opts.canEdit}
          save={(value) => opts.save(row, f.key, value)}
        />
      ),
    }),
  );
  return { fields, columns, filterFields: fields.map(customFilterField) };
}

import { Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TCustomFieldType } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';
import { describeError } from '../../lib/i18n.ts';
import {
  CUSTOM_FIELD_TYPES,
  createCustomField,
  customFieldsQuery,
  deleteCustomField,
  type TCustomField,
  type TCustomFieldObject,
} from './custom-fields.api.ts';

const OBJECTS: TCustomFieldObject[] = ['person', 'company', 'deal'];

/** Settings › Custom fields (admins): the fields of people, companies and deals, each declared
 *  personal data (with its category) or not when it is created. */
export function CustomFieldsPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('customFields.title')} intro={t('customFields.intro')}>
      {OBJECTS.map((o) => (
        <ObjectFields key={o} object={o} />
      ))}
    </Page>
  );
}

function ObjectFields({ object }: { object: TCustomFieldObject }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const fields = useQuery(customFieldsQuery(object));
  const remove = useMutation({
    mutationFn: (f: TCustomField) => deleteCustomField(f.id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['custom-fields', object] }),
  });
  return (
    <Paper withBorder p="md" component="section" aria-label={t(`customFields.objects.${object}`)}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t(`customFields.objects.${object}`)}
        </Title>
        {fields.isPending ? (
          <Loading />
        ) : fields.isError ? (
          <ErrorAlert error={fields.error} />
        ) : fields.data.length === 0 ? (
          <Text c="dimmed" fz="sm">
            {t('customFields.none')}
          </Text>
        ) : (
          <Table fz="sm" aria-label={t(`customFields.objects.${object}`)}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('customFields.label')}</Table.Th>
                <Table.Th>{t('customFields.key')}</Table.Th>
                <Table.Th>{t('customFields.type')}</Table.Th>
                <Table.Th>{t('customFields.personal')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.data.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td>{f.label}</Table.Td>
                  <Table.Td>
                    <code>{f.key}</code>
                  </Table.Td>
                  <Table.Td>
                    {t(`customFields.types.${f.type}`)}
                    {f.options.length ? ` (${f.options.join(', ')})` : ''}
                  </Table.Td>
                  <Table.Td>{f.personal ? f.category : t('customFields.notPersonal')}</Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      loading={remove.isPending && remove.variables?.id === f.id}
                      onClick={() => {
                        if (window.confirm(t('customFields.deleteConfirm', { label: f.label }))) remove.mutate(f);
                      }}
                    >
                      {t('customFields.delete')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {remove.isError && (
          <Text c="red" fz="sm" role="alert">
            {describeError(remove.error)}
          </Text>
        )}
        <NewField object={object} />
      </Stack>
    </Paper>
  );
}

type TCategories = { categories: { key: string; description: string }[] };

function NewField({ object }: { object: TCustomFieldObject }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [type, setType] = useState<TCustomFieldType>('text');
  const [options, setOptions] = useState('');
  const [personal, setPersonal] = useState(false);
  const [category, setCategory] = useState('');
  const categories = useQuery({
    queryKey: ['data-map'],
    queryFn: () => api<TCategories>('/api/privacy/data-map'),
    enabled: personal,
  });
  const suggestedKey = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40);
  const create = useMutation({
    mutationFn: () =>
      createCustomField({
        object,
        label,
        key: key || suggestedKey,
        type,
        options:
          type === 'select' || type === 'multi_select'
            ? options
                .split(',')
                .map((o) => o.trim())
                .filter(Boolean)
            : [],
        personal,
        category: personal ? category || null : null,
      }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['custom-fields', object] });
      setLabel('');
      setKey('');
      setOptions('');
      setPersonal(false);
      setCategory('');
    },
  });
  return (
    <form
      aria-label={t('customFields.newFor', { object: t(`customFields.objects.${object}`) })}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <Group align="flex-end" gap="sm">
        <TextInput
          label={t('customFields.label')}
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={fieldError(create.error, 'label')}
          w={180}
        />
        <TextInput
          label={t('customFields.key')}
          placeholder={suggestedKey}
          value={key}
          onChange={(e) => setKey(e.currentTarget.value)}
          error={fieldError(create.error, 'key')}
          w={150}
        />
        <NativeSelect
          label={t('customFields.type')}
          value={type}
          data={CUSTOM_FIELD_TYPES.map((x) => ({ value: x, label: t(`customFields.types.${x}`) }))}
          onChange={(e) => setType(e.currentTarget.value as TCustomFieldType)}
          w={150}
        />
        {(type === 'select' || type === 'multi_select') && (
          <TextInput
            label={t('customFields.options')}
            description={t('customFields.optionsHint')}
            value={options}
            onChange={(e) => setOptions(e.currentTarget.value)}
            error={fieldError(create.error, 'options')}
            w={220}
          />
        )}
        <Checkbox
          label={t('customFields.personalData')}
          checked={personal}
          onChange={(e) => setPersonal(e.currentTarget.checked)}
          mb={8}
        />
        {personal && (
          <NativeSelect
            label={t('customFields.category')}
            value={category}
            data={[
              { value: '', label: '—' },
              ...(categories.data?.categories ?? [])
                .filter((c) => c.key.startsWith('user'))
                .map((c) => ({ value: c.key, label: `${c.key} — ${c.description}` })),
            ]}
            onChange={(e) => setCategory(e.currentTarget.value)}
            error={fieldError(create.error, 'category')}
            w={260}
          />
        )}
        <Button type="submit" loading={create.isPending}>
          {t('customFields.add')}
        </Button>
      </Group>
      {create.isError && !Object.keys((create.error as { fields?: object }).fields ?? {}).length && (
        <Text c="red" fz="sm" role="alert">
          {describeError(create.error)}
        </Text>
      )}
    </form>
  );
}

import { Badge, Code, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';

type TDataMap = {
  categories: { key: string; description: string }[];
  tables: {
    name: string;
    description: string;
    tenancy: string;
    controller: string;
    subject: { kind: string; column: string } | null;
    columns: { name: string; personal: boolean; category: string | null; note: string | null }[];
  }[];
};

export function DataMapPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState('');
  const map = useQuery({ queryKey: ['data-map'], queryFn: () => api<TDataMap>('/api/privacy/data-map') });
  const describe = (key: string | null) => map.data?.categories.find((c) => c.key === key)?.description;
  const f = filter.trim().toLowerCase();
  const tables = (map.data?.tables ?? []).filter(
    (table) => !f || table.name.includes(f) || table.columns.some((c) => c.name.includes(f) || c.category?.includes(f)),
  );
  return (
    <Page title={t('dataMap.title')} intro={t('dataMap.intro')}>
      {map.isPending ? (
        <Loading />
      ) : map.isError ? (
        <ErrorAlert error={map.error} />
      ) : (
        <>
          <TextInput
            label={t('dataMap.filter')}
            type="search"
            maw={320}
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value)}
          />
          {tables.map((table) => (
            <Paper withBorder p="md" key={table.name} component="section" aria-label={table.name}>
              <Stack gap="xs">
                <Group gap="sm">
                  <Title order={2} size="h5">
                    <Code fz="sm">{table.name}</Code>
                  </Title>
                  <Badge size="sm" variant="light">
                    {t('dataMap.tenancy')}: {table.tenancy}
                  </Badge>
                  <Badge size="sm" variant="light" color="gray">
                    {t('dataMap.controller')}: {table.controller}
                  </Badge>
                  {table.subject && (
                    <Badge size="sm" variant="light" color="grape">
                      {t('dataMap.subject')}: {table.subject.kind} ({table.subject.column})
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c="dimmed">
                  {table.description}
                </Text>
                <Table.ScrollContainer minWidth={600}>
                  <Table verticalSpacing={2} fz="sm" layout="fixed" aria-label={table.name}>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th w="28%">{t('dataMap.column')}</Table.Th>
                        <Table.Th w="14%">{t('dataMap.personal')}</Table.Th>
                        <Table.Th w="28%">{t('dataMap.category')}</Table.Th>
                        <Table.Th>{t('dataMap.note')}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {table.columns.map((c) => (
                        <Table.Tr key={c.name}>
                          <Table.Td>
                            <Code>{c.name}</Code>
                          </Table.Td>
                          <Table.Td>
                            {c.personal ? (
                              <Badge size="sm" color="orange" variant="light">
                                {t('common.yes')}
                              </Badge>
                            ) : (
                              <Text span size="sm" c="dimmed">
                                {t('common.no')}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td title={describe(c.category)}>{c.category ?? '—'}</Table.Td>
                          <Table.Td>{c.note ?? ''}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              </Stack>
            </Paper>
          ))}
        </>
      )}
    </Page>
  );
}

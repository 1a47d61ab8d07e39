import { Button, Group, NativeSelect, Radio, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import type { TCompany } from '@tillit/contracts';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { companyQuery } from '../companies/companies.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  COMPANY_MERGE_FIELDS,
  DEFAULT_COMPANY_FIELDS,
  mergeCompanies,
  previewCompanyMerge,
  type TCompanyMergeFields,
} from './company-duplicates.api.ts';

const route = getRouteApi('/app/companies/merge');

type TField = (typeof COMPANY_MERGE_FIELDS)[number] | 'tags';

function show(c: TCompany, field: TField, t: TFunction, owner: (id: string) => string): string {
  switch (field) {
    case 'address':
      return (
        [c.address.street, [c.address.postalCode, c.address.city].filter(Boolean).join(' '), c.address.country]
          .filter(Boolean)
          .join(', ') || '—'
      );
    case 'ownerId':
      return c.ownerId ? owner(c.ownerId) : '—';
    case 'visibility':
      return t(`visibility.${c.visibility}`);
    case 'size':
      return c.size ? t('companies.sizeOption', { size: c.size }) : '—';
    case 'tags':
      return c.tags.join(', ') || '—';
    default:
      return c[field] || '—';
  }
}

/**
 * Merge two companies: the record to keep, then per field whose value to keep (tags are
 * united), the result, merge. People, deals, notes, tasks, projects and files of the other
 * company move to the kept one; the other is deleted for good (the server logs what it held).
 */
export function CompanyMergePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { a, b } = route.useSearch();
  const first = useQuery({ ...companyQuery(a ?? ''), enabled: Boolean(a) });
  const second = useQuery({ ...companyQuery(b ?? ''), enabled: Boolean(b) });
  const [survivorId, setSurvivorId] = useState<string | undefined>(a);
  const [fields, setFields] = useState<TCompanyMergeFields>(DEFAULT_COMPANY_FIELDS);
  const [confirming, setConfirming] = useState(false);
  const members = useQuery(membersQuery);
  const owner = (id: string) => {
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : id;
  };
  const merge = useMutation({
    mutationFn: mergeCompanies,
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await navigate({ to: '/companies/$companyId', params: { companyId: result.company.id } });
    },
  });
  const title = t('companyDuplicates.mergeTitle');
  if (!a || !b) return <Page title={title}>{t('companyDuplicates.pickTwo')}</Page>;
  if (first.isPending || second.isPending) return <Loading />;
  if (!first.data || !second.data) {
    return (
      <Page title={title}>
        <ErrorAlert error={first.error ?? second.error} />
      </Page>
    );
  }
  const [survivor, merged] = survivorId === second.data.id ? [second.data, first.data] : [first.data, second.data];
  const preview = previewCompanyMerge(survivor, merged, fields);
  const label = (f: TField) => t(`companyDuplicates.fields.${f}`);
  return (
    <Page wide title={title} intro={t('companyDuplicates.mergeIntro')}>
      <Stack>
        <Radio.Group label={t('duplicates.keep')} value={survivor.id} onChange={setSurvivorId}>
          <Group mt="xs">
            {[first.data, second.data].map((c) => (
              <Radio key={c.id} value={c.id} label={`${c.name} (${c.domain ?? c.orgNumber ?? c.id.slice(0, 8)})`} />
            ))}
          </Group>
        </Radio.Group>
        <Table aria-label={t('duplicates.fieldsTable')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('duplicates.field')}</Table.Th>
              <Table.Th>{t('duplicates.kept', { name: survivor.name })}</Table.Th>
              <Table.Th>{t('duplicates.mergedAway', { name: merged.name })}</Table.Th>
              <Table.Th>{t('duplicates.choice')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {COMPANY_MERGE_FIELDS.map((f) => (
              <Table.Tr key={f}>
                <Table.Td>{label(f)}</Table.Td>
                <Table.Td>{show(survivor, f, t, owner)}</Table.Td>
                <Table.Td>{show(merged, f, t, owner)}</Table.Td>
                <Table.Td>
                  <NativeSelect
                    aria-label={label(f)}
                    size="xs"
                    value={fields[f]}
                    onChange={(e) => setFields({ ...fields, [f]: e.currentTarget.value as 'survivor' | 'merged' })}
                    data={[
                      { value: 'survivor', label: t('duplicates.choices.survivor') },
                      { value: 'merged', label: t('duplicates.choices.merged') },
                    ]}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td>{label('tags')}</Table.Td>
              <Table.Td>{show(survivor, 'tags', t, owner)}</Table.Td>
              <Table.Td>{show(merged, 'tags', t, owner)}</Table.Td>
              <Table.Td>{t('duplicates.choices.union')}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        <Section title={t('duplicates.preview')}>
          <Table aria-label={t('duplicates.preview')}>
            <Table.Tbody>
              {[...COMPANY_MERGE_FIELDS, 'tags' as const].map((f) => (
                <Table.Tr key={f}>
                  <Table.Th w={200}>{label(f)}</Table.Th>
                  <Table.Td>{show(preview, f, t, owner)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm" c="dimmed">
            {t('companyDuplicates.timelines')}
          </Text>
        </Section>
        <Group>
          <Button color="red" onClick={() => setConfirming(true)}>
            {t('duplicates.mergeButton')}
          </Button>
        </Group>
      </Stack>
      <ConfirmDialog
        opened={confirming}
        title={title}
        text={t('duplicates.confirmText', { kept: survivor.name, merged: merged.name })}
        confirmLabel={t('duplicates.confirmButton')}
        onConfirm={() => merge.mutate({ survivorId: survivor.id, mergedId: merged.id, fields })}
        onClose={() => setConfirming(false)}
        loading={merge.isPending}
        error={merge.error}
      />
    </Page>
  );
}

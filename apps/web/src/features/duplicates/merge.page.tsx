import { Button, Group, NativeSelect, Radio, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import type { TPerson } from '@tillit/contracts';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { personName, personQuery } from '../people/people.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  DEFAULT_FIELDS,
  MERGE_LIST_FIELDS,
  MERGE_VALUE_FIELDS,
  mergePeople,
  previewMerge,
  type TMergeFields,
} from './duplicates.api.ts';

const route = getRouteApi('/app/people/merge');

type TValueField = (typeof MERGE_VALUE_FIELDS)[number];
type TListField = (typeof MERGE_LIST_FIELDS)[number];

/** One field of a person as text, for the side-by-side view and the preview. */
function show(p: TPerson, field: TValueField | TListField, t: TFunction, owner: (id: string) => string): string {
  switch (field) {
    case 'firstName':
    case 'lastName':
      return p[field] || '—';
    case 'title':
      return p.title ?? '—';
    case 'address':
      return (
        [p.address.street, [p.address.postalCode, p.address.city].filter(Boolean).join(' '), p.address.country]
          .filter(Boolean)
          .join(', ') || '—'
      );
    case 'ownerId':
      return p.ownerId ? owner(p.ownerId) : '—';
    case 'visibility':
      return t(`visibility.${p.visibility}`);
    case 'emails':
      return p.emails.map((e) => e.value).join(', ') || '—';
    case 'phones':
      return p.phones.map((e) => e.value).join(', ') || '—';
    case 'tags':
      return p.tags.join(', ') || '—';
    case 'subjectCategories':
      return p.subjectCategories.map((c) => t(`subjectCategories.${c}`)).join(', ') || '—';
    case 'companies':
      return p.companies.map((c) => c.name).join(', ') || '—';
  }
}

/**
 * Merge two people: choose the record to keep, then per field which value to keep (lists are
 * united by default), look at the result, merge. The other record is deleted for good; the
 * server keeps a log of what it held.
 */
export function MergePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { a, b } = route.useSearch();
  const first = useQuery({ ...personQuery(a ?? ''), enabled: Boolean(a) });
  const second = useQuery({ ...personQuery(b ?? ''), enabled: Boolean(b) });
  const [survivorId, setSurvivorId] = useState<string | undefined>(a);
  const [fields, setFields] = useState<TMergeFields>(DEFAULT_FIELDS);
  const [confirming, setConfirming] = useState(false);
  const members = useQuery(membersQuery);
  const owner = (id: string) => {
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : id;
  };
  const merge = useMutation({
    mutationFn: mergePeople,
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await navigate({ to: '/people/$personId', params: { personId: result.person.id } });
    },
  });
  if (!a || !b) return <Page title={t('duplicates.mergeTitle')}>{t('duplicates.pickTwo')}</Page>;
  if (first.isPending || second.isPending) return <Loading />;
  if (!first.data || !second.data) {
    return (
      <Page title={t('duplicates.mergeTitle')}>
        <ErrorAlert error={first.error ?? second.error} />
      </Page>
    );
  }
  const [survivor, merged] = survivorId === second.data.id ? [second.data, first.data] : [first.data, second.data];
  const preview = previewMerge(survivor, merged, fields);
  const label = (f: TValueField | TListField) => t(`duplicates.fields.${f}`);
  return (
    <Page wide title={t('duplicates.mergeTitle')} intro={t('duplicates.mergeIntro')}>
      <Stack>
        <Radio.Group label={t('duplicates.keep')} value={survivor.id} onChange={setSurvivorId}>
          <Group mt="xs">
            {[first.data, second.data].map((p) => (
              <Radio key={p.id} value={p.id} label={`${personName(p)} (${p.emails[0]?.value ?? p.id.slice(0, 8)})`} />
            ))}
          </Group>
        </Radio.Group>
        <Table aria-label={t('duplicates.fieldsTable')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('duplicates.field')}</Table.Th>
              <Table.Th>{t('duplicates.kept', { name: personName(survivor) })}</Table.Th>
              <Table.Th>{t('duplicates.mergedAway', { name: personName(merged) })}</Table.Th>
              <Table.Th>{t('duplicates.choice')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {MERGE_VALUE_FIELDS.map((f) => (
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
            {MERGE_LIST_FIELDS.map((f) => (
              <Table.Tr key={f}>
                <Table.Td>{label(f)}</Table.Td>
                <Table.Td>{show(survivor, f, t, owner)}</Table.Td>
                <Table.Td>{show(merged, f, t, owner)}</Table.Td>
                <Table.Td>
                  <NativeSelect
                    aria-label={label(f)}
                    size="xs"
                    value={fields[f]}
                    onChange={(e) =>
                      setFields({ ...fields, [f]: e.currentTarget.value as 'union' | 'survivor' | 'merged' })
                    }
                    data={[
                      { value: 'union', label: t('duplicates.choices.union') },
                      { value: 'survivor', label: t('duplicates.choices.survivor') },
                      { value: 'merged', label: t('duplicates.choices.merged') },
                    ]}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Section title={t('duplicates.preview')}>
          <Table aria-label={t('duplicates.preview')}>
            <Table.Tbody>
              {[...MERGE_VALUE_FIELDS, ...MERGE_LIST_FIELDS].map((f) => (
                <Table.Tr key={f}>
                  <Table.Th w={200}>{label(f)}</Table.Th>
                  <Table.Td>{show(preview, f, t, owner)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm" c="dimmed">
            {t('duplicates.timelines')}
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
        title={t('duplicates.confirmTitle')}
        text={t('duplicates.confirmText', { kept: personName(survivor), merged: personName(merged) })}
        confirmLabel={t('duplicates.confirmButton')}
        onConfirm={() => merge.mutate({ survivorId: survivor.id, mergedId: merged.id, fields })}
        onClose={() => setConfirming(false)}
        loading={merge.isPending}
        error={merge.error}
      />
    </Page>
  );
}

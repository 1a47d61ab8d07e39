import {
  Badge,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LEGAL_BASES, PURPOSE_KINDS, type TLegalBasis, type TPurposeKind } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, Section, SuccessAlert } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { createPurpose, noticeQuery, publishNotice, purposesQuery, updatePurpose } from './consent.api.ts';

/** Settings, Privacy: the purposes with their legal bases (the workspace adds its own) and
 *  the privacy notice, versioned (admins). */
export function PrivacySettingsPage() {
  const { t } = useTranslation();
  return (
    <Page
      title={t('privacyEngine.settingsTitle')}
      intro={t('privacyEngine.settingsIntro')}
      actions={<ButtonLink to="/settings/privacy/register">{t('privacyEngine.openRegister')}</ButtonLink>}
    >
      <PurposesSection />
      <NoticeSection />
    </Page>
  );
}

function PurposesSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const purposes = useQuery(purposesQuery(true));
  const archive = useMutation({
    mutationFn: (p: { key: string; archived: boolean }) => updatePurpose(p.key, { archived: p.archived }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['privacy'] }),
  });
  return (
    <Section title={t('privacyEngine.purposesTitle')} intro={t('privacyEngine.purposesIntro')}>
      {purposes.isPending ? (
        <Loading />
      ) : purposes.isError ? (
        <ErrorAlert error={purposes.error} />
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped withTableBorder fz="sm" aria-label={t('privacyEngine.purposesTitle')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
                <Table.Th>{t('privacyEngine.legalBasis')}</Table.Th>
                <Table.Th>{t('privacyEngine.categories')}</Table.Th>
                <Table.Th>{t('privacyEngine.retention')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {purposes.data.items.map((p) => (
                <Table.Tr key={p.key}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {p.key}
                    </Text>
                    {p.barredFromGoogleMicrosoft && (
                      <Badge size="xs" color="red" variant="light">
                        {t('privacyEngine.noGoogleMicrosoft')}
                      </Badge>
                    )}
                    {p.archived && (
                      <Badge size="xs" color="gray">
                        {t('privacyEngine.archived')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{t(`privacyEngine.basis.${p.legalBasis}`)}</Table.Td>
                  <Table.Td>{p.categories.join(', ')}</Table.Td>
                  <Table.Td>{p.retention}</Table.Td>
                  <Table.Td>
                    {!p.builtIn && (
                      <Button
                        size="xs"
                        variant="subtle"
                        onClick={() => archive.mutate({ key: p.key, archived: !p.archived })}
                      >
                        {p.archived ? t('privacyEngine.unarchive') : t('privacyEngine.archive')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ErrorAlert error={archive.error} />
      <NewPurpose />
    </Section>
  );
}

function NewPurpose() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const categories = useQuery({
    queryKey: ['data-map', 'categories'],
    queryFn: () => api<{ categories: { key: string; description: string }[] }>('/api/privacy/data-map'),
  });
  const [key, setKey] = useState('custom.');
  const [name, setName] = useState('');
  const [legalBasis, setLegalBasis] = useState<TLegalBasis>('legitimate_interest');
  const [kind, setKind] = useState<TPurposeKind>('other');
  const [cats, setCats] = useState<string[]>([]);
  const [retention, setRetention] = useState('');
  const [retentionDays, setRetentionDays] = useState<number | null>(null);
  const [objectable, setObjectable] = useState(true);
  const create = useMutation({
    mutationFn: () =>
      createPurpose({ key, name, legalBasis, kind, categories: cats, retention, retentionDays, objectable }),
    onSuccess: async () => {
      setKey('custom.');
      setName('');
      setCats([]);
      setRetention('');
      await queryClient.invalidateQueries({ queryKey: ['privacy'] });
    },
  });
  return (
    <Stack gap="xs" component="form" onSubmit={(e) => (e.preventDefault(), create.mutate())}>
      <Text fw={500} size="sm">
        {t('privacyEngine.addPurpose')}
      </Text>
      <Group align="flex-start" wrap="wrap">
        <TextInput
          label={t('privacyEngine.key')}
          value={key}
          onChange={(e) => setKey(e.currentTarget.value)}
          error={fieldError(create.error, 'key')}
          w={200}
        />
        <TextInput
          label={t('privacyEngine.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(create.error, 'name')}
          w={240}
        />
        <Select
          label={t('privacyEngine.legalBasis')}
          data={LEGAL_BASES.map((b) => ({ value: b, label: t(`privacyEngine.basis.${b}`) }))}
          value={legalBasis}
          onChange={(v) => v && setLegalBasis(v as TLegalBasis)}
          w={220}
        />
        <Select
          label={t('privacyEngine.kind')}
          data={PURPOSE_KINDS.map((k) => ({ value: k, label: k }))}
          value={kind}
          onChange={(v) => v && setKind(v as TPurposeKind)}
          w={200}
        />
      </Group>
      <MultiSelect
        label={t('privacyEngine.categories')}
        description={t('privacyEngine.categoriesHelp')}
        data={(categories.data?.categories ?? []).map((c) => ({ value: c.key, label: `${c.key} — ${c.description}` }))}
        value={cats}
        onChange={setCats}
        searchable
        error={fieldError(create.error, 'categories')}
      />
      <Group align="flex-start" wrap="wrap">
        <TextInput
          label={t('privacyEngine.retention')}
          value={retention}
          onChange={(e) => setRetention(e.currentTarget.value)}
          error={fieldError(create.error, 'retention')}
          w={360}
        />
        <NumberInput
          label={t('privacyEngine.retentionDays')}
          value={retentionDays ?? ''}
          onChange={(v) => setRetentionDays(typeof v === 'number' ? v : null)}
          min={1}
          w={160}
        />
        <Checkbox
          mt={30}
          label={t('privacyEngine.objectable')}
          checked={objectable}
          onChange={(e) => setObjectable(e.currentTarget.checked)}
        />
      </Group>
      <Group>
        <Button type="submit" loading={create.isPending}>
          {t('privacyEngine.addPurpose')}
        </Button>
      </Group>
      <ErrorAlert error={create.error} hideWhenFields />
    </Stack>
  );
}

function NoticeSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const notice = useQuery(noticeQuery);
  const [draft, setDraft] = useState<string | null>(null);
  const publish = useMutation({
    mutationFn: () => publishNotice(draft ?? ''),
    onSuccess: async () => {
      setDraft(null);
      await queryClient.invalidateQueries({ queryKey: ['privacy', 'notice'] });
    },
  });
  return (
    <Section title={t('privacyEngine.noticeTitle')} intro={t('privacyEngine.noticeIntro')}>
      {notice.isPending ? (
        <Loading />
      ) : notice.isError ? (
        <ErrorAlert error={notice.error} />
      ) : (
        <Stack gap="xs">
          <Text size="sm">
            {t('privacyEngine.noticeCurrent', {
              version: notice.data.version,
              at: formatDateTime(notice.data.publishedAt),
            })}
          </Text>
          <Text size="xs" c="dimmed" ff="monospace">
            SHA-256 {notice.data.textHash}
          </Text>
          <Textarea
            label={t('privacyEngine.noticeText')}
            value={draft ?? notice.data.body}
            onChange={(e) => setDraft(e.currentTarget.value)}
            autosize
            minRows={6}
            error={fieldError(publish.error, 'body')}
          />
          <Group>
            <Button onClick={() => publish.mutate()} loading={publish.isPending} disabled={draft === null}>
              {t('privacyEngine.publish')}
            </Button>
          </Group>
          {publish.isSuccess && <SuccessAlert>{t('privacyEngine.published')}</SuccessAlert>}
          <ErrorAlert error={publish.error} hideWhenFields />
        </Stack>
      )}
    </Section>
  );
}

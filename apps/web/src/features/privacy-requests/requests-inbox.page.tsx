import { Anchor, Badge, Button, Checkbox, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, Section, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import {
  type InboxFilter,
  isClosed,
  PRIVACY_REQUEST_KINDS,
  PRIVACY_REQUEST_STATUSES,
  requestsQuery,
  saveSettings,
  settingsQuery,
  type TPrivacyRequest,
} from './privacy-requests.api.ts';

/** Status and due date of a request, with the overdue mark and the repeat-extract flag. */
export function RequestBadges({ r }: { r: TPrivacyRequest }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      <Badge variant="light" color={isClosed(r.status) ? 'gray' : 'blue'} tt="none">
        {t(`privacyRequests.status.${r.status}`)}
      </Badge>
      {r.overdue && (
        <Badge color="red" tt="none">
          {t('privacyRequests.overdue')}
        </Badge>
      )}
      {r.repeatExtract && (
        <Badge color="yellow" variant="light" tt="none" title={t('privacyRequests.repeatExtractHint')}>
          {t('privacyRequests.repeatExtract')}
        </Badge>
      )}
    </Group>
  );
}

export function RequestTable({ rows, label }: { rows: TPrivacyRequest[]; label: string }) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped verticalSpacing={4} fz="sm" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacyRequests.kind')}</Table.Th>
            <Table.Th>{t('privacyRequests.people')}</Table.Th>
            <Table.Th>{t('privacyRequests.received')}</Table.Th>
            <Table.Th>{t('privacyRequests.due')}</Table.Th>
            <Table.Th>{t('privacyRequests.statusLabel')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <AnchorLink to="/privacy-requests/$requestId" params={{ requestId: r.id }}>
                  {t(`privacyRequests.kinds.${r.kind}`)}
                </AnchorLink>
              </Table.Td>
              <Table.Td>
                {r.people.length
                  ? r.people.map((p) => p.name).join(', ')
                  : r.matchedCount
                    ? t('privacyRequests.hiddenPeople', { count: r.matchedCount })
                    : (r.requesterEmail ?? t('privacyRequests.unmatched'))}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(r.receivedAt)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" c={r.overdue ? 'red' : undefined} fw={r.overdue ? 700 : undefined}>
                  {formatDate(r.dueAt)}
                </Text>
              </Table.Td>
              <Table.Td>
                <RequestBadges r={r} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The inbox of requests from data subjects (admins), soonest due first. */
export function RequestsInboxPage() {
  const { t } = useTranslation();
  const me = useQuery(meQuery);
  const [filter, setFilter] = useState<InboxFilter>({ status: 'open' });
  const list = useInfiniteQuery({ ...requestsQuery(filter), enabled: isWorkspaceAdmin(me.data) });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  if (!isWorkspaceAdmin(me.data)) {
    return (
      <Page title={t('privacyRequests.title')}>
        <Text>{t('privacyRequests.adminsOnly')}</Text>
      </Page>
    );
  }
  return (
    <Page title={t('privacyRequests.title')} intro={t('privacyRequests.intro')} wide>
      <Group align="flex-end" gap="sm">
        <NativeSelect
          label={t('privacyRequests.statusLabel')}
          value={filter.status ?? ''}
          onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('privacyRequests.all') },
            { value: 'open', label: t('privacyRequests.open') },
            ...PRIVACY_REQUEST_STATUSES.map((s) => ({ value: s, label: t(`privacyRequests.status.${s}`) })),
          ]}
        />
        <NativeSelect
          label={t('privacyRequests.kind')}
          value={filter.kind ?? ''}
          onChange={(e) => setFilter({ ...filter, kind: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('privacyRequests.all') },
            ...PRIVACY_REQUEST_KINDS.map((k) => ({ value: k, label: t(`privacyRequests.kinds.${k}`) })),
          ]}
        />
        <Checkbox
          label={t('privacyRequests.onlyOverdue')}
          checked={Boolean(filter.overdue)}
          onChange={(e) => setFilter({ ...filter, overdue: e.currentTarget.checked || undefined })}
          mb={8}
        />
      </Group>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{t('privacyRequests.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <RequestTable rows={rows} label={t('privacyRequests.title')} />
          <LoadMore
            shown={rows.length}
            hasMore={list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => list.fetchNextPage()}
          />
        </Stack>
      )}
      <PublicPageSettings />
    </Page>
  );
}

/** Where the public page is, and the complaint authority it names (P-DSR-8). */
function PublicPageSettings() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useQuery(settingsQuery);
  const save = useMutation({
    mutationFn: saveSettings,
    onSuccess: (data) => queryClient.setQueryData(settingsQuery.queryKey, data),
  });
  if (settings.isPending) return <Loading />;
  if (settings.isError) return <ErrorAlert error={settings.error} />;
  const s = settings.data;
  const publicUrl = `${window.location.origin}${s.publicPath}`;
  return (
    <Section title={t('privacyRequests.publicPage')} intro={t('privacyRequests.publicPageIntro')}>
      <Text size="sm">
        <Anchor href={s.publicPath} target="_blank" rel="noopener">
          {publicUrl}
        </Anchor>
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const name = String(f.get('authorityName') ?? '').trim();
          const url = String(f.get('authorityUrl') ?? '').trim();
          const contact = String(f.get('contactEmail') ?? '').trim();
          save.mutate({
            authorityName: name || null,
            authorityUrl: url || null,
            contactEmail: contact || null,
          });
        }}
      >
        <Stack gap="sm" maw={560}>
          <TextInput
            name="authorityName"
            label={t('privacyRequests.authorityName')}
            description={s.isDefault ? t('privacyRequests.authorityDefault') : undefined}
            defaultValue={s.isDefault ? '' : s.authorityName}
            placeholder={s.authorityName}
            error={fieldError(save.error, 'authorityName')}
          />
          <TextInput
            name="authorityUrl"
            label={t('privacyRequests.authorityUrl')}
            defaultValue={s.isDefault ? '' : s.authorityUrl}
            placeholder={s.authorityUrl}
            error={fieldError(save.error, 'authorityUrl')}
          />
          <TextInput
            name="contactEmail"
            type="email"
            label={t('privacyRequests.contactEmail')}
            defaultValue={s.contactEmail ?? ''}
            error={fieldError(save.error, 'contactEmail')}
          />
          <ErrorAlert error={save.error} hideWhenFields />
          {save.isSuccess && <SuccessAlert>{t('common.saved')}</SuccessAlert>}
          <Button type="submit" w="fit-content" loading={save.isPending}>
            {t('common.save')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}

import { Table, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ErrorAlert, Loading, Section } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { personAccessesQuery, type TAccessEntry } from './privacy.api.ts';

/** "Who read this record": every read of the person, for admins (the access log). */
export function PersonAccesses({ personId }: { personId: string }) {
  const me = useQuery(meQuery);
  if (!isWorkspaceAdmin(me.data)) return null;
  return <AccessList personId={personId} />;
}

function AccessList({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const list = useInfiniteQuery(personAccessesQuery(personId));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const who = (e: TAccessEntry) =>
    e.actor.kind === 'api_key' ? t('privacy.apiKey') : (e.actor.name ?? t('privacy.formerMember'));
  return (
    <Section title={t('privacy.accessesTitle')} intro={t('privacy.accessesIntro')}>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('privacy.noAccesses')}
        </Text>
      ) : (
        <>
          <Table striped withTableBorder aria-label={t('privacy.accessesTitle')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('privacy.when')}</Table.Th>
                <Table.Th>{t('privacy.who')}</Table.Th>
                <Table.Th>{t('privacy.how')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{formatDateTime(e.occurredAt)}</Table.Td>
                  <Table.Td>{who(e)}</Table.Td>
                  <Table.Td>{t(`privacy.via.${e.via.replaceAll('.', '_')}`, { defaultValue: e.via })}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <LoadMore
            shown={rows.length}
            hasMore={list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => list.fetchNextPage()}
          />
        </>
      )}
    </Section>
  );
}

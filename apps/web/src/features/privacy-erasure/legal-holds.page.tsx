import { Badge, Button, Code, SegmentedControl, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { formatDate } from '../../lib/format.ts';
import { legalHoldsQuery, releaseHold } from './erasure.api.ts';

/** Settings → Legal holds (admins): what a contract or the law keeps from erasure and retention. */
export function LegalHoldsPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [active, setActive] = useState<'true' | 'false' | 'all'>('true');
  const list = useInfiniteQuery(legalHoldsQuery(active === 'all' ? {} : { active }));
  const release = useMutation({
    mutationFn: (id: string) => releaseHold(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['legal-holds'] }),
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Page title={t('legalHolds.title')} intro={t('legalHolds.intro')}>
      <SegmentedControl
        w="fit-content"
        value={active}
        onChange={(v) => setActive(v as typeof active)}
        data={[
          { value: 'true', label: t('legalHolds.active') },
          { value: 'false', label: t('legalHolds.ended') },
          { value: 'all', label: t('legalHolds.all') },
        ]}
      />
      <ErrorAlert error={release.error} />
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('legalHolds.none')}
        </Text>
      ) : (
        <>
          <Table striped withTableBorder aria-label={t('legalHolds.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('legalHolds.person')}</Table.Th>
                <Table.Th>{t('legalHolds.record')}</Table.Th>
                <Table.Th>{t('legalHolds.reason')}</Table.Th>
                <Table.Th>{t('legalHolds.until')}</Table.Th>
                <Table.Th>{t('legalHolds.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((h) => (
                <Table.Tr key={h.id}>
                  <Table.Td>
                    <AnchorLink to="/people/$personId" params={{ personId: h.personId }}>
                      {t('legalHolds.open')}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    <Code>{h.table}</Code> {h.note ?? ''}
                  </Table.Td>
                  <Table.Td>{t(`erasure.reason.${h.reason}`, { defaultValue: h.reason })}</Table.Td>
                  <Table.Td>{h.until ? formatDate(h.until) : t('erasure.openEnded')}</Table.Td>
                  <Table.Td>
                    <Badge color={h.active ? 'orange' : 'gray'}>
                      {h.active ? t('legalHolds.active') : t('legalHolds.ended')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {h.active ? (
                      <Button
                        size="xs"
                        variant="default"
                        loading={release.isPending && release.variables === h.id}
                        onClick={() => release.mutate(h.id)}
                      >
                        {t('legalHolds.release')}
                      </Button>
                    ) : null}
                  </Table.Td>
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
    </Page>
  );
}

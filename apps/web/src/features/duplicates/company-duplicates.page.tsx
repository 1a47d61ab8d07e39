import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { useCanWrite } from '../people/people.api.ts';
import { companyDuplicatesQuery, dismissCompanyDuplicate } from './company-duplicates.api.ts';

/** Companies that look like duplicates, pair by pair: merge them, or mark them "not duplicates". */
export function CompanyDuplicatesPage() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const pairs = useInfiniteQuery(companyDuplicatesQuery);
  const dismiss = useMutation({
    mutationFn: dismissCompanyDuplicate,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['companies', 'duplicates'] }),
  });
  const items = pairs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Page wide title={t('companyDuplicates.title')} intro={t('companyDuplicates.intro')}>
      <ErrorAlert error={pairs.error ?? dismiss.error} />
      {pairs.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text c="dimmed">{t('duplicates.none')}</Text>
      ) : (
        <Stack gap="sm">
          <Table striped aria-label={t('companyDuplicates.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('companyDuplicates.first')}</Table.Th>
                <Table.Th>{t('duplicates.second')}</Table.Th>
                <Table.Th>{t('duplicates.why')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map(({ companies: [a, b], reasons }) => {
                const names = `${a.name} / ${b.name}`;
                return (
                  <Table.Tr key={`${a.id}:${b.id}`}>
                    {[a, b].map((c) => (
                      <Table.Td key={c.id}>
                        <AnchorLink to="/companies/$companyId" params={{ companyId: c.id }}>
                          {c.name}
                        </AnchorLink>
                        <Text size="xs" c="dimmed">
                          {[c.domain, c.orgNumber, c.address.city].filter(Boolean).join(' · ')}
                        </Text>
                      </Table.Td>
                    ))}
                    <Table.Td>
                      <Group gap={4}>
                        {reasons.map((r) => (
                          <Badge key={r} size="xs" variant="light" tt="none">
                            {t(`companyDuplicates.reasons.${r}`)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {canWrite && (
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <ButtonLink
                            size="xs"
                            to="/companies/merge"
                            search={{ a: a.id, b: b.id }}
                            aria-label={t('duplicates.mergeLabel', { names })}
                          >
                            {t('duplicates.merge')}
                          </ButtonLink>
                          <Button
                            size="xs"
                            variant="default"
                            loading={dismiss.isPending && dismiss.variables?.[0] === a.id}
                            onClick={() => dismiss.mutate([a.id, b.id])}
                            aria-label={t('duplicates.dismissLabel', { names })}
                          >
                            {t('duplicates.dismiss')}
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <LoadMore
            shown={items.length}
            hasMore={Boolean(pairs.hasNextPage)}
            loading={pairs.isFetchingNextPage}
            onLoad={() => void pairs.fetchNextPage()}
          />
        </Stack>
      )}
    </Page>
  );
}

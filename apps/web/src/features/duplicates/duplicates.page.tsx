import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { personName, primaryOf, useCanWrite } from '../people/people.api.ts';
import { dismissDuplicate, duplicatesQuery } from './duplicates.api.ts';

/** People that look like duplicates, pair by pair: merge them, or mark them "not duplicates". */
export function DuplicatesPage() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const pairs = useInfiniteQuery(duplicatesQuery);
  const dismiss = useMutation({
    mutationFn: dismissDuplicate,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['people', 'duplicates'] }),
  });
  const items = pairs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Page wide title={t('duplicates.title')} intro={t('duplicates.intro')}>
      <ErrorAlert error={pairs.error ?? dismiss.error} />
      {pairs.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text c="dimmed">{t('duplicates.none')}</Text>
      ) : (
        <Stack gap="sm">
          <Table striped aria-label={t('duplicates.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('duplicates.first')}</Table.Th>
                <Table.Th>{t('duplicates.second')}</Table.Th>
                <Table.Th>{t('duplicates.why')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map(({ people: [a, b], reasons }) => {
                const names = `${personName(a)} / ${personName(b)}`;
                return (
                  <Table.Tr key={`${a.id}:${b.id}`}>
                    {[a, b].map((p) => (
                      <Table.Td key={p.id}>
                        <AnchorLink to="/people/$personId" params={{ personId: p.id }}>
                          {personName(p)}
                        </AnchorLink>
                        <Text size="xs" c="dimmed">
                          {[primaryOf(p.emails), primaryOf(p.phones), p.companies[0]?.name].filter(Boolean).join(' · ')}
                        </Text>
                      </Table.Td>
                    ))}
                    <Table.Td>
                      <Group gap={4}>
                        {reasons.map((r) => (
                          <Badge key={r} size="xs" variant="light" tt="none">
                            {t(`duplicates.reasons.${r}`)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {canWrite && (
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <ButtonLink
                            size="xs"
                            to="/people/merge"
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

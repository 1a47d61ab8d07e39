import { Badge, Stack, Table, Text, Title } from '@mantine/core';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { TPersonRetention, TPersonRetentionItem } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';

export const personRetentionQuery = (personId: string) =>
  queryOptions({
    queryKey: ['people', personId, 'privacy', 'retention'],
    queryFn: () => api<TPersonRetention>(`/api/v1/people/${personId}/privacy/retention`),
  });

/**
 * The "Retention" part of a person's privacy panel: per kind of their data, the retention
 * rule that ends it, the date the daily run takes it (computed by the server with the job's
 * own selection, decision 0007) and whether a legal hold postpones it.
 */
export function PersonRetention({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const q = useQuery(personRetentionQuery(personId));
  return (
    <Stack gap="xs" data-testid="person-retention">
      <Title order={3} size="h5">
        {t('personRetention.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('personRetention.intro')}
      </Text>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorAlert error={q.error} />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped withTableBorder fz="sm" aria-label={t('personRetention.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('personRetention.kindColumn')}</Table.Th>
                <Table.Th>{t('personRetention.ruleColumn')}</Table.Th>
                <Table.Th>{t('personRetention.dateColumn')}</Table.Th>
                <Table.Th>{t('personRetention.holdColumn')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((item) => (
                <Table.Tr key={`${item.kind}:${item.ruleKey ?? 'none'}`}>
                  <Table.Td>
                    {t(`personRetention.kind.${item.kind}`)}
                    {item.count > 1 ? (
                      <Text size="xs" c="dimmed">
                        {t('personRetention.count', { count: item.count })}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {item.ruleKey ? (
                      <>
                        {item.ruleTitle}
                        <Text size="xs" c="dimmed">
                          {t('personRetention.period', { count: item.days ?? 0 })}
                        </Text>
                      </>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('personRetention.noRule')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <When item={item} />
                  </Table.Td>
                  <Table.Td>
                    {item.held ? (
                      <Badge color="orange" variant="light">
                        {item.heldUntil
                          ? t('personRetention.heldUntil', { date: formatDate(item.heldUntil) })
                          : t('personRetention.heldOpen')}
                      </Badge>
                    ) : (
                      t('personRetention.notHeld')
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function When({ item }: { item: TPersonRetentionItem }) {
  const { t } = useTranslation();
  if (!item.dueAt) return <>—</>;
  const date = formatDate(item.dueAt);
  const main =
    item.action === 'trash'
      ? t('personRetention.trashOn', { date, deleted: formatDate(item.deletedAt) })
      : item.action === 'anonymise'
        ? t('personRetention.anonymiseOn', { date })
        : t('personRetention.deleteOn', { date });
  const last = item.lastDueAt && item.lastDueAt !== item.dueAt ? formatDate(item.lastDueAt) : null;
  return (
    <>
      {main}
      {last ? (
        <Text size="xs" c="dimmed">
          {t('personRetention.lastOn', { date: last })}
        </Text>
      ) : null}
    </>
  );
}

import { Button, Modal, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Linkified, Loading, Page } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

type TOutboxMessage = { id: string; kind: string; to: string; subject: string; text: string; createdAt: string };
type TOutboxPage = { messages: TOutboxMessage[]; nextBefore?: string | null };

export function OutboxPage() {
  const { t } = useTranslation();
  const [open, setOpen] = useState<TOutboxMessage | null>(null);
  const outbox = useInfiniteQuery({
    queryKey: ['outbox'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<TOutboxPage>(`/api/outbox${pageParam ? `?before=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextBefore ?? null,
    refetchOnWindowFocus: true,
  });
  const messages = outbox.data?.pages.flatMap((p) => p.messages) ?? [];
  return (
    <Page title={t('outbox.title')} intro={t('outbox.intro')}>
      {outbox.isPending ? (
        <Loading />
      ) : outbox.isError ? (
        <ErrorAlert error={outbox.error} />
      ) : messages.length === 0 ? (
        <Text c="dimmed">{t('outbox.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={700}>
            <Table striped highlightOnHover verticalSpacing={4} fz="sm" aria-label={t('outbox.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('outbox.time')}</Table.Th>
                  <Table.Th>{t('outbox.to')}</Table.Th>
                  <Table.Th>{t('outbox.subject')}</Table.Th>
                  <Table.Th>{t('outbox.kind')}</Table.Th>
                  <Table.Th>{t('outbox.open')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {messages.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(m.createdAt)}</Table.Td>
                    <Table.Td>{m.to}</Table.Td>
                    <Table.Td>{m.subject}</Table.Td>
                    <Table.Td>{m.kind}</Table.Td>
                    <Table.Td>
                      <Button
                        size="compact-xs"
                        variant="default"
                        aria-label={t('outbox.openLabel', { subject: m.subject })}
                        onClick={() => setOpen(m)}
                      >
                        {t('outbox.open')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {outbox.hasNextPage && (
            <Button
              variant="default"
              w="fit-content"
              onClick={() => outbox.fetchNextPage()}
              loading={outbox.isFetchingNextPage}
            >
              {t('common.loadMore')}
            </Button>
          )}
        </Stack>
      )}
      <Modal
        opened={open !== null}
        onClose={() => setOpen(null)}
        title={open?.subject}
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {open && (
          <Stack gap="xs">
            <Text size="sm" c="dimmed">
              {t('outbox.to')}: {open.to} · {formatDateTime(open.createdAt)}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} component="div" data-testid="outbox-message">
              <Linkified text={open.text} />
            </Text>
          </Stack>
        )}
      </Modal>
    </Page>
  );
}

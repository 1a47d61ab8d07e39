import { Button, Group, NativeSelect, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { TRASH_KINDS } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, SuccessAlert, visuallyHidden } from '../../components/ui.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { useCanWrite } from '../people/people.api.ts';
import { restoreFromTrash, type TTrashItem, type TTrashKind, trashQuery } from './trash.api.ts';

export function TrashPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [kind, setKind] = useState<TTrashKind | undefined>(undefined);
  const [restored, setRestored] = useState<TTrashItem | null>(null);
  const trash = useInfiniteQuery(trashQuery(kind));
  const rows = trash.data?.pages.flatMap((p) => p.items) ?? [];

  const restore = useMutation({
    mutationFn: (item: TTrashItem) => restoreFromTrash(item),
    onMutate: () => setRestored(null),
    onSuccess: async (_data, item) => {
      setRestored(item);
      await queryClient.invalidateQueries({ queryKey: ['trash'] });
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await queryClient.invalidateQueries({ queryKey: ['deals'] });
      await queryClient.invalidateQueries({ queryKey: ['timeline'] });
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      await queryClient.invalidateQueries({ queryKey: ['files'] });
    },
  });

  return (
    <Page title={t('trash.title')} intro={t('trash.intro')}>
      {restored && (
        <SuccessAlert>
          {t('trash.restored', { name: restored.name })}{' '}
          {restored.kind === 'note' ? null : restored.kind === 'person' ? (
            <AnchorLink to="/people/$personId" params={{ personId: restored.id }} fz="sm">
              {t('trash.view', { name: restored.name })}
            </AnchorLink>
          ) : (restored.kind as string) === 'deal' ? (
            <AnchorLink to="/deals/$dealId" params={{ dealId: restored.id }} fz="sm">
              {t('trash.view', { name: restored.name })}
            </AnchorLink>
          ) : restored.kind === 'task' ? (
            <AnchorLink to="/tasks/$taskId" params={{ taskId: restored.id }} fz="sm">
              {t('trash.view', { name: restored.name })}
            </AnchorLink>
          ) : restored.kind === 'project' ? (
            <AnchorLink to="/projects/$projectId" params={{ projectId: restored.id }} fz="sm">
              {t('trash.view', { name: restored.name })}
            </AnchorLink>
          ) : restored.kind === 'file' ? null : (
            <AnchorLink to="/companies/$companyId" params={{ companyId: restored.id }} fz="sm">
              {t('trash.view', { name: restored.name })}
            </AnchorLink>
          )}
        </SuccessAlert>
      )}
      <ErrorAlert error={restore.error} />
      <NativeSelect
        label={t('trash.show')}
        value={kind ?? ''}
        onChange={(e) => setKind((e.currentTarget.value || undefined) as TTrashKind | undefined)}
        data={[
          { value: '', label: t('trash.all') },
          { value: 'person', label: t('people.title') },
          { value: 'company', label: t('companies.title') },
          // Offered once the contract lists deals among the kinds the trash holds.
          ...((TRASH_KINDS as readonly string[]).includes('deal') ? [{ value: 'deal', label: t('deals.title') }] : []),
          { value: 'note', label: t('trash.kinds.note') },
          { value: 'task', label: t('tasks.title') },
          { value: 'project', label: t('projects.title') },
          { value: 'file', label: t('files.title') },
        ]}
        w={200}
      />
      {trash.isPending ? (
        <Loading />
      ) : trash.isError ? (
        <ErrorAlert error={trash.error} />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{t('trash.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={640}>
            <Table striped verticalSpacing={4} fz="sm" aria-label={t('trash.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.name')}</Table.Th>
                  <Table.Th>{t('trash.kind')}</Table.Th>
                  <Table.Th>{t('trash.deleted')}</Table.Th>
                  <Table.Th>{t('trash.purge')}</Table.Th>
                  <Table.Th>
                    <span style={visuallyHidden}>{t('members.actions')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((item) => (
                  <Table.Tr key={`${item.kind}-${item.id}`}>
                    <Table.Td fw={500}>{item.name}</Table.Td>
                    <Table.Td>{t(`trash.kinds.${item.kind}`)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(item.deletedAt)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(item.purgeAfter)}</Table.Td>
                    <Table.Td>
                      <Group justify="flex-end">
                        {canWrite && (
                          <Button
                            size="compact-sm"
                            variant="default"
                            aria-label={t('trash.restoreLabel', { name: item.name })}
                            loading={restore.isPending && restore.variables?.id === item.id}
                            onClick={() => restore.mutate(item)}
                          >
                            {t('trash.restore')}
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <LoadMore
            shown={rows.length}
            hasMore={trash.hasNextPage}
            loading={trash.isFetchingNextPage}
            onLoad={() => void trash.fetchNextPage()}
          />
        </Stack>
      )}
    </Page>
  );
}

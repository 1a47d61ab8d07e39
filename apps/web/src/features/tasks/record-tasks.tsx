import { Stack, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Section } from '../../components/ui.tsx';
import { useCanWrite } from '../people/people.api.ts';
import { TaskTable } from './task-list.tsx';
import { tasksListQuery } from './tasks.api.ts';

/** The Tasks section of a person, company or deal page: its open tasks first (by due time),
 *  then the rest; "Add task" opens the form with the record linked. */
export function RecordTasks(props: { personId?: string; companyId?: string; dealId?: string }) {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const list = useInfiniteQuery(tasksListQuery({ ...props, sort: 'dueAt', dir: 'asc' }));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const ordered = [
    ...rows.filter((r) => r.status === 'open' || r.status === 'in_progress'),
    ...rows.filter((r) => r.status === 'done' || r.status === 'cancelled'),
  ];
  return (
    <Section title={t('tasks.title')}>
      {canWrite && (
        <ButtonLink to="/tasks/new" search={props} variant="default" size="compact-sm" w="fit-content">
          {t('tasks.addTask')}
        </ButtonLink>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : ordered.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('tasks.noneHere')}
        </Text>
      ) : (
        <Stack gap="xs">
          <TaskTable tasks={ordered} canWrite={canWrite} label={t('tasks.recordTasks')} />
          {list.hasNextPage && (
            <LoadMore
              shown={rows.length}
              hasMore={list.hasNextPage}
              loading={list.isFetchingNextPage}
              onLoad={() => void list.fetchNextPage()}
            />
          )}
        </Stack>
      )}
    </Section>
  );
}

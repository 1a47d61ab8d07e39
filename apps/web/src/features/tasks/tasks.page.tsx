import { Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { useCanWrite } from '../people/people.api.ts';
import { projectsPickQuery } from '../projects/projects.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { TaskTable } from './task-list.tsx';
import { createTask, TODO_STATUSES, type TTaskFilters, tasksListQuery } from './tasks.api.ts';

/** The Tasks page's address: who ("me" by default), which statuses (`show`), when, which project.
 *  Keys differ from other pages' (`status` is the deals page's, with other values): the router
 *  merges every page's search into one type. */
export type TTasksSearch = { assignee?: string; show?: string; due?: 'overdue' | 'week'; projectId?: string };

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
export function validateTasksSearch(s: Record<string, unknown>): TTasksSearch {
  const due = s.due === 'overdue' || s.due === 'week' ? s.due : undefined;
  return { assignee: str(s.assignee), show: str(s.show), due, projectId: str(s.projectId) };
}

const route = getRouteApi('/app/tasks');
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export function TasksPage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const members = useQuery(membersQuery);
  const projects = useQuery(projectsPickQuery);
  const assignee = search.assignee ?? 'me';
  const status = search.show ?? TODO_STATUSES;
  // "Now" is taken when the filter is chosen, so the list's key stays stable while it is shown.
  const [now] = useState(() => Date.now());
  const filters: TTaskFilters = {
    assignee: assignee === 'all' ? undefined : assignee,
    status: status === 'all' ? undefined : status,
    dueBefore:
      search.due === 'overdue'
        ? new Date(now).toISOString()
        : search.due === 'week'
          ? new Date(now + WEEK_MS).toISOString()
          : undefined,
    projectId: search.projectId,
    sort: 'dueAt',
    dir: 'asc',
  };
  const list = useInfiniteQuery(tasksListQuery(filters));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (patch: Partial<TTasksSearch>) => void navigate({ to: '/tasks', search: { ...search, ...patch } });

  const [title, setTitle] = useState('');
  const quickAdd = useMutation({
    mutationFn: () => createTask({ title: title.trim(), projectId: search.projectId ?? null }),
    onSuccess: async () => {
      setTitle('');
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
  });

  return (
    <Page
      title={t('tasks.title')}
      actions={
        canWrite ? (
          <ButtonLink to="/tasks/new" search={{ projectId: search.projectId }}>
            {t('tasks.new')}
          </ButtonLink>
        ) : undefined
      }
    >
      {canWrite && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) quickAdd.mutate();
          }}
        >
          <Group align="flex-end" gap="sm">
            <TextInput
              name="title"
              label={t('tasks.quickAdd')}
              placeholder={t('tasks.quickAddHint')}
              value={title}
              onChange={(e) => setTitle(e.currentTarget.value)}
              error={fieldError(quickAdd.error, 'title')}
              w={360}
            />
            <Button type="submit" loading={quickAdd.isPending}>
              {t('tasks.add')}
            </Button>
          </Group>
          <ErrorAlert error={quickAdd.error} hideWhenFields />
        </form>
      )}
      <Group gap="sm" align="flex-end">
        <NativeSelect
          label={t('tasks.assignee')}
          value={assignee}
          onChange={(e) => set({ assignee: e.currentTarget.value === 'me' ? undefined : e.currentTarget.value })}
          data={[
            { value: 'me', label: t('tasks.mine') },
            { value: 'all', label: t('tasks.everyone') },
            { value: 'none', label: t('tasks.unassigned') },
            ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name })),
          ]}
          w={200}
        />
        <NativeSelect
          label={t('tasks.status')}
          value={status}
          onChange={(e) => set({ show: e.currentTarget.value === TODO_STATUSES ? undefined : e.currentTarget.value })}
          data={[
            { value: TODO_STATUSES, label: t('tasks.toDo') },
            { value: 'done', label: t('tasks.statuses.done') },
            { value: 'cancelled', label: t('tasks.statuses.cancelled') },
            { value: 'all', label: t('tasks.allStatuses') },
          ]}
          w={160}
        />
        <NativeSelect
          label={t('tasks.due')}
          value={search.due ?? ''}
          onChange={(e) => set({ due: (e.currentTarget.value || undefined) as TTasksSearch['due'] })}
          data={[
            { value: '', label: t('tasks.anyTime') },
            { value: 'overdue', label: t('tasks.overdue') },
            { value: 'week', label: t('tasks.nextWeek') },
          ]}
          w={160}
        />
        <NativeSelect
          label={t('tasks.project')}
          value={search.projectId ?? ''}
          onChange={(e) => set({ projectId: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('tasks.anyProject') },
            ...(projects.data ?? []).map((p) => ({ value: p.id, label: p.name })),
          ]}
          w={200}
        />
      </Group>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{t('tasks.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <TaskTable tasks={rows} canWrite={canWrite} label={t('tasks.title')} />
          <LoadMore
            shown={rows.length}
            hasMore={list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => void list.fetchNextPage()}
          />
        </Stack>
      )}
    </Page>
  );
}

import { Badge, Checkbox, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, visuallyHidden } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { isOverdue, setDone, type TTask } from './tasks.api.ts';

const PRIORITY_COLOR = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' } as const;

/** Tasks as a table: tick to complete (or reopen) in place; the title opens the task. */
export function TaskTable({ tasks, canWrite, label }: { tasks: TTask[]; canWrite: boolean; label: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const members = useQuery(membersQuery);
  const nameOf = (id: string | null) =>
    id ? (members.data?.find((m) => m.userId === id)?.name ?? '…') : t('tasks.unassigned');
  const tick = useMutation({
    mutationFn: ({ task, done }: { task: TTask; done: boolean }) => setDone(task, done),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
  return (
    <Stack gap="xs">
      <ErrorAlert error={tick.error} />
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing={4} fz="sm" aria-label={label}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>
                <span style={visuallyHidden}>{t('tasks.tickColumn')}</span>
              </Table.Th>
              <Table.Th>{t('tasks.taskTitle')}</Table.Th>
              <Table.Th>{t('tasks.due')}</Table.Th>
              <Table.Th>{t('tasks.assignee')}</Table.Th>
              <Table.Th>{t('tasks.priority')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tasks.map((task) => {
              const done = task.status === 'done';
              return (
                <Table.Tr key={task.id}>
                  <Table.Td>
                    <Checkbox
                      aria-label={t('tasks.complete', { title: task.title })}
                      checked={done}
                      disabled={!canWrite || task.status === 'cancelled' || tick.isPending}
                      onChange={(e) => tick.mutate({ task, done: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <AnchorLink
                        to="/tasks/$taskId"
                        params={{ taskId: task.id }}
                        fz="sm"
                        td={done || task.status === 'cancelled' ? 'line-through' : undefined}
                      >
                        {task.title}
                      </AnchorLink>
                      {task.status !== 'open' && (
                        <Badge size="xs" variant="light" color={done ? 'green' : 'gray'}>
                          {t(`tasks.statuses.${task.status}`)}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {task.dueAt ? (
                      <Text size="sm" c={isOverdue(task) ? 'red' : undefined}>
                        {formatDateTime(task.dueAt)}
                        {isOverdue(task) && ` (${t('tasks.overdue')})`}
                      </Text>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{nameOf(task.assigneeId)}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={PRIORITY_COLOR[task.priority]}>
                      {t(`tasks.priorities.${task.priority}`)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

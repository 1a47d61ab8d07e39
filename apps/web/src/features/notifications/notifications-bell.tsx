import { ActionIcon, Button, Group, Indicator, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import {
  markAllRead,
  markRead,
  notificationsQuery,
  type TNotification,
  unreadCountQuery,
} from './notifications.api.ts';

/** The bell in the header: the unread count, and the latest notifications in a popover. */
export function NotificationsBell() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const unread = useQuery(unreadCountQuery);
  const list = useQuery({ ...notificationsQuery, enabled: opened });
  const count = unread.data?.count ?? 0;
  const shown = unread.data?.more ? '99+' : String(count);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['notifications'] });
  const readOne = useMutation({ mutationFn: (n: TNotification) => markRead(n.id), onSuccess: refresh });
  const readAll = useMutation({ mutationFn: markAllRead, onSuccess: refresh });
  const label = count ? t('notifications.bellUnread', { count: shown }) : t('notifications.bell');
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md">
      <Popover.Target>
        <Indicator label={shown} size={16} disabled={count === 0} offset={4}>
          <ActionIcon variant="subtle" size="lg" aria-label={label} onClick={() => setOpened((o) => !o)}>
            <svg
              width="20"
              height="20"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              aria-hidden="true"
            >
              <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
              <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
            </svg>
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={600} size="sm">
              {t('notifications.title')}
            </Text>
            {count > 0 && (
              <Button size="compact-xs" variant="subtle" onClick={() => readAll.mutate()} loading={readAll.isPending}>
                {t('notifications.readAll')}
              </Button>
            )}
          </Group>
          <ErrorAlert error={list.error ?? readOne.error ?? readAll.error} />
          {list.isPending ? (
            <Loading />
          ) : (list.data ?? []).length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('notifications.empty')}
            </Text>
          ) : (
            <Stack
              gap={4}
              component="ul"
              style={{ listStyle: 'none', padding: 0, margin: 0 }}
              aria-label={t('notifications.title')}
            >
              {(list.data ?? []).map((n) => (
                <li key={n.id}>
                  <UnstyledButton
                    w="100%"
                    p={6}
                    style={{ borderRadius: 4, background: n.readAt ? undefined : 'var(--mantine-color-blue-light)' }}
                    onClick={() => {
                      if (!n.readAt) readOne.mutate(n);
                      setOpened(false);
                      if (n.task) void navigate({ to: '/tasks/$taskId', params: { taskId: n.task.id } });
                    }}
                  >
                    <Text size="sm" fw={n.readAt ? 400 : 600}>
                      {n.task ? t('notifications.reminder', { title: n.task.title }) : t('notifications.goneTask')}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {formatDateTime(n.createdAt)}
                      {n.task?.dueAt ? ` · ${t('notifications.due', { at: formatDateTime(n.task.dueAt) })}` : ''}
                    </Text>
                  </UnstyledButton>
                </li>
              ))}
            </Stack>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

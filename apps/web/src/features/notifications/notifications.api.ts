import { queryOptions } from '@tanstack/react-query';
import type { TMarkedRead, TNotification, TNotificationList, TUnreadCount } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TNotification } from '@tillit/contracts';

const base = '/api/v1/notifications';

/** Polled once a minute: reminders arrive from the minute job. A background query, so an
 *  error here never leads away from the page being read. */
export const unreadCountQuery = queryOptions({
  queryKey: ['notifications', 'unread'],
  queryFn: ({ signal }) => api<TUnreadCount>(`${base}/unread-count`, { signal }),
  refetchInterval: 60_000,
  meta: { background: true },
});

export const notificationsQuery = queryOptions({
  queryKey: ['notifications', 'list'],
  queryFn: ({ signal }) => api<TNotificationList>(`${base}?limit=20`, { signal }).then((r) => r.items),
});

export const markRead = (id: string) =>
  api<TNotification>(`${base}/${encodeURIComponent(id)}/read`, { method: 'POST', body: {} });
export const markAllRead = () => api<TMarkedRead>(`${base}/read-all`, { method: 'POST', body: {} });

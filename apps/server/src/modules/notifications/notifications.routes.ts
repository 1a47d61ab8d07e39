import {
  ZMarkedRead,
  ZNotification,
  ZNotificationList,
  ZNotificationListQuery,
  ZNotificationParams,
  ZUnreadCount,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { listNotifications, markAllRead, markRead, unreadCount } from './notifications.service.ts';

/** The caller's own notifications in the current workspace (every role). */
export function registerNotificationRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  const me = async (request: Req) => actorOf(await requireMember(services, request, 'viewer'));
  const tags = ['notifications'];

  r.get(
    '/api/v1/notifications',
    {
      schema: {
        tags,
        summary: 'My notifications, newest first (keyset: pass nextCursor back as after)',
        querystring: ZNotificationListQuery,
        response: { 200: ZNotificationList },
      },
    },
    async (request) => listNotifications(services, await me(request), request.query),
  );
  r.get(
    '/api/v1/notifications/unread-count',
    { schema: { tags, summary: 'How many of mine are unread (up to 100)', response: { 200: ZUnreadCount } } },
    async (request) => unreadCount(services, await me(request)),
  );
  r.post(
    '/api/v1/notifications/read-all',
    { schema: { tags, summary: 'Mark all of mine read', response: { 200: ZMarkedRead } } },
    async (request) => markAllRead(services, await me(request)),
  );
  r.post(
    '/api/v1/notifications/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark one of mine read',
        params: ZNotificationParams,
        response: { 200: ZNotification },
      },
    },
    async (request) => markRead(services, await me(request), request.params.id),
  );
}

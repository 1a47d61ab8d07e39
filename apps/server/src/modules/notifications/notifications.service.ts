import type {
  TMarkedRead,
  TNotification,
  TNotificationList,
  TUnreadCount,
  ZNotificationListQuery,
} from '@tillit/contracts';
import { and, desc, eq, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { notifications, tasks } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { inTenant } from '../people/people.service.ts';
import { taskVisibleTo } from '../tasks/tasks.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

export type NotificationListInput = z.output<typeof ZNotificationListQuery>;

/** The cap of the unread count: the bell shows "99+" past it, and no count scans further. */
export const UNREAD_CAP = 100;

/** Notifications of the caller matching `conds`, newest first. The task shows only while live
 *  and visible to the member, so a reminder never leaks the title of a task they lost sight of. */
async function selectNotifications(tx: Tx, actor: Actor, conds: (SQL | undefined)[], limit: number) {
  const taskVisible = taskVisibleTo(actor) ?? sql`true`;
  const rows = await tx
    .select({
      id: notifications.notificationId,
      kind: notifications.kind,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
      taskId: tasks.taskId,
      title: tasks.title,
      dueAt: tasks.dueAt,
    })
    .from(notifications)
    .leftJoin(
      tasks,
      and(
        eq(tasks.workspaceId, notifications.workspaceId),
        eq(tasks.taskId, notifications.taskId),
        isNull(tasks.deletedAt),
        taskVisible,
      ),
    )
    .where(and(eq(notifications.workspaceId, actor.workspaceId), eq(notifications.userId, actor.userId), ...conds))
    .orderBy(desc(notifications.notificationId))
    .limit(limit);
  return rows.map(
    (r): TNotification => ({
      id: r.id,
      kind: r.kind,
      task: r.taskId ? { id: r.taskId, title: r.title ?? '', dueAt: r.dueAt ? r.dueAt.toISOString() : null } : null,
      createdAt: r.createdAt.toISOString(),
      readAt: r.readAt ? r.readAt.toISOString() : null,
    }),
  );
}

/** The caller's own notifications in this workspace, newest first; keyset over the id
 *  (UUIDv7, so it orders by creation) on (workspace_id, user_id, notification_id). */
export async function listNotifications(
  services: Services,
  actor: Actor,
  q: NotificationListInput,
): Promise<TNotificationList> {
  const conds: (SQL | undefined)[] = [];
  if (q.unread === 'true') conds.push(isNull(notifications.readAt));
  if (q.unread === 'false') conds.push(isNotNull(notifications.readAt));
  if (q.after) conds.push(lt(notifications.notificationId, q.after));
  return inTenant(services, actor, async (tx) => {
    const rows = await selectNotifications(tx, actor, conds, q.limit + 1);
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? last.id : null };
  });
}

export async function unreadCount(services: Services, actor: Actor): Promise<TUnreadCount> {
  return inTenant(services, actor, async (tx) => {
    const res = await tx.execute(
      sql`select count(*)::int as n from (select 1 from ${notifications} where ${notifications.workspaceId} = ${actor.workspaceId} and ${notifications.userId} = ${actor.userId} and ${notifications.readAt} is null limit ${UNREAD_CAP + 1}) t`,
    );
    const n = Number((res as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
    return { count: Math.min(n, UNREAD_CAP), more: n > UNREAD_CAP };
  });
}

/** Marking one's own notification read (again: no change). Someone else's is not found. */
export async function markRead(services: Services, actor: Actor, notificationId: string): Promise<TNotification> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const mine = and(
      eq(notifications.workspaceId, actor.workspaceId),
      eq(notifications.userId, actor.userId),
      eq(notifications.notificationId, notificationId),
    );
    await tx
      .update(notifications)
      .set({ readAt: now })
      .where(and(mine, isNull(notifications.readAt)));
    const [n] = await selectNotifications(tx, actor, [eq(notifications.notificationId, notificationId)], 1);
    if (!n) throw notFound('The notification');
    return n;
  });
}

export async function markAllRead(services: Services, actor: Actor): Promise<TMarkedRead> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .update(notifications)
      .set({ readAt: now })
      .where(
        and(
          eq(notifications.workspaceId, actor.workspaceId),
          eq(notifications.userId, actor.userId),
          isNull(notifications.readAt),
        ),
      )
      .returning({ id: notifications.notificationId });
    return { marked: rows.length };
  });
}

// Zod schemas of in-app notifications (issue 3, P-CRM-4): each member's own, per workspace.
import { z } from 'zod';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

export const NOTIFICATION_KINDS = ['task.reminder'] as const;
export const ZNotificationKind = z.enum(NOTIFICATION_KINDS);

export const ZNotification = z.object({
  id: ZId,
  kind: ZNotificationKind,
  /** The task it is about, while it exists and the member can see it. */
  task: z.object({ id: ZId, title: z.string(), dueAt: ZTimestamp.nullable() }).nullable(),
  createdAt: ZTimestamp,
  readAt: ZTimestamp.nullable(),
});
export type TNotification = z.infer<typeof ZNotification>;

/** Newest first; keyset over the id (pass nextCursor back as `after`). */
export const ZNotificationListQuery = z
  .object({
    unread: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    after: ZId.optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .default(20),
  })
  .strict();
export type TNotificationListQuery = z.input<typeof ZNotificationListQuery>;

export const ZNotificationList = z.object({ items: z.array(ZNotification), nextCursor: z.string().nullable() });
export type TNotificationList = z.infer<typeof ZNotificationList>;

/** GET /api/v1/notifications/unread-count: counted up to 100 (`more` when there are more). */
export const ZUnreadCount = z.object({ count: z.number().int(), more: z.boolean() });
export type TUnreadCount = z.infer<typeof ZUnreadCount>;

export const ZNotificationParams = z.object({ id: ZId }).strict();

/** POST /api/v1/notifications/read-all answers with how many it marked. */
export const ZMarkedRead = z.object({ marked: z.number().int() });
export type TMarkedRead = z.infer<typeof ZMarkedRead>;

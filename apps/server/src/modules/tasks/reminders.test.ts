import type { TMarkedRead, TNotification, TNotificationList, TTask, TUnreadCount } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, notifications } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { MAIL_LEASE_MS, sendTaskReminders } from './reminders.service.ts';
import { taskRemindersJob } from './tasks.jobs.ts';
import { type CrmWorkspace, crmWorkspace, makeTask } from './tasks.test-helpers.ts';

const MINUTE = 60_000;

describeEachDatabase('task reminders and notifications', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Reminders');
  }, 60_000);

  const inIn = (ms: number) => new Date(env().clock.now().getTime() + ms).toISOString();
  const mailsFor = (to: string, title: string) =>
    env().mail.sent.filter((m) => m.to === to && m.kind === 'task_reminder' && m.subject.includes(title));
  const notificationsOf = (taskId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(notifications)
        .where(and(eq(notifications.workspaceId, w.workspaceId), eq(notifications.taskId, taskId))),
    );

  it('[P-CRM-4] the job runs every minute; at the reminder time the assignee gets one email and one unread notification, even when the job runs twice', async () => {
    expect(taskRemindersJob.cron).toBe('* * * * *');
    const task = await makeTask(w.member.client, {
      title: 'Send the offer',
      assigneeId: w.other.userId,
      dueAt: inIn(60 * MINUTE),
      remindAt: inIn(10 * MINUTE),
    });
    // Not yet: nothing happens before the time.
    await runJob(env().services, taskRemindersJob);
    expect(mailsFor(w.other.email, 'Send the offer')).toHaveLength(0);
    expect(await notificationsOf(task.id)).toHaveLength(0);

    env().clock.advance(10 * MINUTE);
    const first = await runJob(env().services, taskRemindersJob);
    expect(first).toMatchObject({ reminded: 1, notified: 1, mailed: 1 });
    const second = await runJob(env().services, taskRemindersJob);
    expect(second).toMatchObject({ reminded: 0, notified: 0, mailed: 0 });
    env().clock.advance(MINUTE);
    await runJob(env().services, taskRemindersJob);

    const mails = mailsFor(w.other.email, 'Send the offer');
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain('Send the offer');
    expect(mails[0]?.text).toContain('/tasks');
    expect(mailsFor(w.member.email, 'Send the offer')).toHaveLength(0);
    const rows = await notificationsOf(task.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: w.other.userId, mailState: 'sent', readAt: null });

    const count = await w.other.client.get<TUnreadCount>('/api/v1/notifications/unread-count');
    expect(count.body).toEqual({ count: 1, more: false });
    const list = await w.other.client.get<TNotificationList>('/api/v1/notifications');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      kind: 'task.reminder',
      task: { id: task.id, title: 'Send the offer', dueAt: task.dueAt },
      readAt: null,
    });
    // Someone else's notifications are not theirs to see or mark.
    expect((await w.member.client.get<TNotificationList>('/api/v1/notifications')).body.items).toHaveLength(0);
    const id = list.body.items[0]?.id ?? '';
    expect((await w.member.client.post(`/api/v1/notifications/${id}/read`)).status).toBe(404);

    const got = await w.other.client.get<TTask>(`/api/v1/tasks/${task.id}`);
    expect(got.body.reminderSentAt).not.toBeNull();

    // The batch is in the audit chain (counts only).
    const audit = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'task.reminders_sent'))),
    );
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit[0]?.details).toEqual({ tasks: 1, notifications: 1 });
  });

  it('[P-CRM-4] marking read: one, then all; the unread count follows', async () => {
    for (const title of ['R1', 'R2', 'R3']) await makeTask(w.member.client, { title, remindAt: inIn(MINUTE) });
    env().clock.advance(MINUTE);
    await runJob(env().services, taskRemindersJob);
    const unread = await w.member.client.get<TNotificationList>('/api/v1/notifications?unread=true');
    expect(unread.body.items.map((n) => n.task?.title).sort()).toEqual(['R1', 'R2', 'R3']);
    const one = unread.body.items[0] as TNotification;
    const marked = await w.member.client.post<TNotification>(`/api/v1/notifications/${one.id}/read`);
    expect(marked.status).toBe(200);
    expect(marked.body.readAt).toBe(env().clock.now().toISOString());
    expect((await w.member.client.get<TUnreadCount>('/api/v1/notifications/unread-count')).body.count).toBe(2);
    // Keyset paging over the list, newest first.
    const p1 = await w.member.client.get<TNotificationList>('/api/v1/notifications?limit=2');
    expect(p1.body.items).toHaveLength(2);
    const p2 = await w.member.client.get<TNotificationList>(
      `/api/v1/notifications?limit=2&after=${p1.body.nextCursor}`,
    );
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.nextCursor).toBeNull();
    expect(new Set([...p1.body.items, ...p2.body.items].map((n) => n.id)).size).toBe(3);
    const all = await w.member.client.post<TMarkedRead>('/api/v1/notifications/read-all');
    expect(all.body).toEqual({ marked: 2 });
    expect((await w.member.client.get<TUnreadCount>('/api/v1/notifications/unread-count')).body).toEqual({
      count: 0,
      more: false,
    });
    expect((await w.member.client.get<TNotificationList>('/api/v1/notifications?unread=true')).body.items).toEqual([]);
  });

  it('[P-CRM-4] no reminder for a task that is done, cancelled or in the trash; a new reminder time arms it again', async () => {
    const done = await makeTask(w.member.client, { title: 'Done one', remindAt: inIn(MINUTE) });
    const cancelled = await makeTask(w.member.client, { title: 'Cancelled one', remindAt: inIn(MINUTE) });
    const trashed = await makeTask(w.member.client, { title: 'Trashed one', remindAt: inIn(MINUTE) });
    const again = await makeTask(w.member.client, { title: 'Twice', remindAt: inIn(MINUTE) });
    await w.member.client.patch(`/api/v1/tasks/${done.id}`, { status: 'done' });
    await w.member.client.patch(`/api/v1/tasks/${cancelled.id}`, { status: 'cancelled' });
    await w.member.client.delete(`/api/v1/tasks/${trashed.id}`);
    env().clock.advance(2 * MINUTE);
    await runJob(env().services, taskRemindersJob);
    for (const t of [done, cancelled, trashed]) {
      expect(await notificationsOf(t.id), t.title).toHaveLength(0);
      expect(mailsFor(w.member.email, t.title), t.title).toHaveLength(0);
    }
    expect(mailsFor(w.member.email, 'Twice')).toHaveLength(1);
    const rearmed = await w.member.client.patch<TTask>(`/api/v1/tasks/${again.id}`, { remindAt: inIn(MINUTE) });
    expect(rearmed.body.reminderSentAt).toBeNull();
    env().clock.advance(MINUTE);
    await runJob(env().services, taskRemindersJob);
    expect(mailsFor(w.member.email, 'Twice')).toHaveLength(2);
    expect(await notificationsOf(again.id)).toHaveLength(2);
  });

  it('[P-CRM-4] a run that dies after claiming a mail leaves it to a later run (after the lease), which sends it once', async () => {
    const t = await makeTask(w.member.client, { title: 'Crashy', remindAt: inIn(MINUTE) });
    env().clock.advance(MINUTE);
    const services = env().services;
    const failing = {
      ...services,
      mail: {
        kind: services.mail.kind,
        send: async () => {
          throw new Error('the SMTP server is down');
        },
      },
    };
    const r = await sendTaskReminders(failing);
    expect(r).toMatchObject({ notified: 1, mailed: 0 });
    expect(await notificationsOf(t.id)).toEqual([expect.objectContaining({ mailState: 'pending' })]);
    // Within the lease nobody sends it again; in-app, it is there already.
    await runJob(services, taskRemindersJob);
    expect(mailsFor(w.member.email, 'Crashy')).toHaveLength(0);
    env().clock.advance(MAIL_LEASE_MS);
    await runJob(services, taskRemindersJob);
    await runJob(services, taskRemindersJob);
    expect(mailsFor(w.member.email, 'Crashy')).toHaveLength(1);
    expect(await notificationsOf(t.id)).toEqual([expect.objectContaining({ mailState: 'sent' })]);
  });

  it('[P-CRM-4] two runs at the same time notify once', async () => {
    const t = await makeTask(w.member.client, { title: 'Race', remindAt: inIn(MINUTE) });
    env().clock.advance(MINUTE);
    await Promise.all([runJob(env().services, taskRemindersJob), runJob(env().services, taskRemindersJob)]);
    expect(await notificationsOf(t.id)).toHaveLength(1);
    expect(mailsFor(w.member.email, 'Race')).toHaveLength(1);
  });

  it('[P-CRM-4] notifications reject bad input with 422 and stay in their workspace', async () => {
    expect((await w.member.client.get('/api/v1/notifications?limit=500')).status).toBe(422);
    expect((await w.member.client.get('/api/v1/notifications?unread=maybe')).status).toBe(422);
    expect((await w.member.client.post('/api/v1/notifications/not-a-uuid/read')).status).toBe(422);
    const b = await crmWorkspace(env(), 'Other');
    expect((await b.owner.client.get<TNotificationList>('/api/v1/notifications')).body.items).toEqual([]);
    const mine = await w.member.client.get<TNotificationList>('/api/v1/notifications');
    const id = mine.body.items[0]?.id ?? '';
    expect((await b.owner.client.post(`/api/v1/notifications/${id}/read`)).status).toBe(404);
    const cross = await w.member.client.get('/api/v1/notifications', { 'x-tillit-workspace': b.workspaceId });
    expect(cross.status).toBe(403);
  });
});

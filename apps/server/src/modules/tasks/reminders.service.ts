import { and, asc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import { members, notifications, tasks, users, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { OPEN_STATUSES } from './tasks.service.ts';

const BATCH = 200;
const MAIL_BATCH = 50;
/** A mail claimed by a run that then died is claimed again after this long. */
export const MAIL_LEASE_MS = 10 * 60 * 1000;

export type ReminderResult = { workspaces: number; reminded: number; notified: number; mailed: number };

/**
 * P-CRM-4: every task whose reminder time has come (by `services.clock`), still open or in
 * progress and not in the trash, notifies its assignee (else its creator) once.
 *
 * Step 1, one transaction per batch: the notification rows (mail 'pending') and the tasks'
 * `reminder_sent_at` are written together, with the due tasks locked (SKIP LOCKED), so two
 * runs at once or a run after a crash never notify twice; a unique index on (task, user,
 * remind time) backs that up.
 * Step 2, the outbox pattern: pending mails are claimed (a lease in `mailed_at`), sent through
 * `services.mail` after the claim commits, and marked sent. A run that dies after claiming
 * leaves them to the next run once the lease is over; only a crash between the send and
 * its mark can send one twice (no mail transport offers exactly-once).
 */
export async function sendTaskReminders(services: Services): Promise<ReminderResult> {
  const db = services.database.db;
  const now = services.clock.now();
  const ids = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  const total: ReminderResult = { workspaces: 0, reminded: 0, notified: 0, mailed: 0 };
  for (const { workspaceId } of ids) {
    let touched = false;
    for (;;) {
      const r = await withTenant(db, { workspaceId }, (tx) => notifyDue(tx, workspaceId, now));
      total.reminded += r.tasks;
      total.notified += r.notified;
      if (r.tasks > 0) touched = true;
      if (r.tasks < BATCH) break;
    }
    const mailed = await mailPending(services, workspaceId, now);
    total.mailed += mailed;
    if (touched || mailed > 0) total.workspaces += 1;
  }
  return total;
}

type Tx = Parameters<Parameters<typeof withTenant>[2]>[0];

async function notifyDue(tx: Tx, workspaceId: string, now: Date) {
  const due = await tx
    .select({
      taskId: tasks.taskId,
      assigneeId: tasks.assigneeId,
      createdBy: tasks.createdBy,
      remindAt: tasks.remindAt,
    })
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, workspaceId),
        isNotNull(tasks.remindAt),
        isNull(tasks.reminderSentAt),
        isNull(tasks.deletedAt),
        lte(tasks.remindAt, now),
        inArray(tasks.status, [...OPEN_STATUSES]),
      ),
    )
    .orderBy(asc(tasks.remindAt), asc(tasks.taskId))
    .limit(BATCH)
    .for('update', { skipLocked: true });
  if (due.length === 0) return { tasks: 0, notified: 0 };
  const wanted = [...new Set(due.flatMap((t) => ((t.assigneeId ?? t.createdBy) ? [t.assigneeId ?? t.createdBy] : [])))];
  const present = new Set(
    wanted.length
      ? (
          await tx
            .select({ userId: members.userId })
            .from(members)
            .where(and(eq(members.workspaceId, workspaceId), inArray(members.userId, wanted as string[])))
        ).map((m) => m.userId)
      : [],
  );
  const rows = due.flatMap((t) => {
    const userId = t.assigneeId ?? t.createdBy;
    if (!userId || !present.has(userId)) return [];
    return [
      {
        workspaceId,
        notificationId: newId(now.getTime()),
        userId,
        kind: 'task.reminder' as const,
        taskId: t.taskId,
        remindAt: t.remindAt,
        createdAt: now,
        mailState: 'pending' as const,
      },
    ];
  });
  const inserted = rows.length
    ? await tx.insert(notifications).values(rows).onConflictDoNothing().returning({ id: notifications.notificationId })
    : [];
  await tx
    .update(tasks)
    .set({ reminderSentAt: now })
    .where(
      and(
        eq(tasks.workspaceId, workspaceId),
        inArray(
          tasks.taskId,
          due.map((t) => t.taskId),
        ),
      ),
    );
  // One entry per batch (appendAudit locks the chain head); ids only.
  await appendAudit(
    tx,
    workspaceId,
    {
      actor: { kind: 'system' },
      action: 'task.reminders_sent',
      details: { tasks: due.length, notifications: inserted.length },
    },
    now,
  );
  return { tasks: due.length, notified: inserted.length };
}

type Claimed = { id: string; to: string; name: string; title: string; dueAt: Date | null };

async function mailPending(services: Services, workspaceId: string, now: Date): Promise<number> {
  const db = services.database.db;
  const leaseOver = new Date(now.getTime() - MAIL_LEASE_MS);
  let mailed = 0;
  for (;;) {
    const claimed: Claimed[] = await withTenant(db, { workspaceId }, async (tx) => {
      const pending = await tx
        .select({ id: notifications.notificationId })
        .from(notifications)
        .where(
          and(
            eq(notifications.workspaceId, workspaceId),
            eq(notifications.mailState, 'pending'),
            sql`(${notifications.mailedAt} is null or ${notifications.mailedAt} <= ${leaseOver.toISOString()}::timestamptz)`,
          ),
        )
        .orderBy(asc(notifications.notificationId))
        .limit(MAIL_BATCH)
        .for('update', { skipLocked: true });
      if (pending.length === 0) return [];
      const idList = pending.map((p) => p.id);
      const rows = await tx
        .select({
          id: notifications.notificationId,
          to: users.email,
          name: users.name,
          title: tasks.title,
          dueAt: tasks.dueAt,
          status: tasks.status,
          deletedAt: tasks.deletedAt,
        })
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.userId))
        .leftJoin(tasks, and(eq(tasks.workspaceId, notifications.workspaceId), eq(tasks.taskId, notifications.taskId)))
        .where(and(eq(notifications.workspaceId, workspaceId), inArray(notifications.notificationId, idList)));
      // A task done, cancelled or trashed since: no mail (the in-app notice stays).
      const live = rows.filter((r) => r.title !== null && !r.deletedAt && r.status && OPEN_STATUSES.includes(r.status));
      const dead = idList.filter((id) => !live.some((r) => r.id === id));
      if (dead.length)
        await tx
          .update(notifications)
          .set({ mailState: 'none' })
          .where(and(eq(notifications.workspaceId, workspaceId), inArray(notifications.notificationId, dead)));
      if (live.length)
        await tx
          .update(notifications)
          .set({ mailedAt: now })
          .where(
            and(
              eq(notifications.workspaceId, workspaceId),
              inArray(
                notifications.notificationId,
                live.map((r) => r.id),
              ),
            ),
          );
      return live.map((r) => ({ id: r.id, to: r.to, name: r.name, title: r.title ?? '', dueAt: r.dueAt }));
    });
    if (claimed.length === 0) return mailed;
    // After the claim committed: a mail is never sent for a claim that was rolled back.
    const sent: string[] = [];
    for (const c of claimed) {
      try {
        await services.mail.send(reminderMail(services, workspaceId, c));
        sent.push(c.id);
      } catch {
        // Left claimed: the next run after the lease tries again.
      }
    }
    if (sent.length)
      await withTenant(db, { workspaceId }, (tx) =>
        tx
          .update(notifications)
          .set({ mailState: 'sent', mailedAt: now })
          .where(and(eq(notifications.workspaceId, workspaceId), inArray(notifications.notificationId, sent))),
      );
    mailed += sent.length;
    if (claimed.length < MAIL_BATCH) return mailed;
  }
}

function reminderMail(services: Services, workspaceId: string, c: Claimed) {
  const due = c.dueAt ? `Due: ${c.dueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'No due date.';
  return {
    kind: 'task_reminder',
    workspaceId,
    to: c.to,
    subject: `Reminder: ${c.title}`,
    text: [
      `Hello ${c.name},`,
      '',
      `This is your reminder for the task "${c.title}".`,
      due,
      '',
      `Open your tasks: ${services.config.publicUrl}/tasks`,
    ].join('\n'),
  };
}

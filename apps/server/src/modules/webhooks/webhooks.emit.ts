import type { TWebhookEventType } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { webhookEvents, webhookSubscriptions } from '../../db/schema/index.ts';
import { newId } from '../../lib/ids.ts';

/**
 * Records a change for the webhooks, in the transaction of the change (the outbox): the
 * event exists exactly when the change committed. Nothing is written when no active
 * subscription of the workspace wants this event type. Returns `data`, so a service can
 * wrap its `return present…(…)` in one call. `data` is the record as the API returned it
 * to the member who made the change.
 */
/** Whether an active subscription of the workspace wants events of this type. */
export async function eventWanted(tx: Tx, workspaceId: string, type: TWebhookEventType): Promise<boolean> {
  const [wanted] = await tx
    .select({ id: webhookSubscriptions.subscriptionId })
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.workspaceId, workspaceId),
        eq(webhookSubscriptions.active, true),
        sql`${type} = any(${webhookSubscriptions.events})`,
      ),
    )
    .limit(1);
  return Boolean(wanted);
}

export async function emitRecordEvent<T extends { id: string }>(
  tx: Tx,
  now: Date,
  workspaceId: string,
  type: TWebhookEventType,
  data: T | Promise<T>,
): Promise<T> {
  const value = await data;
  const [wanted] = await tx
    .select({ id: webhookSubscriptions.subscriptionId })
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.workspaceId, workspaceId),
        eq(webhookSubscriptions.active, true),
        sql`${type} = any(${webhookSubscriptions.events})`,
      ),
    )
    .limit(1);
  if (wanted) {
    await tx.insert(webhookEvents).values({
      workspaceId,
      eventId: newId(now.getTime()),
      type,
      recordId: value.id,
      // `person.erased` carries no personal data and must outlive later erasure passes.
      personId: type.startsWith('person.') && type !== 'person.erased' ? value.id : null,
      occurredAt: now,
      data: value,
    });
  }
  return value;
}

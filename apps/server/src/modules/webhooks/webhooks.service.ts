import { randomBytes } from 'node:crypto';
import type {
  TCreatedWebhook,
  TCreateWebhookBody,
  TUpdateWebhookBody,
  TWebhook,
  TWebhookDelivery,
  TWebhookDeliveryList,
  TWebhookEventType,
  TWebhookList,
} from '@tillit/contracts';
import { and, asc, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { webhookDeliveries, webhookEvents, webhookSubscriptions, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { createFieldCipher, type FieldCipher } from '../../lib/field-cipher.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { sendWebhook, signatureHeader } from './webhooks.send.ts';
import { checkDestination } from './webhooks.ssrf.ts';

/** Waits after attempt 1, 2, … 7 (then it gives up): about 30 hours in all, each ±10 %. */
export const RETRY_DELAYS_MS = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  12 * 3600_000,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Consecutive failed attempts after which a subscription is switched off. */
export const AUTO_DISABLE_AFTER = 20;
/** Events are kept this long after they were fanned out (their deliveries go with them). */
export const EVENT_RETENTION_MS = 30 * 24 * 3600_000;

const cipherOf = (services: Services): FieldCipher =>
  createFieldCipher(services.keys.derive('webhook-secret-encryption'), services.keys.derive('webhook-secret-iv'));

type SubRow = typeof webhookSubscriptions.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

function present(row: SubRow): TWebhook {
  return {
    id: row.subscriptionId,
    url: row.url,
    description: row.description,
    events: row.events as TWebhookEventType[],
    active: row.active,
    consecutiveFailures: row.consecutiveFailures,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function presentDelivery(d: DeliveryRow): TWebhookDelivery {
  return {
    id: d.deliveryId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    responseStatus: d.responseStatus,
    durationMs: d.durationMs,
    responseBody: d.responseBody,
    error: d.error,
    createdAt: d.createdAt.toISOString(),
  };
}

function assertAdmin(actor: Actor): void {
  if (!roleAtLeast(actor.role, 'admin')) throw forbidden('Only admins manage webhooks.');
}

async function assertDestination(services: Services, url: string): Promise<void> {
  const problem = await checkDestination(url, services.config.webhooksAllowPrivateUrls);
  if (problem) throw validationFailed({ url: problem });
}

const inWs = (actor: Actor, id: string) =>
  and(eq(webhookSubscriptions.workspaceId, actor.workspaceId), eq(webhookSubscriptions.subscriptionId, id));

async function audit(
  tx: Tx,
  actor: Actor,
  action: string,
  id: string,
  details: Record<string, string | boolean | string[]>,
  now: Date,
) {
  await appendAudit(
    tx,
    actor.workspaceId,
    { actor: { kind: 'user', id: actor.userId }, action, target: { type: 'webhook', id }, details },
    now,
  );
}

export async function listWebhooks(services: Services, actor: Actor): Promise<TWebhookList> {
  assertAdmin(actor);
  const rows = await withTenant(services.database.db, actor, (tx) =>
    tx
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.workspaceId, actor.workspaceId))
      .orderBy(asc(webhookSubscriptions.createdAt))
      .limit(200),
  );
  return { items: rows.map(present) };
}

export async function createWebhook(
  services: Services,
  actor: Actor,
  body: TCreateWebhookBody,
): Promise<TCreatedWebhook> {
  assertAdmin(actor);
  await assertDestination(services, body.url);
  const now = services.clock.now();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const subscriptionId = newId(now.getTime());
  const events = [...new Set(body.events)].sort();
  const row = await withTenant(services.database.db, actor, async (tx) => {
    const [r] = await tx
      .insert(webhookSubscriptions)
      .values({
        workspaceId: actor.workspaceId,
        subscriptionId,
        url: body.url,
        description: body.description ?? '',
        events,
        secretEnc: cipherOf(services).encrypt(secret, 'random'),
        createdBy: actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await audit(tx, actor, 'webhook.created', subscriptionId, { events, host: new URL(body.url).host }, now);
    if (!r) throw new Error('insert returned nothing');
    return r;
  });
  return { ...present(row), secret };
}

export async function updateWebhook(
  services: Services,
  actor: Actor,
  id: string,
  body: TUpdateWebhookBody,
): Promise<TWebhook> {
  assertAdmin(actor);
  if (body.url) await assertDestination(services, body.url);
  const now = services.clock.now();
  return withTenant(services.database.db, actor, async (tx) => {
    const [found] = await tx.select().from(webhookSubscriptions).where(inWs(actor, id)).for('update');
    if (!found) throw notFound('The webhook');
    const set: Partial<SubRow> = { updatedAt: now };
    if (body.url !== undefined) set.url = body.url;
    if (body.description !== undefined) set.description = body.description;
    if (body.events) set.events = [...new Set(body.events)].sort();
    if (body.active !== undefined) {
      set.active = body.active;
      if (body.active) {
        set.consecutiveFailures = 0;
        set.disabledReason = null;
      }
    }
    const [r] = await tx.update(webhookSubscriptions).set(set).where(inWs(actor, id)).returning();
    await audit(tx, actor, 'webhook.updated', id, { fields: Object.keys(body).sort() }, now);
    return present(r ?? found);
  });
}

export async function deleteWebhook(services: Services, actor: Actor, id: string): Promise<{ id: string }> {
  assertAdmin(actor);
  const now = services.clock.now();
  return withTenant(services.database.db, actor, async (tx) => {
    const [r] = await tx.delete(webhookSubscriptions).where(inWs(actor, id)).returning();
    if (!r) throw notFound('The webhook');
    await audit(tx, actor, 'webhook.deleted', id, {}, now);
    return { id };
  });
}

/** The delivery log of one subscription, newest first, keyset on (created_at, delivery_id). */
export async function listDeliveries(
  services: Services,
  actor: Actor,
  id: string,
  query: { after?: string | undefined; limit: number },
): Promise<TWebhookDeliveryList> {
  assertAdmin(actor);
  let cursor: { at: Date; id: string } | null = null;
  if (query.after) {
    const [at, did] = Buffer.from(query.after, 'base64url').toString('utf8').split('|');
    const date = new Date(at ?? '');
    if (!did || Number.isNaN(date.getTime())) throw validationFailed({ after: 'is not a cursor from this list' });
    cursor = { at: date, id: did };
  }
  return withTenant(services.database.db, actor, async (tx) => {
    const [sub] = await tx
      .select({ id: webhookSubscriptions.subscriptionId })
      .from(webhookSubscriptions)
      .where(inWs(actor, id));
    if (!sub) throw notFound('The webhook');
    const d = webhookDeliveries;
    const rows = await tx
      .select()
      .from(d)
      .where(
        and(
          eq(d.workspaceId, actor.workspaceId),
          eq(d.subscriptionId, id),
          cursor
            ? or(lt(d.createdAt, cursor.at), and(eq(d.createdAt, cursor.at), lt(d.deliveryId, cursor.id)))
            : undefined,
        ),
      )
      .orderBy(desc(d.createdAt), desc(d.deliveryId))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? Buffer.from(`${last.createdAt.toISOString()}|${last.deliveryId}`).toString('base64url')
        : null;
    return { items: page.map(presentDelivery), nextCursor };
  });
}

/** "Resend": the delivery goes again at the next run, with a fresh set of attempts. */
export async function resendDelivery(
  services: Services,
  actor: Actor,
  id: string,
  deliveryId: string,
): Promise<TWebhookDelivery> {
  assertAdmin(actor);
  const now = services.clock.now();
  return withTenant(services.database.db, actor, async (tx) => {
    const where = and(
      eq(webhookDeliveries.workspaceId, actor.workspaceId),
      eq(webhookDeliveries.subscriptionId, id),
      eq(webhookDeliveries.deliveryId, deliveryId),
    );
    const [r] = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: now })
      .where(where)
      .returning();
    if (!r) throw notFound('The delivery');
    await audit(tx, actor, 'webhook.resent', id, { deliveryId }, now);
    return presentDelivery(r);
  });
}

// Delivery (the job)

function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

/**
 * One run of the delivery job for one workspace: fan new events out to the subscriptions
 * that want them (one delivery per (event, subscription), unique, so a re-run adds none),
 * send what is due, record each attempt, and drop events past their retention. The HTTP
 * calls happen outside any transaction; an attempt is recorded only if the delivery still
 * has the attempt count it was read with, so two overlapping runs never record one twice.
 */
export async function deliverWorkspace(
  services: Services,
  workspaceId: string,
): Promise<{ sent: number; failed: number }> {
  const db = services.database.db;
  const now = services.clock.now();
  const ctx = { workspaceId };
  const due = await withTenant(db, ctx, async (tx) => {
    const events = await tx
      .select({ eventId: webhookEvents.eventId, type: webhookEvents.type })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.workspaceId, workspaceId), isNull(webhookEvents.dispatchedAt)))
      .orderBy(asc(webhookEvents.seq))
      .limit(1000);
    if (events.length) {
      const subs = await tx
        .select({ id: webhookSubscriptions.subscriptionId, events: webhookSubscriptions.events })
        .from(webhookSubscriptions)
        .where(and(eq(webhookSubscriptions.workspaceId, workspaceId), eq(webhookSubscriptions.active, true)));
      const rows = events.flatMap((e) =>
        subs
          .filter((s) => s.events.includes(e.type))
          .map((s) => ({
            workspaceId,
            deliveryId: newId(now.getTime()),
            subscriptionId: s.id,
            eventId: e.eventId,
            eventType: e.type,
            nextAttemptAt: now,
            createdAt: now,
          })),
      );
      if (rows.length) await tx.insert(webhookDeliveries).values(rows).onConflictDoNothing();
      await tx
        .update(webhookEvents)
        .set({ dispatchedAt: now })
        .where(
          and(
            eq(webhookEvents.workspaceId, workspaceId),
            inArray(
              webhookEvents.eventId,
              events.map((e) => e.eventId),
            ),
          ),
        );
    }
    await tx
      .delete(webhookEvents)
      .where(
        and(
          eq(webhookEvents.workspaceId, workspaceId),
          lt(webhookEvents.dispatchedAt, new Date(now.getTime() - EVENT_RETENTION_MS)),
        ),
      );
    return (
      tx
        .select({ d: webhookDeliveries, s: webhookSubscriptions, e: webhookEvents })
        .from(webhookDeliveries)
        .innerJoin(
          webhookSubscriptions,
          and(
            eq(webhookSubscriptions.workspaceId, webhookDeliveries.workspaceId),
            eq(webhookSubscriptions.subscriptionId, webhookDeliveries.subscriptionId),
          ),
        )
        .innerJoin(
          webhookEvents,
          and(
            eq(webhookEvents.workspaceId, webhookDeliveries.workspaceId),
            eq(webhookEvents.eventId, webhookDeliveries.eventId),
          ),
        )
        .where(
          and(
            eq(webhookDeliveries.workspaceId, workspaceId),
            eq(webhookDeliveries.status, 'pending'),
            lte(webhookDeliveries.nextAttemptAt, now),
            eq(webhookSubscriptions.active, true),
          ),
        )
        // Deliveries made in one dispatch share their first attempt time: then in the order the
        // events were written (`seq`; a plan's row order is no order, and PGlite's prepared
        // statements changed it).
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookEvents.seq))
        .limit(200)
    );
  });

  const cipher = cipherOf(services);
  let sent = 0;
  let failed = 0;
  for (const { d, s, e } of due) {
    const body = JSON.stringify({
      id: e.eventId,
      type: e.type,
      occurredAt: e.occurredAt.toISOString(),
      workspaceId,
      data: e.data,
    });
    const timestamp = Math.floor(services.clock.now().getTime() / 1000);
    const result = await sendWebhook(
      s.url,
      {
        'content-type': 'application/json',
        'user-agent': 'Tillit-Webhooks/1',
        'tillit-delivery-id': d.deliveryId,
        'tillit-event-id': e.eventId,
        'tillit-event-type': e.type,
        'tillit-signature': signatureHeader(cipher.decrypt(s.secretEnc), timestamp, body),
      },
      body,
      services.config.webhooksAllowPrivateUrls,
    );
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const attempt = d.attempts + 1;
    const at = services.clock.now();
    const delay = RETRY_DELAYS_MS[attempt - 1];
    const status = ok ? 'succeeded' : delay === undefined ? 'failed' : 'pending';
    await withTenant(db, ctx, async (tx) => {
      const [recorded] = await tx
        .update(webhookDeliveries)
        .set({
          status,
          attempts: attempt,
          lastAttemptAt: at,
          nextAttemptAt: status === 'pending' && delay !== undefined ? new Date(at.getTime() + jittered(delay)) : null,
          responseStatus: result.status,
          durationMs: result.durationMs,
          responseBody: result.body,
          error: result.error ?? (ok ? null : `HTTP ${result.status}`),
        })
        .where(
          and(
            eq(webhookDeliveries.workspaceId, workspaceId),
            eq(webhookDeliveries.deliveryId, d.deliveryId),
            eq(webhookDeliveries.attempts, d.attempts),
            eq(webhookDeliveries.status, 'pending'),
          ),
        )
        .returning({ id: webhookDeliveries.deliveryId });
      if (!recorded) return;
      const where = and(
        eq(webhookSubscriptions.workspaceId, workspaceId),
        eq(webhookSubscriptions.subscriptionId, s.subscriptionId),
      );
      if (ok) {
        await tx.update(webhookSubscriptions).set({ consecutiveFailures: 0 }).where(where);
        return;
      }
      const [sub] = await tx
        .update(webhookSubscriptions)
        .set({ consecutiveFailures: sql`${webhookSubscriptions.consecutiveFailures} + 1` })
        .where(where)
        .returning({ failures: webhookSubscriptions.consecutiveFailures, active: webhookSubscriptions.active });
      if (sub?.active && sub.failures >= AUTO_DISABLE_AFTER) {
        await tx
          .update(webhookSubscriptions)
          .set({ active: false, disabledReason: `${sub.failures} consecutive failed deliveries`, updatedAt: at })
          .where(where);
        await appendAudit(
          tx,
          workspaceId,
          {
            actor: { kind: 'system' },
            action: 'webhook.disabled',
            target: { type: 'webhook', id: s.subscriptionId },
            details: { consecutiveFailures: sub.failures },
          },
          at,
        );
      }
    });
    if (ok) sent += 1;
    else failed += 1;
  }
  return { sent, failed };
}

/** Every workspace with something to do. */
export async function deliverAll(services: Services): Promise<{ workspaces: number; sent: number; failed: number }> {
  const ids = await withSystemScope(services.database.db, (tx) =>
    tx.select({ id: workspaces.workspaceId }).from(workspaces),
  );
  let sent = 0;
  let failed = 0;
  for (const { id } of ids) {
    const r = await deliverWorkspace(services, id);
    sent += r.sent;
    failed += r.failed;
  }
  return { workspaces: ids.length, sent, failed };
}

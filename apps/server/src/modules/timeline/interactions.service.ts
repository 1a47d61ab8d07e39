import type {
  TInteraction,
  TInteractionList,
  ZCreateInteractionBody,
  ZInteractionListQuery,
  ZUpdateInteractionBody,
} from '@tillit/contracts';
import { and, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { interactions } from '../../db/schema/index.ts';
import { type FieldProblems, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { userActor } from '../deals/pipelines.service.ts';
import { assertCanWrite, effectiveVisibility, resolveVisibility, visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { loadLinks, requireSomeLink, retimeLinks, writeLinks } from './timeline.links.ts';
import { timelinePage } from './timeline.service.ts';

export type CreateInteractionInput = z.output<typeof ZCreateInteractionBody>;
export type UpdateInteractionInput = z.output<typeof ZUpdateInteractionBody>;
export type InteractionListInput = z.output<typeof ZInteractionListQuery>;
type InteractionRow = typeof interactions.$inferSelect;

/** Whoever logged it is the owner for visibility (people.policy). */
export const interactionAccess = {
  ownerId: interactions.ownerId,
  visibility: interactions.visibility,
  teamId: interactions.teamId,
};

export async function presentInteractions(tx: Tx, actor: Actor, rows: InteractionRow[]): Promise<TInteraction[]> {
  const links = await loadLinks(
    tx,
    actor,
    'interaction',
    rows.map((r) => r.interactionId),
  );
  return rows.map((r) => ({
    id: r.interactionId,
    kind: r.kind,
    direction: r.direction,
    occurredAt: r.occurredAt.toISOString(),
    durationSeconds: r.durationSeconds,
    subject: r.subject,
    summary: r.summary,
    outcome: r.outcome,
    source: r.source,
    ownerId: r.ownerId,
    ...(links.get(r.interactionId) ?? { personIds: [], companyIds: [], dealIds: [] }),
    ...effectiveVisibility(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export async function loadVisibleInteractions(tx: Tx, actor: Actor, ids: string[]): Promise<InteractionRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(interactions)
    .where(
      and(
        eq(interactions.workspaceId, actor.workspaceId),
        inArray(interactions.interactionId, ids),
        visibleTo(actor, interactionAccess),
      ),
    );
}

async function findInteraction(tx: Tx, actor: Actor, id: string, lock = false) {
  const q = tx
    .select()
    .from(interactions)
    .where(
      and(
        eq(interactions.workspaceId, actor.workspaceId),
        eq(interactions.interactionId, id),
        visibleTo(actor, interactionAccess),
      ),
    );
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('The interaction');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, id: string): Promise<TInteraction> {
  const [row] = await tx
    .select()
    .from(interactions)
    .where(and(eq(interactions.workspaceId, actor.workspaceId), eq(interactions.interactionId, id)));
  if (!row) throw notFound('The interaction');
  return (await presentInteractions(tx, actor, [row]))[0] as TInteraction;
}

/** A meeting has no direction; only a call has an outcome. */
function checkShape(kind: InteractionRow['kind'], v: { direction?: unknown; outcome?: unknown }) {
  const problems: FieldProblems = {};
  if (kind === 'meeting' && v.direction) problems.direction = 'is only for calls and emails';
  if (kind !== 'call' && v.outcome) problems.outcome = 'is only for calls';
  if (Object.keys(problems).length) throw validationFailed(problems);
}

export async function getInteraction(services: Services, actor: Actor, id: string): Promise<TInteraction> {
  return inTenant(
    services,
    actor,
    async (tx) => (await presentInteractions(tx, actor, [await findInteraction(tx, actor, id)]))[0] as TInteraction,
  );
}

/** P-CRM-9: a call, meeting or email logged by hand. */
export async function createInteraction(
  services: Services,
  actor: Actor,
  input: CreateInteractionInput,
): Promise<TInteraction> {
  assertCanWrite(actor);
  checkShape(input.kind, input);
  const now = services.clock.now();
  const occurredAt = new Date(input.occurredAt);
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const vis = await resolveVisibility(tx, actor, input);
    const id = newId(now.getTime());
    await tx.insert(interactions).values({
      workspaceId: ws,
      interactionId: id,
      kind: input.kind,
      direction: input.direction ?? null,
      occurredAt,
      durationSeconds: input.durationSeconds ?? null,
      subject: input.subject ?? null,
      summary: input.summary ?? null,
      outcome: input.outcome ?? null,
      source: 'manual',
      externalId: null,
      ownerId: actor.userId,
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    requireSomeLink(await writeLinks(tx, actor, 'interaction', id, occurredAt, input));
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'interaction.created',
        target: { type: 'interaction', id },
        details: {
          kind: input.kind,
          people: input.personIds.length,
          companies: input.companyIds.length,
          deals: input.dealIds.length,
          visibility: vis.visibility,
        },
      },
      now,
    );
    return presentOne(tx, actor, id);
  });
}

export async function updateInteraction(
  services: Services,
  actor: Actor,
  id: string,
  input: UpdateInteractionInput,
): Promise<TInteraction> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findInteraction(tx, actor, id, true);
    checkShape(row.kind, input);
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    const changes: Partial<typeof interactions.$inferInsert> = { updatedAt: now, ...vis };
    if (input.occurredAt !== undefined) changes.occurredAt = new Date(input.occurredAt);
    if (input.direction !== undefined) changes.direction = input.direction;
    if (input.durationSeconds !== undefined) changes.durationSeconds = input.durationSeconds;
    if (input.subject !== undefined) changes.subject = input.subject;
    if (input.summary !== undefined) changes.summary = input.summary;
    if (input.outcome !== undefined) changes.outcome = input.outcome;
    await tx
      .update(interactions)
      .set(changes)
      .where(and(eq(interactions.workspaceId, ws), eq(interactions.interactionId, id)));
    const at = changes.occurredAt ?? row.occurredAt;
    if (input.personIds || input.companyIds || input.dealIds)
      requireSomeLink(await writeLinks(tx, actor, 'interaction', id, at, input));
    if (changes.occurredAt) await retimeLinks(tx, actor, 'interaction', id, at);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'interaction.updated',
        target: { type: 'interaction', id },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return presentOne(tx, actor, id);
  });
}

/** Deleted for good (not to the trash): a log entry, not a record someone keeps. */
export async function deleteInteraction(services: Services, actor: Actor, id: string): Promise<void> {
  assertCanWrite(actor);
  const now = services.clock.now();
  await inTenant(services, actor, async (tx) => {
    const row = await findInteraction(tx, actor, id, true);
    await tx
      .delete(interactions)
      .where(and(eq(interactions.workspaceId, actor.workspaceId), eq(interactions.interactionId, id)));
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'interaction.deleted',
        target: { type: 'interaction', id },
        details: { kind: row.kind, source: row.source },
      },
      now,
    );
  });
}

/** The interactions of one record, newest first: the timeline limited to interactions. */
export async function listInteractions(
  services: Services,
  actor: Actor,
  q: InteractionListInput,
): Promise<TInteractionList> {
  return inTenant(services, actor, async (tx) => {
    const page = await timelinePage(tx, actor, q, ['interaction']);
    return {
      items: page.items.flatMap((i) => (i.kind === 'interaction' ? [i.interaction] : [])),
      nextCursor: page.nextCursor,
    };
  });
}

import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { personRestrictions } from '../../db/schema/index.ts';
import { AppError, conflict } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { assertPersonExists, rowsOf } from '../purposes/purposes.service.ts';

export type { PrivacyCtx };

// Restriction of processing (P-DSR-2, art. 18): while a correction is pending (or the
// person asked for it), the record is read-only and left out of every purpose except a
// legal obligation or security (see purposeAllows). Lifting it is recorded too.

export type RestrictionRow = typeof personRestrictions.$inferSelect;

/** Restricts processing of the person. Idempotent: an active restriction is returned as is. */
export async function restrictPerson(
  tx: Tx,
  ctx: PrivacyCtx,
  personId: string,
  input: { reason: string; requestId?: string | null },
): Promise<RestrictionRow> {
  await assertPersonExists(tx, ctx.workspaceId, personId);
  const inserted = await tx
    .insert(personRestrictions)
    .values({
      workspaceId: ctx.workspaceId,
      restrictionId: newId(ctx.now.getTime()),
      personId,
      reason: input.reason,
      requestId: input.requestId ?? null,
      restrictedAt: ctx.now,
      restrictedByKind: ctx.actor.kind,
      restrictedBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
    })
    .onConflictDoNothing()
    .returning();
  const row = inserted[0];
  if (!row) {
    const active = await activeRestriction(tx, ctx.workspaceId, personId);
    if (!active) throw conflict('The restriction could not be recorded; try again.');
    return active;
  }
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.person_restricted',
      target: { type: 'person', id: personId },
      details: { restrictionId: row.restrictionId, requestId: input.requestId ?? null },
    },
    ctx.now,
  );
  return row;
}

/** Lifts the active restriction; 409 `not_restricted` when there is none. */
export async function liftRestriction(
  tx: Tx,
  ctx: PrivacyCtx,
  personId: string,
  input: { reason: string },
): Promise<RestrictionRow> {
  await assertPersonExists(tx, ctx.workspaceId, personId);
  const [row] = await tx
    .update(personRestrictions)
    .set({
      liftedAt: ctx.now,
      liftedByKind: ctx.actor.kind,
      liftedBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
      liftReason: input.reason,
    })
    .where(
      and(
        eq(personRestrictions.workspaceId, ctx.workspaceId),
        eq(personRestrictions.personId, personId),
        isNull(personRestrictions.liftedAt),
      ),
    )
    .returning();
  if (!row) throw new AppError('not_restricted', 409, "This person's processing is not restricted.");
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.restriction_lifted',
      target: { type: 'person', id: personId },
      details: { restrictionId: row.restrictionId },
    },
    ctx.now,
  );
  return row;
}

export async function activeRestriction(tx: Tx, workspaceId: string, personId: string): Promise<RestrictionRow | null> {
  const [row] = await tx
    .select()
    .from(personRestrictions)
    .where(
      and(
        eq(personRestrictions.workspaceId, workspaceId),
        eq(personRestrictions.personId, personId),
        isNull(personRestrictions.liftedAt),
      ),
    );
  return row ?? null;
}

export async function isRestricted(tx: Tx, workspaceId: string, personId: string): Promise<boolean> {
  return (await activeRestriction(tx, workspaceId, personId)) !== null;
}

/** Throws 409 `person_restricted`: the record is read-only while processing is restricted. */
export async function assertNotRestricted(tx: Tx, workspaceId: string, personId: string): Promise<void> {
  if (await isRestricted(tx, workspaceId, personId)) {
    throw new AppError(
      'person_restricted',
      409,
      'Processing of this person is restricted (for example while a correction is pending): the record is read-only until the restriction is lifted under Privacy.',
      { personId: 'is restricted' },
    );
  }
}

/** Set-based: which of `personIds` are restricted now (one query, index on workspace, person). */
export async function restrictedAmong(tx: Tx, workspaceId: string, personIds: readonly string[]): Promise<Set<string>> {
  if (personIds.length === 0) return new Set();
  const res = await tx.execute(
    sql`select r.person_id from person_restrictions r where r.workspace_id = ${workspaceId} and r.person_id = any(${arrayParam([...new Set(personIds)])}::uuid[]) and r.lifted_at is null`,
  );
  return new Set(rowsOf<{ person_id: string }>(res).map((r) => r.person_id));
}

/** Throws `person_restricted` when any of the people is restricted (links from notes, tasks). */
export async function assertNoneRestricted(tx: Tx, workspaceId: string, personIds: readonly string[]): Promise<void> {
  const restricted = await restrictedAmong(tx, workspaceId, personIds);
  if (restricted.size) {
    throw new AppError(
      'person_restricted',
      409,
      'Processing of a linked person is restricted: their record is read-only until the restriction is lifted.',
      { personIds: `restricted: ${[...restricted].join(', ')}` },
    );
  }
}

export async function listRestrictions(tx: Tx, workspaceId: string, personId: string): Promise<RestrictionRow[]> {
  return tx
    .select()
    .from(personRestrictions)
    .where(and(eq(personRestrictions.workspaceId, workspaceId), eq(personRestrictions.personId, personId)))
    .orderBy(desc(personRestrictions.restrictedAt), desc(personRestrictions.restrictionId))
    .limit(100);
}

/**
 * For link lists of notes, tasks and the like (P-DSR-2): refuses a change that adds or
 * removes a link to a restricted person; links that stay as they were are fine.
 */
export async function assertLinkChangeAllowed(
  tx: Tx,
  workspaceId: string,
  before: readonly string[],
  after: readonly string[],
): Promise<void> {
  const was = new Set(before);
  const now = new Set(after);
  const changed = [...[...now].filter((id) => !was.has(id)), ...[...was].filter((id) => !now.has(id))];
  if (changed.length) await assertNoneRestricted(tx, workspaceId, changed);
}

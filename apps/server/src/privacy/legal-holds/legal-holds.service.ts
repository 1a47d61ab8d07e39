import type { TCreateLegalHoldBody, TLegalHold, ZCreateLegalHoldBody } from '@tillit/contracts';
import { and, desc, eq, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { legalHolds, people } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';

export type LegalHoldRow = typeof legalHolds.$inferSelect;
export type HoldActor = { workspaceId: string; userId: string };

/** A hold is active from its creation until it is released or its `until` passes. */
export function isActive(h: Pick<LegalHoldRow, 'releasedAt' | 'until'>, now: Date): boolean {
  return h.releasedAt === null && (h.until === null || h.until.getTime() > now.getTime());
}

function activeAt(now: Date): SQL {
  return sql`(${legalHolds.releasedAt} is null and (${legalHolds.until} is null or ${legalHolds.until} > ${now.toISOString()}::timestamptz))`;
}

/**
 * The active holds on records of one person (P-DSR-3, P-RET-2): erasure keeps these records
 * (anonymised around them), retention skips them. One index look-up on (workspace, person).
 */
export async function activeHolds(
  tx: Tx,
  workspaceId: string,
  personId: string,
  now: Date = new Date(),
): Promise<LegalHoldRow[]> {
  return tx
    .select()
    .from(legalHolds)
    .where(and(eq(legalHolds.workspaceId, workspaceId), eq(legalHolds.personId, personId), activeAt(now)))
    .orderBy(legalHolds.holdId);
}

/** Whether one record is under an active hold (for retention rules that look at records). */
export async function isRecordHeld(
  tx: Tx,
  workspaceId: string,
  table: string,
  recordId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const [row] = await tx
    .select({ id: legalHolds.holdId })
    .from(legalHolds)
    .where(
      and(
        eq(legalHolds.workspaceId, workspaceId),
        eq(legalHolds.tableName, table),
        eq(legalHolds.recordId, recordId),
        activeAt(now),
      ),
    )
    .limit(1);
  return Boolean(row);
}

export function presentHold(h: LegalHoldRow, now: Date): TLegalHold {
  return {
    id: h.holdId,
    personId: h.personId,
    table: h.tableName,
    recordId: h.recordId,
    reason: h.reason,
    note: h.note,
    until: h.until ? h.until.toISOString() : null,
    createdBy: h.createdBy,
    createdAt: h.createdAt.toISOString(),
    releasedAt: h.releasedAt ? h.releasedAt.toISOString() : null,
    active: isActive(h, now),
  };
}

/** How the held record is tied to the person, checked before a hold is placed. */
const LINK_CHECK: Record<TCreateLegalHoldBody['table'], (ws: string, person: string, record: string) => SQL> = {
  people: (ws, person, record) =>
    sql`select 1 from people where workspace_id = ${ws} and person_id = ${person} and ${record}::uuid = ${person}::uuid`,
  files: (ws, person, record) =>
    sql`select 1 from files where workspace_id = ${ws} and file_id = ${record} and (person_id = ${person} or (record_kind = 'person' and record_id = ${person}))`,
  deals: (ws, person, record) =>
    sql`select 1 from deal_people where workspace_id = ${ws} and deal_id = ${record} and person_id = ${person}`,
  notes: (ws, person, record) =>
    sql`select 1 from note_people where workspace_id = ${ws} and note_id = ${record} and person_id = ${person}`,
  interactions: (ws, person, record) =>
    sql`select 1 from interaction_people where workspace_id = ${ws} and interaction_id = ${record} and person_id = ${person}`,
  tasks: (ws, person, record) =>
    sql`select 1 from task_people where workspace_id = ${ws} and task_id = ${record} and person_id = ${person}`,
};

export async function placeHold(
  tx: Tx,
  actor: HoldActor,
  input: z.output<typeof ZCreateLegalHoldBody>,
  now: Date,
): Promise<TLegalHold> {
  const ws = actor.workspaceId;
  const [person] = await tx
    .select({ id: people.personId })
    .from(people)
    .where(and(eq(people.workspaceId, ws), eq(people.personId, input.personId)));
  if (!person) throw validationFailed({ personId: 'is not a person of this workspace' });
  const recordId = input.recordId ?? (input.table === 'people' ? input.personId : undefined);
  if (!recordId) throw validationFailed({ recordId: 'is required unless the table is people' });
  const linked = await tx.execute(LINK_CHECK[input.table](ws, input.personId, recordId));
  if ((linked as unknown as { rows: unknown[] }).rows.length === 0) {
    throw validationFailed({ recordId: `is not a record of ${input.table} linked to this person` });
  }
  const until = input.until ? new Date(input.until) : null;
  if (until && until.getTime() <= now.getTime()) throw validationFailed({ until: 'must be in the future' });
  const [row] = await tx
    .insert(legalHolds)
    .values({
      workspaceId: ws,
      holdId: newId(now.getTime()),
      personId: input.personId,
      tableName: input.table,
      recordId,
      reason: input.reason,
      note: input.note ?? null,
      until,
      createdBy: actor.userId,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error('legal hold insert returned nothing');
  await appendAudit(
    tx,
    ws,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'legal_hold.placed',
      target: { type: 'legal_hold', id: row.holdId },
      details: {
        personId: row.personId,
        table: row.tableName,
        recordId: row.recordId,
        reason: row.reason,
        until: row.until ? row.until.toISOString() : null,
      },
    },
    now,
  );
  return presentHold(row, now);
}

export async function releaseHold(tx: Tx, actor: HoldActor, holdId: string, now: Date): Promise<TLegalHold> {
  const [row] = await tx
    .update(legalHolds)
    .set({ releasedAt: now, releasedBy: actor.userId })
    .where(
      and(eq(legalHolds.workspaceId, actor.workspaceId), eq(legalHolds.holdId, holdId), isNull(legalHolds.releasedAt)),
    )
    .returning();
  if (!row) throw notFound('The active legal hold');
  await appendAudit(
    tx,
    actor.workspaceId,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'legal_hold.released',
      target: { type: 'legal_hold', id: holdId },
      details: { personId: row.personId, table: row.tableName, recordId: row.recordId },
    },
    now,
  );
  return presentHold(row, now);
}

/** Newest first, keyset on the time-ordered hold id. */
export async function listHolds(
  tx: Tx,
  workspaceId: string,
  q: { personId?: string; active?: boolean; limit: number; before?: string },
  now: Date,
): Promise<{ items: TLegalHold[]; next: string | null }> {
  const conds: (SQL | undefined)[] = [eq(legalHolds.workspaceId, workspaceId)];
  if (q.personId) conds.push(eq(legalHolds.personId, q.personId));
  if (q.active === true) conds.push(activeAt(now));
  if (q.active === false) conds.push(sql`not ${activeAt(now)}`);
  if (q.before) conds.push(lt(legalHolds.holdId, q.before));
  const rows = await tx
    .select()
    .from(legalHolds)
    .where(and(...conds))
    .orderBy(desc(legalHolds.holdId))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => presentHold(r, now)),
    next: rows.length > q.limit && last ? last.holdId : null,
  };
}

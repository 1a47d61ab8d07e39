import type {
  TCreateSupportGrantBody,
  TOperatorAccess,
  TSupportAccessList,
  TSupportGrant,
  TSupportObject,
} from '@tillit/contracts';
import { and, desc, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { supportAccessEvents, supportAccessGrants, users } from '../../db/schema/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAccess } from '../access-log/access-log.service.ts';
import { appendAudit } from '../audit/audit.service.ts';

/**
 * Support access (P-SEC-7): the instance's operators read a workspace's data only through a
 * grant that an admin of that workspace made (which objects, read-only, until when). Every
 * read under a grant writes an access-log row, an audit-chain entry and a row the workspace
 * sees in its list of support accesses, in the reading transaction.
 */
export type GrantActor = { workspaceId: string; userId: string };
type GrantRow = typeof supportAccessGrants.$inferSelect;

const HOUR_MS = 3600_000;

function statusOf(g: GrantRow, now: Date): TSupportGrant['status'] {
  if (g.revokedAt) return 'revoked';
  return g.expiresAt.getTime() > now.getTime() ? 'active' : 'expired';
}

function present(g: GrantRow, names: Map<string, string>, now: Date): TSupportGrant {
  return {
    id: g.grantId,
    scope: g.scope as TSupportObject[],
    readOnly: g.readOnly,
    reason: g.reason,
    createdBy: g.createdBy ? { id: g.createdBy, name: names.get(g.createdBy) ?? null } : null,
    createdAt: g.createdAt.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    revokedAt: g.revokedAt ? g.revokedAt.toISOString() : null,
    status: statusOf(g, now),
  };
}

async function namesOf(tx: Tx, ids: (string | null)[]): Promise<Map<string, string>> {
  const list = [...new Set(ids.filter((i): i is string => Boolean(i)))];
  if (list.length === 0) return new Map();
  const rows = await tx.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, list));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function createGrant(
  tx: Tx,
  actor: GrantActor,
  input: TCreateSupportGrantBody,
  now: Date,
): Promise<TSupportGrant> {
  const [row] = await tx
    .insert(supportAccessGrants)
    .values({
      workspaceId: actor.workspaceId,
      grantId: newId(now.getTime()),
      scope: input.scope,
      readOnly: true,
      reason: input.reason,
      createdBy: actor.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.hours * HOUR_MS),
    })
    .returning();
  if (!row) throw new Error('grant insert returned nothing');
  await appendAudit(
    tx,
    actor.workspaceId,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'support.grant_created',
      target: { type: 'support_grant', id: row.grantId },
      details: { scope: input.scope, readOnly: true, expiresAt: row.expiresAt.toISOString() },
    },
    now,
  );
  return present(row, await namesOf(tx, [row.createdBy]), now);
}

/** Every grant of the workspace, newest first (grants are few: at most 200 shown). */
export async function listGrants(tx: Tx, workspaceId: string, now: Date): Promise<TSupportGrant[]> {
  const rows = await tx
    .select()
    .from(supportAccessGrants)
    .where(eq(supportAccessGrants.workspaceId, workspaceId))
    .orderBy(desc(supportAccessGrants.grantId))
    .limit(200);
  const names = await namesOf(
    tx,
    rows.map((r) => r.createdBy),
  );
  return rows.map((r) => present(r, names, now));
}

export async function revokeGrant(tx: Tx, actor: GrantActor, grantId: string, now: Date): Promise<TSupportGrant> {
  const [row] = await tx
    .update(supportAccessGrants)
    .set({ revokedAt: now, revokedBy: actor.userId })
    .where(
      and(
        eq(supportAccessGrants.workspaceId, actor.workspaceId),
        eq(supportAccessGrants.grantId, grantId),
        isNull(supportAccessGrants.revokedAt),
      ),
    )
    .returning();
  if (!row) {
    const [existing] = await tx
      .select()
      .from(supportAccessGrants)
      .where(and(eq(supportAccessGrants.workspaceId, actor.workspaceId), eq(supportAccessGrants.grantId, grantId)));
    if (!existing) throw notFound('The support grant');
    return present(existing, await namesOf(tx, [existing.createdBy]), now);
  }
  await appendAudit(
    tx,
    actor.workspaceId,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'support.grant_revoked',
      target: { type: 'support_grant', id: grantId },
    },
    now,
  );
  return present(row, await namesOf(tx, [row.createdBy]), now);
}

/** Operators' reads under grants, newest first (keyset over the UUIDv7 event id). */
export async function listAccesses(
  tx: Tx,
  workspaceId: string,
  q: { limit: number; after?: string | undefined },
): Promise<TSupportAccessList> {
  const rows = await tx
    .select()
    .from(supportAccessEvents)
    .where(
      and(
        eq(supportAccessEvents.workspaceId, workspaceId),
        q.after ? lt(supportAccessEvents.eventId, q.after) : undefined,
      ),
    )
    .orderBy(desc(supportAccessEvents.eventId))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const names = await namesOf(
    tx,
    page.map((r) => r.operatorId),
  );
  return {
    items: page.map((r) => ({
      id: r.eventId,
      occurredAt: r.occurredAt.toISOString(),
      operator: { id: r.operatorId, name: names.get(r.operatorId) ?? null },
      grantId: r.grantId,
      object: r.object,
      recordId: r.recordId,
      action: r.action,
    })),
    nextCursor: rows.length > q.limit ? (page.at(-1)?.eventId ?? null) : null,
  };
}

// ---- the operator's side ----------------------------------------------------------------

const noGrant = (object: string) =>
  new AppError(
    'no_support_grant',
    403,
    `This workspace has not granted support access to ${object}, or the grant has expired or was revoked.`,
  );

function activeWhere(workspaceId: string, now: Date) {
  return and(
    eq(supportAccessGrants.workspaceId, workspaceId),
    isNull(supportAccessGrants.revokedAt),
    gt(supportAccessGrants.expiresAt, now),
  );
}

/** The grants active now (what an operator may read in this workspace). */
export async function activeGrants(tx: Tx, workspaceId: string, now: Date): Promise<TOperatorAccess> {
  const rows = await tx
    .select()
    .from(supportAccessGrants)
    .where(activeWhere(workspaceId, now))
    .orderBy(desc(supportAccessGrants.grantId))
    .limit(50);
  return {
    grants: rows.map((g) => ({
      grantId: g.grantId,
      scope: g.scope as TSupportObject[],
      readOnly: g.readOnly,
      expiresAt: g.expiresAt.toISOString(),
    })),
  };
}

/** The active grant that opens `object`, or a 403. */
export async function requireGrant(tx: Tx, workspaceId: string, object: TSupportObject, now: Date): Promise<string> {
  const [g] = await tx
    .select({ id: supportAccessGrants.grantId })
    .from(supportAccessGrants)
    .where(and(activeWhere(workspaceId, now), sql`${supportAccessGrants.scope} @> ${JSON.stringify([object])}::jsonb`))
    .orderBy(desc(supportAccessGrants.expiresAt))
    .limit(1);
  if (!g) throw noGrant(object);
  return g.id;
}

/** Records one read under a grant: access log, audit chain, and the workspace's list. */
export async function recordSupportAccess(
  tx: Tx,
  workspaceId: string,
  e: {
    operatorId: string;
    grantId: string;
    object: TSupportObject;
    action: 'read' | 'list';
    recordIds: string[];
    count?: number;
  },
  now: Date,
): Promise<void> {
  const kind = e.object === 'people' ? 'person' : 'company';
  const via = `support.${e.object}.${e.action === 'read' ? 'get' : 'list'}`;
  await recordAccess(
    tx,
    workspaceId,
    {
      actor: { kind: 'operator', id: e.operatorId },
      action: e.action,
      via,
      ...(e.action === 'read' ? { subjects: { kind, ids: e.recordIds } } : {}),
      details: { grantId: e.grantId, ...(e.count !== undefined ? { count: e.count } : {}) },
    },
    now,
  );
  const recordId = e.action === 'read' ? (e.recordIds[0] ?? null) : null;
  const seq = await appendAudit(
    tx,
    workspaceId,
    {
      actor: { kind: 'operator', id: e.operatorId },
      action: 'support.accessed',
      ...(recordId ? { target: { type: kind, id: recordId } } : {}),
      details: { grantId: e.grantId, object: e.object, via, ...(e.count !== undefined ? { count: e.count } : {}) },
    },
    now,
  );
  await tx.insert(supportAccessEvents).values({
    workspaceId,
    eventId: newId(now.getTime()),
    grantId: e.grantId,
    operatorId: e.operatorId,
    object: e.object,
    recordId,
    action: e.action,
    auditSeq: seq,
    occurredAt: now,
  });
}

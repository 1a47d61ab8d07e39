import type {
  TPrivacyRequest,
  TPrivacyRequestDetail,
  TPrivacyRequestKind,
  TPrivacyRequestList,
  TPrivacyRequestSettings,
  TRectificationCorrectionView,
  ZCreatePrivacyRequestBody,
  ZExtendPrivacyRequestBody,
  ZPrivacyRequestListQuery,
  ZRectificationCorrection,
  ZUpdatePrivacyRequestBody,
  ZUpdatePrivacyRequestSettingsBody,
} from '@tillit/contracts';
import { and, asc, desc, eq, gt, inArray, lt, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import {
  members,
  people,
  privacyRequestPackages,
  privacyRequestPeople,
  privacyRequestSettings,
  privacyRequestSteps,
  privacyRequests,
  users,
  workspaces,
} from '../../db/schema/index.ts';
import { type TenantOptions, withTenant } from '../../db/tenant.ts';
import { AppError, conflict, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { seesEverything, visibleTo } from '../../modules/people/people.policy.ts';
import { displayName } from '../../modules/people/people.presenter.ts';
import { normalisedPhonesOf } from '../../modules/people/people.service.ts';
import type { Actor } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import { rightsFor } from './requests.rights.ts';

/** GDPR art. 12(3): an answer within one month; we count 30 days from receipt. */
export const RESPONSE_DAYS = 30;
export const CLOSED_STATUSES = ['fulfilled', 'refused'] as const;
const DAY = 24 * 60 * 60 * 1000;

export type RequestRow = typeof privacyRequests.$inferSelect;
export type StepActor = { kind: 'user' | 'system' | 'anonymous'; id: string | null };

export function dueDateOf(receivedAt: Date): Date {
  return new Date(receivedAt.getTime() + RESPONSE_DAYS * DAY);
}

/** Calendar months in UTC; the 31st of a shorter month becomes its last day. */
export function addMonthsUtc(d: Date, months: number): Date {
  const target = new Date(d.getTime());
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target;
}

export const isOpen = (status: string) => !(CLOSED_STATUSES as readonly string[]).includes(status);

export function inTenant<T>(
  services: Services,
  actor: Actor,
  fn: (tx: Tx) => Promise<T>,
  options: TenantOptions = {},
): Promise<T> {
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, fn, options);
}

export const userStepActor = (actor: Actor): StepActor => ({ kind: 'user', id: actor.userId });

/**
 * Records one step of a request and the same step in the audit chain, in the caller's
 * transaction: the step and its audit entry commit or roll back with the change they record.
 */
export async function addStep(
  tx: Tx,
  workspaceId: string,
  request: { requestId: string; kind: string },
  actor: StepActor,
  action: string,
  now: Date,
  extra: { note?: string | null; details?: Record<string, string | number | boolean | null>; ip?: string | null } = {},
): Promise<void> {
  const auditActor: AuditActor = { kind: actor.kind, id: actor.id };
  const auditSeq = await appendAudit(
    tx,
    workspaceId,
    {
      actor: auditActor,
      action: `privacy_request.${action}`,
      target: { type: 'privacy_request', id: request.requestId },
      details: { kind: request.kind, ...(extra.details ?? {}) },
      ...(extra.ip ? { personal: { ip: extra.ip } } : {}),
    },
    now,
  );
  await tx.insert(privacyRequestSteps).values({
    workspaceId,
    requestId: request.requestId,
    stepId: newId(now.getTime()),
    occurredAt: now,
    actorKind: actor.kind,
    actorId: actor.id,
    action,
    note: extra.note ?? null,
    details: extra.details ?? {},
    auditSeq,
  });
}

export type Correction = z.output<typeof ZRectificationCorrection>;

/**
 * Checks a rectification's correction at intake, so that errors name the field
 * (`correction.phones.0.value`) before anything is stored: only a rectification carries one,
 * and phones are stored as they will be applied (E.164 by the workspace's country).
 */
export async function checkCorrection(
  tx: Tx,
  workspaceId: string,
  kind: TPrivacyRequestKind,
  correction: Correction | null | undefined,
): Promise<Correction | null> {
  if (!correction) return null;
  if (kind !== 'rectification') throw validationFailed({ correction: 'is only for a rectification request' });
  if (!correction.phones) return correction;
  try {
    return { ...correction, phones: await normalisedPhonesOf(tx, workspaceId, correction.phones) };
  } catch (err) {
    if (err instanceof AppError && err.fields) {
      throw validationFailed(Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`correction.${k}`, v])));
    }
    throw err;
  }
}

export type NewRequest = {
  kind: TPrivacyRequestKind;
  channel: 'staff' | 'public';
  requesterEmail: string | null;
  details: string;
  correction?: Correction | null;
  personIds: string[];
  receivedAt: Date;
  ownerId: string | null;
  createdBy: string | null;
};

/** Whether one of `personIds` made an access request in the 12 months before `at` (P-DSR-1:
 *  extracts are free once a year). One index range per person. */
export async function hadAccessWithinYear(
  tx: Tx,
  workspaceId: string,
  personIds: readonly string[],
  at: Date,
  exceptRequestId?: string,
): Promise<boolean> {
  if (personIds.length === 0) return false;
  const since = addMonthsUtc(at, -12);
  const [row] = await tx
    .select({ id: privacyRequestPeople.requestId })
    .from(privacyRequestPeople)
    .innerJoin(
      privacyRequests,
      and(
        eq(privacyRequests.workspaceId, privacyRequestPeople.workspaceId),
        eq(privacyRequests.requestId, privacyRequestPeople.requestId),
      ),
    )
    .where(
      and(
        eq(privacyRequestPeople.workspaceId, workspaceId),
        inArray(privacyRequestPeople.personId, [...personIds]),
        gt(privacyRequestPeople.receivedAt, since),
        sql`${privacyRequestPeople.receivedAt} <= ${at}`,
        eq(privacyRequests.kind, 'access'),
        exceptRequestId ? sql`${privacyRequests.requestId} <> ${exceptRequestId}` : undefined,
      ),
    )
    .limit(1);
  return Boolean(row);
}

/** Creates a request, links its people, flags a repeat extract and records the first step. */
export async function insertRequest(
  tx: Tx,
  workspaceId: string,
  input: NewRequest,
  actor: StepActor,
  now: Date,
  stepExtra: { ip?: string | null } = {},
): Promise<string> {
  const requestId = newId(now.getTime());
  const repeatExtract =
    input.kind === 'access' && (await hadAccessWithinYear(tx, workspaceId, input.personIds, input.receivedAt));
  await tx.insert(privacyRequests).values({
    workspaceId,
    requestId,
    kind: input.kind,
    status: 'received',
    channel: input.channel,
    requesterEmail: input.requesterEmail,
    details: input.details,
    correction: input.correction ?? null,
    ownerId: input.ownerId,
    receivedAt: input.receivedAt,
    dueAt: dueDateOf(input.receivedAt),
    repeatExtract,
    createdBy: input.createdBy,
    updatedAt: now,
  });
  if (input.personIds.length > 0) {
    await tx
      .insert(privacyRequestPeople)
      .values(input.personIds.map((personId) => ({ workspaceId, requestId, personId, receivedAt: input.receivedAt })))
      .onConflictDoNothing();
  }
  await addStep(tx, workspaceId, { requestId, kind: input.kind }, actor, 'received', now, {
    details: { channel: input.channel, people: input.personIds.length, repeatExtract },
    ...(stepExtra.ip ? { ip: stepExtra.ip } : {}),
  });
  await runIntake(tx, workspaceId, requestId, input.personIds, actor, now);
  return requestId;
}

/** What a kind does as soon as the request is matched to people (rectification restricts
 *  processing while the correction is pending, P-DSR-2). */
async function runIntake(
  tx: Tx,
  workspaceId: string,
  requestId: string,
  personIds: string[],
  actor: StepActor,
  now: Date,
): Promise<void> {
  if (personIds.length === 0) return;
  const [row] = await tx
    .select()
    .from(privacyRequests)
    .where(and(eq(privacyRequests.workspaceId, workspaceId), eq(privacyRequests.requestId, requestId)));
  const right = row ? rightsFor(row.kind) : undefined;
  if (!row || !right?.onIntake) return;
  // The person asking on the public page is not an actor of the engine: the system acts for them.
  const by = actor.kind === 'user' ? { kind: 'user' as const, id: actor.id } : { kind: 'system' as const, id: null };
  await right.onIntake(tx, by, { request: row, personIds, purposeKey: null, now });
  await addStep(tx, workspaceId, row, actor, 'restricted', now, { details: { people: personIds.length } });
}

// Authorisation

/** The person exists and the actor may see them (else 404, as everywhere for a hidden record). */
async function assertPersonVisible(tx: Tx, actor: Actor, personId: string, field?: string): Promise<void> {
  const [row] = await tx
    .select({ id: people.personId })
    .from(people)
    .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, personId), visibleTo(actor, people)));
  if (!row) {
    if (field) throw validationFailed({ [field]: 'is not a person you can see' });
    throw notFound('The person');
  }
}

async function assertMember(tx: Tx, workspaceId: string, userId: string): Promise<void> {
  const [m] = await tx
    .select({ id: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, userId)));
  if (!m) throw validationFailed({ ownerId: 'must be a member of this workspace' });
}

function assertHandler(actor: Actor): void {
  if (!seesEverything(actor)) throw forbidden('Handling requests from data subjects needs the admin role or higher.');
}

/** A request the actor may see: admins see every request; members those about a person they
 *  can see. Hidden requests are not found. */
async function loadRequest(tx: Tx, actor: Actor, requestId: string, forUpdate = false): Promise<RequestRow> {
  const q = tx
    .select()
    .from(privacyRequests)
    .where(and(eq(privacyRequests.workspaceId, actor.workspaceId), eq(privacyRequests.requestId, requestId)));
  const [row] = forUpdate ? await q.for('update') : await q;
  if (!row) throw notFound('The request');
  if (seesEverything(actor)) return row;
  const [visible] = await tx
    .select({ id: privacyRequestPeople.personId })
    .from(privacyRequestPeople)
    .innerJoin(
      people,
      and(eq(people.workspaceId, privacyRequestPeople.workspaceId), eq(people.personId, privacyRequestPeople.personId)),
    )
    .where(
      and(
        eq(privacyRequestPeople.workspaceId, actor.workspaceId),
        eq(privacyRequestPeople.requestId, requestId),
        visibleTo(actor, people),
      ),
    )
    .limit(1);
  if (!visible) throw notFound('The request');
  return row;
}

export async function loadRequestForHandler(tx: Tx, actor: Actor, requestId: string): Promise<RequestRow> {
  assertHandler(actor);
  return loadRequest(tx, actor, requestId, true);
}

export function assertOpen(row: RequestRow): void {
  if (!isOpen(row.status)) {
    throw new AppError('request_closed', 409, `The request is already ${row.status}; it cannot change any more.`);
  }
}

// Presenting

async function presentRequests(tx: Tx, actor: Actor, rows: RequestRow[], now: Date): Promise<TPrivacyRequest[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.requestId);
  const links = await tx
    .select({
      requestId: privacyRequestPeople.requestId,
      personId: people.personId,
      firstName: people.firstName,
      lastName: people.lastName,
      visible: visibleTo(actor, people) ?? sql<boolean>`true`,
    })
    .from(privacyRequestPeople)
    .innerJoin(
      people,
      and(eq(people.workspaceId, privacyRequestPeople.workspaceId), eq(people.personId, privacyRequestPeople.personId)),
    )
    .where(and(eq(privacyRequestPeople.workspaceId, actor.workspaceId), inArray(privacyRequestPeople.requestId, ids)))
    .orderBy(asc(privacyRequestPeople.requestId), asc(people.sortName));
  const byRequest = new Map<string, { people: { id: string; name: string }[]; count: number }>();
  for (const l of links) {
    const entry = byRequest.get(l.requestId) ?? { people: [], count: 0 };
    entry.count += 1;
    if (l.visible) entry.people.push({ id: l.personId, name: displayName(l.firstName, l.lastName) });
    byRequest.set(l.requestId, entry);
  }
  return rows.map((r) => presentRequest(r, byRequest.get(r.requestId) ?? { people: [], count: 0 }, now));
}

function presentRequest(
  r: RequestRow,
  linked: { people: { id: string; name: string }[]; count: number },
  now: Date,
): TPrivacyRequest {
  return {
    id: r.requestId,
    kind: r.kind,
    status: r.status,
    channel: r.channel,
    requesterEmail: r.requesterEmail,
    details: r.details,
    correction: (r.correction as TRectificationCorrectionView | null) ?? null,
    people: linked.people,
    matchedCount: linked.count,
    ownerId: r.ownerId,
    receivedAt: r.receivedAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    overdue: isOpen(r.status) && r.dueAt.getTime() < now.getTime(),
    extendedAt: r.extendedAt?.toISOString() ?? null,
    extensionReason: r.extensionReason,
    repeatExtract: r.repeatExtract,
    refusalReason: r.refusalReason,
    closedAt: r.closedAt?.toISOString() ?? null,
    outcome: (r.outcome as Record<string, unknown> | null) ?? null,
    createdAt: r.receivedAt.toISOString(),
  };
}

export async function requestDetail(tx: Tx, actor: Actor, row: RequestRow, now: Date): Promise<TPrivacyRequestDetail> {
  const [base] = await presentRequests(tx, actor, [row], now);
  if (!base) throw notFound('The request');
  const steps = await tx
    .select({
      stepId: privacyRequestSteps.stepId,
      occurredAt: privacyRequestSteps.occurredAt,
      actorKind: privacyRequestSteps.actorKind,
      actorId: privacyRequestSteps.actorId,
      action: privacyRequestSteps.action,
      note: privacyRequestSteps.note,
      details: privacyRequestSteps.details,
      name: users.name,
    })
    .from(privacyRequestSteps)
    .leftJoin(users, eq(users.id, privacyRequestSteps.actorId))
    .where(
      and(eq(privacyRequestSteps.workspaceId, actor.workspaceId), eq(privacyRequestSteps.requestId, row.requestId)),
    )
    .orderBy(asc(privacyRequestSteps.auditSeq))
    .limit(500);
  const packages = await tx
    .select()
    .from(privacyRequestPackages)
    .where(
      and(
        eq(privacyRequestPackages.workspaceId, actor.workspaceId),
        eq(privacyRequestPackages.requestId, row.requestId),
      ),
    )
    .orderBy(desc(privacyRequestPackages.packageId))
    .limit(20);
  return {
    ...base,
    steps: steps.map((s) => ({
      id: s.stepId,
      occurredAt: s.occurredAt.toISOString(),
      actor: { kind: s.actorKind, id: s.actorId, name: s.name ?? null },
      action: s.action,
      note: s.note,
      details: (s.details as Record<string, unknown>) ?? {},
    })),
    packages: packages.map((p) => ({
      id: p.packageId,
      state: p.state,
      createdAt: p.createdAt.toISOString(),
      readyAt: p.readyAt?.toISOString() ?? null,
      expiresAt: p.expiresAt.toISOString(),
      sizeBytes: p.sizeBytes,
      downloads: p.downloads,
      parts: ((p.parts as { name: string }[]) ?? []).map((x) => x.name),
      expired: p.expiresAt.getTime() <= now.getTime() || p.purgedAt !== null,
    })),
  };
}

// Staff operations

export async function createRequest(
  services: Services,
  actor: Actor,
  input: z.output<typeof ZCreatePrivacyRequestBody>,
): Promise<TPrivacyRequestDetail> {
  if (actor.role === 'viewer') throw forbidden('Recording a request needs the member role or higher.');
  const now = services.clock.now();
  const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
  if (receivedAt.getTime() > now.getTime()) throw validationFailed({ receivedAt: 'must not be in the future' });
  return inTenant(services, actor, async (tx) => {
    await assertPersonVisible(tx, actor, input.personId, 'personId');
    if (input.ownerId) await assertMember(tx, actor.workspaceId, input.ownerId);
    const correction = await checkCorrection(tx, actor.workspaceId, input.kind, input.correction);
    const requestId = await insertRequest(
      tx,
      actor.workspaceId,
      {
        kind: input.kind,
        channel: 'staff',
        requesterEmail: input.requesterEmail ? input.requesterEmail.trim().toLowerCase() : null,
        details: input.details,
        correction,
        personIds: [input.personId],
        receivedAt,
        ownerId: input.ownerId ?? null,
        createdBy: actor.userId,
      },
      userStepActor(actor),
      now,
    );
    const row = await loadRequest(tx, actor, requestId);
    return requestDetail(tx, actor, row, now);
  });
}

export type ListInput = z.output<typeof ZPrivacyRequestListQuery>;

function decodeListCursor(after: string): { dueAt: Date; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as { d?: unknown; i?: unknown };
    if (typeof parsed.d !== 'string' || typeof parsed.i !== 'string') throw new Error('shape');
    const dueAt = new Date(parsed.d);
    if (Number.isNaN(dueAt.getTime()) || !/^[0-9a-f-]{36}$/.test(parsed.i)) throw new Error('values');
    return { dueAt, id: parsed.i };
  } catch {
    throw validationFailed({ after: 'is not a cursor from this list' });
  }
}

const encodeListCursor = (r: RequestRow) =>
  Buffer.from(JSON.stringify({ d: r.dueAt.toISOString(), i: r.requestId })).toString('base64url');

/**
 * The inbox, soonest due first, keyset over (due_at, request_id): admins see every request;
 * a member only the requests about one person they can see (personId is then required).
 */
export async function listRequests(services: Services, actor: Actor, q: ListInput): Promise<TPrivacyRequestList> {
  const now = services.clock.now();
  if (!seesEverything(actor) && !q.personId) {
    throw forbidden('The requests inbox needs the admin role or higher; members see the requests on a person.');
  }
  if (actor.role === 'viewer') throw forbidden('Requests from data subjects need the member role or higher.');
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    if (q.personId) await assertPersonVisible(tx, actor, q.personId);
    const conds: (SQL | undefined)[] = [eq(privacyRequests.workspaceId, ws)];
    if (q.status === 'open') conds.push(notInArray(privacyRequests.status, [...CLOSED_STATUSES]));
    else if (q.status) conds.push(eq(privacyRequests.status, q.status));
    if (q.kind) conds.push(eq(privacyRequests.kind, q.kind));
    if (q.overdue === 'true') {
      conds.push(lt(privacyRequests.dueAt, now), notInArray(privacyRequests.status, [...CLOSED_STATUSES]));
    } else if (q.overdue === 'false') {
      conds.push(or(sql`${privacyRequests.dueAt} >= ${now}`, inArray(privacyRequests.status, [...CLOSED_STATUSES])));
    }
    if (q.personId) {
      conds.push(
        sql`${privacyRequests.requestId} in (select ${privacyRequestPeople.requestId} from ${privacyRequestPeople} where ${privacyRequestPeople.workspaceId} = ${ws} and ${privacyRequestPeople.personId} = ${q.personId})`,
      );
    }
    if (q.after) {
      const c = decodeListCursor(q.after);
      conds.push(sql`(${privacyRequests.dueAt}, ${privacyRequests.requestId}) > (${c.dueAt}, ${c.id}::uuid)`);
    }
    const rows = await tx
      .select()
      .from(privacyRequests)
      .where(and(...conds))
      .orderBy(asc(privacyRequests.dueAt), asc(privacyRequests.requestId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: await presentRequests(tx, actor, page, now),
      nextCursor: rows.length > q.limit && last ? encodeListCursor(last) : null,
    };
  });
}

/**
 * One request as a client sees it. The request row, its people, steps and packages are read
 * in one read-only REPEATABLE READ transaction: under READ COMMITTED each statement sees what
 * committed before it, so a package build committing between two reads showed a ready package
 * on an `in_progress` request.
 */
export async function getRequest(services: Services, actor: Actor, requestId: string): Promise<TPrivacyRequestDetail> {
  if (actor.role === 'viewer') throw forbidden('Requests from data subjects need the member role or higher.');
  const now = services.clock.now();
  return inTenant(
    services,
    actor,
    async (tx) => requestDetail(tx, actor, await loadRequest(tx, actor, requestId), now),
    {
      snapshot: true,
    },
  );
}

export async function updateRequest(
  services: Services,
  actor: Actor,
  requestId: string,
  body: z.output<typeof ZUpdatePrivacyRequestBody>,
): Promise<TPrivacyRequestDetail> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    assertOpen(row);
    const ref = { requestId, kind: row.kind };
    const set: Partial<typeof privacyRequests.$inferInsert> = { updatedAt: now };
    if (body.status && body.status !== row.status) {
      set.status = body.status;
      await addStep(tx, actor.workspaceId, ref, userStepActor(actor), 'status_changed', now, {
        details: { from: row.status, to: body.status },
      });
    }
    if (body.ownerId !== undefined && body.ownerId !== row.ownerId) {
      if (body.ownerId) await assertMember(tx, actor.workspaceId, body.ownerId);
      set.ownerId = body.ownerId;
      await addStep(tx, actor.workspaceId, ref, userStepActor(actor), 'assigned', now, {
        details: { ownerId: body.ownerId },
      });
    }
    if (body.correction !== undefined) {
      // Staff may edit the proposed correction before fulfilling it (the person's words stay in details).
      set.correction = await checkCorrection(tx, actor.workspaceId, row.kind, body.correction);
      if (body.correction === null && row.kind !== 'rectification') {
        throw validationFailed({ correction: 'is only for a rectification request' });
      }
      await addStep(tx, actor.workspaceId, ref, userStepActor(actor), 'correction_edited', now, {
        details: {
          fields: Object.keys(body.correction ?? {})
            .sort()
            .join(','),
        },
      });
    }
    if (body.addPersonId) {
      await assertPersonVisible(tx, actor, body.addPersonId, 'addPersonId');
      const inserted = await tx
        .insert(privacyRequestPeople)
        .values({ workspaceId: actor.workspaceId, requestId, personId: body.addPersonId, receivedAt: row.receivedAt })
        .onConflictDoNothing()
        .returning({ id: privacyRequestPeople.personId });
      if (inserted.length > 0) {
        await addStep(tx, actor.workspaceId, ref, userStepActor(actor), 'person_matched', now, {
          details: { personId: body.addPersonId },
        });
        if (isOpen(row.status)) {
          await runIntake(tx, actor.workspaceId, requestId, [body.addPersonId], userStepActor(actor), now);
        }
        if (row.kind === 'access' && !row.repeatExtract) {
          if (await hadAccessWithinYear(tx, actor.workspaceId, [body.addPersonId], row.receivedAt, requestId)) {
            set.repeatExtract = true;
          }
        }
      }
    }
    await tx
      .update(privacyRequests)
      .set(set)
      .where(and(eq(privacyRequests.workspaceId, actor.workspaceId), eq(privacyRequests.requestId, requestId)));
    const updated = await loadRequest(tx, actor, requestId);
    return requestDetail(tx, actor, updated, now);
  });
}

export async function addNote(
  services: Services,
  actor: Actor,
  requestId: string,
  note: string,
): Promise<TPrivacyRequestDetail> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    await addStep(tx, actor.workspaceId, { requestId, kind: row.kind }, userStepActor(actor), 'note', now, { note });
    return requestDetail(tx, actor, row, now);
  });
}

/** Once, by one or two months, with the reason, and only before the first deadline passes
 *  (the person must be told within the first month, art. 12(3)). */
export async function extendRequest(
  services: Services,
  actor: Actor,
  requestId: string,
  body: z.output<typeof ZExtendPrivacyRequestBody>,
): Promise<TPrivacyRequestDetail> {
  const now = services.clock.now();
  const detail = await inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    assertOpen(row);
    if (row.extendedAt) throw conflict('The deadline of this request was already extended once.');
    if (row.dueAt.getTime() < now.getTime()) {
      throw conflict('The deadline has passed: an extension must be announced within the first month.');
    }
    const dueAt = addMonthsUtc(row.dueAt, body.months);
    await tx
      .update(privacyRequests)
      .set({ status: 'extended', dueAt, extendedAt: now, extensionReason: body.reason, updatedAt: now })
      .where(and(eq(privacyRequests.workspaceId, actor.workspaceId), eq(privacyRequests.requestId, requestId)));
    await addStep(tx, actor.workspaceId, { requestId, kind: row.kind }, userStepActor(actor), 'extended', now, {
      note: body.reason,
      details: { months: body.months, dueAt: dueAt.toISOString() },
    });
    return requestDetail(tx, actor, await loadRequest(tx, actor, requestId), now);
  });
  if (detail.requesterEmail) {
    await services.mail.send({
      to: detail.requesterEmail,
      kind: 'privacy_request_extended',
      workspaceId: actor.workspaceId,
      subject: 'Your privacy request: more time needed',
      text: `We need more time to answer your request (reference ${detail.id}).\n\nReason: ${body.reason}\n\nWe will answer by ${detail.dueAt.slice(0, 10)}.`,
    });
  }
  return detail;
}

/** Closes a request (fulfilled or refused) and records the step; fulfilment code calls it in
 *  its own transaction. */
export async function closeRequest(
  tx: Tx,
  workspaceId: string,
  row: RequestRow,
  actor: StepActor,
  now: Date,
  close:
    | { status: 'fulfilled'; outcome?: Record<string, unknown>; note?: string | null }
    | { status: 'refused'; reason: string },
): Promise<void> {
  await tx
    .update(privacyRequests)
    .set(
      close.status === 'fulfilled'
        ? { status: 'fulfilled', closedAt: now, updatedAt: now, outcome: close.outcome ?? row.outcome ?? null }
        : { status: 'refused', closedAt: now, updatedAt: now, refusalReason: close.reason },
    )
    .where(and(eq(privacyRequests.workspaceId, workspaceId), eq(privacyRequests.requestId, row.requestId)));
  await addStep(tx, workspaceId, row, actor, close.status, now, {
    note: close.status === 'refused' ? close.reason : (close.note ?? null),
  });
}

export async function personIdsOf(tx: Tx, workspaceId: string, requestId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: privacyRequestPeople.personId })
    .from(privacyRequestPeople)
    .where(and(eq(privacyRequestPeople.workspaceId, workspaceId), eq(privacyRequestPeople.requestId, requestId)))
    .orderBy(asc(privacyRequestPeople.personId));
  return rows.map((r) => r.id);
}

// Settings (P-DSR-8)

/** A sensible default per country; elsewhere the list of every EU/EEA authority. */
const AUTHORITIES: Record<string, { name: string; url: string }> = {
  NO: { name: 'Datatilsynet (the Norwegian Data Protection Authority)', url: 'https://www.datatilsynet.no/' },
  SE: { name: 'Integritetsskyddsmyndigheten (IMY)', url: 'https://www.imy.se/' },
  DK: { name: 'Datatilsynet (the Danish Data Protection Agency)', url: 'https://www.datatilsynet.dk/' },
  FI: { name: 'Office of the Data Protection Ombudsman', url: 'https://tietosuoja.fi/' },
  DE: { name: 'Your federal state data protection authority (BfDI lists them)', url: 'https://www.bfdi.bund.de/' },
  FR: { name: 'CNIL', url: 'https://www.cnil.fr/' },
  IE: { name: 'Data Protection Commission', url: 'https://www.dataprotection.ie/' },
  NL: { name: 'Autoriteit Persoonsgegevens', url: 'https://www.autoriteitpersoonsgegevens.nl/' },
  GB: { name: "Information Commissioner's Office (ICO)", url: 'https://ico.org.uk/' },
};
const EU_AUTHORITIES = {
  name: 'The data protection authority of the country where you live or work (the EDPB lists them all)',
  url: 'https://www.edpb.europa.eu/about-edpb/about-edpb/members_en',
};

export function defaultAuthority(country: string): { name: string; url: string } {
  return AUTHORITIES[country.toUpperCase()] ?? EU_AUTHORITIES;
}

export async function readSettings(
  tx: Tx,
  workspaceId: string,
): Promise<TPrivacyRequestSettings & { workspaceName: string }> {
  const [ws] = await tx
    .select({ name: workspaces.name, country: workspaces.country })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, workspaceId));
  if (!ws) throw notFound('The workspace');
  const [s] = await tx.select().from(privacyRequestSettings).where(eq(privacyRequestSettings.workspaceId, workspaceId));
  const fallback = defaultAuthority(ws.country);
  const custom = Boolean(s?.authorityName && s.authorityUrl);
  return {
    workspaceName: ws.name,
    authorityName: custom && s?.authorityName ? s.authorityName : fallback.name,
    authorityUrl: custom && s?.authorityUrl ? s.authorityUrl : fallback.url,
    contactEmail: s?.contactEmail ?? null,
    isDefault: !custom,
    publicPath: `/privacy/${workspaceId}`,
  };
}

export async function getSettings(services: Services, actor: Actor): Promise<TPrivacyRequestSettings> {
  if (actor.role === 'viewer') throw forbidden('Privacy request settings need the member role or higher.');
  return inTenant(services, actor, async (tx) => {
    const { workspaceName: _n, ...settings } = await readSettings(tx, actor.workspaceId);
    return settings;
  });
}

export async function updateSettings(
  services: Services,
  actor: Actor,
  body: z.output<typeof ZUpdatePrivacyRequestSettingsBody>,
): Promise<TPrivacyRequestSettings> {
  assertHandler(actor);
  if ((body.authorityName === null) !== (body.authorityUrl === null)) {
    throw validationFailed({ authorityUrl: 'name and URL are set together, or both cleared for the default' });
  }
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const values = {
      authorityName: body.authorityName,
      authorityUrl: body.authorityUrl,
      ...(body.contactEmail !== undefined ? { contactEmail: body.contactEmail } : {}),
      updatedAt: now,
      updatedBy: actor.userId,
    };
    await tx
      .insert(privacyRequestSettings)
      .values({ workspaceId: actor.workspaceId, ...values })
      .onConflictDoUpdate({ target: privacyRequestSettings.workspaceId, set: values });
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'privacy_request.settings_changed',
        target: { type: 'workspace', id: actor.workspaceId },
        details: { authorityDefault: body.authorityName === null },
      },
      now,
    );
    const { workspaceName: _n, ...settings } = await readSettings(tx, actor.workspaceId);
    return settings;
  });
}

import {
  KINDS_BARRED_FROM_GOOGLE_MICROSOFT,
  type TObjectionScope,
  type TPurpose,
  type TPurposeKind,
  type ZCreatePurposeBody,
  type ZUpdatePurposeBody,
} from '@tillit/contracts';
import { and, asc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { personObjections, privacyPurposes } from '../../db/schema/index.ts';
import { AppError, conflict, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { DATA_CATEGORIES } from '../data-map/categories.ts';
import type { PrivacyCtx } from './privacy-context.ts';
import { BUILT_IN_PURPOSES, INTEGRATION_PROVIDERS, type PurposeDef } from './purposes.builtin.ts';

export type { PrivacyCtx };
export { BUILT_IN_PURPOSES, INTEGRATION_PROVIDERS, type PurposeDef };

// Purposes and legal bases (P-LB-1), the processing check (purposeAllows), objections
// (P-DSR-5, P-DSR-7, P-MKT-5) and the Google/Microsoft rule (P-INT-9).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUILT_IN = new Map(BUILT_IN_PURPOSES.map((p) => [p.key, p]));

export function isBarredFromGoogleMicrosoft(kind: TPurposeKind): boolean {
  return KINDS_BARRED_FROM_GOOGLE_MICROSOFT.includes(kind);
}

/** Sources whose data a barred kind may never read (P-INT-9): `google`, `microsoft`,
 *  `integration.google`, and any sub-source such as `google.contacts`. */
export const GOOGLE_MICROSOFT_SOURCE = /^(integration\.)?(google|microsoft)(\.|$)/;

export function isGoogleMicrosoftSource(source: string): boolean {
  return GOOGLE_MICROSOFT_SOURCE.test(source);
}

/** P-INT-9 for one piece of data: may `purpose` read data that came from `source`? */
export function purposeMayReadSource(purpose: Pick<PurposeDef, 'kind'>, source: string): boolean {
  return !(isBarredFromGoogleMicrosoft(purpose.kind) && isGoogleMicrosoftSource(source));
}

/** Does the purpose's category list cover `category` (equal, or a parent of it)? P-LB-4. */
export function purposeCovers(purpose: Pick<PurposeDef, 'categories'>, category: string): boolean {
  return purpose.categories.some((c) => category === c || category.startsWith(`${c}.`));
}

/** Throws 409 `purpose_category_not_allowed` naming the categories outside the purpose. */
export function assertPurposeMayRead(purpose: PurposeDef, categories: readonly string[]): void {
  const outside = categories.filter((c) => !purposeCovers(purpose, c));
  if (outside.length) {
    throw new AppError(
      'purpose_category_not_allowed',
      409,
      `The purpose ${purpose.key} may not use ${outside.join(', ')}: it needs only ${purpose.categories.join(', ')}.`,
      { categories: `outside the purpose ${purpose.key}: ${outside.join(', ')}` },
    );
  }
}

type PurposeRow = typeof privacyPurposes.$inferSelect;

function fromRow(r: PurposeRow): PurposeDef {
  return {
    key: r.purposeKey,
    name: r.name,
    description: r.description,
    legalBasis: r.legalBasis,
    kind: r.kind as TPurposeKind,
    categories: r.categories,
    retention: r.retention,
    retentionDays: r.retentionDays,
    consentMonths: r.consentMonths,
    objectable: r.objectable,
    builtIn: false,
    archived: r.archivedAt !== null,
  };
}

export function presentPurpose(p: PurposeDef): TPurpose {
  return {
    key: p.key,
    name: p.name,
    description: p.description,
    legalBasis: p.legalBasis,
    kind: p.kind,
    categories: [...p.categories],
    retention: p.retention,
    retentionDays: p.retentionDays,
    consentMonths: p.consentMonths,
    objectable: p.objectable,
    builtIn: p.builtIn,
    barredFromGoogleMicrosoft: isBarredFromGoogleMicrosoft(p.kind),
    archived: p.archived,
  };
}

/** The built-in purposes, then the workspace's own (archived ones only when asked). */
export async function listPurposes(
  tx: Tx,
  workspaceId: string,
  opts: { includeArchived?: boolean } = {},
): Promise<PurposeDef[]> {
  const rows = await tx
    .select()
    .from(privacyPurposes)
    .where(
      and(
        eq(privacyPurposes.workspaceId, workspaceId),
        opts.includeArchived ? undefined : isNull(privacyPurposes.archivedAt),
      ),
    )
    .orderBy(asc(privacyPurposes.purposeKey));
  return [...BUILT_IN_PURPOSES, ...rows.map(fromRow)];
}

/** A purpose by key, or 422 naming `field` when there is no such purpose. */
export async function getPurpose(tx: Tx, workspaceId: string, key: string, field = 'purposeKey'): Promise<PurposeDef> {
  const builtIn = BUILT_IN.get(key);
  if (builtIn) return builtIn;
  const [row] = await tx
    .select()
    .from(privacyPurposes)
    .where(and(eq(privacyPurposes.workspaceId, workspaceId), eq(privacyPurposes.purposeKey, key)));
  if (!row) throw validationFailed({ [field]: `is not a purpose of this workspace: ${key}` });
  return fromRow(row);
}

/** A consent lifetime belongs to a purpose that rests on consent. */
function checkConsentMonths(legalBasis: string | undefined, months: number | null | undefined): void {
  if (months != null && legalBasis !== undefined && legalBasis !== 'consent') {
    throw validationFailed({ consentMonths: 'applies only to a purpose whose legal basis is consent' });
  }
}

function checkCategories(categories: readonly string[]): void {
  const unknown = categories.filter((c) => !(c in DATA_CATEGORIES));
  if (unknown.length) throw validationFailed({ categories: `unknown data categories: ${unknown.join(', ')}` });
}

export async function createPurpose(
  tx: Tx,
  ctx: PrivacyCtx,
  input: Omit<z.output<typeof ZCreatePurposeBody>, 'consentMonths'> & { consentMonths?: number | null },
): Promise<PurposeDef> {
  checkCategories(input.categories);
  checkConsentMonths(input.legalBasis, input.consentMonths);
  if (BUILT_IN.has(input.key)) throw conflict(`${input.key} is a built-in purpose.`, { key: 'is taken' });
  const inserted = await tx
    .insert(privacyPurposes)
    .values({
      workspaceId: ctx.workspaceId,
      purposeKey: input.key,
      name: input.name,
      description: input.description,
      legalBasis: input.legalBasis,
      kind: input.kind,
      categories: [...new Set(input.categories)],
      retention: input.retention,
      retentionDays: input.retentionDays,
      consentMonths: input.consentMonths ?? null,
      objectable: input.objectable,
      createdBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflictDoNothing()
    .returning();
  const row = inserted[0];
  if (!row) throw conflict(`A purpose ${input.key} exists already.`, { key: 'is taken' });
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.purpose_created',
      target: { type: 'purpose', id: input.key },
      details: { legalBasis: input.legalBasis, kind: input.kind, categories: [...input.categories] },
    },
    ctx.now,
  );
  return fromRow(row);
}

export async function updatePurpose(
  tx: Tx,
  ctx: PrivacyCtx,
  key: string,
  input: z.output<typeof ZUpdatePurposeBody>,
): Promise<PurposeDef> {
  if (BUILT_IN.has(key)) throw conflict(`${key} is a built-in purpose and cannot be changed.`);
  if (input.categories) checkCategories(input.categories);
  const changes: Partial<typeof privacyPurposes.$inferInsert> = { updatedAt: ctx.now };
  if (input.name !== undefined) changes.name = input.name;
  if (input.description !== undefined) changes.description = input.description;
  if (input.legalBasis !== undefined) changes.legalBasis = input.legalBasis;
  if (input.kind !== undefined) changes.kind = input.kind;
  if (input.categories !== undefined) changes.categories = [...new Set(input.categories)];
  if (input.retention !== undefined) changes.retention = input.retention;
  if (input.retentionDays !== undefined) changes.retentionDays = input.retentionDays;
  if (input.consentMonths !== undefined) changes.consentMonths = input.consentMonths;
  if (input.objectable !== undefined) changes.objectable = input.objectable;
  if (input.archived !== undefined) changes.archivedAt = input.archived ? ctx.now : null;
  const [row] = await tx
    .update(privacyPurposes)
    .set(changes)
    .where(and(eq(privacyPurposes.workspaceId, ctx.workspaceId), eq(privacyPurposes.purposeKey, key)))
    .returning();
  if (!row) throw notFound('The purpose');
  checkConsentMonths(row.legalBasis, row.consentMonths);
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.purpose_updated',
      target: { type: 'purpose', id: key },
      details: { fields: Object.keys(input).sort() },
    },
    ctx.now,
  );
  return fromRow(row);
}

// The processing check

/** Purposes that still run while a person's processing is restricted (art. 18(2)). */
export function runsUnderRestriction(p: Pick<PurposeDef, 'legalBasis' | 'kind'>): boolean {
  return p.legalBasis === 'legal_obligation' || p.kind === 'security';
}

/** The SQL conditions on `people p` that `purpose` needs, each with why it refuses. */
function conditions(workspaceId: string, p: PurposeDef, at: Date): { why: string; cond: SQL }[] {
  const out: { why: string; cond: SQL }[] = [];
  const exempt = runsUnderRestriction(p);
  if (!exempt) {
    out.push({ why: 'the person is in the trash', cond: sql`p.deleted_at is null` });
    out.push({
      why: 'processing of this person is restricted',
      cond: sql`not exists (select 1 from person_restrictions r where r.workspace_id = ${workspaceId} and r.person_id = p.person_id and r.lifted_at is null)`,
    });
  }
  if (isBarredFromGoogleMicrosoft(p.kind)) {
    out.push({
      why: `data from Google or Microsoft may never be used for ${p.kind}`,
      cond: sql`p.source !~ ${GOOGLE_MICROSOFT_SOURCE.source}`,
    });
  }
  if (p.legalBasis === 'consent') {
    out.push({
      why: 'the person has not given consent (or withdrew it, or it expired)',
      // The last record (ties in time: the later appended) is a consent given and not lapsed.
      cond: sql`coalesce((select c.state = 'given' and (c.expires_at is null or c.expires_at > ${at.toISOString()}::timestamptz)
        from consent_records c where c.workspace_id = ${workspaceId} and c.person_id = p.person_id and c.purpose_key = ${p.key}
        order by c.recorded_at desc, c.seq desc limit 1), false)`,
    });
  }
  const objection = (scope: TObjectionScope, why: string, perPurpose: boolean) =>
    out.push({
      why,
      cond: perPurpose
        ? sql`not exists (select 1 from person_objections o where o.workspace_id = ${workspaceId} and o.person_id = p.person_id and o.scope = ${scope} and o.purpose_key in ('', ${p.key}) and o.withdrawn_at is null)`
        : sql`not exists (select 1 from person_objections o where o.workspace_id = ${workspaceId} and o.person_id = p.person_id and o.scope = ${scope} and o.withdrawn_at is null)`,
    });
  if (p.legalBasis === 'legitimate_interest' && p.objectable) {
    objection('legitimate_interest', 'the person objected to this processing', true);
  }
  if (p.kind === 'direct_marketing') objection('direct_marketing', 'the person objected to direct marketing', false);
  if (p.kind === 'profiling') objection('profiling', 'the person objected to profiling and automated decisions', false);
  return out;
}

/**
 * The processing check, set-based: of `personIds`, the ones that may be processed for the
 * purpose now. Consent given (the last record) where the basis is consent; no objection
 * where legitimate interest (and no direct-marketing or profiling objection for those
 * kinds); not restricted and not in the trash unless the purpose is a legal obligation or
 * security; never Google or Microsoft data for advertising, sale, partner sharing or model
 * training (P-INT-9). One query for the whole batch.
 */
export async function purposeAllows(
  tx: Tx,
  workspaceId: string,
  personIds: readonly string[],
  purposeKey: string,
  /** Now, from the clock: a consent whose expiry is at or before it no longer counts. */
  at: Date,
): Promise<Set<string>> {
  if (personIds.length === 0) return new Set();
  const purpose = await getPurpose(tx, workspaceId, purposeKey);
  if (purpose.archived) return new Set();
  const ids = [...new Set(personIds)];
  if (ids.some((id) => !UUID.test(id))) throw validationFailed({ personIds: 'must be UUIDs' });
  const conds = conditions(workspaceId, purpose, at).map((c) => c.cond);
  const rows = await tx.execute<{ person_id: string }>(
    sql`select p.person_id from people p where p.workspace_id = ${workspaceId} and p.person_id = any(${arrayParam(ids)}::uuid[])${sql.join(
      conds.map((c) => sql` and ${c}`),
      sql``,
    )}`,
  );
  return new Set(rowsOf<{ person_id: string }>(rows).map((r) => r.person_id));
}

/** node-postgres and PGlite both return `{ rows }` from `execute`. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Why the purpose may not process this person now, or null when it may. */
export async function whyRefused(
  tx: Tx,
  workspaceId: string,
  personId: string,
  purpose: PurposeDef,
  at: Date,
): Promise<string | null> {
  if (purpose.archived) return 'the purpose is archived';
  const conds = conditions(workspaceId, purpose, at);
  if (conds.length === 0) return null;
  const cols = sql.join(
    conds.map((c, i) => sql`(${c.cond}) as ${sql.identifier(`c${i}`)}`),
    sql`, `,
  );
  const res = await tx.execute<Record<string, boolean>>(
    sql`select ${cols} from people p where p.workspace_id = ${workspaceId} and p.person_id = ${personId}`,
  );
  const row = rowsOf<Record<string, boolean>>(res)[0];
  if (!row) return 'the person does not exist';
  const failed = conds.filter((_, i) => row[`c${i}`] !== true);
  return failed.length ? failed.map((c) => c.why).join('; ') : null;
}

/** Throws 409 `purpose_not_allowed` saying why, when the person may not be processed. */
export async function assertPurposeAllowed(
  tx: Tx,
  workspaceId: string,
  personId: string,
  purposeKey: string,
  at: Date,
): Promise<void> {
  const purpose = await getPurpose(tx, workspaceId, purposeKey);
  const why = await whyRefused(tx, workspaceId, personId, purpose, at);
  if (why) {
    throw new AppError('purpose_not_allowed', 409, `This person's data may not be used for ${purposeKey}: ${why}.`, {
      purposeKey: why,
    });
  }
}

// Objections

export type ObjectionInput = { scope: TObjectionScope; purposeKey?: string | null; reason?: string };
type ObjectionRow = typeof personObjections.$inferSelect;

/** Records an objection (idempotent: an active one of the same scope and purpose is kept). */
export async function recordObjection(
  tx: Tx,
  ctx: PrivacyCtx,
  personId: string,
  input: ObjectionInput,
): Promise<ObjectionRow> {
  const purposeKey = input.purposeKey ?? '';
  if (purposeKey) {
    const p = await getPurpose(tx, ctx.workspaceId, purposeKey);
    if (input.scope === 'legitimate_interest' && (p.legalBasis !== 'legitimate_interest' || !p.objectable)) {
      throw validationFailed({
        purposeKey: `${purposeKey} is not a legitimate-interest purpose a person can object to`,
      });
    }
  }
  await assertPersonExists(tx, ctx.workspaceId, personId);
  const inserted = await tx
    .insert(personObjections)
    .values({
      workspaceId: ctx.workspaceId,
      objectionId: newId(ctx.now.getTime()),
      personId,
      scope: input.scope,
      purposeKey,
      reason: input.reason ?? '',
      recordedAt: ctx.now,
      recordedByKind: ctx.actor.kind,
      recordedBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) {
    await appendAudit(
      tx,
      ctx.workspaceId,
      {
        actor: ctx.actor,
        action: 'privacy.objection_recorded',
        target: { type: 'person', id: personId },
        details: { scope: input.scope, purposeKey: purposeKey || null },
      },
      ctx.now,
    );
    return inserted[0];
  }
  const [existing] = await tx
    .select()
    .from(personObjections)
    .where(
      and(
        eq(personObjections.workspaceId, ctx.workspaceId),
        eq(personObjections.personId, personId),
        eq(personObjections.scope, input.scope),
        eq(personObjections.purposeKey, purposeKey),
        isNull(personObjections.withdrawnAt),
      ),
    );
  if (!existing) throw conflict('The objection could not be recorded; try again.');
  return existing;
}

/** The person withdraws an objection (it is kept, marked withdrawn). */
export async function withdrawObjection(
  tx: Tx,
  ctx: PrivacyCtx,
  personId: string,
  objectionId: string,
): Promise<ObjectionRow> {
  const [row] = await tx
    .update(personObjections)
    .set({ withdrawnAt: ctx.now, withdrawnBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null })
    .where(
      and(
        eq(personObjections.workspaceId, ctx.workspaceId),
        eq(personObjections.personId, personId),
        eq(personObjections.objectionId, objectionId),
        isNull(personObjections.withdrawnAt),
      ),
    )
    .returning();
  if (!row) throw notFound('The objection');
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.objection_withdrawn',
      target: { type: 'person', id: personId },
      details: { scope: row.scope, purposeKey: row.purposeKey || null },
    },
    ctx.now,
  );
  return row;
}

/** An active objection of `scope` (for `purposeKey`, or one covering every purpose). */
export async function hasObjection(
  tx: Tx,
  workspaceId: string,
  personId: string,
  scope: TObjectionScope,
  purposeKey?: string,
): Promise<boolean> {
  const res = await tx.execute<{ found: boolean }>(
    sql`select exists (select 1 from person_objections o where o.workspace_id = ${workspaceId} and o.person_id = ${personId} and o.scope = ${scope} and o.withdrawn_at is null${
      purposeKey ? sql` and o.purpose_key in ('', ${purposeKey})` : sql``
    }) as found`,
  );
  return rowsOf<{ found: boolean }>(res)[0]?.found === true;
}

export async function listObjections(tx: Tx, workspaceId: string, personId: string): Promise<ObjectionRow[]> {
  return tx
    .select()
    .from(personObjections)
    .where(and(eq(personObjections.workspaceId, workspaceId), eq(personObjections.personId, personId)))
    .orderBy(asc(personObjections.recordedAt), asc(personObjections.objectionId))
    .limit(500);
}

/** 404 unless the person exists in the workspace (in the trash or not). */
export async function assertPersonExists(tx: Tx, workspaceId: string, personId: string): Promise<void> {
  const res = await tx.execute<{ found: boolean }>(
    sql`select exists (select 1 from people where workspace_id = ${workspaceId} and person_id = ${personId}) as found`,
  );
  if (rowsOf<{ found: boolean }>(res)[0]?.found !== true) throw notFound('The person');
}

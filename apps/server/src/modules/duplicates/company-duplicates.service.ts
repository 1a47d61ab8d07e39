import type {
  TCompany,
  TCompanyDuplicateList,
  TCompanyDuplicateReason,
  TCompanyMergeFields,
  TCompanyMergeResult,
  TDismissCompanyDuplicateBody,
} from '@tillit/contracts';
import { and, asc, eq, gt, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias, type PgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { companies, companyFieldValues, companyMerges, companyNonDuplicates } from '../../db/schema/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { presentCompany } from '../companies/companies.presenter.ts';
import { assertCanWrite, effectiveVisibility, visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import { reindexRecords } from '../search/search.index.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { decodePairCursor, type Pair, unionPairPage } from './duplicates.pairs.ts';
import { repointCompany } from './merge.repoint.ts';

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

const c1 = alias(companies, 'c1');
const c2 = alias(companies, 'c2');

/** Both live, visible to the actor, not marked "not a duplicate", after the cursor. */
function pairConditions(actor: Actor, after: Pair | undefined): (SQL | undefined)[] {
  return [
    isNull(c1.deletedAt),
    isNull(c2.deletedAt),
    visibleTo(actor, c1),
    visibleTo(actor, c2),
    sql`not exists (select 1 from ${companyNonDuplicates} d where d.workspace_id = ${actor.workspaceId} and d.company_a = ${c1.companyId} and d.company_b = ${c2.companyId})`,
    after ? sql`(${c1.companyId}, ${c2.companyId}) > (${after.a}::uuid, ${after.b}::uuid)` : undefined,
  ];
}

/** The rule's key: an equality self-join on an index that leads with workspace_id
 *  (`companies_domain_idx`, `companies_org_number_idx`, `companies_name_idx`). */
const RULE_COLUMNS: Record<TCompanyDuplicateReason, [PgColumn, PgColumn]> = {
  domain: [c1.domain, c2.domain],
  org_number: [c1.orgNumber, c2.orgNumber],
  name: [c1.nameKey, c2.nameKey],
};
const RULES: TCompanyDuplicateReason[] = ['domain', 'org_number', 'name'];

async function pairsBy(tx: Tx, actor: Actor, reason: TCompanyDuplicateReason, after: Pair | undefined, limit: number) {
  const [k1, k2] = RULE_COLUMNS[reason];
  return tx
    .select({ a: c1.companyId, b: c2.companyId })
    .from(c1)
    .innerJoin(c2, and(eq(c2.workspaceId, c1.workspaceId), eq(k2, k1), gt(c2.companyId, c1.companyId)))
    .where(and(eq(c1.workspaceId, actor.workspaceId), isNotNull(k1), ...pairConditions(actor, after)))
    .orderBy(asc(c1.companyId), asc(c2.companyId))
    .limit(limit);
}

/** One keyset page of candidate pairs (`unionPairPage`, as for people). */
export async function listCompanyDuplicates(
  services: Services,
  actor: Actor,
  q: { after?: string | undefined; limit: number },
): Promise<TCompanyDuplicateList> {
  const after = q.after ? decodePairCursor(q.after) : undefined;
  return inTenant(services, actor, async (tx) => {
    const { page, ids, nextCursor } = await unionPairPage(
      RULES,
      (reason, limit) => pairsBy(tx, actor, reason, after, limit),
      q.limit,
    );
    const rows = ids.length
      ? await tx
          .select()
          .from(companies)
          .where(and(eq(companies.workspaceId, actor.workspaceId), inArray(companies.companyId, ids)))
      : [];
    const presented = new Map(rows.map((r) => [r.companyId, presentCompany(r)]));
    const items = page.flatMap((e) => {
      const a = presented.get(e.pair.a);
      const b = presented.get(e.pair.b);
      return a && b ? [{ companies: [a, b] as [TCompany, TCompany], reasons: e.reasons }] : [];
    });
    return { items, nextCursor };
  });
}

/** A live company the actor can see, locked for the rest of the transaction; 404 otherwise. */
async function lockCompany(tx: Tx, actor: Actor, companyId: string) {
  const [row] = await tx
    .select()
    .from(companies)
    .where(
      and(
        eq(companies.workspaceId, actor.workspaceId),
        eq(companies.companyId, companyId),
        isNull(companies.deletedAt),
        visibleTo(actor, companies),
      ),
    )
    .for('update');
  if (!row) throw notFound('The company');
  return row;
}

/** Marks a pair of companies "not a duplicate" (idempotent, audited). */
export async function dismissCompanyDuplicate(
  services: Services,
  actor: Actor,
  input: TDismissCompanyDuplicateBody,
): Promise<void> {
  assertCanWrite(actor);
  const now = services.clock.now();
  const [a, b] = [...input.companyIds].sort() as [string, string];
  await inTenant(services, actor, async (tx) => {
    await lockCompany(tx, actor, a);
    await lockCompany(tx, actor, b);
    const inserted = await tx
      .insert(companyNonDuplicates)
      .values({ workspaceId: actor.workspaceId, companyA: a, companyB: b, markedBy: actor.userId, markedAt: now })
      .onConflictDoNothing()
      .returning({ a: companyNonDuplicates.companyA });
    if (inserted.length === 0) return;
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'company.duplicate_dismissed',
        target: { type: 'company', id: a },
        details: { companyIds: [a, b] },
      },
      now,
    );
  });
}

/**
 * Merges `mergedId` into `survivorId` in one transaction: the chosen values, tags as the
 * union, every reference re-pointed (foreign keys to companies and files attached to it),
 * custom field values of the merged company kept only for fields the survivor has no value
 * in, the merged company deleted for good, a merge-log row, one `company.merged` entry.
 */
export async function mergeCompanies(
  services: Services,
  actor: Actor,
  input: { survivorId: string; mergedId: string; fields: TCompanyMergeFields },
): Promise<TCompanyMergeResult> {
  assertCanWrite(actor);
  const now = services.clock.now();
  const { survivorId, mergedId, fields } = input;
  const ws = actor.workspaceId;
  try {
    return await inTenant(services, actor, async (tx) => {
      const locked = new Map<string, Awaited<ReturnType<typeof lockCompany>>>();
      for (const id of [survivorId, mergedId].sort()) locked.set(id, await lockCompany(tx, actor, id));
      const survivor = locked.get(survivorId);
      const merged = locked.get(mergedId);
      if (!survivor || !merged) throw notFound('The company');
      const previous = presentCompany(merged);

      const changes: Partial<typeof companies.$inferInsert> = { updatedAt: now };
      if (fields.name === 'merged') changes.name = merged.name;
      if (fields.domain === 'merged') changes.domain = merged.domain;
      if (fields.orgNumber === 'merged') changes.orgNumber = merged.orgNumber;
      if (fields.address === 'merged') {
        for (const k of ['street', 'state', 'postalCode', 'city', 'country'] as const) changes[k] = merged[k];
      }
      if (fields.industry === 'merged') changes.industry = merged.industry;
      if (fields.size === 'merged') changes.size = merged.size;
      if (fields.ownerId === 'merged') changes.ownerId = merged.ownerId;
      if (fields.visibility === 'merged') Object.assign(changes, effectiveVisibility(merged));
      // Tags: the union, the survivor's spelling first (case-insensitive).
      const seen = new Set(survivor.tags.map((t) => t.toLowerCase()));
      changes.tags = [...survivor.tags, ...merged.tags.filter((t) => !seen.has(t.toLowerCase()))];

      await tx
        .delete(companyNonDuplicates)
        .where(
          and(
            eq(companyNonDuplicates.workspaceId, ws),
            sql`(${companyNonDuplicates.companyA} = ${mergedId} or ${companyNonDuplicates.companyB} = ${mergedId})`,
          ),
        );
      // A custom field the survivor has a value in keeps the survivor's value (a multi-select
      // too: its options are not mixed); the merged company's other values move.
      await tx
        .delete(companyFieldValues)
        .where(
          and(
            eq(companyFieldValues.workspaceId, ws),
            eq(companyFieldValues.recordId, mergedId),
            sql`exists (select 1 from ${companyFieldValues} s where s.workspace_id = ${ws} and s.company_id = ${survivorId} and s.field_id = ${companyFieldValues.fieldId})`,
          ),
        );
      const { moved, dropped } = await repointCompany(tx, ws, survivorId, mergedId);
      await tx.delete(companies).where(and(eq(companies.workspaceId, ws), eq(companies.companyId, mergedId)));
      const [row] = await tx
        .update(companies)
        .set(changes)
        .where(and(eq(companies.workspaceId, ws), eq(companies.companyId, survivorId)))
        .returning();
      if (!row) throw notFound('The company');
      await reindexRecords(tx, ws, 'company', [survivorId, mergedId]);

      const mergeId = newId(now.getTime());
      await tx.insert(companyMerges).values({
        workspaceId: ws,
        mergeId,
        survivorId,
        mergedId,
        mergedBy: actor.userId,
        mergedAt: now,
        previous,
        choices: { fields, moved, dropped },
      });
      await appendAudit(
        tx,
        ws,
        {
          actor: userActor(actor),
          action: 'company.merged',
          target: { type: 'company', id: survivorId },
          details: { survivorId, mergedId, mergeId, fields, moved, dropped },
        },
        now,
      );
      return { mergeId, company: presentCompany(row), moved };
    });
  } catch (err) {
    const code =
      (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === '23505') {
      throw new AppError(
        'merge_conflict',
        409,
        'The two companies cannot be merged automatically: a unique value clashes.',
      );
    }
    throw err;
  }
}

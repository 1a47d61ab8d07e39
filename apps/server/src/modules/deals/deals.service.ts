import type {
  TBoard,
  TDeal,
  TDealList,
  TDealTrashList,
  TDeletedDeal,
  TStageHistory,
  ZCreateDealBody,
  ZDealListQuery,
  ZDealTrashQuery,
  ZUpdateDealBody,
} from '@tillit/contracts';
import { isCustomSort } from '@tillit/contracts';
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { companies, dealPeople, dealStageHistory, deals, people, pipelineStages } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { checkValues, loadValues, writeValues } from '../custom-fields/custom-fields.service.ts';
import { customCursorKey, decodeCustomCursor, fieldsByKey, tableViewPage } from '../custom-fields/table-query.ts';
import {
  assertCanWrite,
  assertOwnerIsMember,
  effectiveVisibility,
  resolveVisibility,
  visibleTo,
} from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { inTenant, type KeysetPosition } from '../people/people.service.ts';
import { emitRecordEvent } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { decodeDealCursor, encodeCursor } from './deals.cursor.ts';
import { loadPipeline, presentPipeline, presentStage, userActor } from './pipelines.service.ts';

export type CreateDealInput = z.output<typeof ZCreateDealBody>;
export type UpdateDealInput = z.output<typeof ZUpdateDealBody>;
export type DealListInput = z.output<typeof ZDealListQuery>;
export type DealTrashInput = z.output<typeof ZDealTrashQuery>;
type DealRow = typeof deals.$inferSelect;
type StageRow = typeof pipelineStages.$inferSelect;

// Reading

/** The ids of the visible, live people and companies of a page of deals: two queries. */
async function presentDeals(tx: Tx, actor: Actor, rows: DealRow[]): Promise<TDeal[]> {
  if (rows.length === 0) return [];
  const ws = actor.workspaceId;
  const ids = rows.map((r) => r.dealId);
  const links = await tx
    .select({ dealId: dealPeople.dealId, personId: dealPeople.personId })
    .from(dealPeople)
    .innerJoin(people, and(eq(people.workspaceId, dealPeople.workspaceId), eq(people.personId, dealPeople.personId)))
    .where(
      and(
        eq(dealPeople.workspaceId, ws),
        inArray(dealPeople.dealId, ids),
        isNull(people.deletedAt),
        visibleTo(actor, people),
      ),
    )
    .orderBy(asc(dealPeople.dealId), asc(dealPeople.position));
  const personIds = new Map<string, string[]>();
  for (const l of links) {
    const list = personIds.get(l.dealId);
    if (list) list.push(l.personId);
    else personIds.set(l.dealId, [l.personId]);
  }
  const companyIds = [...new Set(rows.flatMap((r) => (r.companyId ? [r.companyId] : [])))];
  const visibleCompanies = new Set<string>();
  if (companyIds.length) {
    const cs = await tx
      .select({ id: companies.companyId })
      .from(companies)
      .where(
        and(
          eq(companies.workspaceId, ws),
          inArray(companies.companyId, companyIds),
          isNull(companies.deletedAt),
          visibleTo(actor, companies),
        ),
      );
    for (const c of cs) visibleCompanies.add(c.id);
  }
  const custom = await loadValues(tx, ws, 'deal', ids);
  return rows.map((r) => ({
    id: r.dealId,
    pipelineId: r.pipelineId,
    stageId: r.stageId,
    name: r.name,
    amount: r.amount,
    currency: r.currency,
    expectedCloseDate: r.expectedCloseDate,
    probability: r.probability,
    ownerId: r.ownerId,
    companyId: r.companyId && visibleCompanies.has(r.companyId) ? r.companyId : null,
    personIds: personIds.get(r.dealId) ?? [],
    ...effectiveVisibility(r),
    status: r.status,
    closedAt: r.closedAt ? r.closedAt.toISOString() : null,
    customFields: custom.get(r.dealId) ?? {},
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  }));
}

/** A deal the actor can see (live, or in the trash with `deleted`), optionally locked. */
async function findDeal(tx: Tx, actor: Actor, dealId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(deals)
    .where(
      and(
        eq(deals.workspaceId, actor.workspaceId),
        eq(deals.dealId, dealId),
        opts.deleted ? isNotNull(deals.deletedAt) : isNull(deals.deletedAt),
        visibleTo(actor, deals),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The deal');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, dealId: string): Promise<TDeal> {
  const [row] = await tx
    .select()
    .from(deals)
    .where(and(eq(deals.workspaceId, actor.workspaceId), eq(deals.dealId, dealId)));
  if (!row) throw notFound('The deal');
  const [deal] = await presentDeals(tx, actor, [row]);
  if (!deal) throw notFound('The deal');
  return deal;
}

export async function getDeal(services: Services, actor: Actor, dealId: string): Promise<TDeal> {
  return inTenant(services, actor, async (tx) =>
    presentDeals(tx, actor, [await findDeal(tx, actor, dealId)]).then((d) => d[0] as TDeal),
  );
}

/** The key of each built-in sort before the tie-break on deal_id, as the partial indexes of
 *  `deals.schema.ts` spell it (an expression index is used only for the same expression).
 *  Nulls never reach a key: each nullable column sorts through a coalesce (documented in
 *  `ZDealListQuery`). 'stage' is paged stage by stage (`stagePage`). */
const SORTS = {
  name: { keys: [deals.nameKey], casts: [sql``] },
  createdAt: { keys: [deals.createdAt], casts: [sql`::timestamptz`] },
  updatedAt: { keys: [deals.updatedAt], casts: [sql`::timestamptz`] },
  amount: { keys: [deals.amount], casts: [sql`::bigint`] },
  expectedCloseDate: { keys: [deals.closeKey], casts: [sql`::date`] },
  probability: { keys: [sql`coalesce(${deals.probability}, -1)`], casts: [sql`::int`] },
  status: {
    keys: [sql`(case ${deals.status} when 'open' then 0 when 'won' then 1 else 2 end)`],
    casts: [sql`::int`],
  },
  currency: { keys: [deals.currency, deals.amount], casts: [sql`::text`, sql`::bigint`] },
  closedAt: { keys: [sql`coalesce(${deals.closedAt}, 'infinity'::timestamptz)`], casts: [sql`::timestamptz`] },
} as const;

const STATUS_RANK = { open: 0, won: 1, lost: 2 } as const;

/** The cursor value of a row: the parts of its key, `:`-joined (only 'currency' has two). */
function sortValue(row: DealRow, sort: keyof typeof SORTS): string {
  switch (sort) {
    case 'name':
      return row.nameKey ?? '';
    case 'createdAt':
      return row.createdAt.toISOString();
    case 'updatedAt':
      return row.updatedAt.toISOString();
    case 'amount':
      return String(row.amount);
    case 'expectedCloseDate':
      return row.closeKey ?? '9999-12-31';
    case 'probability':
      return String(row.probability ?? -1);
    case 'status':
      return String(STATUS_RANK[row.status]);
    case 'currency':
      return `${row.currency}:${row.amount}`;
    case 'closedAt':
      return row.closedAt ? row.closedAt.toISOString() : 'infinity';
  }
}

/** Sort 'stage': the pipeline's stages in order of position, each stage's deals by id through
 *  the index (workspace_id, stage_id, deal_id), until the page is full: at most one small
 *  indexed query per stage (a pipeline has at most 50). The cursor value is the position. */
async function stagePage(
  tx: Tx,
  ws: string,
  q: DealFilter,
  conds: (SQL | undefined)[],
  page: { after?: KeysetPosition | undefined; limit: number },
): Promise<{ rows: DealRow[]; next: KeysetPosition | null }> {
  const order = q.dir === 'asc' ? asc : desc;
  const stages = await tx
    .select({ stageId: pipelineStages.stageId, position: pipelineStages.position })
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, ws), eq(pipelineStages.pipelineId, q.pipelineId)))
    .orderBy(order(pipelineStages.position), order(pipelineStages.stageId));
  const position = new Map(stages.map((s) => [s.stageId, s.position]));
  const after = page.after;
  const from = after ? Number(after.value) : null;
  const rows: DealRow[] = [];
  for (const s of stages) {
    if (q.stageId && s.stageId !== q.stageId) continue;
    if (from !== null && (q.dir === 'asc' ? s.position < from : s.position > from)) continue;
    const c = [...conds, eq(deals.stageId, s.stageId)];
    if (after && s.position === from) {
      c.push(q.dir === 'asc' ? sql`${deals.dealId} > ${after.id}::uuid` : sql`${deals.dealId} < ${after.id}::uuid`);
    }
    rows.push(
      ...(await tx
        .select()
        .from(deals)
        .where(and(...c))
        .orderBy(order(deals.dealId))
        .limit(page.limit + 1 - rows.length)),
    );
    if (rows.length > page.limit) break;
  }
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next =
    rows.length > page.limit && last ? { value: String(position.get(last.stageId) ?? 0), id: last.dealId } : null;
  return { rows: items, next };
}

/** The filters and sort of the deal list, without its page (cursor and limit). */
export type DealFilter = Omit<DealListInput, 'after' | 'limit'>;

/** One keyset page of the deals of a pipeline the actor can see, over (sort value, id), each
 *  sort backed by a partial index (workspace_id, pipeline_id, sort, deal_id). Shared by the
 *  list, the board and the export, so all apply the same filters, sort and visibility. */
export async function dealsPage(
  tx: Tx,
  actor: Actor,
  q: DealFilter,
  page: { after?: KeysetPosition | undefined; limit: number },
): Promise<{ items: TDeal[]; next: KeysetPosition | null }> {
  const ws = actor.workspaceId;
  const conds: (SQL | undefined)[] = [
    eq(deals.workspaceId, ws),
    eq(deals.pipelineId, q.pipelineId),
    isNull(deals.deletedAt),
    visibleTo(actor, deals),
  ];
  if (q.stageId) conds.push(eq(deals.stageId, q.stageId));
  if (q.ownerId) conds.push(eq(deals.ownerId, q.ownerId));
  if (q.status) conds.push(eq(deals.status, q.status));
  if (q.companyId) {
    // Only through a live company the caller can see.
    const companyVisible = visibleTo(actor, companies) ?? sql`true`;
    conds.push(
      eq(deals.companyId, q.companyId),
      sql`exists (select 1 from ${companies} where ${companies.workspaceId} = ${ws} and ${companies.companyId} = ${q.companyId} and ${companies.deletedAt} is null and ${companyVisible})`,
    );
  }
  if (q.personId) {
    const personVisible = visibleTo(actor, people) ?? sql`true`;
    conds.push(
      sql`${deals.dealId} = any(array(select ${dealPeople.dealId} from ${dealPeople} where ${dealPeople.workspaceId} = ${ws} and ${dealPeople.personId} = ${q.personId}))`,
      sql`exists (select 1 from ${people} where ${people.workspaceId} = ${ws} and ${people.personId} = ${q.personId} and ${people.deletedAt} is null and ${personVisible})`,
    );
  }
  const sort = q.sort;
  const r = await tableViewPage<DealRow>(tx, {
    ws,
    object: 'deal',
    table: deals,
    id: deals.dealId,
    idKey: 'dealId',
    owner: deals.ownerId,
    workspace: deals.workspaceId,
    scope: [eq(deals.workspaceId, ws), eq(deals.pipelineId, q.pipelineId), isNull(deals.deletedAt)],
    keys: {},
    q,
    conds,
    page,
  });
  if (r) return { items: await presentDeals(tx, actor, r.rows), next: r.next };
  if (isCustomSort(sort) || sort === 'owner') throw new Error('unreachable: tableViewPage pages these sorts');
  if (sort === 'stage') {
    const r = await stagePage(tx, ws, q, conds, page);
    return { items: await presentDeals(tx, actor, r.rows), next: r.next };
  }
  const { keys, casts } = SORTS[sort];
  const after = page.after;
  if (after) {
    const parts = keys.length > 1 ? after.value.split(':') : [after.value];
    const values = sql.join(
      parts.map((v, i) => sql`${v}${casts[i]}`),
      sql`, `,
    );
    const cols = sql.join([...keys, deals.dealId], sql`, `);
    conds.push(
      q.dir === 'asc'
        ? sql`(${cols}) > (${values}, ${after.id}::uuid)`
        : sql`(${cols}) < (${values}, ${after.id}::uuid)`,
    );
  }
  const order = q.dir === 'asc' ? asc : desc;
  const rows = await tx
    .select()
    .from(deals)
    .where(and(...conds))
    .orderBy(...keys.map((k) => order(k)), order(deals.dealId))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next = rows.length > page.limit && last ? { value: sortValue(last, sort), id: last.dealId } : null;
  return { items: await presentDeals(tx, actor, items), next };
}

/** One page of the deals of a pipeline (`dealsPage` behind an opaque cursor). */
export async function listDealsIn(tx: Tx, actor: Actor, q: DealListInput): Promise<TDealList> {
  const { after: raw, limit, ...filter } = q;
  let key = `deals.${q.sort}`;
  let after: KeysetPosition | undefined;
  if (isCustomSort(q.sort)) {
    const field = (await fieldsByKey(tx, actor.workspaceId, 'deal')).get(q.sort.slice(3));
    if (!field) throw validationFailed({ sort: `is not a custom field of deals: ${q.sort}` });
    if (raw) after = decodeCustomCursor(raw, key, q.dir, field);
    key = customCursorKey(key);
  } else if (raw) {
    const c = decodeDealCursor(raw, key, q.dir);
    if (q.sort === 'expectedCloseDate' && !/^\d{4}-\d{2}-\d{2}$/.test(c.value))
      throw validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
    after = { value: c.value, id: c.id };
  }
  const { items, next } = await dealsPage(tx, actor, filter, { after, limit });
  return { items, nextCursor: next ? encodeCursor({ sort: key, dir: q.dir, ...next }) : null };
}

export async function listDeals(services: Services, actor: Actor, q: DealListInput): Promise<TDealList> {
  return inTenant(services, actor, (tx) => listDealsIn(tx, actor, q));
}

export async function dealHistory(services: Services, actor: Actor, dealId: string): Promise<TStageHistory> {
  return inTenant(services, actor, async (tx) => {
    await findDeal(tx, actor, dealId);
    const rows = await tx
      .select()
      .from(dealStageHistory)
      .where(and(eq(dealStageHistory.workspaceId, actor.workspaceId), eq(dealStageHistory.dealId, dealId)))
      .orderBy(asc(dealStageHistory.movedAt), asc(dealStageHistory.entryId));
    return {
      items: rows.map((r) => ({
        stageId: r.stageId,
        fromStageId: r.fromStageId,
        movedAt: r.movedAt.toISOString(),
        movedBy: r.movedBy,
      })),
    };
  });
}

// Writing

/** Each linked record must be live and visible to the caller: 404 otherwise. */
async function assertLinksVisible(tx: Tx, actor: Actor, companyId: string | null | undefined, personIds?: string[]) {
  const ws = actor.workspaceId;
  if (companyId) {
    const [c] = await tx
      .select({ id: companies.companyId })
      .from(companies)
      .where(
        and(
          eq(companies.workspaceId, ws),
          eq(companies.companyId, companyId),
          isNull(companies.deletedAt),
          visibleTo(actor, companies),
        ),
      );
    if (!c) throw notFound('The company');
  }
  if (personIds?.length) {
    const found = await tx
      .select({ id: people.personId })
      .from(people)
      .where(
        and(
          eq(people.workspaceId, ws),
          inArray(people.personId, personIds),
          isNull(people.deletedAt),
          visibleTo(actor, people),
        ),
      );
    if (found.length !== personIds.length) throw notFound('The person');
  }
}

async function writePeople(tx: Tx, ws: string, dealId: string, personIds: string[]) {
  await tx.delete(dealPeople).where(and(eq(dealPeople.workspaceId, ws), eq(dealPeople.dealId, dealId)));
  if (personIds.length === 0) return;
  await tx
    .insert(dealPeople)
    .values(personIds.map((personId, position) => ({ workspaceId: ws, dealId, personId, position })));
}

const closedAtFor = (stage: StageRow, now: Date) => (stage.kind === 'open' ? null : now);

export async function createDeal(services: Services, actor: Actor, input: CreateDealInput): Promise<TDeal> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const pipeline = await loadPipeline(tx, actor, input.pipelineId).catch(() => {
      throw validationFailed({ pipelineId: 'is not a pipeline of this workspace' });
    });
    const stage = input.stageId ? pipeline.stages.find((s) => s.stageId === input.stageId) : pipeline.stages[0];
    if (!stage) throw validationFailed({ stageId: 'is not a stage of this pipeline' });
    const ownerId = input.ownerId ?? actor.userId;
    await assertOwnerIsMember(tx, actor, ownerId);
    const vis = await resolveVisibility(tx, actor, input);
    await assertLinksVisible(tx, actor, input.companyId, input.personIds);
    const custom = await checkValues(tx, ws, 'deal', input.customFields);
    const dealId = newId(now.getTime());
    await tx.insert(deals).values({
      workspaceId: ws,
      dealId,
      pipelineId: input.pipelineId,
      stageId: stage.stageId,
      name: input.name,
      amount: input.amount,
      currency: input.currency,
      expectedCloseDate: input.expectedCloseDate ?? null,
      probability: input.probability ?? null,
      ownerId,
      companyId: input.companyId ?? null,
      visibility: vis.visibility,
      teamId: vis.teamId,
      status: stage.kind,
      closedAt: closedAtFor(stage, now),
      createdAt: now,
      updatedAt: now,
    });
    await writePeople(tx, ws, dealId, input.personIds);
    await writeValues(tx, ws, 'deal', dealId, custom);
    await tx.insert(dealStageHistory).values({
      workspaceId: ws,
      entryId: newId(now.getTime()),
      dealId,
      stageId: stage.stageId,
      fromStageId: null,
      movedAt: now,
      movedBy: actor.userId,
    });
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'deal.created',
        target: { type: 'deal', id: dealId },
        details: { pipelineId: input.pipelineId, stageId: stage.stageId, visibility: vis.visibility },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'deal.created', presentOne(tx, actor, dealId));
  });
}

export async function updateDeal(
  services: Services,
  actor: Actor,
  dealId: string,
  input: UpdateDealInput,
): Promise<TDeal> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findDeal(tx, actor, dealId, { lock: true });
    if (input.ownerId) await assertOwnerIsMember(tx, actor, input.ownerId);
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    await assertLinksVisible(tx, actor, input.companyId, input.personIds);
    const custom = await checkValues(tx, ws, 'deal', input.customFields);
    const changes: Partial<typeof deals.$inferInsert> = { updatedAt: now, ...vis };
    if (input.name !== undefined) changes.name = input.name;
    if (input.amount !== undefined) changes.amount = input.amount;
    if (input.currency !== undefined) changes.currency = input.currency;
    if (input.expectedCloseDate !== undefined) changes.expectedCloseDate = input.expectedCloseDate;
    if (input.probability !== undefined) changes.probability = input.probability;
    if (input.ownerId !== undefined) changes.ownerId = input.ownerId;
    if (input.companyId !== undefined) changes.companyId = input.companyId;
    await tx
      .update(deals)
      .set(changes)
      .where(and(eq(deals.workspaceId, ws), eq(deals.dealId, dealId)));
    await writeValues(tx, ws, 'deal', dealId, custom);
    if (input.personIds) {
      // Links to people the caller cannot see stay: a member must not drop what they cannot see.
      const hidden = await tx
        .select({ personId: dealPeople.personId })
        .from(dealPeople)
        .innerJoin(
          people,
          and(eq(people.workspaceId, dealPeople.workspaceId), eq(people.personId, dealPeople.personId)),
        )
        .where(
          and(
            eq(dealPeople.workspaceId, ws),
            eq(dealPeople.dealId, dealId),
            sql`not (${people.deletedAt} is null and ${visibleTo(actor, people) ?? sql`true`})`,
          ),
        );
      const keep = hidden.map((h) => h.personId).filter((id) => !input.personIds?.includes(id));
      await writePeople(tx, ws, dealId, [...input.personIds, ...keep]);
    }
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'deal.updated',
        target: { type: 'deal', id: dealId },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'deal.updated', presentOne(tx, actor, dealId));
  });
}

/** P-CRM-3: to another stage of the deal's pipeline; the history keeps every move, and the
 *  stage's kind sets status and closedAt. The stage it is in already: nothing changes. */
export async function moveDeal(services: Services, actor: Actor, dealId: string, stageId: string): Promise<TDeal> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findDeal(tx, actor, dealId, { lock: true });
    const [stage] = await tx
      .select()
      .from(pipelineStages)
      .where(
        and(
          eq(pipelineStages.workspaceId, ws),
          eq(pipelineStages.stageId, stageId),
          eq(pipelineStages.pipelineId, row.pipelineId),
        ),
      );
    if (!stage) throw validationFailed({ stageId: "is not a stage of the deal's pipeline" });
    if (stage.stageId === row.stageId) return presentOne(tx, actor, dealId);
    await tx
      .update(deals)
      .set({
        stageId,
        status: stage.kind,
        closedAt: stage.kind === row.status && row.closedAt ? row.closedAt : closedAtFor(stage, now),
        updatedAt: now,
      })
      .where(and(eq(deals.workspaceId, ws), eq(deals.dealId, dealId)));
    await tx.insert(dealStageHistory).values({
      workspaceId: ws,
      entryId: newId(now.getTime()),
      dealId,
      stageId,
      fromStageId: row.stageId,
      movedAt: now,
      movedBy: actor.userId,
    });
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'deal.moved',
        target: { type: 'deal', id: dealId },
        details: { fromStageId: row.stageId, stageId, status: stage.kind },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'deal.updated', presentOne(tx, actor, dealId));
  });
}

function presentDeletedDeal(dealId: string, name: string, deletedAt: Date): TDeletedDeal {
  return { ...presentTrashItem('person', dealId, name, deletedAt), kind: 'deal' };
}

/** Deleted deals the actor can see, newest deletion first; keyset over (deleted_at, id). */
export async function listDealTrash(services: Services, actor: Actor, q: DealTrashInput): Promise<TDealTrashList> {
  const conds: (SQL | undefined)[] = [
    eq(deals.workspaceId, actor.workspaceId),
    isNotNull(deals.deletedAt),
    visibleTo(actor, deals),
  ];
  if (q.after) {
    const c = decodeDealCursor(q.after, 'deals.trash.deletedAt', 'desc');
    conds.push(sql`(${deals.deletedAt}, ${deals.dealId}) < (${c.value}::timestamptz, ${c.id}::uuid)`);
  }
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select({ id: deals.dealId, name: deals.name, deletedAt: deals.deletedAt })
      .from(deals)
      .where(and(...conds))
      .orderBy(desc(deals.deletedAt), desc(deals.dealId))
      .limit(q.limit + 1);
    const items = rows.slice(0, q.limit).map((r) => presentDeletedDeal(r.id, r.name, r.deletedAt ?? new Date(0)));
    const last = items.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: 'deals.trash.deletedAt', dir: 'desc', value: last.deletedAt, id: last.id })
        : null;
    return { items, nextCursor };
  });
}

/** To the trash (P-ACC-4). */
export async function deleteDeal(services: Services, actor: Actor, dealId: string): Promise<TDeletedDeal> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findDeal(tx, actor, dealId, { lock: true });
    await tx
      .update(deals)
      .set({ deletedAt: now })
      .where(and(eq(deals.workspaceId, actor.workspaceId), eq(deals.dealId, dealId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'deal.deleted', target: { type: 'deal', id: dealId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'deal.deleted', presentDeletedDeal(dealId, row.name, now));
  });
}

export async function restoreDeal(services: Services, actor: Actor, dealId: string): Promise<TDeal> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findDeal(tx, actor, dealId, { lock: true, deleted: true });
    await tx
      .update(deals)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(deals.workspaceId, actor.workspaceId), eq(deals.dealId, dealId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'deal.restored', target: { type: 'deal', id: dealId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'deal.restored', presentOne(tx, actor, dealId));
  });
}

/** The kanban: each stage with its first page (updatedAt desc, the order of a column). A
 *  column's next page comes from the list with stageId and the same sort. */
export async function dealBoard(
  services: Services,
  actor: Actor,
  pipelineId: string,
  perStage: number,
): Promise<TBoard> {
  return inTenant(services, actor, async (tx) => {
    const p = await loadPipeline(tx, actor, pipelineId);
    const stages: TBoard['stages'] = [];
    for (const s of p.stages) {
      const page = await listDealsIn(tx, actor, {
        pipelineId,
        stageId: s.stageId,
        sort: 'updatedAt',
        dir: 'desc',
        limit: perStage,
      });
      stages.push({ stage: presentStage(s), ...page });
    }
    return { pipeline: presentPipeline(p.row, p.stages), stages };
  });
}

import type {
  TCompany,
  TCompanyList,
  TTrashItem,
  ZCompanyListQuery,
  ZCreateCompanyBody,
  ZUpdateCompanyBody,
} from '@tillit/contracts';
import { isCustomSort } from '@tillit/contracts';
import { and, asc, desc, eq, gte, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { companies } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit, appendAuditMany } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { checkValues, loadValues, writeValues } from '../custom-fields/custom-fields.service.ts';
import {
  companySizeKey,
  customCursorKey,
  decodeCustomCursor,
  fieldsByKey,
  isOwnerCursorValue,
  tableViewPage,
  textSortKeys,
} from '../custom-fields/table-query.ts';
import { cleanTags, decodeCursor, encodeCursor, prefixRange } from '../people/people.cursor.ts';
import {
  assertCanWrite,
  assertOwnerIsMember,
  effectiveVisibility,
  resolveVisibility,
  visibleTo,
} from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { addressValues, inTenant, type KeysetPosition } from '../people/people.service.ts';
import { reindexRecords } from '../search/search.index.ts';
import { emitRecordEvent, eventWanted } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { type CompanyRow, presentCompany } from './companies.presenter.ts';

/** Rows to responses, with their custom field values (one query). */
async function presentCompanies(tx: Tx, actor: Actor, rows: CompanyRow[]): Promise<TCompany[]> {
  const values = await loadValues(
    tx,
    actor.workspaceId,
    'company',
    rows.map((r) => r.companyId),
  );
  return rows.map((r) => presentCompany(r, values.get(r.companyId) ?? {}));
}

export type CreateCompanyInput = z.output<typeof ZCreateCompanyBody>;
export type UpdateCompanyInput = z.output<typeof ZUpdateCompanyBody>;
export type CompanyListInput = z.output<typeof ZCompanyListQuery>;

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

async function findCompany(tx: Tx, actor: Actor, companyId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(companies)
    .where(
      and(
        eq(companies.workspaceId, actor.workspaceId),
        eq(companies.companyId, companyId),
        opts.deleted ? isNotNull(companies.deletedAt) : isNull(companies.deletedAt),
        visibleTo(actor, companies),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The company');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, companyId: string): Promise<TCompany> {
  const [row] = await tx
    .select()
    .from(companies)
    .where(and(eq(companies.workspaceId, actor.workspaceId), eq(companies.companyId, companyId)));
  if (!row) throw notFound('The company');
  const [company] = await presentCompanies(tx, actor, [row]);
  return company as TCompany;
}

export async function getCompany(services: Services, actor: Actor, companyId: string): Promise<TCompany> {
  return inTenant(services, actor, async (tx) => {
    const [company] = await presentCompanies(tx, actor, [await findCompany(tx, actor, companyId)]);
    return company as TCompany;
  });
}

const SORT_COLUMNS = {
  name: companies.nameKey,
  createdAt: companies.createdAt,
  updatedAt: companies.updatedAt,
} as const;
/** Table-view sorts by text fields (`textSortKey`, one partial index each). */
const TEXT_SORTS = {
  domain: companies.domain,
  industry: companies.industry,
  city: companies.city,
  country: companies.country,
  orgNumber: companies.orgNumber,
} as const;

/** The filters, search and sort of the company list, without its page (cursor and limit). */
export type CompanyFilter = Omit<CompanyListInput, 'after' | 'limit'>;

/**
 * One keyset page of the companies the actor can see, over (sort value, id). Shared by the
 * list and the export, so both apply the same filters, search, sort and visibility.
 */
export async function companiesPage(
  tx: Tx,
  actor: Actor,
  q: CompanyFilter,
  page: { after?: KeysetPosition | undefined; limit: number },
): Promise<{ items: TCompany[]; next: KeysetPosition | null }> {
  const ws = actor.workspaceId;
  const conds: (SQL | undefined)[] = [
    eq(companies.workspaceId, ws),
    isNull(companies.deletedAt),
    visibleTo(actor, companies),
  ];
  if (q.q) {
    const { from, to } = prefixRange(q.q.toLowerCase());
    conds.push(
      sql`((${companies.nameKey} >= ${from} and ${companies.nameKey} < ${to}) or (${companies.domain} >= ${from} and ${companies.domain} < ${to}))`,
    );
  }
  if (q.tag) conds.push(sql`${companies.tags} @> array[${q.tag}]::text[]`);
  if (q.ownerId) conds.push(eq(companies.ownerId, q.ownerId));
  if (q.createdAfter) conds.push(gte(companies.createdAt, new Date(q.createdAfter)));
  if (q.createdBefore) conds.push(lt(companies.createdAt, new Date(q.createdBefore)));
  const sort = q.sort;
  const r = await tableViewPage<CompanyRow>(tx, {
    ws,
    object: 'company',
    table: companies,
    id: companies.companyId,
    idKey: 'companyId',
    owner: companies.ownerId,
    workspace: companies.workspaceId,
    scope: [eq(companies.workspaceId, ws), isNull(companies.deletedAt)],
    keys: { ...textSortKeys(TEXT_SORTS), size: { key: companySizeKey, cast: sql`::int` } },
    q,
    conds,
    page,
  });
  if (r) return { items: await presentCompanies(tx, actor, r.rows), next: r.next };
  const col = SORT_COLUMNS[sort as keyof typeof SORT_COLUMNS];
  const after = page.after;
  if (after) {
    const value = sort === 'name' ? sql`${after.value}` : sql`${after.value}::timestamptz`;
    conds.push(
      q.dir === 'asc'
        ? sql`(${col}, ${companies.companyId}) > (${value}, ${after.id}::uuid)`
        : sql`(${col}, ${companies.companyId}) < (${value}, ${after.id}::uuid)`,
    );
  }
  const order = q.dir === 'asc' ? asc : desc;
  const rows = await tx
    .select()
    .from(companies)
    .where(and(...conds))
    .orderBy(order(col), order(companies.companyId))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next =
    rows.length > page.limit && last
      ? {
          value: sort === 'name' ? (last.nameKey ?? '') : last[sort as 'createdAt' | 'updatedAt'].toISOString(),
          id: last.companyId,
        }
      : null;
  return { items: await presentCompanies(tx, actor, items), next };
}

/** One page of the companies the actor can see (`companiesPage` behind an opaque cursor). */
export async function listCompanies(services: Services, actor: Actor, q: CompanyListInput): Promise<TCompanyList> {
  const { after: raw, limit, ...filter } = q;
  return inTenant(services, actor, async (tx) => {
    let key = `companies.${q.sort}`;
    let after: KeysetPosition | undefined;
    if (isCustomSort(q.sort)) {
      const field = (await fieldsByKey(tx, actor.workspaceId, 'company')).get(q.sort.slice(3));
      if (!field) throw validationFailed({ sort: `is not a custom field of companies: ${q.sort}` });
      key = customCursorKey(key);
      if (raw) after = decodeCustomCursor(raw, `companies.${q.sort}`, q.dir, field);
    } else {
      if (q.sort in TEXT_SORTS || q.sort === 'owner' || q.sort === 'size') key = `${key}.name`;
      if (raw) after = decodeCursor(raw, key, q.dir);
      const badAfter =
        (q.sort === 'owner' && after && !isOwnerCursorValue(after.value)) ||
        (q.sort === 'size' && after && !/^[0-7]$/.test(after.value));
      if (badAfter) throw validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
    }
    const { items, next } = await companiesPage(tx, actor, filter, { after, limit });
    const nextCursor = next ? encodeCursor({ sort: key, dir: q.dir, ...next }) : null;
    return { items, nextCursor };
  });
}

export async function createCompany(services: Services, actor: Actor, input: CreateCompanyInput): Promise<TCompany> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const ownerId = input.ownerId ?? actor.userId;
    await assertOwnerIsMember(tx, actor, ownerId);
    const vis = await resolveVisibility(tx, actor, input);
    const custom = await checkValues(tx, ws, 'company', input.customFields);
    const companyId = newId(now.getTime());
    await tx.insert(companies).values({
      workspaceId: ws,
      companyId,
      name: input.name,
      domain: input.domain ?? null,
      orgNumber: input.orgNumber ?? null,
      ...addressValues(input.address),
      industry: input.industry ?? null,
      size: input.size ?? null,
      ownerId,
      tags: cleanTags(input.tags),
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    await writeValues(tx, ws, 'company', companyId, custom);
    await reindexRecords(tx, actor.workspaceId, 'company', [companyId]);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'company.created',
        target: { type: 'company', id: companyId },
        details: { visibility: vis.visibility },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'company.created', presentOne(tx, actor, companyId));
  });
}

/**
 * Creates several companies in one transaction with the checks and side effects of
 * `createCompany` (owner, visibility, custom values, search postings, one `company.created`
 * audit entry each, the webhook outbox), the look-ups made once for the batch and the rows
 * in one multi-row insert. For bulk writers (the demo); all or nothing; ids in input order.
 */
export async function createCompanies(
  services: Services,
  actor: Actor,
  inputs: CreateCompanyInput[],
): Promise<string[]> {
  assertCanWrite(actor);
  if (!inputs.length) return [];
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    for (const ownerId of new Set(inputs.map((x) => x.ownerId ?? actor.userId))) {
      await assertOwnerIsMember(tx, actor, ownerId);
    }
    type Vis = Awaited<ReturnType<typeof resolveVisibility>>;
    const visibilities = new Map<string, Vis>();
    const vis: Vis[] = [];
    const custom: Awaited<ReturnType<typeof checkValues>>[] = [];
    for (const input of inputs) {
      const key = `${input.visibility ?? ''}:${input.teamId ?? ''}`;
      let v = visibilities.get(key);
      if (!v) {
        v = await resolveVisibility(tx, actor, input);
        visibilities.set(key, v);
      }
      vis.push(v);
      custom.push(await checkValues(tx, ws, 'company', input.customFields));
    }
    const ids = inputs.map(() => newId(now.getTime()));
    const rows = inputs.map((input, i) => ({
      workspaceId: ws,
      companyId: ids[i] as string,
      name: input.name,
      domain: input.domain ?? null,
      orgNumber: input.orgNumber ?? null,
      ...addressValues(input.address),
      industry: input.industry ?? null,
      size: input.size ?? null,
      ownerId: input.ownerId ?? actor.userId,
      tags: cleanTags(input.tags),
      visibility: vis[i]?.visibility ?? 'workspace',
      teamId: vis[i]?.teamId ?? null,
      createdAt: now,
      updatedAt: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await tx.insert(companies).values(rows.slice(i, i + 500));
    for (const [i, checked] of custom.entries()) await writeValues(tx, ws, 'company', ids[i] as string, checked);
    await reindexRecords(tx, ws, 'company', ids);
    await appendAuditMany(
      tx,
      ws,
      ids.map((id, i) => ({
        actor: userActor(actor),
        action: 'company.created',
        target: { type: 'company', id },
        details: { visibility: vis[i]?.visibility ?? 'workspace' },
      })),
      now,
    );
    if (await eventWanted(tx, ws, 'company.created')) {
      for (const id of ids) await emitRecordEvent(tx, now, ws, 'company.created', presentOne(tx, actor, id));
    }
    return ids;
  });
}

export async function updateCompany(
  services: Services,
  actor: Actor,
  companyId: string,
  input: UpdateCompanyInput,
): Promise<TCompany> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findCompany(tx, actor, companyId, { lock: true });
    if (input.ownerId) await assertOwnerIsMember(tx, actor, input.ownerId);
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    const custom = await checkValues(tx, ws, 'company', input.customFields);
    const changes: Partial<typeof companies.$inferInsert> = {
      updatedAt: now,
      ...vis,
      ...addressValues(input.address),
    };
    if (input.name !== undefined) changes.name = input.name;
    if (input.domain !== undefined) changes.domain = input.domain;
    if (input.orgNumber !== undefined) changes.orgNumber = input.orgNumber;
    if (input.industry !== undefined) changes.industry = input.industry;
    if (input.size !== undefined) changes.size = input.size;
    if (input.ownerId !== undefined) changes.ownerId = input.ownerId;
    if (input.tags !== undefined) changes.tags = cleanTags(input.tags);
    await tx
      .update(companies)
      .set(changes)
      .where(and(eq(companies.workspaceId, ws), eq(companies.companyId, companyId)));
    await writeValues(tx, ws, 'company', companyId, custom);
    await reindexRecords(tx, actor.workspaceId, 'company', [companyId]);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'company.updated',
        target: { type: 'company', id: companyId },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'company.updated', presentOne(tx, actor, companyId));
  });
}

/** To the trash (P-ACC-4). Its links to people stay, hidden, until it is restored or purged. */
export async function deleteCompany(services: Services, actor: Actor, companyId: string): Promise<TTrashItem> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findCompany(tx, actor, companyId, { lock: true });
    await tx
      .update(companies)
      .set({ deletedAt: now })
      .where(and(eq(companies.workspaceId, actor.workspaceId), eq(companies.companyId, companyId)));
    await reindexRecords(tx, actor.workspaceId, 'company', [companyId]);
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'company.deleted', target: { type: 'company', id: companyId } },
      now,
    );
    return emitRecordEvent(
      tx,
      now,
      actor.workspaceId,
      'company.deleted',
      presentTrashItem('company', companyId, row.name, now),
    );
  });
}

export async function restoreCompany(services: Services, actor: Actor, companyId: string): Promise<TCompany> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findCompany(tx, actor, companyId, { lock: true, deleted: true });
    await tx
      .update(companies)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(companies.workspaceId, actor.workspaceId), eq(companies.companyId, companyId)));
    await reindexRecords(tx, actor.workspaceId, 'company', [companyId]);
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'company.restored', target: { type: 'company', id: companyId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'company.restored', presentOne(tx, actor, companyId));
  });
}

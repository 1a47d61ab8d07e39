import type {
  TDeletedProject,
  TProject,
  TProjectList,
  ZCreateProjectBody,
  ZProjectListQuery,
  ZUpdateProjectBody,
} from '@tillit/contracts';
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { members, projectCompanies, projectDeals, projectMembers, projects } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { userActor } from '../deals/pipelines.service.ts';
import { decodeCursor, encodeCursor } from '../people/people.cursor.ts';
import {
  assertCanWrite,
  assertOwnerIsMember,
  effectiveVisibility,
  resolveVisibility,
} from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { inTenant } from '../people/people.service.ts';
import { assertRecordsVisible, liveAndVisible, replaceLinks, visibleLinks } from '../tasks/record-links.ts';
import { emitRecordEvent } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { projectVisibleTo } from './projects.policy.ts';

export type CreateProjectInput = z.output<typeof ZCreateProjectBody>;
export type UpdateProjectInput = z.output<typeof ZUpdateProjectBody>;
export type ProjectListInput = z.output<typeof ZProjectListQuery>;
type ProjectRow = typeof projects.$inferSelect;

const COMPANY_LINKS = {
  table: projectCompanies,
  workspaceId: projectCompanies.workspaceId,
  ownerId: projectCompanies.projectId,
  recordId: projectCompanies.companyId,
};
const DEAL_LINKS = {
  table: projectDeals,
  workspaceId: projectDeals.workspaceId,
  ownerId: projectDeals.projectId,
  recordId: projectDeals.dealId,
};

async function presentProjects(tx: Tx, actor: Actor, rows: ProjectRow[]): Promise<TProject[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.projectId);
  const companyIds = await visibleLinks(tx, actor, COMPANY_LINKS, 'company', ids);
  const dealIds = await visibleLinks(tx, actor, DEAL_LINKS, 'deal', ids);
  const ms = await tx
    .select({ projectId: projectMembers.projectId, userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.workspaceId, actor.workspaceId), inArray(projectMembers.projectId, ids)))
    .orderBy(asc(projectMembers.projectId), asc(projectMembers.userId));
  const memberIds = new Map<string, string[]>();
  for (const m of ms) memberIds.set(m.projectId, [...(memberIds.get(m.projectId) ?? []), m.userId]);
  return rows.map((r) => ({
    id: r.projectId,
    name: r.name,
    description: r.description,
    status: r.status,
    startDate: r.startDate,
    endDate: r.endDate,
    ownerId: r.ownerId,
    memberIds: memberIds.get(r.projectId) ?? [],
    companyIds: companyIds.get(r.projectId) ?? [],
    dealIds: dealIds.get(r.projectId) ?? [],
    ...effectiveVisibility(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  }));
}

async function findProject(tx: Tx, actor: Actor, projectId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(projects)
    .where(
      and(
        eq(projects.workspaceId, actor.workspaceId),
        eq(projects.projectId, projectId),
        opts.deleted ? isNotNull(projects.deletedAt) : isNull(projects.deletedAt),
        projectVisibleTo(actor),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The project');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, projectId: string): Promise<TProject> {
  const [row] = await tx
    .select()
    .from(projects)
    .where(and(eq(projects.workspaceId, actor.workspaceId), eq(projects.projectId, projectId)));
  if (!row) throw notFound('The project');
  const [p] = await presentProjects(tx, actor, [row]);
  if (!p) throw notFound('The project');
  return p;
}

export async function getProject(services: Services, actor: Actor, projectId: string): Promise<TProject> {
  return inTenant(services, actor, async (tx) =>
    presentProjects(tx, actor, [await findProject(tx, actor, projectId)]).then((p) => p[0] as TProject),
  );
}

const SORTS = {
  name: { col: projects.nameKey, cast: sql`` },
  createdAt: { col: projects.createdAt, cast: sql`::timestamptz` },
  updatedAt: { col: projects.updatedAt, cast: sql`::timestamptz` },
} as const;

function sortValue(row: ProjectRow, sort: ProjectListInput['sort']): string {
  if (sort === 'name') return row.nameKey ?? '';
  return (sort === 'createdAt' ? row.createdAt : row.updatedAt).toISOString();
}

/** One page of the projects the caller can see; keyset over (sort value, id). */
export async function listProjects(services: Services, actor: Actor, q: ProjectListInput): Promise<TProjectList> {
  const ws = actor.workspaceId;
  const conds: (SQL | undefined)[] = [
    eq(projects.workspaceId, ws),
    isNull(projects.deletedAt),
    projectVisibleTo(actor),
  ];
  if (q.status) conds.push(eq(projects.status, q.status));
  if (q.ownerId) conds.push(eq(projects.ownerId, q.ownerId));
  if (q.member) {
    const userId = q.member === 'me' ? actor.userId : q.member;
    conds.push(
      sql`${projects.projectId} = any(array(select ${projectMembers.projectId} from ${projectMembers} where ${projectMembers.workspaceId} = ${ws} and ${projectMembers.userId} = ${userId}))`,
    );
  }
  if (q.companyId) {
    conds.push(
      sql`${projects.projectId} = any(array(select ${projectCompanies.projectId} from ${projectCompanies} where ${projectCompanies.workspaceId} = ${ws} and ${projectCompanies.companyId} = ${q.companyId}))`,
      sql`exists (select 1 from companies where companies.workspace_id = ${ws} and companies.company_id = ${q.companyId} and ${liveAndVisible(actor, 'company')})`,
    );
  }
  if (q.dealId) {
    conds.push(
      sql`${projects.projectId} = any(array(select ${projectDeals.projectId} from ${projectDeals} where ${projectDeals.workspaceId} = ${ws} and ${projectDeals.dealId} = ${q.dealId}))`,
      sql`exists (select 1 from deals where deals.workspace_id = ${ws} and deals.deal_id = ${q.dealId} and ${liveAndVisible(actor, 'deal')})`,
    );
  }
  const { col, cast } = SORTS[q.sort];
  const key = `projects.${q.sort}`;
  if (q.after) {
    const c = decodeCursor(q.after, key, q.dir);
    conds.push(
      q.dir === 'asc'
        ? sql`(${col}, ${projects.projectId}) > (${c.value}${cast}, ${c.id}::uuid)`
        : sql`(${col}, ${projects.projectId}) < (${c.value}${cast}, ${c.id}::uuid)`,
    );
  }
  const order = q.dir === 'asc' ? asc : desc;
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(projects)
      .where(and(...conds))
      .orderBy(order(col), order(projects.projectId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: key, dir: q.dir, value: sortValue(last, q.sort), id: last.projectId })
        : null;
    return { items: await presentProjects(tx, actor, page), nextCursor };
  });
}

/** Every id must be a member of this workspace (422 on memberIds). */
async function assertMembers(tx: Tx, actor: Actor, ids: string[] | undefined) {
  if (!ids?.length) return;
  const found = await tx
    .select({ id: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, actor.workspaceId), inArray(members.userId, ids)));
  if (found.length !== ids.length) throw validationFailed({ memberIds: 'must all be members of this workspace' });
}

async function writeMembers(tx: Tx, ws: string, projectId: string, ids: string[]) {
  await tx
    .delete(projectMembers)
    .where(and(eq(projectMembers.workspaceId, ws), eq(projectMembers.projectId, projectId)));
  if (ids.length) await tx.insert(projectMembers).values(ids.map((userId) => ({ workspaceId: ws, projectId, userId })));
}

function checkDates(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw validationFailed({ endDate: 'must not be before startDate' });
}

export async function createProject(services: Services, actor: Actor, input: CreateProjectInput): Promise<TProject> {
  assertCanWrite(actor);
  checkDates(input.startDate, input.endDate);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const ownerId = input.ownerId ?? actor.userId;
    await assertOwnerIsMember(tx, actor, ownerId);
    await assertMembers(tx, actor, input.memberIds);
    const vis = await resolveVisibility(tx, actor, input);
    await assertRecordsVisible(tx, actor, 'company', input.companyIds);
    await assertRecordsVisible(tx, actor, 'deal', input.dealIds);
    const projectId = newId(now.getTime());
    await tx.insert(projects).values({
      workspaceId: ws,
      projectId,
      name: input.name,
      description: input.description,
      status: input.status,
      startDate: input.startDate ?? null,
      endDate: input.endDate ?? null,
      ownerId,
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    await writeMembers(tx, ws, projectId, input.memberIds);
    await replaceLinks(tx, actor, COMPANY_LINKS, 'company', projectId, input.companyIds, true);
    await replaceLinks(tx, actor, DEAL_LINKS, 'deal', projectId, input.dealIds, true);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'project.created',
        target: { type: 'project', id: projectId },
        details: {
          visibility: vis.visibility,
          members: input.memberIds.length,
          companies: input.companyIds.length,
          deals: input.dealIds.length,
        },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'project.created', presentOne(tx, actor, projectId));
  });
}

export async function updateProject(
  services: Services,
  actor: Actor,
  projectId: string,
  input: UpdateProjectInput,
): Promise<TProject> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findProject(tx, actor, projectId, { lock: true });
    checkDates(
      input.startDate !== undefined ? input.startDate : row.startDate,
      input.endDate !== undefined ? input.endDate : row.endDate,
    );
    if (input.ownerId) await assertOwnerIsMember(tx, actor, input.ownerId);
    await assertMembers(tx, actor, input.memberIds);
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    await assertRecordsVisible(tx, actor, 'company', input.companyIds);
    await assertRecordsVisible(tx, actor, 'deal', input.dealIds);
    const changes: Partial<typeof projects.$inferInsert> = { updatedAt: now, ...vis };
    if (input.name !== undefined) changes.name = input.name;
    if (input.description !== undefined) changes.description = input.description;
    if (input.status !== undefined) changes.status = input.status;
    if (input.startDate !== undefined) changes.startDate = input.startDate;
    if (input.endDate !== undefined) changes.endDate = input.endDate;
    if (input.ownerId !== undefined) changes.ownerId = input.ownerId;
    await tx
      .update(projects)
      .set(changes)
      .where(and(eq(projects.workspaceId, ws), eq(projects.projectId, projectId)));
    if (input.memberIds) await writeMembers(tx, ws, projectId, input.memberIds);
    if (input.companyIds) await replaceLinks(tx, actor, COMPANY_LINKS, 'company', projectId, input.companyIds);
    if (input.dealIds) await replaceLinks(tx, actor, DEAL_LINKS, 'deal', projectId, input.dealIds);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'project.updated',
        target: { type: 'project', id: projectId },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'project.updated', presentOne(tx, actor, projectId));
  });
}

function presentDeletedProject(projectId: string, name: string, deletedAt: Date): TDeletedProject {
  return { ...presentTrashItem('project', projectId, name, deletedAt), kind: 'project' };
}

/** To the shared trash (P-ACC-4); its tasks stay, still linked, and come back with it. */
export async function deleteProject(services: Services, actor: Actor, projectId: string): Promise<TDeletedProject> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findProject(tx, actor, projectId, { lock: true });
    await tx
      .update(projects)
      .set({ deletedAt: now })
      .where(and(eq(projects.workspaceId, actor.workspaceId), eq(projects.projectId, projectId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'project.deleted', target: { type: 'project', id: projectId } },
      now,
    );
    return emitRecordEvent(
      tx,
      now,
      actor.workspaceId,
      'project.deleted',
      presentDeletedProject(projectId, row.name, now),
    );
  });
}

export async function restoreProject(services: Services, actor: Actor, projectId: string): Promise<TProject> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findProject(tx, actor, projectId, { lock: true, deleted: true });
    await tx
      .update(projects)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(projects.workspaceId, actor.workspaceId), eq(projects.projectId, projectId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'project.restored', target: { type: 'project', id: projectId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'project.restored', presentOne(tx, actor, projectId));
  });
}

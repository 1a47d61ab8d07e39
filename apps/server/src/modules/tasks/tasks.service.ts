import type {
  TDeletedTask,
  TTask,
  TTaskList,
  TTaskStatus,
  ZCreateTaskBody,
  ZTaskListQuery,
  ZUpdateTaskBody,
} from '@tillit/contracts';
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { members, projects, taskCompanies, taskDeals, taskPeople, tasks } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { userActor } from '../deals/pipelines.service.ts';
import { decodeCursor, encodeCursor } from '../people/people.cursor.ts';
import { assertCanWrite, effectiveVisibility, resolveVisibility } from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { inTenant } from '../people/people.service.ts';
import { assertProjectVisible, projectVisibleTo } from '../projects/projects.policy.ts';
import { emitRecordEvent } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { assertRecordsVisible, type LinkTarget, liveAndVisible, replaceLinks, visibleLinks } from './record-links.ts';
import { taskVisibleTo } from './tasks.policy.ts';

export type CreateTaskInput = z.output<typeof ZCreateTaskBody>;
export type UpdateTaskInput = z.output<typeof ZUpdateTaskBody>;
export type TaskListInput = z.output<typeof ZTaskListQuery>;
type TaskRow = typeof tasks.$inferSelect;

export const TASK_LINKS = {
  person: {
    table: taskPeople,
    workspaceId: taskPeople.workspaceId,
    ownerId: taskPeople.taskId,
    recordId: taskPeople.personId,
  },
  company: {
    table: taskCompanies,
    workspaceId: taskCompanies.workspaceId,
    ownerId: taskCompanies.taskId,
    recordId: taskCompanies.companyId,
  },
  deal: { table: taskDeals, workspaceId: taskDeals.workspaceId, ownerId: taskDeals.taskId, recordId: taskDeals.dealId },
} as const;

/** Statuses the reminder job and "my open tasks" treat as still to do. */
export const OPEN_STATUSES: readonly TTaskStatus[] = ['open', 'in_progress'];

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function presentTasks(tx: Tx, actor: Actor, rows: TaskRow[]): Promise<TTask[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.taskId);
  const personIds = await visibleLinks(tx, actor, TASK_LINKS.person, 'person', ids);
  const companyIds = await visibleLinks(tx, actor, TASK_LINKS.company, 'company', ids);
  const dealIds = await visibleLinks(tx, actor, TASK_LINKS.deal, 'deal', ids);
  const projectIds = [...new Set(rows.flatMap((r) => (r.projectId ? [r.projectId] : [])))];
  const visibleProjects = new Set<string>();
  if (projectIds.length) {
    const ps = await tx
      .select({ id: projects.projectId })
      .from(projects)
      .where(
        and(
          eq(projects.workspaceId, actor.workspaceId),
          inArray(projects.projectId, projectIds),
          isNull(projects.deletedAt),
          projectVisibleTo(actor),
        ),
      );
    for (const p of ps) visibleProjects.add(p.id);
  }
  return rows.map((r) => ({
    id: r.taskId,
    title: r.title,
    description: r.description,
    dueAt: iso(r.dueAt),
    assigneeId: r.assigneeId,
    status: r.status,
    completedAt: iso(r.completedAt),
    priority: r.priority,
    createdBy: r.createdBy,
    projectId: r.projectId && visibleProjects.has(r.projectId) ? r.projectId : null,
    personIds: personIds.get(r.taskId) ?? [],
    companyIds: companyIds.get(r.taskId) ?? [],
    dealIds: dealIds.get(r.taskId) ?? [],
    remindAt: iso(r.remindAt),
    reminderSentAt: iso(r.reminderSentAt),
    ...effectiveVisibility(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: iso(r.deletedAt),
  }));
}

async function findTask(tx: Tx, actor: Actor, taskId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, actor.workspaceId),
        eq(tasks.taskId, taskId),
        opts.deleted ? isNotNull(tasks.deletedAt) : isNull(tasks.deletedAt),
        taskVisibleTo(actor),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The task');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, taskId: string): Promise<TTask> {
  const [row] = await tx
    .select()
    .from(tasks)
    .where(and(eq(tasks.workspaceId, actor.workspaceId), eq(tasks.taskId, taskId)));
  if (!row) throw notFound('The task');
  const [t] = await presentTasks(tx, actor, [row]);
  if (!t) throw notFound('The task');
  return t;
}

export async function getTask(services: Services, actor: Actor, taskId: string): Promise<TTask> {
  return inTenant(services, actor, async (tx) =>
    presentTasks(tx, actor, [await findTask(tx, actor, taskId)]).then((t) => t[0] as TTask),
  );
}

const SORTS = {
  dueAt: tasks.dueKey,
  createdAt: tasks.createdAt,
  updatedAt: tasks.updatedAt,
} as const;

function sortValue(row: TaskRow, sort: TaskListInput['sort']): string {
  if (sort === 'dueAt') return (row.dueKey ?? new Date('9999-12-31T00:00:00Z')).toISOString();
  return (sort === 'createdAt' ? row.createdAt : row.updatedAt).toISOString();
}

/** "Linked to this record": through the link table's (workspace_id, record, task_id) index,
 *  and only when the record itself is live and visible to the caller. */
function linkedTo(actor: Actor, kind: LinkTarget, recordId: string): SQL[] {
  const l = TASK_LINKS[kind];
  const target = { person: 'people', company: 'companies', deal: 'deals' }[kind];
  const idCol = { person: 'person_id', company: 'company_id', deal: 'deal_id' }[kind];
  return [
    sql`${tasks.taskId} = any(array(select ${l.ownerId} from ${l.table} where ${l.workspaceId} = ${actor.workspaceId} and ${l.recordId} = ${recordId}))`,
    sql`exists (select 1 from ${sql.identifier(target)} where ${sql.identifier(target)}.workspace_id = ${actor.workspaceId} and ${sql.identifier(target)}.${sql.identifier(idCol)} = ${recordId} and ${liveAndVisible(actor, kind)})`,
  ];
}

/** One page of the tasks the caller can see; keyset over (sort value, id), each sort backed
 *  by a partial index (workspace_id[, assignee_id | project_id], sort, task_id). */
export async function listTasks(services: Services, actor: Actor, q: TaskListInput): Promise<TTaskList> {
  const ws = actor.workspaceId;
  const conds: (SQL | undefined)[] = [eq(tasks.workspaceId, ws), isNull(tasks.deletedAt), taskVisibleTo(actor)];
  if (q.assignee === 'none') conds.push(isNull(tasks.assigneeId));
  else if (q.assignee) conds.push(eq(tasks.assigneeId, q.assignee === 'me' ? actor.userId : q.assignee));
  if (q.status) {
    const list = [...new Set(q.status.split(','))] as TTaskStatus[];
    conds.push(list.length === 1 ? eq(tasks.status, list[0] as TTaskStatus) : inArray(tasks.status, list));
  }
  if (q.dueBefore) conds.push(sql`${tasks.dueAt} < ${q.dueBefore}::timestamptz`);
  if (q.dueAfter) conds.push(sql`${tasks.dueAt} >= ${q.dueAfter}::timestamptz`);
  if (q.personId) conds.push(...linkedTo(actor, 'person', q.personId));
  if (q.companyId) conds.push(...linkedTo(actor, 'company', q.companyId));
  if (q.dealId) conds.push(...linkedTo(actor, 'deal', q.dealId));
  if (q.projectId) {
    const vis = projectVisibleTo(actor) ?? sql`true`;
    conds.push(
      eq(tasks.projectId, q.projectId),
      sql`exists (select 1 from ${projects} where ${projects.workspaceId} = ${ws} and ${projects.projectId} = ${q.projectId} and ${projects.deletedAt} is null and ${vis})`,
    );
  }
  const col = SORTS[q.sort];
  const key = `tasks.${q.sort}`;
  if (q.after) {
    const c = decodeCursor(q.after, key, q.dir);
    conds.push(
      q.dir === 'asc'
        ? sql`(${col}, ${tasks.taskId}) > (${c.value}::timestamptz, ${c.id}::uuid)`
        : sql`(${col}, ${tasks.taskId}) < (${c.value}::timestamptz, ${c.id}::uuid)`,
    );
  }
  const order = q.dir === 'asc' ? asc : desc;
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(tasks)
      .where(and(...conds))
      .orderBy(order(col), order(tasks.taskId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: key, dir: q.dir, value: sortValue(last, q.sort), id: last.taskId })
        : null;
    return { items: await presentTasks(tx, actor, page), nextCursor };
  });
}

async function assertAssignee(tx: Tx, actor: Actor, assigneeId: string | null | undefined) {
  if (!assigneeId || assigneeId === actor.userId) return;
  const [m] = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, actor.workspaceId), eq(members.userId, assigneeId)));
  if (!m) throw validationFailed({ assigneeId: 'is not a member of this workspace' });
}

async function assertLinks(tx: Tx, actor: Actor, input: UpdateTaskInput) {
  await assertRecordsVisible(tx, actor, 'person', input.personIds);
  await assertRecordsVisible(tx, actor, 'company', input.companyIds);
  await assertRecordsVisible(tx, actor, 'deal', input.dealIds);
  await assertProjectVisible(tx, actor, input.projectId);
}

export async function createTask(services: Services, actor: Actor, input: CreateTaskInput): Promise<TTask> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const assigneeId = input.assigneeId === undefined ? actor.userId : input.assigneeId;
    await assertAssignee(tx, actor, assigneeId);
    const vis = await resolveVisibility(tx, actor, input);
    await assertLinks(tx, actor, input);
    const taskId = newId(now.getTime());
    await tx.insert(tasks).values({
      workspaceId: ws,
      taskId,
      title: input.title,
      description: input.description,
      dueAt: input.dueAt ? new Date(input.dueAt) : null,
      assigneeId,
      status: input.status,
      completedAt: input.status === 'done' ? now : null,
      priority: input.priority,
      createdBy: actor.userId,
      projectId: input.projectId ?? null,
      remindAt: input.remindAt ? new Date(input.remindAt) : null,
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    for (const kind of ['person', 'company', 'deal'] as const) {
      const ids = { person: input.personIds, company: input.companyIds, deal: input.dealIds }[kind];
      await replaceLinks(tx, actor, TASK_LINKS[kind], kind, taskId, ids, true);
    }
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'task.created',
        target: { type: 'task', id: taskId },
        details: {
          visibility: vis.visibility,
          people: input.personIds.length,
          companies: input.companyIds.length,
          deals: input.dealIds.length,
          projectId: input.projectId ?? null,
        },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'task.created', presentOne(tx, actor, taskId));
  });
}

export async function updateTask(
  services: Services,
  actor: Actor,
  taskId: string,
  input: UpdateTaskInput,
): Promise<TTask> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findTask(tx, actor, taskId, { lock: true });
    if (input.assigneeId !== undefined) await assertAssignee(tx, actor, input.assigneeId);
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    await assertLinks(tx, actor, input);
    const changes: Partial<typeof tasks.$inferInsert> = { updatedAt: now, ...vis };
    if (input.title !== undefined) changes.title = input.title;
    if (input.description !== undefined) changes.description = input.description;
    if (input.dueAt !== undefined) changes.dueAt = input.dueAt ? new Date(input.dueAt) : null;
    if (input.assigneeId !== undefined) changes.assigneeId = input.assigneeId;
    if (input.priority !== undefined) changes.priority = input.priority;
    if (input.projectId !== undefined) changes.projectId = input.projectId;
    if (input.status !== undefined && input.status !== row.status) {
      changes.status = input.status;
      changes.completedAt = input.status === 'done' ? now : null;
    }
    if (input.remindAt !== undefined) {
      const next = input.remindAt ? new Date(input.remindAt) : null;
      // A different reminder time arms the reminder again; the same time changes nothing.
      if ((next?.getTime() ?? null) !== (row.remindAt?.getTime() ?? null)) {
        changes.remindAt = next;
        changes.reminderSentAt = null;
      }
    }
    await tx
      .update(tasks)
      .set(changes)
      .where(and(eq(tasks.workspaceId, ws), eq(tasks.taskId, taskId)));
    for (const kind of ['person', 'company', 'deal'] as const) {
      const ids = { person: input.personIds, company: input.companyIds, deal: input.dealIds }[kind];
      if (ids) await replaceLinks(tx, actor, TASK_LINKS[kind], kind, taskId, ids);
    }
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'task.updated',
        target: { type: 'task', id: taskId },
        details: { fields: Object.keys(input).sort(), ...(changes.status ? { status: changes.status } : {}) },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'task.updated', presentOne(tx, actor, taskId));
  });
}

function presentDeletedTask(taskId: string, title: string, deletedAt: Date): TDeletedTask {
  return { ...presentTrashItem('task', taskId, title, deletedAt), kind: 'task' };
}

/** To the shared trash (P-ACC-4): no reminder goes out for a task in the trash. */
export async function deleteTask(services: Services, actor: Actor, taskId: string): Promise<TDeletedTask> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findTask(tx, actor, taskId, { lock: true });
    await tx
      .update(tasks)
      .set({ deletedAt: now })
      .where(and(eq(tasks.workspaceId, actor.workspaceId), eq(tasks.taskId, taskId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'task.deleted', target: { type: 'task', id: taskId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'task.deleted', presentDeletedTask(taskId, row.title, now));
  });
}

export async function restoreTask(services: Services, actor: Actor, taskId: string): Promise<TTask> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findTask(tx, actor, taskId, { lock: true, deleted: true });
    await tx
      .update(tasks)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(tasks.workspaceId, actor.workspaceId), eq(tasks.taskId, taskId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'task.restored', target: { type: 'task', id: taskId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'task.restored', presentOne(tx, actor, taskId));
  });
}

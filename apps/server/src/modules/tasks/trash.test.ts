import type { TProject, TTask, TTrashItem, TTrashList } from '@tillit/contracts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import {
  auditEntries,
  notifications,
  projectCompanies,
  projectMembers,
  projects,
  taskPeople,
  tasks,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { BATCH, EXECUTORS, type StepContext } from '../../privacy/retention/retention.executors.ts';
import { purgeTrashedBatch, type TrashPurgeKey } from '../../privacy/retention/retention.trash-batch.ts';
import { purgeTrashJob } from '../people/trash.jobs.ts';
import { taskRemindersJob } from './tasks.jobs.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makePerson,
  makeProject,
  makeTask,
} from './tasks.test-helpers.ts';

describeEachDatabase('tasks and projects in the trash', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'TaskTrash');
  }, 60_000);
  const db = () => env().services.database.db;

  const auditActions = (targetId: string) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) =>
      (
        await tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, targetId)))
          .orderBy(auditEntries.seq)
      ).map((e) => e.action),
    );

  it('[P-CRM-4] a deleted task leaves the lists, waits in the shared trash with its purge date, and is restored whole', async () => {
    const person = await makePerson(w.member.client);
    const t = await makeTask(w.member.client, { title: 'Binned', personIds: [person.id] });
    const del = await w.member.client.delete<TTrashItem>(`/api/v1/tasks/${t.id}`);
    expect(del.status).toBe(200);
    const at = env().clock.now();
    expect(del.body).toEqual({
      kind: 'task',
      id: t.id,
      name: 'Binned',
      deletedAt: at.toISOString(),
      purgeAfter: new Date(at.getTime() + 30 * DAY_MS).toISOString(),
    });
    expect((await w.member.client.get(`/api/v1/tasks/${t.id}`)).status).toBe(404);
    expect((await w.member.client.get<{ items: TTask[] }>(`/api/v1/tasks?personId=${person.id}`)).body.items).toEqual(
      [],
    );
    const trash = await w.member.client.get<TTrashList>('/api/v1/trash?kind=task');
    expect(trash.body.items.map((i) => i.id)).toContain(t.id);
    const back = await w.member.client.post<TTask>(`/api/v1/trash/task/${t.id}/restore`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: t.id, title: 'Binned', personIds: [person.id], deletedAt: null });
    expect(await auditActions(t.id)).toEqual(['task.created', 'task.deleted', 'task.restored']);
  });

  it('[P-CRM-4] a deleted project goes to the trash and comes back with its members and links; its tasks stay', async () => {
    const company = await makeCompany(w.member.client);
    const p = await makeProject(w.member.client, {
      name: 'Roll-out',
      memberIds: [w.other.userId],
      companyIds: [company.id],
    });
    const t = await makeTask(w.member.client, { projectId: p.id });
    const del = await w.member.client.delete<TTrashItem>(`/api/v1/projects/${p.id}`);
    expect(del.body).toMatchObject({ kind: 'project', id: p.id, name: 'Roll-out' });
    expect((await w.member.client.get(`/api/v1/projects/${p.id}`)).status).toBe(404);
    expect((await w.member.client.get<TTask>(`/api/v1/tasks/${t.id}`)).body.projectId).toBeNull();
    const trash = await w.member.client.get<TTrashList>('/api/v1/trash?kind=project');
    expect(trash.body.items.map((i) => i.name)).toContain('Roll-out');
    const back = await w.member.client.post<TProject>(`/api/v1/projects/${p.id}/restore`);
    expect(back.body).toMatchObject({ memberIds: [w.other.userId], companyIds: [company.id], deletedAt: null });
    expect((await w.member.client.get<TTask>(`/api/v1/tasks/${t.id}`)).body.projectId).toBe(p.id);
    expect(await auditActions(p.id)).toEqual(['project.created', 'project.deleted', 'project.restored']);
  });

  it('[P-CRM-4] the daily purge deletes tasks and projects 30 days after deletion, with their links and notifications; younger ones stay', async () => {
    const person = await makePerson(w.member.client);
    const p = await makeProject(w.member.client, { memberIds: [w.member.userId] });
    const old = await makeTask(w.member.client, {
      personIds: [person.id],
      remindAt: env().clock.now().toISOString(),
    });
    await runJob(env().services, taskRemindersJob);
    const survivor = await makeTask(w.member.client, { projectId: p.id });
    await w.member.client.delete(`/api/v1/tasks/${old.id}`);
    await w.member.client.delete(`/api/v1/projects/${p.id}`);
    env().clock.advance(29 * DAY_MS);
    const young = await makeTask(w.member.client);
    await w.member.client.delete(`/api/v1/tasks/${young.id}`);
    env().clock.advance(2 * DAY_MS);
    const result = await runJob(env().services, purgeTrashJob);
    expect(Number(result.tasks)).toBeGreaterThanOrEqual(1);
    expect(Number(result.projects)).toBeGreaterThanOrEqual(1);
    const left = await withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => ({
      tasks: (
        await tx
          .select()
          .from(tasks)
          .where(inArray(tasks.taskId, [old.id, young.id, survivor.id]))
      ).map((r) => r.taskId),
      links: (await tx.select().from(taskPeople).where(eq(taskPeople.taskId, old.id))).length,
      notifications: (await tx.select().from(notifications).where(eq(notifications.taskId, old.id))).length,
      projects: (await tx.select().from(projects).where(eq(projects.projectId, p.id))).length,
      members: (await tx.select().from(projectMembers).where(eq(projectMembers.projectId, p.id))).length,
      companies: (await tx.select().from(projectCompanies).where(eq(projectCompanies.projectId, p.id))).length,
      survivorProject: (await tx.select().from(tasks).where(eq(tasks.taskId, survivor.id)))[0]?.projectId,
    }));
    expect(left).toEqual({
      tasks: expect.arrayContaining([young.id, survivor.id]),
      links: 0,
      notifications: 0,
      projects: 0,
      members: 0,
      companies: 0,
      survivorProject: null,
    });
    expect(left.tasks).not.toContain(old.id);
    expect((await w.member.client.post(`/api/v1/trash/task/${old.id}/restore`)).status).toBe(404);
    expect((await w.member.client.post(`/api/v1/trash/task/${young.id}/restore`)).status).toBe(200);
    const again = await runJob(env().services, purgeTrashJob);
    expect(again).toMatchObject({ tasks: 0, projects: 0 });
    const report = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId));
    expect(report).toMatchObject({ ok: true });
  });

  it('[P-CRM-4] [P-RET-2] a task under a legal hold stays in the trash past the period; released, the next purge takes it', async () => {
    const person = await makePerson(w.member.client);
    const held = await makeTask(w.member.client, { title: 'Held', personIds: [person.id] });
    const hold = await w.admin.client.post<{ id: string }>('/api/v1/legal-holds', {
      personId: person.id,
      table: 'tasks',
      recordId: held.id,
      reason: 'open_contract',
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    // Another task goes to the trash with it, so that the purge has something to do.
    const free = await makeTask(w.member.client, { title: 'Free', personIds: [person.id] });
    expect((await w.member.client.delete(`/api/v1/tasks/${held.id}`)).status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/tasks/${free.id}`)).status).toBe(200);
    env().clock.advance(31 * DAY_MS);
    const left = () =>
      withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select({ id: tasks.taskId })
          .from(tasks)
          .where(inArray(tasks.taskId, [held.id, free.id])),
      );
    expect(await runJob(env().services, purgeTrashJob)).toMatchObject({ tasks: 1 });
    expect(await left()).toEqual([{ id: held.id }]);
    expect((await w.admin.client.post(`/api/v1/legal-holds/${hold.body.id}/release`, {})).status).toBe(200);
    expect(await runJob(env().services, purgeTrashJob)).toMatchObject({ tasks: 1 });
    expect(await left()).toEqual([]);
  });

  it('[P-CRM-4] the purge takes tasks, then projects, at most 5,000 rows a step (each step its own transaction), resumable and idempotent', async () => {
    const v = await crmWorkspace(env(), 'TaskTrashSteps');
    const ws = v.workspaceId;
    const exec = EXECUTORS.trash;
    if (!exec) throw new Error('no trash executor');
    const trashedAt = new Date(env().clock.now().getTime() - 40 * DAY_MS).toISOString();
    await withTenant(db(), { workspaceId: ws }, async (tx) => {
      await tx.execute(sql`insert into tasks (workspace_id, task_id, title, deleted_at)
        select ${ws}::uuid, gen_random_uuid(), 'Bulk ' || g, ${trashedAt}::timestamptz from generate_series(1, ${BATCH + 1}) g`);
      await tx.execute(sql`insert into projects (workspace_id, project_id, name, deleted_at)
        select ${ws}::uuid, gen_random_uuid(), 'Bulk ' || g, ${trashedAt}::timestamptz from generate_series(1, 3) g`);
    });
    const now = env().clock.now();
    const cutoff = new Date(now.getTime() - 30 * DAY_MS);
    const ctx = (progress: Map<string, unknown>): StepContext => ({
      services: env().services,
      workspaceId: ws,
      now,
      cutoff,
      cutoffOf: () => cutoff,
      progress,
    });
    const step = (progress: Map<string, unknown>) =>
      withTenant(db(), { workspaceId: ws }, (tx) => exec.step(tx, ctx(progress)));
    const count = () =>
      withTenant(db(), { workspaceId: ws }, async (tx) => ({
        tasks: (await tx.select({ id: tasks.taskId }).from(tasks).where(eq(tasks.workspaceId, ws))).length,
        projects: (await tx.select({ id: projects.projectId }).from(projects).where(eq(projects.workspaceId, ws)))
          .length,
      }));
    // One step, one bounded batch.
    const first = await step(new Map());
    expect(first).toMatchObject({ rows: BATCH, counts: { tasks: BATCH } });
    expect(await count()).toEqual({ tasks: 1, projects: 3 });
    // A run cut short there: the next run (its own progress) carries on with what is left.
    const progress = new Map<string, unknown>();
    expect(await step(progress)).toMatchObject({ rows: 1, counts: { tasks: 1 } });
    expect(await step(progress)).toMatchObject({ rows: 3, counts: { projects: 3 } });
    expect((await step(progress)).rows).toBe(0);
    expect(await count()).toEqual({ tasks: 0, projects: 0 });
    // Again from the start: nothing left, nothing done.
    expect((await step(new Map())).rows).toBe(0);
    // The same bound at a small step size, oldest first.
    await withTenant(db(), { workspaceId: ws }, (tx) =>
      tx.execute(sql`insert into tasks (workspace_id, task_id, title, deleted_at)
        select ${ws}::uuid, gen_random_uuid(), 'Small ' || g, ${trashedAt}::timestamptz + g * interval '1 second'
        from generate_series(1, 5) g`),
    );
    const small = (after?: TrashPurgeKey) =>
      withTenant(db(), { workspaceId: ws }, (tx) =>
        purgeTrashedBatch(tx, 'tasks', ws, { cutoff, now, limit: 2, after }),
      );
    const a = await small();
    expect(a.count).toBe(2);
    expect((await count()).tasks).toBe(3);
    const b = await small(a.last);
    expect(b.count).toBe(2);
    expect(Date.parse(b.last?.deletedAt ?? '')).toBeGreaterThan(Date.parse(a.last?.deletedAt ?? ''));
    expect((await small(b.last)).count).toBe(1);
    expect((await small()).count).toBe(0);
  }, 60_000);
});

import type { TProject, TTask, TTrashItem, TTrashList } from '@tillit/contracts';
import { and, eq, inArray } from 'drizzle-orm';
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
});

import type { TProject, TProjectList, TTask, TTaskList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import {
  auditEntries,
  projectCompanies,
  projectDeals,
  projectMembers,
  projects,
  taskCompanies,
  taskDeals,
  taskPeople,
  tasks,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makeDeal,
  makePerson,
  makeProject,
  makeTask,
  salesPipeline,
} from './tasks.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Call = [Method, string, unknown?];

const send = (client: TestClient, [method, url, body]: Call, headers?: Record<string, string>) =>
  client.request(method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), headers);

describeEachDatabase('tasks and projects: isolation, roles, visibility', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bTask: TTask;
  let bTrashedTask: TTask;
  let bProject: TProject;
  let bTrashedProject: TProject;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    const person = await makePerson(b.owner.client);
    const company = await makeCompany(b.owner.client);
    const deal = await makeDeal(b.owner.client, (await salesPipeline(b.owner.client)).id);
    bProject = await makeProject(b.owner.client, { companyIds: [company.id], dealIds: [deal.id] });
    bTask = await makeTask(b.owner.client, {
      personIds: [person.id],
      companyIds: [company.id],
      dealIds: [deal.id],
      projectId: bProject.id,
    });
    bTrashedTask = await makeTask(b.owner.client);
    bTrashedProject = await makeProject(b.owner.client);
    expect((await b.owner.client.delete(`/api/v1/tasks/${bTrashedTask.id}`)).status).toBe(200);
    expect((await b.owner.client.delete(`/api/v1/projects/${bTrashedProject.id}`)).status).toBe(200);
  }, 120_000);

  const snapshotB = () =>
    withTenant(env().services.database.db, { workspaceId: b.workspaceId }, async (tx) => ({
      tasks: await tx.select().from(tasks).where(eq(tasks.workspaceId, b.workspaceId)).orderBy(tasks.taskId),
      people: await tx.select().from(taskPeople).where(eq(taskPeople.workspaceId, b.workspaceId)),
      companies: await tx.select().from(taskCompanies).where(eq(taskCompanies.workspaceId, b.workspaceId)),
      deals: await tx.select().from(taskDeals).where(eq(taskDeals.workspaceId, b.workspaceId)),
      projects: await tx
        .select()
        .from(projects)
        .where(eq(projects.workspaceId, b.workspaceId))
        .orderBy(projects.projectId),
      projectMembers: await tx.select().from(projectMembers).where(eq(projectMembers.workspaceId, b.workspaceId)),
      projectCompanies: await tx.select().from(projectCompanies).where(eq(projectCompanies.workspaceId, b.workspaceId)),
      projectDeals: await tx.select().from(projectDeals).where(eq(projectDeals.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));

  const everyEndpoint = (): Call[] => [
    ['GET', '/api/v1/tasks'],
    ['POST', '/api/v1/tasks', { title: 'Intruder' }],
    ['GET', `/api/v1/tasks/${bTask.id}`],
    ['PATCH', `/api/v1/tasks/${bTask.id}`, { title: 'Pwned' }],
    ['DELETE', `/api/v1/tasks/${bTask.id}`],
    ['POST', `/api/v1/tasks/${bTrashedTask.id}/restore`, {}],
    ['POST', `/api/v1/trash/task/${bTrashedTask.id}/restore`, {}],
    ['GET', '/api/v1/projects'],
    ['POST', '/api/v1/projects', { name: 'Intruder' }],
    ['GET', `/api/v1/projects/${bProject.id}`],
    ['PATCH', `/api/v1/projects/${bProject.id}`, { name: 'Pwned' }],
    ['DELETE', `/api/v1/projects/${bProject.id}`],
    ['POST', `/api/v1/projects/${bTrashedProject.id}/restore`, {}],
    ['POST', `/api/v1/trash/project/${bTrashedProject.id}/restore`, {}],
    ['GET', '/api/v1/notifications'],
    ['GET', '/api/v1/notifications/unread-count'],
    ['POST', '/api/v1/notifications/read-all', {}],
  ];

  describe('isolation', () => {
    it('[P-CRM-4] naming another workspace in X-Tillit-Workspace is refused on every endpoint (403), and B is unchanged', async () => {
      const before = await snapshotB();
      for (const user of [a.owner, a.member, a.viewer]) {
        for (const call of everyEndpoint()) {
          const res = await send(user.client, call, { 'x-tillit-workspace': b.workspaceId });
          expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
        }
      }
      expect(await snapshotB()).toEqual(before);
    });

    it("[P-CRM-4] B's ids used from inside A are not found (404), A's lists never show them, A cannot link them; B is unchanged", async () => {
      const before = await snapshotB();
      const calls = everyEndpoint().filter(
        ([, url]) =>
          url.includes(bTask.id) ||
          url.includes(bTrashedTask.id) ||
          url.includes(bProject.id) ||
          url.includes(bTrashedProject.id),
      );
      for (const call of calls) {
        const res = await send(a.owner.client, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(404);
      }
      for (const link of [
        { personIds: bTask.personIds },
        { companyIds: bTask.companyIds },
        { dealIds: bTask.dealIds },
        { projectId: bProject.id },
      ]) {
        expect((await a.owner.client.post('/api/v1/tasks', { title: 'X', ...link })).status).toBe(404);
      }
      expect((await a.owner.client.post('/api/v1/tasks', { title: 'X', assigneeId: b.member.userId })).status).toBe(
        422,
      );
      expect((await a.owner.client.post('/api/v1/projects', { name: 'X', memberIds: [b.member.userId] })).status).toBe(
        422,
      );
      expect((await a.owner.client.get<TTaskList>(`/api/v1/tasks?projectId=${bProject.id}`)).body.items).toEqual([]);
      expect((await a.owner.client.get<TTaskList>(`/api/v1/tasks?personId=${bTask.personIds[0]}`)).body.items).toEqual(
        [],
      );
      expect((await a.owner.client.get<TTaskList>('/api/v1/tasks')).body.items.map((t) => t.id)).not.toContain(
        bTask.id,
      );
      expect((await a.owner.client.get<TProjectList>('/api/v1/projects')).body.items).toEqual([]);
      expect(await snapshotB()).toEqual(before);
      expect((await b.viewer.client.get(`/api/v1/tasks/${bTask.id}`)).status).toBe(200);
    });

    it('[P-CRM-4] a signed-out caller gets 401 on every endpoint', async () => {
      const anon = env().client();
      for (const call of everyEndpoint()) {
        const res = await send(anon, call, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, `${call[0]} ${call[1]}`).toBe(401);
      }
    });
  });

  describe('roles', () => {
    it('[P-CRM-4] a viewer reads tasks and projects but cannot create, change, delete or restore them; nothing is written', async () => {
      const before = await snapshotB();
      const v = b.viewer.client;
      expect((await v.get(`/api/v1/tasks/${bTask.id}`)).status).toBe(200);
      expect((await v.get(`/api/v1/projects/${bProject.id}`)).status).toBe(200);
      for (const call of everyEndpoint().filter(([m, url]) => m !== 'GET' && !url.includes('notifications'))) {
        const res = await send(v, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
      }
      expect(await snapshotB()).toEqual(before);
    });
  });

  describe('visibility', () => {
    it('[P-CRM-4] a private task is invisible to another member: not listed, not found, not changeable, not in the trash', async () => {
      const secret = await makeTask(b.member.client, { title: 'Secret', visibility: 'private' });
      const other = b.other.client;
      expect((await other.get(`/api/v1/tasks/${secret.id}`)).status).toBe(404);
      expect((await other.patch(`/api/v1/tasks/${secret.id}`, { title: 'Seen' })).status).toBe(404);
      expect((await other.delete(`/api/v1/tasks/${secret.id}`)).status).toBe(404);
      const list = await other.get<TTaskList>('/api/v1/tasks?limit=200');
      expect(list.body.items.map((t) => t.id)).not.toContain(secret.id);
      // The creator, the admins and owner see it.
      for (const u of [b.member, b.admin, b.owner]) {
        expect((await u.client.get(`/api/v1/tasks/${secret.id}`)).status, u.email).toBe(200);
      }
      expect((await b.member.client.delete(`/api/v1/tasks/${secret.id}`)).status).toBe(200);
      const trash = await other.get<{ items: { id: string }[] }>('/api/v1/trash?kind=task');
      expect(trash.body.items.map((t) => t.id)).not.toContain(secret.id);
      expect((await other.post(`/api/v1/trash/task/${secret.id}/restore`)).status).toBe(404);
    });

    it('[P-CRM-4] the assignee of a private task sees it; a team task is seen by its team only', async () => {
      const assigned = await makeTask(b.member.client, { visibility: 'private', assigneeId: b.other.userId });
      expect((await b.other.client.get(`/api/v1/tasks/${assigned.id}`)).status).toBe(200);
      expect((await b.viewer.client.get(`/api/v1/tasks/${assigned.id}`)).status).toBe(404);
      const team = await makeTask(b.member.client, { visibility: 'team', teamId: b.teamId, assigneeId: null });
      expect((await b.other.client.get(`/api/v1/tasks/${team.id}`)).status).toBe(404);
      expect((await b.member.client.get(`/api/v1/tasks/${team.id}`)).status).toBe(200);
    });

    it('[P-CRM-4] a private project is seen by its owner, its members and admins only; its task link is hidden from others', async () => {
      const p = await makeProject(b.member.client, { visibility: 'private' });
      expect((await b.other.client.get(`/api/v1/projects/${p.id}`)).status).toBe(404);
      const t = await makeTask(b.member.client, { projectId: p.id });
      expect((await b.other.client.get<TTask>(`/api/v1/tasks/${t.id}`)).body.projectId).toBeNull();
      expect((await b.other.client.get<TTaskList>(`/api/v1/tasks?projectId=${p.id}`)).body.items).toEqual([]);
      expect((await b.other.client.post('/api/v1/tasks', { title: 'X', projectId: p.id })).status).toBe(404);
      await b.member.client.patch(`/api/v1/projects/${p.id}`, { memberIds: [b.other.userId] });
      expect((await b.other.client.get(`/api/v1/projects/${p.id}`)).status).toBe(200);
      expect((await b.other.client.get<TTask>(`/api/v1/tasks/${t.id}`)).body.projectId).toBe(p.id);
      expect((await b.admin.client.get(`/api/v1/projects/${p.id}`)).status).toBe(200);
    });
  });
});

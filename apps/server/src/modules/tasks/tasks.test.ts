import type { TTask, TTaskList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
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

describeEachDatabase('tasks', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Tasks');
  }, 60_000);

  const auditOf = (targetId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, targetId)))
        .orderBy(auditEntries.seq),
    );

  it('[P-CRM-4] a member creates a task linked to people, companies, deals and a project; reads, changes and completes it', async () => {
    const person = await makePerson(w.member.client);
    const company = await makeCompany(w.member.client);
    const sales = await salesPipeline(w.member.client);
    const deal = await makeDeal(w.member.client, sales.id);
    const project = await makeProject(w.member.client);
    const created = await makeTask(w.member.client, {
      title: '  Call about the renewal ',
      description: 'Ask about the second site.',
      dueAt: '2026-01-07T10:00:00+01:00',
      priority: 'high',
      personIds: [person.id, person.id],
      companyIds: [company.id],
      dealIds: [deal.id],
      projectId: project.id,
    });
    expect(created).toMatchObject({
      title: 'Call about the renewal',
      description: 'Ask about the second site.',
      dueAt: '2026-01-07T09:00:00.000Z',
      assigneeId: w.member.userId,
      createdBy: w.member.userId,
      status: 'open',
      completedAt: null,
      priority: 'high',
      projectId: project.id,
      personIds: [person.id],
      companyIds: [company.id],
      dealIds: [deal.id],
      visibility: 'workspace',
      remindAt: null,
      deletedAt: null,
    });
    const got = await w.viewer.client.get<TTask>(`/api/v1/tasks/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);

    env().clock.advance(60_000);
    const done = await w.member.client.patch<TTask>(`/api/v1/tasks/${created.id}`, {
      status: 'done',
      assigneeId: w.other.userId,
      personIds: [],
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('done');
    expect(done.body.completedAt).toBe(env().clock.now().toISOString());
    expect(done.body.assigneeId).toBe(w.other.userId);
    expect(done.body.personIds).toEqual([]);
    expect(done.body.companyIds).toEqual([company.id]);
    const reopened = await w.member.client.patch<TTask>(`/api/v1/tasks/${created.id}`, { status: 'in_progress' });
    expect(reopened.body.completedAt).toBeNull();

    const entries = await auditOf(created.id);
    expect(entries.map((e) => e.action)).toEqual(['task.created', 'task.updated', 'task.updated']);
    expect(entries[1]?.details).toMatchObject({ fields: ['assigneeId', 'personIds', 'status'], status: 'done' });
    // Ids, counts and field names only: never the title or description.
    expect(JSON.stringify(entries.map((e) => e.details))).not.toContain('renewal');
  });

  it('[P-CRM-4] the assignee defaults to the caller, can be nobody, and must be a member of the workspace (422)', async () => {
    const mine = await makeTask(w.member.client);
    expect(mine.assigneeId).toBe(w.member.userId);
    const nobody = await makeTask(w.member.client, { assigneeId: null });
    expect(nobody.assigneeId).toBeNull();
    const stranger = await w.member.client.post('/api/v1/tasks', {
      title: 'X',
      assigneeId: '0190f0f0-0000-7000-8000-000000000000',
    });
    expect(stranger.status).toBe(422);
    expect(stranger.body).toMatchObject({
      error: { code: 'validation_failed', fields: { assigneeId: expect.any(String) } },
    });
  });

  it('[P-CRM-4] linking a record that does not exist, is in the trash or is hidden from the caller is refused (404), nothing written', async () => {
    const hidden = await makePerson(w.owner.client, { visibility: 'private' });
    const trashed = await makeCompany(w.member.client);
    await w.member.client.delete(`/api/v1/companies/${trashed.id}`);
    const before = await w.owner.client.get<TTaskList>('/api/v1/tasks?limit=200&sort=createdAt');
    for (const body of [
      { personIds: [hidden.id] },
      { companyIds: [trashed.id] },
      { dealIds: ['0190f0f0-0000-7000-8000-000000000000'] },
      { projectId: '0190f0f0-0000-7000-8000-000000000000' },
    ]) {
      const res = await w.member.client.post('/api/v1/tasks', { title: 'Linked', ...body });
      expect(res.status, JSON.stringify(body)).toBe(404);
    }
    const after = await w.owner.client.get<TTaskList>('/api/v1/tasks?limit=200&sort=createdAt');
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('[P-CRM-4] a member replacing the people of a task keeps the links to people they cannot see', async () => {
    const secret = await makePerson(w.owner.client, { visibility: 'private' });
    const open = await makePerson(w.member.client);
    const t = await makeTask(w.owner.client, { personIds: [secret.id, open.id], assigneeId: null });
    const seen = await w.member.client.get<TTask>(`/api/v1/tasks/${t.id}`);
    expect(seen.body.personIds).toEqual([open.id]);
    await w.member.client.patch(`/api/v1/tasks/${t.id}`, { personIds: [] });
    const owner = await w.owner.client.get<TTask>(`/api/v1/tasks/${t.id}`);
    expect(owner.body.personIds).toEqual([secret.id]);
  });

  it('[P-CRM-4] the task, project and notification endpoints are in the OpenAPI document', async () => {
    const res = await env().client().get<{ paths: Record<string, Record<string, unknown>> }>('/api/openapi.json');
    expect(res.status).toBe(200);
    for (const path of [
      '/api/v1/tasks',
      '/api/v1/tasks/{id}',
      '/api/v1/tasks/{id}/restore',
      '/api/v1/projects',
      '/api/v1/projects/{id}',
      '/api/v1/projects/{id}/restore',
      '/api/v1/notifications',
      '/api/v1/notifications/unread-count',
      '/api/v1/notifications/read-all',
      '/api/v1/notifications/{id}/read',
    ]) {
      expect(Object.keys(res.body.paths), path).toContain(path);
    }
    expect(Object.keys(res.body.paths['/api/v1/tasks/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  });

  describe('filters', () => {
    let person: { id: string };
    let company: { id: string };
    let dealId: string;
    let projectId: string;
    const made: Record<string, TTask> = {};
    beforeAll(async () => {
      const f = await crmWorkspace(env(), 'Filters');
      w = f;
      person = await makePerson(w.member.client);
      company = await makeCompany(w.member.client);
      dealId = (await makeDeal(w.member.client, (await salesPipeline(w.member.client)).id)).id;
      projectId = (await makeProject(w.member.client)).id;
      // A second apart, so that creation order and id order agree.
      const tick = () => env().clock.advance(1000);
      tick();
      made.a = await makeTask(w.member.client, { title: 'a', dueAt: '2026-02-01T09:00:00Z', personIds: [person.id] });
      tick();
      made.b = await makeTask(w.member.client, {
        title: 'b',
        dueAt: '2026-02-03T09:00:00Z',
        status: 'in_progress',
        companyIds: [company.id],
        projectId,
      });
      tick();
      made.c = await makeTask(w.member.client, { title: 'c', assigneeId: w.other.userId, dealIds: [dealId] });
      tick();
      made.d = await makeTask(w.member.client, { title: 'd', dueAt: '2026-02-02T09:00:00Z', status: 'done' });
      tick();
      made.e = await makeTask(w.member.client, { title: 'e', assigneeId: null, status: 'cancelled', projectId });
    }, 60_000);

    const titles = async (query: string, user = w.member) => {
      const res = await user.client.get<TTaskList>(`/api/v1/tasks?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.map((t) => t.title);
    };

    it('[P-CRM-4] by assignee ("me", "none", a member), status (one or several) and due before/after; sorted by due, undated last', async () => {
      expect(await titles('assignee=me')).toEqual(['a', 'd', 'b']);
      expect(await titles('assignee=me', w.other)).toEqual(['c']);
      expect(await titles(`assignee=${w.other.userId}`)).toEqual(['c']);
      expect(await titles('assignee=none')).toEqual(['e']);
      expect(await titles('status=open,in_progress')).toEqual(['a', 'b', 'c']);
      expect(await titles('status=done')).toEqual(['d']);
      expect(await titles('dueBefore=2026-02-02T09:00:00Z')).toEqual(['a']);
      expect(await titles('dueAfter=2026-02-02T09:00:00Z')).toEqual(['d', 'b']);
      // Undated tasks sort as the latest time in both directions, ties on id (creation order here).
      expect(await titles('sort=dueAt&dir=desc')).toEqual(['e', 'c', 'b', 'd', 'a']);
      expect(await titles('sort=createdAt&dir=asc')).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('[P-CRM-4] by linked person, company, deal and project', async () => {
      expect(await titles(`personId=${person.id}`)).toEqual(['a']);
      expect(await titles(`companyId=${company.id}`)).toEqual(['b']);
      expect(await titles(`dealId=${dealId}`)).toEqual(['c']);
      expect(await titles(`projectId=${projectId}`)).toEqual(['b', 'e']);
    });

    it('[P-CRM-4] bad filters are refused with 422 naming the field', async () => {
      for (const [q, field] of [
        ['status=finished', 'status'],
        ['assignee=someone', 'assignee'],
        ['dueBefore=tomorrow', 'dueBefore'],
        ['sort=title', 'sort'],
        ['limit=0', 'limit'],
        ['after=garbage', 'after'],
        ['colour=red', 'colour'],
      ] as const) {
        const res = await w.member.client.get(`/api/v1/tasks?${q}`);
        expect(res.status, q).toBe(422);
        expect(JSON.stringify(res.body), q).toContain(field);
      }
    });
  });
});

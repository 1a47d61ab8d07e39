import type { TProject, TProjectList, TTaskList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makeDeal,
  makeProject,
  makeTask,
  salesPipeline,
} from '../tasks/tasks.test-helpers.ts';

describeEachDatabase('projects', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Projects');
  }, 60_000);

  it('[P-CRM-4] a member creates a project with members, companies and deals; its tasks list under it; changes are audited', async () => {
    const company = await makeCompany(w.member.client);
    const deal = await makeDeal(w.member.client, (await salesPipeline(w.member.client)).id);
    const p = await makeProject(w.member.client, {
      name: 'Website relaunch',
      description: 'New site for spring.',
      status: 'active',
      startDate: '2026-02-01',
      endDate: '2026-04-30',
      memberIds: [w.other.userId, w.member.userId],
      companyIds: [company.id],
      dealIds: [deal.id],
    });
    expect(p).toMatchObject({
      name: 'Website relaunch',
      description: 'New site for spring.',
      status: 'active',
      startDate: '2026-02-01',
      endDate: '2026-04-30',
      ownerId: w.member.userId,
      memberIds: [w.member.userId, w.other.userId].sort(),
      companyIds: [company.id],
      dealIds: [deal.id],
      visibility: 'workspace',
    });
    expect((await w.viewer.client.get<TProject>(`/api/v1/projects/${p.id}`)).body).toEqual(p);
    await makeTask(w.member.client, { title: 'Wireframes', projectId: p.id });
    await makeTask(w.other.client, { title: 'Copy', projectId: p.id });
    const tasks = await w.viewer.client.get<TTaskList>(`/api/v1/tasks?projectId=${p.id}&sort=createdAt`);
    expect(tasks.body.items.map((t) => t.title).sort()).toEqual(['Copy', 'Wireframes']);

    const changed = await w.member.client.patch<TProject>(`/api/v1/projects/${p.id}`, {
      status: 'on_hold',
      memberIds: [w.other.userId],
      dealIds: [],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ status: 'on_hold', memberIds: [w.other.userId], dealIds: [] });

    for (const [q, n] of [
      ['status=on_hold', 1],
      ['member=me', 0],
      [`member=${w.other.userId}`, 1],
      [`companyId=${company.id}`, 1],
      [`dealId=${deal.id}`, 0],
    ] as const) {
      const res = await w.member.client.get<TProjectList>(`/api/v1/projects?${q}`);
      expect(
        res.body.items.filter((x) => x.id === p.id),
        q,
      ).toHaveLength(n);
    }
    const audit = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, p.id)))
        .orderBy(auditEntries.seq),
    );
    expect(audit.map((e) => e.action)).toEqual(['project.created', 'project.updated']);
    expect(audit[1]?.details).toEqual({ fields: ['dealIds', 'memberIds', 'status'] });
  });

  it('[P-CRM-4] bad input is refused with 422 naming the field, and nothing is written', async () => {
    const before = await w.member.client.get<TProjectList>('/api/v1/projects?limit=200');
    for (const [body, field] of [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'X', status: 'paused' }, 'status'],
      [{ name: 'X', startDate: '2026-13-01' }, 'startDate'],
      [{ name: 'X', startDate: '2026-03-01', endDate: '2026-02-01' }, 'endDate'],
      [{ name: 'X', memberIds: ['0190f0f0-0000-7000-8000-000000000000'] }, 'memberIds'],
      [{ name: 'X', visibility: 'team' }, 'teamId'],
      [{ name: 'X', colour: 'red' }, 'colour'],
    ] as const) {
      const res = await w.member.client.post('/api/v1/projects', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    const after = await w.member.client.get<TProjectList>('/api/v1/projects?limit=200');
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('[P-CRM-4] tasks: bad input is refused with 422 naming the field', async () => {
    for (const [body, field] of [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'X', status: 'finished' }, 'status'],
      [{ title: 'X', priority: 'extreme' }, 'priority'],
      [{ title: 'X', dueAt: 'tomorrow' }, 'dueAt'],
      [{ title: 'X', remindAt: '2026-01-01' }, 'remindAt'],
      [{ title: 'X', personIds: ['nope'] }, 'personIds'],
      [{ title: 'X', visibility: 'secret' }, 'visibility'],
      [{ title: 'X', description: 'x'.repeat(10_001) }, 'description'],
      [{ title: 'X', extra: 1 }, 'extra'],
    ] as const) {
      const res = await w.member.client.post('/api/v1/tasks', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(JSON.stringify(res.body), field).toContain(field);
    }
    const t = await makeTask(w.member.client);
    const res = await w.member.client.patch(`/api/v1/tasks/${t.id}`, { status: 'later' });
    expect(res.status).toBe(422);
    expect((await w.member.client.get(`/api/v1/tasks/${t.id}`)).body).toMatchObject({ status: 'open' });
  });
});

import { type TMe, type TPersonList, ZCreateCompanyBody, ZCreatePersonBody } from '@tillit/contracts';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import {
  auditEntries,
  companies,
  deals,
  interactions,
  notes,
  people,
  pipelineStages,
  tasks,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { DEFAULT_PASSWORD } from '../account/account.testing.ts';
import { createCompanies } from '../companies/companies.service.ts';
import { createPeople } from '../people/people.service.ts';
import { crmWorkspace } from '../people/people.test-helpers.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { type DemoLoadPayload, demoLoadJob, setDemoQueue } from './demo.jobs.ts';
import { demoCounts, demoStatus, loadDemoWorkspace } from './demo.service.ts';

const SCALE = 60;

async function countsIn(env: TestEnv, workspaceId: string) {
  return withTenant(env.services.database.db, { workspaceId }, async (tx: Tx) => {
    const n = async (table: typeof people | typeof companies | typeof deals | typeof tasks | typeof notes) => {
      const [r] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(table)
        .where(eq(table.workspaceId, workspaceId));
      return r?.n ?? 0;
    };
    const [i] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(interactions)
      .where(eq(interactions.workspaceId, workspaceId));
    return {
      people: await n(people),
      companies: await n(companies),
      deals: await n(deals),
      tasks: await n(tasks),
      notes: await n(notes),
      interactions: i?.n ?? 0,
    };
  });
}

const ownerActor = (workspaceId: string, userId: string): Actor => ({
  workspaceId,
  userId,
  role: 'owner',
  twoFactorEnabled: true,
});

describeEachDatabase('demo workspace', (get) => {
  it('fills the workspace with the expected counts, deals in every stage, tasks for the owner; a second run adds nothing; the audit chain verifies', async () => {
    const env = get();
    const w = await crmWorkspace(env, 'Demo target');
    const other = await crmWorkspace(env, 'Neighbour');
    const theirs = await other.owner.client.post('/api/v1/people', {
      firstName: 'Only',
      lastName: 'Theirs',
      subjectCategories: ['client'],
    });
    expect(theirs.status).toBe(201);
    const otherBefore = await countsIn(env, other.workspaceId);
    const before = await countsIn(env, w.workspaceId);

    const actor = ownerActor(w.workspaceId, w.owner.userId);
    const first = await loadDemoWorkspace(env.services, actor, { people: SCALE, batchSize: 25 });
    expect(first.complete).toBe(true);
    expect(first.batchesWritten).toBeGreaterThan(1);

    const want = demoCounts(SCALE);
    const after = await countsIn(env, w.workspaceId);
    expect(after.people - before.people).toBe(want.people);
    expect(after.companies - before.companies).toBe(want.companies);
    expect(after.deals - before.deals).toBe(want.deals);
    expect(after.tasks - before.tasks).toBe(want.tasks);
    expect(after.notes - before.notes).toBe(want.notes);
    expect(after.interactions - before.interactions).toBe(want.interactions);

    const db = env.services.database.db;
    await withTenant(db, { workspaceId: w.workspaceId }, async (tx) => {
      // Every stage of the default pipeline has deals; won and lost ones closed in the last 12 months.
      const stages = await tx
        .select({ stageId: pipelineStages.stageId, n: sql<number>`count(${deals.dealId})::int` })
        .from(pipelineStages)
        .leftJoin(
          deals,
          and(eq(deals.workspaceId, pipelineStages.workspaceId), eq(deals.stageId, pipelineStages.stageId)),
        )
        .where(eq(pipelineStages.workspaceId, w.workspaceId))
        .groupBy(pipelineStages.stageId);
      expect(stages).toHaveLength(6);
      for (const s of stages) expect(s.n).toBeGreaterThan(0);
      const closed = await tx
        .select({ status: deals.status, closedAt: deals.closedAt })
        .from(deals)
        .where(and(eq(deals.workspaceId, w.workspaceId), sql`${deals.status} <> 'open'`));
      expect(closed.some((d) => d.status === 'won')).toBe(true);
      expect(closed.some((d) => d.status === 'lost')).toBe(true);
      const now = env.clock.now().getTime();
      for (const d of closed) {
        expect(d.closedAt).not.toBeNull();
        const t = d.closedAt?.getTime() ?? 0;
        expect(t).toBeLessThanOrEqual(now);
        expect(t).toBeGreaterThan(now - 366 * 86_400_000);
      }
      // Tasks: all assigned to the owner, some overdue, some done.
      const ts = await tx.select().from(tasks).where(eq(tasks.workspaceId, w.workspaceId));
      expect(ts.every((t) => t.assigneeId === w.owner.userId)).toBe(true);
      expect(ts.some((t) => t.status === 'done')).toBe(true);
      expect(ts.some((t) => t.status === 'open' && t.dueAt && t.dueAt.getTime() < now)).toBe(true);
      // Some private people, some shared with a team.
      const vis = await tx
        .select({ visibility: people.visibility, n: sql<number>`count(*)::int` })
        .from(people)
        .where(and(eq(people.workspaceId, w.workspaceId), isNull(people.deletedAt)))
        .groupBy(people.visibility);
      expect(vis.map((v) => v.visibility)).toContain('workspace');
      // The progress entries hold ids and counts only.
      const marks = await tx
        .select({ details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'demo.batch_loaded')));
      expect(marks.length).toBe(first.batchesWritten);
      for (const m of marks) expect(Object.keys(m.details as object).sort()).toEqual(['batch', 'count', 'key', 'kind']);
      // People and companies go in through the bulk creates: still one audit entry each, and
      // each has its search postings (written in the batch's transaction).
      const created = await tx
        .select({ action: auditEntries.action, n: sql<number>`count(*)::int` })
        .from(auditEntries)
        .where(
          and(
            eq(auditEntries.workspaceId, w.workspaceId),
            sql`${auditEntries.action} in ('person.created', 'company.created')`,
          ),
        )
        .groupBy(auditEntries.action);
      expect(Object.fromEntries(created.map((c) => [c.action, c.n]))).toEqual({
        'person.created': want.people,
        'company.created': want.companies,
      });
      const indexed = await tx.execute(
        sql`select (select count(distinct person_id)::int from person_search_terms where workspace_id = ${w.workspaceId}) as people,
                   (select count(distinct company_id)::int from company_search_terms where workspace_id = ${w.workspaceId}) as companies`,
      );
      expect((indexed as unknown as { rows: { people: number; companies: number }[] }).rows[0]).toEqual({
        people: want.people,
        companies: want.companies,
      });
      const chain = await verifyChain(tx, w.workspaceId);
      expect(chain.problems).toEqual([]);
      expect(chain.ok).toBe(true);
    });

    // Idempotent: a second run (the job, as pg-boss would deliver it again) writes nothing.
    const again = await runJob(env.services, demoLoadJob, {
      workspaceId: w.workspaceId,
      userId: w.owner.userId,
      people: SCALE,
    });
    expect(again).toMatchObject({ outcome: 'complete', batchesWritten: 0 });
    expect(await countsIn(env, w.workspaceId)).toEqual(after);
    expect(await demoStatus(env.services, actor)).toMatchObject({ complete: true, batchesDone: first.batchesWritten });

    // The other workspace: untouched, and none of the demo people are visible to its owner.
    expect(await countsIn(env, other.workspaceId)).toEqual(otherBefore);
    const list = await other.owner.client.get<TPersonList>('/api/v1/people?limit=200');
    expect(list.status).toBe(200);
    expect(list.body.items.map((p) => p.lastName)).toEqual(['Theirs']);
    await withTenant(db, { workspaceId: other.workspaceId }, async (tx) => {
      expect((await verifyChain(tx, other.workspaceId)).ok).toBe(true);
    });

    // The demo's private people stay invisible to an ordinary member.
    const [hidden] = await withTenant(db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ id: people.personId })
        .from(people)
        .where(and(eq(people.workspaceId, w.workspaceId), eq(people.visibility, 'private')))
        .limit(1),
    );
    if (hidden) expect((await w.other.client.get(`/api/v1/people/${hidden.id}`)).status).toBe(404);
  }, 600_000);

  it('the bulk creates check like the single ones, naming the record: a company the member cannot see, a tombstone-free but bad phone; nothing is written', async () => {
    const env = get();
    const w = await crmWorkspace(env, 'Bulk checks');
    const hidden = await w.owner.client.post<{ id: string }>('/api/v1/companies', {
      name: 'Hidden AS',
      visibility: 'private',
    });
    expect(hidden.status).toBe(201);
    const member: Actor = {
      workspaceId: w.workspaceId,
      userId: w.member.userId,
      role: 'member',
      twoFactorEnabled: true,
    };
    const ok = ZCreatePersonBody.parse({ firstName: 'Ok', lastName: 'One', subjectCategories: ['client'] });
    const before = await countsIn(env, w.workspaceId);
    await expect(
      createPeople(env.services, member, [
        ok,
        ZCreatePersonBody.parse({
          firstName: 'Linked',
          lastName: 'Two',
          subjectCategories: ['client'],
          companies: [{ companyId: hidden.body.id }],
        }),
      ]),
    ).rejects.toMatchObject({
      status: 422,
      fields: { 'people.1.companies.0.companyId': 'is not a company you can see' },
    });
    await expect(
      createPeople(env.services, member, [
        ZCreatePersonBody.parse({
          firstName: 'Bad',
          lastName: 'Phone',
          subjectCategories: ['client'],
          phones: [{ value: '12' }],
        }),
      ]),
    ).rejects.toMatchObject({ status: 422, fields: { 'people.0.phones.0.value': expect.any(String) } });
    await expect(
      createCompanies(env.services, { ...member, role: 'viewer' }, [ZCreateCompanyBody.parse({ name: 'No' })]),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await countsIn(env, w.workspaceId)).toEqual(before);
    const ids = await createPeople(env.services, member, [ok]);
    expect((await w.member.client.get(`/api/v1/people/${ids[0]}`)).status).toBe(200);
  });

  it('refuses a member or viewer, and a member of another workspace (the job writes nothing)', async () => {
    const env = get();
    const w = await crmWorkspace(env, 'Roles');
    const outsider = await crmWorkspace(env, 'Outsiders');
    const before = await countsIn(env, w.workspaceId);
    for (const userId of [w.member.userId, w.viewer.userId, outsider.owner.userId]) {
      const res = await runJob(env.services, demoLoadJob, { workspaceId: w.workspaceId, userId, people: SCALE });
      expect(res).toEqual({ outcome: 'not_allowed' });
    }
    await expect(
      loadDemoWorkspace(env.services, { ...ownerActor(w.workspaceId, w.member.userId), role: 'member' }, { people: 5 }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await countsIn(env, w.workspaceId)).toEqual(before);
  });
});

describeEachDatabase('first run with demo data', (get) => {
  afterEach(() => setDemoQueue(null));

  it('refuses a demo flag that is not a boolean, naming the field', async () => {
    const res = await get()
      .client()
      .post<{ error: { fields: Record<string, string> } }>('/api/setup/first-run', {
        account: {
          email: 'ada@example.test',
          password: DEFAULT_PASSWORD,
          firstName: 'Ada',
          lastName: 'Admin',
          dateOfBirth: '1985-01-31',
        },
        workspace: { name: 'Fjord', country: 'NO', region: 'no' },
        demo: 'yes',
      });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.fields)).toContain('demo');
  });

  it('answers at once, having queued demo.load for the new workspace; the job fills it and the owner sees the people', async () => {
    const env = get();
    const queued: DemoLoadPayload[] = [];
    setDemoQueue(async (p) => {
      queued.push(p);
    });
    const c = env.client();
    const res = await c.post<TMe>('/api/setup/first-run', {
      account: {
        email: 'ada@example.test',
        password: DEFAULT_PASSWORD,
        firstName: 'Ada',
        lastName: 'Admin',
        dateOfBirth: '1985-01-31',
      },
      workspace: { name: 'Fjord', country: 'NO', region: 'no' },
      demo: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const workspaceId = res.body.activeWorkspaceId ?? res.body.workspaces[0]?.workspaceId;
    expect(queued).toEqual([{ workspaceId, userId: res.body.id }]);
    c.workspaceId = workspaceId ?? null;
    const empty = await c.get<TPersonList>('/api/v1/people');
    expect(empty.body.items).toHaveLength(0);

    const queuedPayload = queued[0];
    if (!queuedPayload) throw new Error('nothing queued');
    const out = await runJob(env.services, demoLoadJob, { ...queuedPayload, people: 20 });
    expect(out).toMatchObject({ outcome: 'complete' });
    const list = await c.get<TPersonList>('/api/v1/people?limit=200');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(20);
    for (const p of list.body.items) {
      for (const e of p.emails) expect(e.value).toMatch(/@([a-z0-9-]+\.example|example\.(com|org|net))$/);
      for (const ph of p.phones) expect(ph.value).toMatch(/^\+[1-9]\d{6,14}$/);
    }
  }, 300_000);
});

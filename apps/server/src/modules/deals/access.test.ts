import type { TDeal, TDealList, TPipeline } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries, dealPeople, dealStageHistory, deals, pipelineStages, pipelines } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makeDeal,
  makePerson,
  salesPipeline,
} from './deals.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Call = [Method, string, unknown?];

const send = (client: TestClient, [method, url, body]: Call, headers?: Record<string, string>) =>
  client.request(method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), headers);

describeEachDatabase('pipelines and deals: isolation, roles, visibility', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bSales: TPipeline;
  let bDeal: TDeal;
  let bTrashed: TDeal;
  let aSales: TPipeline;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    aSales = await salesPipeline(a.owner.client);
    bSales = await salesPipeline(b.owner.client);
    const bPerson = await makePerson(b.owner.client);
    const bCompany = await makeCompany(b.owner.client);
    bDeal = await makeDeal(b.owner.client, bSales.id, { companyId: bCompany.id, personIds: [bPerson.id] });
    bTrashed = await makeDeal(b.owner.client, bSales.id);
    expect((await b.owner.client.delete(`/api/v1/deals/${bTrashed.id}`)).status).toBe(200);
  }, 120_000);

  const snapshotB = () =>
    withTenant(env().services.database.db, { workspaceId: b.workspaceId }, async (tx) => ({
      pipelines: await tx.select().from(pipelines).where(eq(pipelines.workspaceId, b.workspaceId)),
      stages: await tx.select().from(pipelineStages).where(eq(pipelineStages.workspaceId, b.workspaceId)),
      deals: await tx.select().from(deals).where(eq(deals.workspaceId, b.workspaceId)).orderBy(deals.dealId),
      people: await tx.select().from(dealPeople).where(eq(dealPeople.workspaceId, b.workspaceId)),
      history: await tx.select().from(dealStageHistory).where(eq(dealStageHistory.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));

  const everyEndpoint = (pipelineId: string, dealId: string, trashedId: string, stageId: string): Call[] => [
    ['GET', '/api/v1/pipelines'],
    ['POST', '/api/v1/pipelines', { name: 'Intruder' }],
    ['GET', `/api/v1/pipelines/${pipelineId}`],
    ['PATCH', `/api/v1/pipelines/${pipelineId}`, { name: 'Pwned' }],
    ['DELETE', `/api/v1/pipelines/${pipelineId}`],
    ['GET', `/api/v1/pipelines/${pipelineId}/board`],
    ['GET', `/api/v1/deals?pipelineId=${pipelineId}`],
    ['POST', '/api/v1/deals', { pipelineId, name: 'Intruder', currency: 'NOK' }],
    ['GET', `/api/v1/deals/${dealId}`],
    ['PATCH', `/api/v1/deals/${dealId}`, { name: 'Pwned' }],
    ['DELETE', `/api/v1/deals/${dealId}`],
    ['POST', `/api/v1/deals/${dealId}/move`, { stageId }],
    ['GET', `/api/v1/deals/${dealId}/history`],
    ['POST', `/api/v1/deals/${trashedId}/restore`, {}],
  ];

  describe('isolation', () => {
    it('naming another workspace in X-Tillit-Workspace is refused on every endpoint (403), and B is unchanged', async () => {
      const before = await snapshotB();
      const calls = everyEndpoint(bSales.id, bDeal.id, bTrashed.id, bSales.stages[2]?.id ?? '');
      for (const user of [a.owner, a.member, a.viewer]) {
        for (const call of calls) {
          const res = await send(user.client, call, { 'x-tillit-workspace': b.workspaceId });
          expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
        }
      }
      expect(await snapshotB()).toEqual(before);
    });

    it("B's ids used from inside A are not found (404) and A's lists never show them; B is unchanged", async () => {
      const before = await snapshotB();
      const calls = everyEndpoint(bSales.id, bDeal.id, bTrashed.id, aSales.stages[1]?.id ?? '').filter(
        ([m, url]) =>
          url.includes(bDeal.id) ||
          url.includes(bTrashed.id) ||
          (url.includes(bSales.id) && m !== 'POST' && !url.startsWith('/api/v1/deals?')),
      );
      for (const call of calls) {
        const res = await send(a.owner.client, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(404);
      }
      // A's deal moved to B's stage, created in B's pipeline, or linked to B's records: refused.
      const aDeal = await makeDeal(a.owner.client, aSales.id);
      const moveOut = await a.owner.client.post(`/api/v1/deals/${aDeal.id}/move`, { stageId: bSales.stages[2]?.id });
      expect(moveOut.status).toBe(422);
      const inB = await a.owner.client.post('/api/v1/deals', { pipelineId: bSales.id, name: 'X', currency: 'NOK' });
      expect(inB.status).toBe(422);
      expect((await a.owner.client.patch(`/api/v1/deals/${aDeal.id}`, { companyId: bDeal.companyId })).status).toBe(
        404,
      );
      expect((await a.owner.client.patch(`/api/v1/deals/${aDeal.id}`, { personIds: bDeal.personIds })).status).toBe(
        404,
      );
      const list = await a.owner.client.get<TDealList>(`/api/v1/deals?pipelineId=${bSales.id}`);
      expect(list.body.items).toEqual([]);
      expect(await snapshotB()).toEqual(before);
      expect((await b.viewer.client.get(`/api/v1/deals/${bDeal.id}`)).status).toBe(200);
    });

    it('a signed-out caller gets 401 on every endpoint', async () => {
      const anon = env().client();
      for (const call of everyEndpoint(bSales.id, bDeal.id, bTrashed.id, bSales.stages[2]?.id ?? '')) {
        const res = await send(anon, call, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, `${call[0]} ${call[1]}`).toBe(401);
      }
    });
  });

  describe('roles', () => {
    it('a viewer reads but cannot create, change, move, delete or restore deals; nothing is written', async () => {
      const d = await makeDeal(b.member.client, bSales.id);
      const t = await makeDeal(b.member.client, bSales.id);
      expect((await b.member.client.delete(`/api/v1/deals/${t.id}`)).status).toBe(200);
      const before = await snapshotB();
      const v = b.viewer.client;
      expect((await v.get(`/api/v1/deals/${d.id}`)).status).toBe(200);
      expect((await v.get(`/api/v1/deals/${d.id}/history`)).status).toBe(200);
      for (const call of [
        ['POST', '/api/v1/deals', { pipelineId: bSales.id, name: 'V', currency: 'NOK' }],
        ['PATCH', `/api/v1/deals/${d.id}`, { name: 'V' }],
        ['POST', `/api/v1/deals/${d.id}/move`, { stageId: bSales.stages[1]?.id }],
        ['DELETE', `/api/v1/deals/${d.id}`],
        ['POST', `/api/v1/deals/${t.id}/restore`, {}],
        ['POST', '/api/v1/pipelines', { name: 'V' }],
        ['PATCH', `/api/v1/pipelines/${bSales.id}`, { name: 'V' }],
      ] as Call[]) {
        const res = await send(v, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
      }
      expect(await snapshotB()).toEqual(before);
    });
  });

  describe('visibility', () => {
    it('[P-ACC-7] a private deal is hidden from another member in list, board, get, history, update, move, delete', async () => {
      const secret = await makeDeal(b.member.client, bSales.id, { name: 'Secret', visibility: 'private' });
      const before = await snapshotB();
      const c = b.other.client;
      const ids = async (client: TestClient) =>
        (await client.get<TDealList>(`/api/v1/deals?pipelineId=${bSales.id}&limit=200`)).body.items.map((d) => d.id);
      expect(await ids(c)).not.toContain(secret.id);
      const board = await c.get<{ stages: { items: TDeal[] }[] }>(`/api/v1/pipelines/${bSales.id}/board`);
      expect(board.body.stages.flatMap((s) => s.items.map((d) => d.id))).not.toContain(secret.id);
      for (const res of [
        await c.get(`/api/v1/deals/${secret.id}`),
        await c.get(`/api/v1/deals/${secret.id}/history`),
        await c.patch(`/api/v1/deals/${secret.id}`, { name: 'Pwned' }),
        await c.post(`/api/v1/deals/${secret.id}/move`, { stageId: bSales.stages[1]?.id }),
        await c.delete(`/api/v1/deals/${secret.id}`),
      ]) {
        expect(res.status).toBe(404);
      }
      expect(await snapshotB()).toEqual(before);
      // The owner and the admins see it.
      expect(await ids(b.member.client)).toContain(secret.id);
      expect((await b.admin.client.get(`/api/v1/deals/${secret.id}`)).status).toBe(200);
      // In the trash it stays hidden: the other member cannot restore it.
      expect((await b.member.client.delete(`/api/v1/deals/${secret.id}`)).status).toBe(200);
      expect((await c.post(`/api/v1/deals/${secret.id}/restore`)).status).toBe(404);
    });

    it('[P-ACC-7] a team deal is seen by the team only; links must be to records the caller can see (404)', async () => {
      const teamDeal = await makeDeal(b.member.client, bSales.id, { visibility: 'team', teamId: b.teamId });
      expect((await b.member.client.get(`/api/v1/deals/${teamDeal.id}`)).status).toBe(200);
      expect((await b.other.client.get(`/api/v1/deals/${teamDeal.id}`)).status).toBe(404);
      const hiddenPerson = await makePerson(b.member.client, { visibility: 'private' });
      const hiddenCompany = await makeCompany(b.member.client, { visibility: 'private' });
      const tries = [
        await b.other.client.post('/api/v1/deals', {
          pipelineId: bSales.id,
          name: 'X',
          currency: 'NOK',
          personIds: [hiddenPerson.id],
        }),
        await b.other.client.post('/api/v1/deals', {
          pipelineId: bSales.id,
          name: 'X',
          currency: 'NOK',
          companyId: hiddenCompany.id,
        }),
      ];
      for (const res of tries) expect(res.status).toBe(404);
      // A deal the other member sees, linked by the owner to a private person: the person is
      // not shown to the other member, and survives their change of the list.
      const shared = await makeDeal(b.member.client, bSales.id, {
        personIds: [hiddenPerson.id],
        companyId: hiddenCompany.id,
      });
      const seen = await b.other.client.get<TDeal>(`/api/v1/deals/${shared.id}`);
      expect(seen.body).toMatchObject({ personIds: [], companyId: null });
      const visiblePerson = await makePerson(b.other.client);
      await b.other.client.patch(`/api/v1/deals/${shared.id}`, { personIds: [visiblePerson.id] });
      const after = await b.member.client.get<TDeal>(`/api/v1/deals/${shared.id}`);
      expect(after.body.personIds.sort()).toEqual([hiddenPerson.id, visiblePerson.id].sort());
      expect(
        (await b.other.client.get<TDealList>(`/api/v1/deals?pipelineId=${bSales.id}&personId=${hiddenPerson.id}`)).body
          .items,
      ).toEqual([]);
    });
  });
});

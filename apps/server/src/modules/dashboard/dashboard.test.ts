import type { TPipeline, TPipelineDashboard, TWonLost } from '@tillit/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makeDeal, salesPipeline, stageNamed } from '../deals/deals.test-helpers.ts';

async function pipelineOf(client: TestClient, pipelineId?: string) {
  const res = await client.get<TPipelineDashboard>(
    `/api/v1/dashboard/pipeline${pipelineId ? `?pipelineId=${pipelineId}` : ''}`,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const stageTotals = (d: TPipelineDashboard, name: string) => d.stages.find((s) => s.name === name)?.totals;

async function wonLostOf(client: TestClient, query = '') {
  const res = await client.get<TWonLost>(`/api/v1/dashboard/won-lost${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describeEachDatabase('dashboard', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let sales: TPipeline;
  let bSales: TPipeline;

  const move = async (client: TestClient, id: string, stage: string) => {
    const res = await client.post(`/api/v1/deals/${id}/move`, { stageId: stageNamed(sales, stage).id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    sales = await salesPipeline(a.owner.client);
    bSales = await salesPipeline(b.owner.client);
    const o = a.owner.client;
    await makeDeal(o, sales.id, { amount: 100_00, currency: 'NOK' });
    await makeDeal(o, sales.id, { amount: 200_00, currency: 'NOK' });
    await makeDeal(o, sales.id, { amount: 50_00, currency: 'EUR' });
    await move(o, (await makeDeal(o, sales.id, { amount: 300_00, currency: 'NOK' })).id, 'Proposal');
    await move(o, (await makeDeal(o, sales.id, { amount: 400_00, currency: 'NOK' })).id, 'Won');
    await move(o, (await makeDeal(o, sales.id, { amount: 70_00, currency: 'EUR' })).id, 'Lost');
    // Hidden from the other member: a private deal of the member, open and won.
    await makeDeal(a.member.client, sales.id, { amount: 1000_00, currency: 'NOK', visibility: 'private' });
    const privateWon = await makeDeal(a.member.client, sales.id, {
      amount: 2000_00,
      currency: 'NOK',
      visibility: 'private',
    });
    await move(a.member.client, privateWon.id, 'Won');
    // In the trash: counted nowhere.
    const trashed = await makeDeal(o, sales.id, { amount: 999_00, currency: 'NOK' });
    await move(o, trashed.id, 'Won');
    expect((await o.delete(`/api/v1/deals/${trashed.id}`)).status).toBe(200);
    // Workspace B's deals never count in A.
    await makeDeal(b.owner.client, bSales.id, { amount: 5_000_00, currency: 'NOK' });
  }, 120_000);

  describe('pipeline value by stage', () => {
    it('[P-CRM-3] sums open deals per stage and currency; won, lost and trashed deals do not count', async () => {
      const d = await pipelineOf(a.owner.client);
      expect(d.pipelineId).toBe(sales.id);
      expect(d.stages.map((s) => s.name)).toEqual(sales.stages.map((s) => s.name));
      expect(stageTotals(d, 'Lead')).toEqual([
        { currency: 'EUR', amount: 50_00, count: 1 },
        { currency: 'NOK', amount: 1300_00, count: 3 },
      ]);
      expect(stageTotals(d, 'Proposal')).toEqual([{ currency: 'NOK', amount: 300_00, count: 1 }]);
      expect(stageTotals(d, 'Qualified')).toEqual([]);
      expect(stageTotals(d, 'Won')).toEqual([]);
      expect(stageTotals(d, 'Lost')).toEqual([]);
      expect(await pipelineOf(a.owner.client, sales.id)).toEqual(d);
    });

    it("[P-ACC-7] counts only the deals the caller can see: not another member's private deal", async () => {
      expect(stageTotals(await pipelineOf(a.other.client), 'Lead')).toEqual([
        { currency: 'EUR', amount: 50_00, count: 1 },
        { currency: 'NOK', amount: 300_00, count: 2 },
      ]);
      expect(stageTotals(await pipelineOf(a.viewer.client), 'Lead')).toEqual([
        { currency: 'EUR', amount: 50_00, count: 1 },
        { currency: 'NOK', amount: 300_00, count: 2 },
      ]);
      for (const c of [a.member.client, a.admin.client]) {
        expect(stageTotals(await pipelineOf(c), 'Lead')).toContainEqual({ currency: 'NOK', amount: 1300_00, count: 3 });
      }
    });

    it("isolation: another workspace's pipeline is 404, naming the workspace is 403, its deals never count", async () => {
      expect((await a.owner.client.get(`/api/v1/dashboard/pipeline?pipelineId=${bSales.id}`)).status).toBe(404);
      for (const url of ['/api/v1/dashboard/pipeline', '/api/v1/dashboard/won-lost']) {
        const res = await a.owner.client.get(url, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, url).toBe(403);
      }
      expect(stageTotals(await pipelineOf(b.owner.client), 'Lead')).toEqual([
        { currency: 'NOK', amount: 5_000_00, count: 1 },
      ]);
      expect((await env().client().get('/api/v1/dashboard/pipeline')).status).toBe(401);
    });

    it('answers 422 naming the field for a bad pipelineId or an unknown parameter', async () => {
      const bad = await a.owner.client.get('/api/v1/dashboard/pipeline?pipelineId=nope');
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ error: { fields: { pipelineId: expect.any(String) } } });
      expect((await a.owner.client.get('/api/v1/dashboard/pipeline?stage=x')).status).toBe(422);
    });
  });

  describe('won and lost per month', () => {
    it('[P-CRM-3] counts and sums per month and currency, every month listed, visibility applied', async () => {
      const w = await wonLostOf(a.owner.client);
      expect(w.months).toHaveLength(12);
      expect(w.months[0]?.month).toBe('2025-02');
      const now = w.months[11];
      expect(now).toEqual({
        month: '2026-01',
        won: [{ currency: 'NOK', amount: 2400_00, count: 2 }],
        lost: [{ currency: 'EUR', amount: 70_00, count: 1 }],
      });
      expect(w.months.slice(0, 11).every((m) => m.won.length === 0 && m.lost.length === 0)).toBe(true);
      const other = await wonLostOf(a.other.client);
      expect(other.months[11]?.won).toEqual([{ currency: 'NOK', amount: 400_00, count: 1 }]);
      expect((await wonLostOf(b.owner.client)).months.every((m) => !m.won.length && !m.lost.length)).toBe(true);
    });

    it('follows the clock and the number of months, and filters by pipeline', async () => {
      env().clock.advance(62 * 24 * 60 * 60 * 1000);
      const w = await wonLostOf(a.owner.client, '?months=3');
      expect(w.months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03']);
      expect(w.months[0]?.won).toEqual([{ currency: 'NOK', amount: 2400_00, count: 2 }]);
      const byPipeline = await wonLostOf(a.owner.client, `?months=3&pipelineId=${sales.id}`);
      expect(byPipeline).toEqual(w);
      expect((await a.owner.client.get(`/api/v1/dashboard/won-lost?pipelineId=${bSales.id}`)).status).toBe(404);
    });

    it('answers 422 naming the field for a bad number of months', async () => {
      for (const m of ['0', '37', 'twelve', '1.5']) {
        const res = await a.owner.client.get(`/api/v1/dashboard/won-lost?months=${m}`);
        expect(res.status, m).toBe(422);
        expect(res.body, m).toMatchObject({ error: { fields: { months: expect.any(String) } } });
      }
    });
  });
});

import type { TDeal, TPipeline } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, dealPeople, dealStageHistory, deals, pipelineStages, pipelines } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makeDeal, makePerson, salesPipeline } from './deals.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** method, url, body, and the field the error must name. */
type Case = [Method, string, unknown, string];

const long = (n: number) => 'x'.repeat(n);

describeEachDatabase('pipelines and deals refuse bad input', (env) => {
  let w: CrmWorkspace;
  let sales: TPipeline;
  let d: TDeal;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Validated');
    sales = await salesPipeline(w.admin.client);
    d = await makeDeal(w.member.client, sales.id);
  }, 60_000);

  const snapshot = () =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => ({
      pipelines: await tx.select().from(pipelines).where(eq(pipelines.workspaceId, w.workspaceId)),
      stages: await tx.select().from(pipelineStages).where(eq(pipelineStages.workspaceId, w.workspaceId)),
      deals: await tx.select().from(deals).where(eq(deals.workspaceId, w.workspaceId)).orderBy(deals.dealId),
      people: await tx.select().from(dealPeople).where(eq(dealPeople.workspaceId, w.workspaceId)),
      history: await tx.select().from(dealStageHistory).where(eq(dealStageHistory.workspaceId, w.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, w.workspaceId))).length,
    }));

  it('answers 422 naming the field for wrong types, ranges, unknown keys, foreign stages and owners; writes nothing', async () => {
    const ok = { pipelineId: sales.id, name: 'Valid', currency: 'NOK' };
    const D = `/api/v1/deals/${d.id}`;
    const P = `/api/v1/pipelines/${sales.id}`;
    const ghost = '019b8d62-7a80-7d5d-a3a3-972064f4d772';
    const cases: Case[] = [
      ['POST', '/api/v1/deals', { name: 'X', currency: 'NOK' }, 'pipelineId'],
      ['POST', '/api/v1/deals', { ...ok, name: '  ' }, 'name'],
      ['POST', '/api/v1/deals', { ...ok, name: long(201) }, 'name'],
      ['POST', '/api/v1/deals', { ...ok, amount: 1.5 }, 'amount'],
      ['POST', '/api/v1/deals', { ...ok, amount: -1 }, 'amount'],
      ['POST', '/api/v1/deals', { ...ok, amount: '100' }, 'amount'],
      ['POST', '/api/v1/deals', { ...ok, currency: 'EURO' }, 'currency'],
      ['POST', '/api/v1/deals', { name: 'X', pipelineId: sales.id }, 'currency'],
      ['POST', '/api/v1/deals', { ...ok, expectedCloseDate: '2027-13-01' }, 'expectedCloseDate'],
      ['POST', '/api/v1/deals', { ...ok, expectedCloseDate: '2027-01-01T00:00:00Z' }, 'expectedCloseDate'],
      ['POST', '/api/v1/deals', { ...ok, probability: 101 }, 'probability'],
      ['POST', '/api/v1/deals', { ...ok, visibility: 'secret' }, 'visibility'],
      ['POST', '/api/v1/deals', { ...ok, visibility: 'team' }, 'teamId'],
      ['POST', '/api/v1/deals', { ...ok, personIds: ['nope'] }, 'personIds.0'],
      ['POST', '/api/v1/deals', { ...ok, status: 'won' }, 'status'],
      ['POST', '/api/v1/deals', { ...ok, pipelineId: ghost }, 'pipelineId'],
      ['POST', '/api/v1/deals', { ...ok, stageId: ghost }, 'stageId'],
      ['POST', '/api/v1/deals', { ...ok, ownerId: ghost }, 'ownerId'],
      ['PATCH', D, { stageId: sales.stages[1]?.id }, 'stageId'],
      ['PATCH', D, { amount: 2 ** 60 }, 'amount'],
      ['PATCH', D, { name: '' }, 'name'],
      ['POST', `${D}/move`, {}, 'stageId'],
      ['POST', `${D}/move`, { stageId: ghost }, 'stageId'],
      ['GET', '/api/v1/deals', undefined, 'pipelineId'],
      ['GET', `/api/v1/deals?pipelineId=${sales.id}&limit=201`, undefined, 'limit'],
      ['GET', `/api/v1/deals?pipelineId=${sales.id}&sort=companyId`, undefined, 'sort'],
      ['GET', `/api/v1/deals?pipelineId=${sales.id}&after=garbage`, undefined, 'after'],
      ['POST', '/api/v1/pipelines', { name: '' }, 'name'],
      ['POST', '/api/v1/pipelines', { name: 'P', stages: [] }, 'stages'],
      ['POST', '/api/v1/pipelines', { name: 'P', stages: [{ name: 'A' }, { name: 'a' }] }, 'stages.1.name'],
      ['POST', '/api/v1/pipelines', { name: 'P', stages: [{ name: 'A', kind: 'maybe' }] }, 'stages.0.kind'],
      ['POST', '/api/v1/pipelines', { name: 'P', stages: [{ name: 'A', probability: -1 }] }, 'stages.0.probability'],
      ['PATCH', P, { stages: [{ id: ghost, name: 'A' }] }, 'stages.0.id'],
      ['PATCH', P, { position: -1 }, 'position'],
      ['PATCH', P, { colour: 'red' }, 'colour'],
    ];
    const before = await snapshot();
    for (const [method, url, body, field] of cases) {
      const client = url.startsWith('/api/v1/pipelines') ? w.admin.client : w.member.client;
      const res = await client.request(method, url, body);
      const label = `${method} ${url.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 120)}`;
      expect(res.status, label).toBe(422);
      expect(res.body, label).toMatchObject({ error: { code: 'validation_failed' } });
      expect(Object.keys((res.body as { error: { fields: object } }).error.fields ?? {}), label).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a deal with one missing person among good ones is not half-written (404, nothing stored)', async () => {
    const p = await makePerson(w.member.client);
    const before = await snapshot();
    const res = await w.member.client.post('/api/v1/deals', {
      pipelineId: sales.id,
      name: 'Half',
      currency: 'NOK',
      personIds: [p.id, '019b8d62-7a80-7d5d-a3a3-972064f4d772'],
    });
    expect(res.status).toBe(404);
    const upd = await w.member.client.patch(`/api/v1/deals/${d.id}`, {
      name: 'Half',
      personIds: [p.id, '019b8d62-7a80-7d5d-a3a3-972064f4d772'],
    });
    expect(upd.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

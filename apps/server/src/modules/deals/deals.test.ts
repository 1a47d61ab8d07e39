import type { TBoard, TDeal, TDealList, TPipeline, TPipelineList, TStageHistory } from '@tillit/contracts';
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
  salesPipeline,
  stageNamed,
} from './deals.test-helpers.ts';

describeEachDatabase('pipelines and deals', (env) => {
  let w: CrmWorkspace;
  let sales: TPipeline;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Deals');
    sales = await salesPipeline(w.viewer.client);
  }, 60_000);

  const auditOf = (targetId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, targetId)))
        .orderBy(auditEntries.seq),
    );

  describe('pipelines', () => {
    it('a workspace gets one default pipeline "Sales" with its stages, however often it is listed', async () => {
      expect(sales.name).toBe('Sales');
      expect(sales.stages.map((s) => [s.name, s.kind, s.position])).toEqual([
        ['Lead', 'open', 0],
        ['Qualified', 'open', 1],
        ['Proposal', 'open', 2],
        ['Negotiation', 'open', 3],
        ['Won', 'won', 4],
        ['Lost', 'lost', 5],
      ]);
      const again = await w.member.client.get<TPipelineList>('/api/v1/pipelines');
      expect(again.body.items.filter((p) => p.name === 'Sales')).toHaveLength(1);
      expect(again.body.items[0]).toEqual(sales);
    });

    it('admins create, rename, reorder and delete pipelines and stages; members and viewers may not', async () => {
      for (const u of [w.member, w.viewer]) {
        expect((await u.client.post('/api/v1/pipelines', { name: 'Nope' })).status).toBe(403);
        expect((await u.client.patch(`/api/v1/pipelines/${sales.id}`, { name: 'Nope' })).status).toBe(403);
        expect((await u.client.delete(`/api/v1/pipelines/${sales.id}`)).status).toBe(403);
      }
      const created = await w.admin.client.post<TPipeline>('/api/v1/pipelines', {
        name: 'Partners',
        stages: [{ name: 'Talk' }, { name: 'Signed', kind: 'won' }, { name: 'Dropped', kind: 'lost' }],
      });
      expect(created.status).toBe(201);
      expect(created.body.position).toBe(1);
      expect(created.body.stages.map((s) => [s.name, s.kind, s.probability])).toEqual([
        ['Talk', 'open', 10],
        ['Signed', 'won', 100],
        ['Dropped', 'lost', 0],
      ]);
      const [talk, signed, dropped] = created.body.stages;
      // Rename one, reorder, add one, delete one (empty).
      const changed = await w.admin.client.patch<TPipeline>(`/api/v1/pipelines/${created.body.id}`, {
        name: 'Partnerships',
        position: 0,
        stages: [
          { name: 'Intro' },
          { id: talk?.id, name: 'Talks', probability: 40 },
          { id: signed?.id, name: 'Signed', kind: 'won' },
        ],
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body.name).toBe('Partnerships');
      expect(changed.body.position).toBe(0);
      expect(changed.body.stages.map((s) => [s.name, s.position, s.probability])).toEqual([
        ['Intro', 0, 10],
        ['Talks', 1, 40],
        ['Signed', 2, 100],
      ]);
      expect(changed.body.stages[1]?.id).toBe(talk?.id);
      expect(changed.body.stages.map((s) => s.id)).not.toContain(dropped?.id);
      const list = await w.viewer.client.get<TPipelineList>('/api/v1/pipelines');
      expect(list.body.items.map((p) => [p.name, p.position])).toEqual([
        ['Partnerships', 0],
        ['Sales', 1],
      ]);
      expect((await auditOf(created.body.id)).map((a) => a.action)).toEqual(['pipeline.created', 'pipeline.updated']);
      // A stage with a deal cannot be removed; nor can its pipeline.
      const deal = await makeDeal(w.member.client, created.body.id, { stageId: talk?.id });
      const refused = await w.admin.client.patch(`/api/v1/pipelines/${created.body.id}`, {
        stages: [{ id: signed?.id, name: 'Signed', kind: 'won' }],
      });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('Talks') } });
      expect((await w.admin.client.delete(`/api/v1/pipelines/${created.body.id}`)).status).toBe(409);
      expect((await w.viewer.client.get<TPipeline>(`/api/v1/pipelines/${created.body.id}`)).body.stages).toHaveLength(
        3,
      );
      // Once the deal is moved away (and deleted), the stage can go, then the pipeline.
      expect((await w.member.client.post(`/api/v1/deals/${deal.id}/move`, { stageId: signed?.id })).status).toBe(200);
      const removed = await w.admin.client.patch<TPipeline>(`/api/v1/pipelines/${created.body.id}`, {
        stages: [{ id: signed?.id, name: 'Signed', kind: 'won' }],
      });
      expect(removed.status).toBe(200);
      expect(removed.body.stages.map((s) => s.name)).toEqual(['Signed']);
      expect((await w.member.client.delete(`/api/v1/deals/${deal.id}`)).status).toBe(200);
      expect((await w.admin.client.delete(`/api/v1/pipelines/${created.body.id}`)).status).toBe(409); // in the trash
      const last = await w.owner.client.get<TPipelineList>('/api/v1/pipelines');
      expect(last.body.items).toHaveLength(2);
    });

    it('the last pipeline cannot be deleted', async () => {
      const extra = await w.owner.client.post<TPipeline>('/api/v1/pipelines', { name: 'Temp' });
      expect(extra.status).toBe(201);
      expect((await w.owner.client.delete(`/api/v1/pipelines/${extra.body.id}`)).status).toBe(204);
      expect((await w.owner.client.get(`/api/v1/pipelines/${extra.body.id}`)).status).toBe(404);
      expect((await auditOf(extra.body.id)).map((a) => a.action)).toEqual(['pipeline.created', 'pipeline.deleted']);
    });
  });

  describe('deals', () => {
    it('[P-CRM-3] creates a deal in the first stage, with company, people and history; audited without personal data', async () => {
      const company = await makeCompany(w.member.client, { name: 'Buyer AS' });
      const person = await makePerson(w.member.client, { firstName: 'Kari' });
      const res = await w.member.client.post<TDeal>('/api/v1/deals', {
        pipelineId: sales.id,
        name: '  Big order  ',
        amount: 1_250_000_00,
        currency: 'nok',
        expectedCloseDate: '2027-03-31',
        companyId: company.id,
        personIds: [person.id, person.id],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const d = res.body;
      expect(d).toMatchObject({
        pipelineId: sales.id,
        stageId: stageNamed(sales, 'Lead').id,
        name: 'Big order',
        amount: 1_250_000_00,
        currency: 'NOK',
        expectedCloseDate: '2027-03-31',
        probability: null,
        ownerId: w.member.userId,
        companyId: company.id,
        personIds: [person.id],
        visibility: 'workspace',
        teamId: null,
        status: 'open',
        closedAt: null,
        deletedAt: null,
      });
      expect((await w.viewer.client.get<TDeal>(`/api/v1/deals/${d.id}`)).body).toEqual(d);
      const history = await w.viewer.client.get<TStageHistory>(`/api/v1/deals/${d.id}/history`);
      expect(history.body.items).toEqual([
        { stageId: stageNamed(sales, 'Lead').id, fromStageId: null, movedAt: d.createdAt, movedBy: w.member.userId },
      ]);
      const audit = await auditOf(d.id);
      expect(audit.map((a) => a.action)).toEqual(['deal.created']);
      expect(JSON.stringify(audit[0]?.details)).not.toContain('Big order');
    });

    it('[P-CRM-3] deals move through stages: history, status and closedAt follow the stage kind', async () => {
      const d = await makeDeal(w.member.client, sales.id);
      const lead = stageNamed(sales, 'Lead').id;
      const proposal = stageNamed(sales, 'Proposal').id;
      const won = stageNamed(sales, 'Won').id;
      const lost = stageNamed(sales, 'Lost').id;
      env().clock.advance(1000);
      const m1 = await w.member.client.post<TDeal>(`/api/v1/deals/${d.id}/move`, { stageId: proposal });
      expect(m1.status).toBe(200);
      expect(m1.body).toMatchObject({ stageId: proposal, status: 'open', closedAt: null });
      env().clock.advance(1000);
      const m2 = await w.member.client.post<TDeal>(`/api/v1/deals/${d.id}/move`, { stageId: won });
      expect(m2.body).toMatchObject({ stageId: won, status: 'won' });
      expect(m2.body.closedAt).toBe(m2.body.updatedAt);
      // The same stage again: nothing changes, no history.
      env().clock.advance(1000);
      const same = await w.member.client.post<TDeal>(`/api/v1/deals/${d.id}/move`, { stageId: won });
      expect(same.body).toEqual(m2.body);
      env().clock.advance(1000);
      const m3 = await w.other.client.post<TDeal>(`/api/v1/deals/${d.id}/move`, { stageId: lost });
      expect(m3.body).toMatchObject({ status: 'lost' });
      expect(m3.body.closedAt).toBe(m3.body.updatedAt);
      env().clock.advance(1000);
      const m4 = await w.member.client.post<TDeal>(`/api/v1/deals/${d.id}/move`, { stageId: lead });
      expect(m4.body).toMatchObject({ status: 'open', closedAt: null });
      const h = await w.viewer.client.get<TStageHistory>(`/api/v1/deals/${d.id}/history`);
      expect(h.body.items.map((i) => [i.fromStageId, i.stageId, i.movedBy])).toEqual([
        [null, lead, w.member.userId],
        [lead, proposal, w.member.userId],
        [proposal, won, w.member.userId],
        [won, lost, w.other.userId],
        [lost, lead, w.member.userId],
      ]);
      const audit = await auditOf(d.id);
      expect(audit.map((a) => a.action)).toEqual([
        'deal.created',
        'deal.moved',
        'deal.moved',
        'deal.moved',
        'deal.moved',
      ]);
      expect(audit[1]?.details).toMatchObject({ fromStageId: lead, stageId: proposal });
      // The filter by status follows.
      const openDeals = await w.viewer.client.get<TDealList>(
        `/api/v1/deals?pipelineId=${sales.id}&status=open&limit=200`,
      );
      expect(openDeals.body.items.map((x) => x.id)).toContain(d.id);
      // A stage of another pipeline is refused and nothing changes.
      const other = await w.admin.client.post<TPipeline>('/api/v1/pipelines', { name: 'Other' });
      const bad = await w.member.client.post(`/api/v1/deals/${d.id}/move`, { stageId: other.body.stages[0]?.id });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ error: { fields: { stageId: expect.any(String) } } });
      expect((await w.viewer.client.get<TDeal>(`/api/v1/deals/${d.id}`)).body.stageId).toBe(lead);
      expect((await w.admin.client.delete(`/api/v1/pipelines/${other.body.id}`)).status).toBe(204);
      // A viewer cannot move.
      expect((await w.viewer.client.post(`/api/v1/deals/${d.id}/move`, { stageId: won })).status).toBe(403);
    });

    it('[P-CRM-3] changing a stage kind carries its deals status along', async () => {
      const p = await w.admin.client.post<TPipeline>('/api/v1/pipelines', {
        name: 'Kinds',
        stages: [{ name: 'A' }, { name: 'B' }],
      });
      const [a, b] = p.body.stages;
      const d = await makeDeal(w.member.client, p.body.id, { stageId: b?.id });
      await w.admin.client.patch(`/api/v1/pipelines/${p.body.id}`, {
        stages: [
          { id: a?.id, name: 'A' },
          { id: b?.id, name: 'B', kind: 'won' },
        ],
      });
      const got = await w.viewer.client.get<TDeal>(`/api/v1/deals/${d.id}`);
      expect(got.body).toMatchObject({ status: 'won' });
      expect(got.body.closedAt).not.toBeNull();
    });

    it('updates a deal (fields audited by name), deletes it to the trash and restores it', async () => {
      const d = await makeDeal(w.member.client, sales.id);
      const person = await makePerson(w.member.client);
      const company = await makeCompany(w.member.client);
      env().clock.advance(1000);
      const res = await w.other.client.patch<TDeal>(`/api/v1/deals/${d.id}`, {
        name: 'Renamed',
        amount: 5,
        currency: 'eur',
        probability: 30,
        expectedCloseDate: '2027-01-02',
        companyId: company.id,
        personIds: [person.id],
        ownerId: w.other.userId,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({
        name: 'Renamed',
        amount: 5,
        currency: 'EUR',
        probability: 30,
        expectedCloseDate: '2027-01-02',
        companyId: company.id,
        personIds: [person.id],
        ownerId: w.other.userId,
      });
      expect(res.body.updatedAt > d.updatedAt).toBe(true);
      const cleared = await w.other.client.patch<TDeal>(`/api/v1/deals/${d.id}`, {
        companyId: null,
        personIds: [],
        expectedCloseDate: null,
        probability: null,
      });
      expect(cleared.body).toMatchObject({
        companyId: null,
        personIds: [],
        expectedCloseDate: null,
        probability: null,
      });
      const del = await w.member.client.delete(`/api/v1/deals/${d.id}`);
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ kind: 'deal', id: d.id, name: 'Renamed' });
      expect((await w.member.client.get(`/api/v1/deals/${d.id}`)).status).toBe(404);
      expect((await w.member.client.post(`/api/v1/deals/${d.id}/move`, { stageId: sales.stages[1]?.id })).status).toBe(
        404,
      );
      const list = await w.member.client.get<TDealList>(`/api/v1/deals?pipelineId=${sales.id}&limit=200`);
      expect(list.body.items.map((x) => x.id)).not.toContain(d.id);
      expect((await w.viewer.client.post(`/api/v1/deals/${d.id}/restore`)).status).toBe(403);
      const back = await w.member.client.post<TDeal>(`/api/v1/deals/${d.id}/restore`);
      expect(back.status).toBe(200);
      expect(back.body.deletedAt).toBeNull();
      expect((await w.member.client.post(`/api/v1/deals/${d.id}/restore`)).status).toBe(404);
      const audit = await auditOf(d.id);
      expect(audit.map((a) => a.action)).toEqual([
        'deal.created',
        'deal.updated',
        'deal.updated',
        'deal.deleted',
        'deal.restored',
      ]);
      expect(audit[1]?.details).toEqual({
        fields: ['amount', 'companyId', 'currency', 'expectedCloseDate', 'name', 'ownerId', 'personIds', 'probability'],
      });
      expect(JSON.stringify(audit)).not.toContain('Renamed');
    });

    it('[P-CRM-3] the board shows each stage with its first page; a column pages on through the list', async () => {
      const p = await w.admin.client.post<TPipeline>('/api/v1/pipelines', {
        name: 'Board',
        stages: [{ name: 'One' }, { name: 'Two' }, { name: 'Done', kind: 'won' }],
      });
      const [one, two] = p.body.stages;
      const made: TDeal[] = [];
      for (let i = 0; i < 5; i++) {
        env().clock.advance(10);
        made.push(await makeDeal(w.member.client, p.body.id, { stageId: one?.id }));
      }
      env().clock.advance(10);
      const moved = await w.member.client.post<TDeal>(`/api/v1/deals/${made[0]?.id}/move`, { stageId: two?.id });
      const board = await w.viewer.client.get<TBoard>(`/api/v1/pipelines/${p.body.id}/board?perStage=2`);
      expect(board.status, JSON.stringify(board.body)).toBe(200);
      expect(board.body.pipeline.id).toBe(p.body.id);
      expect(board.body.stages.map((s) => [s.stage.name, s.items.length, s.nextCursor !== null])).toEqual([
        ['One', 2, true],
        ['Two', 1, false],
        ['Done', 0, false],
      ]);
      expect(board.body.stages[1]?.items[0]).toEqual(moved.body);
      const col = board.body.stages[0];
      const ids = col?.items.map((d) => d.id) ?? [];
      let cursor = col?.nextCursor;
      while (cursor) {
        const page = await w.viewer.client.get<TDealList>(
          `/api/v1/deals?pipelineId=${p.body.id}&stageId=${one?.id}&sort=updatedAt&dir=desc&limit=2&after=${cursor}`,
        );
        expect(page.status).toBe(200);
        ids.push(...page.body.items.map((d) => d.id));
        cursor = page.body.nextCursor;
      }
      expect(ids).toEqual(
        made
          .slice(1)
          .reverse()
          .map((d) => d.id),
      );
      expect((await w.viewer.client.get(`/api/v1/pipelines/${p.body.id}/board?perStage=0`)).status).toBe(422);
    });
  });
});

import type { TDeal, TDealTrashList, TPipeline, TStageHistory, TTrashList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, dealPeople, dealStageHistory, deals } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { purgeTrashJob } from '../people/trash.jobs.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makeDeal,
  makePerson,
  salesPipeline,
} from './deals.test-helpers.ts';

/** P-ACC-4 for deals: the trash lists what the caller can see; the daily purge deletes for good after 30 days. */
describeEachDatabase('deals: trash and purge', (env) => {
  let w: CrmWorkspace;
  let sales: TPipeline;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Deal trash');
    sales = await salesPipeline(w.member.client);
  }, 60_000);
  const db = () => env().services.database.db;

  it('lists deleted deals newest first in keyset pages, hiding private ones from other members', async () => {
    const made: TDeal[] = [];
    for (let i = 0; i < 3; i++) made.push(await makeDeal(w.member.client, sales.id));
    const secret = await makeDeal(w.member.client, sales.id, { visibility: 'private' });
    for (const d of [...made, secret]) {
      env().clock.advance(1000);
      expect((await w.member.client.delete(`/api/v1/deals/${d.id}`)).status).toBe(200);
    }
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const res: { status: number; body: TDealTrashList } = await w.member.client.get<TDealTrashList>(
        `/api/v1/deals/trash?limit=2${after ? `&after=${after}` : ''}`,
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((i) => i.id));
      after = res.body.nextCursor;
    } while (after);
    expect(ids).toEqual([secret, ...made.reverse()].map((d) => d.id));
    const other = await w.other.client.get<TDealTrashList>('/api/v1/deals/trash?limit=200');
    expect(other.body.items.map((i) => i.id)).not.toContain(secret.id);
    const item = other.body.items[0];
    expect(item && Date.parse(item.purgeAfter) - Date.parse(item.deletedAt)).toBe(30 * DAY_MS);
    expect((await w.viewer.client.get('/api/v1/deals/trash')).status).toBe(200);
    // The shared trash lists them too (kind 'deal'), with the same visibility.
    const shared = await w.member.client.get<TTrashList>('/api/v1/trash?kind=deal&limit=200');
    expect(shared.status).toBe(200);
    expect(shared.body.items.map((i) => [i.kind, i.id])).toEqual(ids.map((id) => ['deal', id]));
    const all = await w.member.client.get<TTrashList>('/api/v1/trash?limit=200');
    expect(all.body.items.filter((i) => i.kind === 'deal').map((i) => i.id)).toEqual(ids);
    const people = await w.member.client.get<TTrashList>('/api/v1/trash?kind=person&limit=200');
    expect(people.body.items.every((i) => i.kind === 'person')).toBe(true);
    const sharedOther = await w.other.client.get<TTrashList>('/api/v1/trash?kind=deal&limit=200');
    expect(sharedOther.body.items.map((i) => i.id)).not.toContain(secret.id);
    expect((await w.other.client.post(`/api/v1/trash/deal/${secret.id}/restore`)).status).toBe(404);
    expect((await w.viewer.client.post(`/api/v1/trash/deal/${secret.id}/restore`)).status).toBe(403);
    const restored = await w.member.client.post<TDeal>(`/api/v1/trash/deal/${secret.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      id: secret.id,
      deletedAt: null,
      visibility: 'private',
      pipelineId: sales.id,
    });
    expect((await w.member.client.delete(`/api/v1/deals/${secret.id}`)).status).toBe(200);
  });

  it('the purge deletes deals trashed over 30 days ago with their history and links; a purged person or company leaves the deal', async () => {
    const person = await makePerson(w.member.client);
    const company = await makeCompany(w.member.client);
    const old = await makeDeal(w.member.client, sales.id, { personIds: [person.id], companyId: company.id });
    await w.member.client.post(`/api/v1/deals/${old.id}/move`, { stageId: sales.stages[1]?.id });
    const kept = await makeDeal(w.member.client, sales.id, { personIds: [person.id], companyId: company.id });
    await w.member.client.delete(`/api/v1/deals/${old.id}`);
    env().clock.advance(29 * DAY_MS);
    const young = await makeDeal(w.member.client, sales.id);
    await w.member.client.delete(`/api/v1/deals/${young.id}`);
    await w.member.client.delete(`/api/v1/people/${person.id}`);
    await w.member.client.delete(`/api/v1/companies/${company.id}`);
    env().clock.advance(2 * DAY_MS); // old: 31 days
    const result = await runJob(env().services, purgeTrashJob);
    expect(Number(result.deals)).toBeGreaterThanOrEqual(1);
    const rows = (dealId: string) =>
      withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => ({
        deals: (
          await tx
            .select()
            .from(deals)
            .where(and(eq(deals.workspaceId, w.workspaceId), eq(deals.dealId, dealId)))
        ).length,
        history: (
          await tx
            .select()
            .from(dealStageHistory)
            .where(and(eq(dealStageHistory.workspaceId, w.workspaceId), eq(dealStageHistory.dealId, dealId)))
        ).length,
        people: (
          await tx
            .select()
            .from(dealPeople)
            .where(and(eq(dealPeople.workspaceId, w.workspaceId), eq(dealPeople.dealId, dealId)))
        ).length,
      }));
    expect(await rows(old.id)).toEqual({ deals: 0, history: 0, people: 0 });
    expect((await rows(young.id)).deals).toBe(1);
    expect((await w.member.client.post(`/api/v1/deals/${old.id}/restore`)).status).toBe(404);
    expect((await w.member.client.post(`/api/v1/deals/${young.id}/restore`)).status).toBe(200);
    // The person and company (29 days in the trash) are not purged yet; a month later they are,
    // and the live deal stays, without them.
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    const after = await w.member.client.get<TDeal>(`/api/v1/deals/${kept.id}`);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ personIds: [], companyId: null });
    expect(await rows(kept.id)).toEqual({ deals: 1, history: 1, people: 0 });
    expect((await w.member.client.get<TStageHistory>(`/api/v1/deals/${kept.id}/history`)).body.items).toHaveLength(1);
    const purged = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'trash.purged'))),
    );
    expect(purged[0]?.details).toMatchObject({ deals: 5 }); // the four of the first test and `old`
    expect(
      await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId)),
    ).toMatchObject({
      ok: true,
    });
  });
});

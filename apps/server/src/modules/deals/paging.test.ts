import type { TDeal, TDealList, TPipeline } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makeDeal, makePerson } from './deals.test-helpers.ts';

const SORTS = ['name', 'createdAt', 'updatedAt', 'amount', 'expectedCloseDate'] as const;

/** Keyset pages over every sort and direction: every deal once, in order, no gaps. */
describeEachDatabase('deals: keyset paging and filters', (env) => {
  let w: CrmWorkspace;
  let p: TPipeline;
  const all: TDeal[] = [];
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Paging');
    const res = await w.admin.client.post<TPipeline>('/api/v1/pipelines', {
      name: 'Paged',
      stages: [{ name: 'A' }, { name: 'B' }, { name: 'W', kind: 'won' }],
    });
    p = res.body;
    // 25 deals with repeated names, amounts, dates and timestamps (the clock moves every third).
    for (let i = 0; i < 25; i++) {
      if (i % 3 === 0) env().clock.advance(1000);
      all.push(
        await makeDeal(w.member.client, p.id, {
          name: ['alpha', 'Beta', 'beta', 'Gamma'][i % 4],
          amount: [0, 500, 500, 1_000_000_00][i % 4],
          expectedCloseDate: i % 5 === 0 ? null : `2027-0${(i % 3) + 1}-15`,
          stageId: p.stages[i % 3]?.id,
        }),
      );
    }
  }, 120_000);

  const key = (d: TDeal, sort: (typeof SORTS)[number]): string | number => {
    switch (sort) {
      case 'name':
        return d.name.toLowerCase();
      case 'amount':
        return d.amount;
      case 'expectedCloseDate':
        return d.expectedCloseDate ?? '9999-12-31';
      default:
        return d[sort];
    }
  };
  const expected = (sort: (typeof SORTS)[number], dir: 'asc' | 'desc', list: TDeal[]) =>
    [...list]
      .sort((a, b) => {
        const ka = key(a, sort);
        const kb = key(b, sort);
        const c = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
        return dir === 'asc' ? c : -c;
      })
      .map((d) => d.id);

  async function pageAll(query: string, limit: number) {
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res: { status: number; body: TDealList } = await w.viewer.client.get<TDealList>(
        `/api/v1/deals?pipelineId=${p.id}&${query}&limit=${limit}${after ? `&after=${after}` : ''}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.items.map((d) => d.id));
      after = res.body.nextCursor;
      if (!after) break;
    }
    return ids;
  }

  it('pages over each sort, both directions, with no duplicates or gaps', async () => {
    for (const sort of SORTS) {
      for (const dir of ['asc', 'desc'] as const) {
        const ids = await pageAll(`sort=${sort}&dir=${dir}`, 4);
        expect(ids, `${sort} ${dir}`).toEqual(expected(sort, dir, all));
        expect(new Set(ids).size).toBe(all.length);
      }
    }
  });

  it('filters by stage, status, owner, company and person, and pages within a filter', async () => {
    const stageB = p.stages[1]?.id;
    expect(await pageAll(`stageId=${stageB}&sort=amount&dir=desc`, 3)).toEqual(
      expected(
        'amount',
        'desc',
        all.filter((d) => d.stageId === stageB),
      ),
    );
    expect(await pageAll('status=won&sort=name&dir=asc', 2)).toEqual(
      expected(
        'name',
        'asc',
        all.filter((d) => d.status === 'won'),
      ),
    );
    const company = await makeCompany(w.member.client);
    const person = await makePerson(w.member.client);
    const mine = await makeDeal(w.other.client, p.id, { companyId: company.id, personIds: [person.id] });
    expect(await pageAll(`companyId=${company.id}`, 10)).toEqual([mine.id]);
    expect(await pageAll(`personId=${person.id}`, 10)).toEqual([mine.id]);
    expect(await pageAll(`ownerId=${w.other.userId}`, 10)).toEqual([mine.id]);
  });

  it('refuses a cursor of another sort or direction, or a forged one (422 on after)', async () => {
    const first = await w.viewer.client.get<TDealList>(`/api/v1/deals?pipelineId=${p.id}&sort=amount&dir=asc&limit=2`);
    const cursor = first.body.nextCursor;
    expect(cursor).toBeTruthy();
    for (const q of ['sort=amount&dir=desc', 'sort=name&dir=asc', 'sort=createdAt&dir=asc']) {
      const res = await w.viewer.client.get(`/api/v1/deals?pipelineId=${p.id}&${q}&after=${cursor}`);
      expect(res.status, q).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { after: expect.any(String) } } });
    }
    const forged = Buffer.from(JSON.stringify(['deals.amount', 'asc', '1 or 1=1', p.id])).toString('base64url');
    expect(
      (await w.viewer.client.get(`/api/v1/deals?pipelineId=${p.id}&sort=amount&dir=asc&after=${forged}`)).status,
    ).toBe(422);
    const date = Buffer.from(JSON.stringify(['deals.expectedCloseDate', 'asc', 'nope', p.id])).toString('base64url');
    expect(
      (await w.viewer.client.get(`/api/v1/deals?pipelineId=${p.id}&sort=expectedCloseDate&dir=asc&after=${date}`))
        .status,
    ).toBe(422);
  });
});

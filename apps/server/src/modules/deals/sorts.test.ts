import type { TDeal, TDealList, TPipeline } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makeDeal } from './deals.test-helpers.ts';

const SORTS = ['stage', 'probability', 'status', 'currency', 'closedAt'] as const;
type Sort = (typeof SORTS)[number];

/** The deal sorts added for the table's column headers (issue 3): keyset pages over each sort
 *  and direction hold every visible deal once, in order, ties and nulls included. */
describeEachDatabase('deals: sorts by stage, probability, status, currency and closed date', (env) => {
  let w: CrmWorkspace;
  let p: TPipeline;
  const all: TDeal[] = [];
  let secret: TDeal;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Deal sorts');
    const res = await w.admin.client.post<TPipeline>('/api/v1/pipelines', {
      name: 'Sorted',
      // Positions 0..3; the won stage sits before the last open one, so that position and
      // status orders differ.
      stages: [{ name: 'A' }, { name: 'W', kind: 'won' }, { name: 'B' }, { name: 'L', kind: 'lost' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    p = res.body;
    // 23 deals: repeated stages, probabilities (null included), currencies and amounts, and
    // closing times (the clock moves every third deal, so closed dates tie).
    for (let i = 0; i < 23; i++) {
      if (i % 3 === 0) env().clock.advance(1000);
      all.push(
        await makeDeal(w.member.client, p.id, {
          stageId: p.stages[i % 4]?.id,
          probability: [null, 20, 20, 80, null][i % 5],
          currency: ['NOK', 'EUR', 'USD'][i % 3],
          amount: [500, 0, 500, 1_000_00][i % 4],
        }),
      );
    }
    // A private deal of another member: never in the member's or the viewer's pages.
    secret = await makeDeal(w.other.client, p.id, {
      name: 'Secret',
      visibility: 'private',
      stageId: p.stages[1]?.id,
      probability: 50,
    });
  }, 180_000);

  const rank = { open: 0, won: 1, lost: 2 } as const;
  const key = (d: TDeal, sort: Sort): (string | number)[] => {
    switch (sort) {
      case 'stage':
        return [p.stages.findIndex((s) => s.id === d.stageId)];
      case 'probability':
        return [d.probability ?? -1];
      case 'status':
        return [rank[d.status]];
      case 'currency':
        return [d.currency, d.amount];
      case 'closedAt':
        // Open deals (no closed date) last ascending.
        return [d.closedAt ?? '9999-12-31T23:59:59.999Z'];
    }
  };
  const expected = (sort: Sort, dir: 'asc' | 'desc', list: TDeal[]) =>
    [...list]
      .sort((a, b) => {
        const ka = [...key(a, sort), a.id];
        const kb = [...key(b, sort), b.id];
        let c = 0;
        for (let i = 0; i < ka.length && c === 0; i++) {
          const x = ka[i] as string | number;
          const y = kb[i] as string | number;
          c = x < y ? -1 : x > y ? 1 : 0;
        }
        return dir === 'asc' ? c : -c;
      })
      .map((d) => d.id);

  async function pageAll(client: CrmWorkspace['member']['client'], query: string, limit: number) {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (; pages < 60; pages++) {
      const res: { status: number; body: TDealList } = await client.get<TDealList>(
        `/api/v1/deals?pipelineId=${p.id}&${query}&limit=${limit}${after ? `&after=${after}` : ''}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.items.map((d) => d.id));
      after = res.body.nextCursor;
      if (!after) break;
    }
    return { ids, pages: pages + 1 };
  }

  it('the data has ties and nulls in every new sort, and closed and open deals', () => {
    expect(all.filter((d) => d.probability === null).length).toBeGreaterThan(1);
    expect(all.filter((d) => d.closedAt === null).length).toBeGreaterThan(1);
    expect(new Set(all.filter((d) => d.closedAt).map((d) => d.closedAt)).size).toBeLessThan(
      all.filter((d) => d.closedAt).length,
    );
    expect(new Set(all.map((d) => `${d.currency}:${d.amount}`)).size).toBeLessThan(all.length);
  });

  it('pages over each new sort, both directions, over several pages with no repeats or gaps', async () => {
    for (const sort of SORTS) {
      for (const dir of ['asc', 'desc'] as const) {
        const { ids, pages } = await pageAll(w.viewer.client, `sort=${sort}&dir=${dir}`, 4);
        expect(pages, `${sort} ${dir}`).toBeGreaterThan(2);
        expect(ids, `${sort} ${dir}`).toEqual(expected(sort, dir, all));
        expect(new Set(ids).size).toBe(all.length);
      }
    }
  });

  it('pages a sort within a filter (stage, status)', async () => {
    const stageB = p.stages[2]?.id;
    const inB = all.filter((d) => d.stageId === stageB);
    expect((await pageAll(w.viewer.client, `stageId=${stageB}&sort=stage&dir=asc`, 2)).ids).toEqual(
      expected('stage', 'asc', inB),
    );
    const won = all.filter((d) => d.status === 'won');
    expect((await pageAll(w.viewer.client, 'status=won&sort=currency&dir=desc', 2)).ids).toEqual(
      expected('currency', 'desc', won),
    );
  });

  it('[P-ACC-7] a private deal of another member never appears in any new sort', async () => {
    for (const client of [w.member.client, w.viewer.client]) {
      for (const sort of SORTS) {
        for (const dir of ['asc', 'desc'] as const) {
          const { ids } = await pageAll(client, `sort=${sort}&dir=${dir}`, 5);
          expect(ids).not.toContain(secret.id);
          expect(ids).toHaveLength(all.length);
        }
      }
    }
    // Its owner sees it in the same sorts.
    const { ids } = await pageAll(w.other.client, 'sort=stage&dir=asc', 5);
    expect(ids).toContain(secret.id);
  });

  it('refuses an unknown sort (422 naming sort) and a cursor of another sort or a forged one (422 on after)', async () => {
    for (const sort of ['ownerName', 'stageId', 'closed_at', 'probability;drop']) {
      const res = await w.viewer.client.get(`/api/v1/deals?pipelineId=${p.id}&sort=${encodeURIComponent(sort)}`);
      expect(res.status, sort).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { sort: expect.any(String) } } });
    }
    const first = await w.viewer.client.get<TDealList>(
      `/api/v1/deals?pipelineId=${p.id}&sort=currency&dir=asc&limit=2`,
    );
    const cursor = first.body.nextCursor;
    expect(cursor).toBeTruthy();
    for (const q of ['sort=currency&dir=desc', 'sort=stage&dir=asc', 'sort=amount&dir=asc']) {
      const res = await w.viewer.client.get(`/api/v1/deals?pipelineId=${p.id}&${q}&after=${cursor}`);
      expect(res.status, q).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { after: expect.any(String) } } });
    }
    const forge = (sort: string, value: string) =>
      Buffer.from(JSON.stringify([`deals.${sort}`, 'asc', value, p.id])).toString('base64url');
    for (const [sort, value] of [
      ['currency', 'NOK'],
      ['currency', "NOK:1' or '1'='1"],
      ['stage', '-1 or 1=1'],
      ['probability', 'x'],
      ['status', '3'],
      ['closedAt', 'never'],
    ] as const) {
      const res = await w.viewer.client.get(
        `/api/v1/deals?pipelineId=${p.id}&sort=${sort}&dir=asc&after=${forge(sort, value)}`,
      );
      expect(res.status, `${sort} ${value}`).toBe(422);
    }
  });
});

import type { TCompany, TCompanyList, TPerson, TPersonList } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient, type TestResponse } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

type Sort = 'name' | 'createdAt' | 'updatedAt';
type Dir = 'asc' | 'desc';

async function walk<T extends { id: string }>(client: TestClient, base: string, limit: number) {
  const seen: T[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const sep = base.includes('?') ? '&' : '?';
    const url: string = `${base}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const res: TestResponse<{ items: T[]; nextCursor: string | null }> = await client.get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.items);
    after = res.body.nextCursor;
    if (!after) return seen;
  }
  throw new Error('paging did not end');
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describeEachDatabase('people and companies: keyset pages, sorts and filters', (env) => {
  let w: CrmWorkspace;
  let all: TPerson[];
  let companies: TCompany[];
  const sortKey = (p: TPerson, sort: Sort) =>
    sort === 'name' ? `${p.firstName} ${p.lastName}`.trim().toLowerCase() : p[sort];

  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Paging');
    const first = ['Anna', 'anna', 'Bjørn', 'Cecilie', 'Anna'];
    const last = ['Berg', 'Aas', 'Berg', '', 'Dahl'];
    all = [];
    // 30 people with repeated names and repeated timestamps (the clock moves every third).
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) env().clock.advance(1000);
      all.push(
        await makePerson(w.member.client, {
          firstName: first[i % first.length],
          lastName: last[(i * 7) % last.length],
          emails: [{ value: `p${i}@${i % 2 ? 'odd' : 'even'}.example` }],
          tags: i % 4 === 0 ? ['vip'] : [],
          subjectCategories: i % 5 === 0 ? ['supplier'] : ['client'],
          ownerId: i % 6 === 0 ? w.other.userId : w.member.userId,
        }),
      );
    }
    // Every fourth is changed, several in the same millisecond.
    env().clock.advance(1000);
    for (const [i, p] of all.entries()) {
      if (i % 4 !== 1) continue;
      const res = await w.member.client.patch<TPerson>(`/api/v1/people/${p.id}`, { title: 'Changed' });
      all[i] = res.body;
    }
    companies = [];
    for (let i = 0; i < 12; i++) {
      if (i % 4 === 0) env().clock.advance(1000);
      companies.push(
        await makeCompany(w.member.client, {
          name: ['Acme', 'acme', 'Beta', 'Zeta'][i % 4],
          domain: `c${i}.example`,
          tags: i % 3 ? [] : ['partner'],
        }),
      );
    }
  }, 120_000);

  for (const sort of ['name', 'createdAt', 'updatedAt'] as Sort[]) {
    for (const dir of ['asc', 'desc'] as Dir[]) {
      it(`[P-CRM-1] pages through people by ${sort} ${dir}: stable, no duplicates, no gaps`, async () => {
        const paged = await walk<TPerson>(w.member.client, `/api/v1/people?sort=${sort}&dir=${dir}`, 4);
        const expected = [...all].sort((a, b) => {
          const c = cmp(sortKey(a, sort), sortKey(b, sort)) || cmp(a.id, b.id);
          return dir === 'asc' ? c : -c;
        });
        expect(paged.map((p) => p.id)).toEqual(expected.map((p) => p.id));
        expect(new Set(paged.map((p) => p.id)).size).toBe(all.length);
      });
    }
  }

  it('[P-CRM-2] pages through companies by name both ways and by createdAt', async () => {
    for (const [sort, dir] of [
      ['name', 'asc'],
      ['name', 'desc'],
      ['createdAt', 'desc'],
    ] as [Sort, Dir][]) {
      const paged = await walk<TCompany>(w.member.client, `/api/v1/companies?sort=${sort}&dir=${dir}`, 5);
      const key = (c: TCompany) => (sort === 'name' ? c.name.toLowerCase() : c.createdAt);
      const expected = [...companies].sort((a, b) => {
        const c = cmp(key(a), key(b)) || cmp(a.id, b.id);
        return dir === 'asc' ? c : -c;
      });
      expect(paged.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    }
  });

  it('filters people by name or email prefix, tag, owner, category, company and creation time; pages a filtered list', async () => {
    const ids = async (query: string) =>
      (await walk<TPerson>(w.member.client, `/api/v1/people?${query}`, 3)).map((p) => p.id).sort();
    const expectIds = (pred: (p: TPerson, i: number) => boolean) =>
      all
        .filter(pred)
        .map((p) => p.id)
        .sort();
    expect(await ids('q=ann')).toEqual(expectIds((p) => p.firstName.toLowerCase() === 'anna'));
    expect(await ids('q=ANNA%20B')).toEqual(
      expectIds((p) => p.firstName.toLowerCase() === 'anna' && p.lastName === 'Berg'),
    );
    expect(await ids('q=dah')).toEqual(expectIds((p) => p.lastName === 'Dahl'));
    expect(await ids('q=p1')).toEqual(expectIds((p) => /^p1/.test(p.emails[0]?.value ?? '')));
    expect(await ids('q=p2%40even')).toEqual(expectIds((p) => p.emails[0]?.value === 'p2@even.example'));
    expect(await ids('q=%25')).toEqual([]);
    expect(await ids('q=_')).toEqual([]);
    expect(await ids('tag=vip')).toEqual(expectIds((p) => p.tags.includes('vip')));
    expect(await ids(`ownerId=${w.other.userId}`)).toEqual(expectIds((p) => p.ownerId === w.other.userId));
    expect(await ids('subjectCategory=supplier')).toEqual(expectIds((p) => p.subjectCategories.includes('supplier')));
    const mid = all[15] as TPerson;
    expect(await ids(`createdAfter=${encodeURIComponent(mid.createdAt)}`)).toEqual(
      expectIds((p) => p.createdAt >= mid.createdAt),
    );
    expect(await ids(`createdBefore=${encodeURIComponent(mid.createdAt)}`)).toEqual(
      expectIds((p) => p.createdAt < mid.createdAt),
    );
    expect(await ids(`tag=vip&ownerId=${w.member.userId}&q=anna`)).toEqual(
      expectIds((p) => p.tags.includes('vip') && p.ownerId === w.member.userId && p.firstName.toLowerCase() === 'anna'),
    );
  });

  it('filters companies by name or domain prefix and tag', async () => {
    const ids = async (query: string) =>
      (await w.member.client.get<TCompanyList>(`/api/v1/companies?${query}&limit=200`)).body.items
        .map((c) => c.id)
        .sort();
    const expectIds = (pred: (c: TCompany) => boolean) =>
      companies
        .filter(pred)
        .map((c) => c.id)
        .sort();
    expect(await ids('q=acm')).toEqual(expectIds((c) => c.name.toLowerCase() === 'acme'));
    expect(await ids('q=c1')).toEqual(expectIds((c) => (c.domain ?? '').startsWith('c1')));
    expect(await ids('tag=partner')).toEqual(expectIds((c) => c.tags.includes('partner')));
  });

  it('refuses a cursor of another sort or direction, and garbage, naming `after`', async () => {
    const first = await w.member.client.get<TPersonList>('/api/v1/people?sort=name&limit=2');
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    for (const url of [
      `/api/v1/people?sort=createdAt&after=${cursor}`,
      `/api/v1/people?sort=name&dir=desc&after=${cursor}`,
      '/api/v1/people?after=garbage',
      `/api/v1/companies?after=${cursor}`,
      '/api/v1/trash?after=bm9wZQ',
    ]) {
      const res = await w.member.client.get(url);
      expect(res.status, url).toBe(422);
      expect(res.body, url).toMatchObject({
        error: { code: 'validation_failed', fields: { after: expect.any(String) } },
      });
    }
  });
});

import {
  COMPANY_SIZES,
  type TCompany,
  type TDeal,
  type TPerson,
  type TPipeline,
  type TSavedView,
} from '@tillit/contracts';
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient, type TestResponse } from '../../../test/harness.ts';
import { companies, deals, people, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { makeDeal } from '../deals/deals.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

type Dir = 'asc' | 'desc';
type Rec = { id: string; ownerId: string | null };

async function walk<T extends { id: string }>(client: TestClient, base: string, limit: number) {
  const seen: T[] = [];
  let after: string | null = null;
  let pages = 0;
  for (; pages < 100; pages++) {
    const url: string = `${base}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const res: TestResponse<{ items: T[]; nextCursor: string | null }> = await client.get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.items);
    after = res.body.nextCursor;
    if (!after) return { seen, pages: pages + 1 };
  }
  throw new Error('paging did not end');
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** The table views' sorts by owner (people, companies, deals) and by size and organisation
 *  number (companies): keyset pages in both directions hold every visible record once, in
 *  order; records without an owner last in both directions. */
describeEachDatabase('sorts by owner, company size and organisation number', (env) => {
  let w: CrmWorkspace;
  let names: Map<string, string>;
  let persons: TPerson[];
  let orgs: TCompany[];
  let pipeline: TPipeline;
  let dealList: TDeal[];
  let secret: { person: TPerson; company: TCompany; deal: TDeal };

  /** The expected order of the owner sort: (lower(name), owner id, id), no owner last. */
  const byOwner = <T extends Rec>(list: T[], dir: Dir) =>
    [...list]
      .sort((a, b) => {
        if (!a.ownerId || !b.ownerId) {
          if (a.ownerId) return -1;
          if (b.ownerId) return 1;
          return dir === 'asc' ? cmp(a.id, b.id) : -cmp(a.id, b.id);
        }
        const c =
          cmp(names.get(a.ownerId) ?? '', names.get(b.ownerId) ?? '') || cmp(a.ownerId, b.ownerId) || cmp(a.id, b.id);
        return dir === 'asc' ? c : -c;
      })
      .map((r) => r.id);

  async function clearOwners(table: 'people' | 'companies' | 'deals', ids: string[]) {
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      // As when an account is deleted (ON DELETE SET NULL).
      if (table === 'people') await tx.update(people).set({ ownerId: null }).where(inArray(people.personId, ids));
      if (table === 'companies')
        await tx.update(companies).set({ ownerId: null }).where(inArray(companies.companyId, ids));
      if (table === 'deals') await tx.update(deals).set({ ownerId: null }).where(inArray(deals.dealId, ids));
    });
  }

  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Owner sorts');
    // Two owners whose names differ only in case (a tie broken by owner id), one later in the
    // alphabet, and the workspace's owner.
    const db = env().services.database.db;
    await db.update(users).set({ name: 'anna Same' }).where(eq(users.id, w.admin.userId));
    await db.update(users).set({ name: 'Anna same' }).where(eq(users.id, w.member.userId));
    await db.update(users).set({ name: 'Ørjan Last' }).where(eq(users.id, w.other.userId));
    await db.update(users).set({ name: 'Bob Owner' }).where(eq(users.id, w.owner.userId));
    names = new Map(
      (await db.select({ id: users.id, name: users.name }).from(users)).map((u) => [u.id, u.name.toLowerCase()]),
    );
    const owners = [w.member.userId, w.admin.userId, w.other.userId, w.owner.userId];
    persons = [];
    for (let i = 0; i < 22; i++) {
      persons.push(
        await makePerson(w.member.client, {
          ownerId: owners[i % owners.length],
          tags: i % 3 === 0 ? ['vip'] : [],
        }),
      );
    }
    orgs = [];
    const sizes = [...COMPANY_SIZES, null];
    const orgNumbers = ['NO 123', 'no 123', null, '', '999 888', 'A-1'];
    for (let i = 0; i < 19; i++) {
      orgs.push(
        await makeCompany(w.member.client, {
          ownerId: owners[(i + 1) % owners.length],
          size: sizes[(i * 3) % sizes.length],
          orgNumber: orgNumbers[i % orgNumbers.length],
        }),
      );
    }
    const res = await w.admin.client.post<TPipeline>('/api/v1/pipelines', { name: 'Owned', stages: [{ name: 'A' }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    pipeline = res.body;
    dealList = [];
    for (let i = 0; i < 17; i++) {
      dealList.push(await makeDeal(w.member.client, pipeline.id, { ownerId: owners[(i + 2) % owners.length] }));
    }
    // Some records lose their owner.
    const noOwner = <T extends { id: string; ownerId: string | null }>(list: T[], every: number) =>
      list
        .filter((_, i) => i % every === 2)
        .map((r) => {
          r.ownerId = null;
          return r.id;
        });
    await clearOwners('people', noOwner(persons, 5));
    await clearOwners('companies', noOwner(orgs, 4));
    await clearOwners('deals', noOwner(dealList, 5));
    // Private records of another member: never in the member's or the viewer's pages.
    secret = {
      person: await makePerson(w.other.client, { visibility: 'private' }),
      company: await makeCompany(w.other.client, { visibility: 'private', size: '1-10', orgNumber: 'A-1' }),
      deal: await makeDeal(w.other.client, pipeline.id, { visibility: 'private' }),
    };
  }, 240_000);

  it('the data has owners tied by name, records without an owner, repeated sizes and org numbers', () => {
    expect(names.get(w.admin.userId)).toBe(names.get(w.member.userId));
    for (const list of [persons, orgs, dealList]) {
      expect(list.filter((r) => r.ownerId === null).length).toBeGreaterThan(1);
      expect(list.filter((r) => r.ownerId === w.member.userId).length).toBeGreaterThan(2);
    }
  });

  for (const dir of ['asc', 'desc'] as const) {
    it(`pages people, companies and deals by owner ${dir}: stable, no duplicates, no gaps, no owner last`, async () => {
      for (const client of [w.viewer.client, w.member.client]) {
        const p = await walk<TPerson>(client, `/api/v1/people?sort=owner&dir=${dir}`, 4);
        expect(p.pages).toBeGreaterThan(3);
        expect(p.seen.map((x) => x.id)).toEqual(byOwner(persons, dir));
        const c = await walk<TCompany>(client, `/api/v1/companies?sort=owner&dir=${dir}`, 3);
        expect(c.seen.map((x) => x.id)).toEqual(byOwner(orgs, dir));
        const d = await walk<TDeal>(client, `/api/v1/deals?pipelineId=${pipeline.id}&sort=owner&dir=${dir}`, 3);
        expect(d.seen.map((x) => x.id)).toEqual(byOwner(dealList, dir));
        expect(d.seen.at(-1)?.ownerId).toBeNull();
      }
    });
  }

  it('the owner sort keeps every filter (tag, ownerId, table-view filters, on the owner too)', async () => {
    const vip = persons.filter((_, i) => i % 3 === 0);
    const a = await walk<TPerson>(w.viewer.client, '/api/v1/people?sort=owner&dir=desc&tag=vip', 2);
    expect(a.seen.map((x) => x.id)).toEqual(byOwner(vip, 'desc'));
    const mine = persons.filter((p) => p.ownerId === w.member.userId);
    const b = await walk<TPerson>(w.viewer.client, `/api/v1/people?sort=owner&ownerId=${w.member.userId}`, 2);
    expect(b.seen.map((x) => x.id)).toEqual(byOwner(mine, 'asc'));
    const orphans = persons.filter((p) => p.ownerId === null);
    const e = await walk<TPerson>(w.viewer.client, '/api/v1/people?sort=owner&dir=desc&filter=ownerId:empty', 1);
    expect(e.seen.map((x) => x.id)).toEqual(byOwner(orphans, 'desc'));
    const owned = dealList.filter((d) => d.ownerId !== null);
    const f = await walk<TDeal>(
      w.viewer.client,
      `/api/v1/deals?pipelineId=${pipeline.id}&sort=owner&dir=asc&filter=ownerId:notempty`,
      2,
    );
    expect(f.seen.map((x) => x.id)).toEqual(byOwner(owned, 'asc'));
    const g = await walk<TDeal>(
      w.viewer.client,
      `/api/v1/deals?pipelineId=${pipeline.id}&sort=owner&dir=desc&filter=ownerId:eq:${w.other.userId}`,
      2,
    );
    expect(g.seen.map((x) => x.id)).toEqual(
      byOwner(
        dealList.filter((d) => d.ownerId === w.other.userId),
        'desc',
      ),
    );
    const small = orgs.filter((c) => c.size === '1-10');
    const c = await walk<TCompany>(w.viewer.client, '/api/v1/companies?sort=owner&filter=size:eq:1-10', 1);
    expect(c.seen.map((x) => x.id)).toEqual(byOwner(small, 'asc'));
  });

  for (const dir of ['asc', 'desc'] as const) {
    it(`pages companies by size and by organisation number ${dir}`, async () => {
      const rank = (c: TCompany) => (c.size ? COMPANY_SIZES.indexOf(c.size) + 1 : 0);
      const bySize = [...orgs]
        .sort((a, b) => (dir === 'asc' ? 1 : -1) * (cmp(rank(a), rank(b)) || cmp(a.id, b.id)))
        .map((c) => c.id);
      const s = await walk<TCompany>(w.viewer.client, `/api/v1/companies?sort=size&dir=${dir}`, 3);
      expect(s.pages).toBeGreaterThan(3);
      expect(s.seen.map((c) => c.id)).toEqual(bySize);
      const key = (c: TCompany) => (c.orgNumber ?? '').toLowerCase();
      const byOrg = [...orgs]
        .sort((a, b) => (dir === 'asc' ? 1 : -1) * (cmp(key(a), key(b)) || cmp(a.id, b.id)))
        .map((c) => c.id);
      const o = await walk<TCompany>(w.viewer.client, `/api/v1/companies?sort=orgNumber&dir=${dir}`, 3);
      expect(o.seen.map((c) => c.id)).toEqual(byOrg);
    });
  }

  it('[P-ACC-7] private records of another member never appear in the new sorts; their owner sees them', async () => {
    for (const client of [w.member.client, w.viewer.client]) {
      for (const dir of ['asc', 'desc'] as const) {
        const p = await walk<TPerson>(client, `/api/v1/people?sort=owner&dir=${dir}`, 5);
        expect(p.seen.map((x) => x.id)).not.toContain(secret.person.id);
        for (const sort of ['owner', 'size', 'orgNumber']) {
          const c = await walk<TCompany>(client, `/api/v1/companies?sort=${sort}&dir=${dir}`, 5);
          expect(c.seen.map((x) => x.id)).not.toContain(secret.company.id);
          expect(c.seen).toHaveLength(orgs.length);
        }
        const d = await walk<TDeal>(client, `/api/v1/deals?pipelineId=${pipeline.id}&sort=owner&dir=${dir}`, 5);
        expect(d.seen.map((x) => x.id)).not.toContain(secret.deal.id);
      }
    }
    const mine = await walk<TPerson>(w.other.client, '/api/v1/people?sort=owner', 50);
    expect(mine.seen.map((x) => x.id)).toContain(secret.person.id);
    expect(mine.seen.map((x) => x.id)).toEqual(byOwner([...persons, secret.person], 'asc'));
    const theirs = await walk<TCompany>(w.other.client, '/api/v1/companies?sort=size', 50);
    expect(theirs.seen.map((x) => x.id)).toContain(secret.company.id);
  });

  it('refuses unknown sorts (422 naming sort) and cursors of another sort or forged (422 naming after)', async () => {
    for (const [list, sort] of [
      ['people', 'size'],
      ['people', 'ownerName'],
      ['people', 'owner;drop'],
      ['companies', 'sizes'],
      ['companies', 'org_number'],
    ]) {
      const res = await w.viewer.client.get(`/api/v1/${list}?sort=${encodeURIComponent(sort ?? '')}`);
      expect(res.status, `${list} ${sort}`).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { sort: expect.any(String) } } });
    }
    const first = await w.viewer.client.get<{ nextCursor: string }>('/api/v1/people?sort=owner&limit=2');
    const byName = await w.viewer.client.get<{ nextCursor: string }>('/api/v1/people?sort=name&limit=2');
    for (const [q, cursor] of [
      ['sort=owner&dir=desc', first.body.nextCursor],
      ['sort=name', first.body.nextCursor],
      ['sort=owner', byName.body.nextCursor],
    ] as const) {
      const res = await w.viewer.client.get(`/api/v1/people?${q}&after=${cursor}`);
      expect(res.status, q).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { after: expect.any(String) } } });
    }
    const forge = (key: string, value: string) =>
      Buffer.from(JSON.stringify([key, 'asc', value, persons[0]?.id])).toString('base64url');
    for (const [url, key, value] of [
      ['/api/v1/people?sort=owner', 'people.owner.name', "o:1' or '1'='1"],
      ['/api/v1/people?sort=owner', 'people.owner.name', 'x'],
      ['/api/v1/companies?sort=owner', 'companies.owner.name', 'o:'],
      ['/api/v1/companies?sort=size', 'companies.size.name', '8'],
      ['/api/v1/companies?sort=size', 'companies.size.name', '1 or 1=1'],
      [`/api/v1/deals?pipelineId=${pipeline.id}&sort=owner`, 'deals.owner', 'o:nope'],
    ] as const) {
      const res = await w.viewer.client.get(`${url}&dir=asc&after=${forge(key, value)}`);
      expect(res.status, `${url} ${value}`).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { after: expect.any(String) } } });
    }
  });

  it('saved views keep the new sorts (and the deal sorts of the table headers)', async () => {
    for (const [object, field] of [
      ['person', 'owner'],
      ['company', 'owner'],
      ['company', 'size'],
      ['company', 'orgNumber'],
      ['deal', 'owner'],
      ['deal', 'stage'],
    ] as const) {
      const res = await w.member.client.post<TSavedView>('/api/v1/views', {
        object,
        name: `By ${field}`,
        sort: { field, dir: 'desc' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.sort).toEqual({ field, dir: 'desc' });
    }
    const bad = await w.member.client.post('/api/v1/views', {
      object: 'person',
      name: 'Bad',
      sort: { field: 'size', dir: 'asc' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: { fields: { 'sort.field': expect.any(String) } } });
  });
});

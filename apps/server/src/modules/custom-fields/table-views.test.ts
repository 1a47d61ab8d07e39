import type { TCompanyList, TDealList, TPerson, TPersonList, TSavedView, TSavedViewList } from '@tillit/contracts';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
import { crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { makeField } from './custom-fields.test-helpers.ts';

type Problem = { error: { code: string; fields: Record<string, string> } };

const qs = (params: [string, string][]) => params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

/** Every page of a people list, following nextCursor. */
async function allPages(client: TestClient, params: [string, string][]): Promise<TPerson[]> {
  const out: TPerson[] = [];
  let after: string | null = null;
  for (let i = 0; i < 50; i++) {
    const p: [string, string][] = after ? [...params, ['after', after]] : params;
    const res = await client.get<TPersonList>(`/api/v1/people?${qs(p)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.items);
    after = res.body.nextCursor;
    if (!after) return out;
  }
  throw new Error('too many pages');
}

describeEachDatabase('table views: filters and sorts', (env) => {
  it('filters on custom and built-in fields, combined; sorts by a custom field over keyset pages (no value last)', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, { object: 'person', key: 'level', label: 'Level', type: 'number' });
    await makeField(w.admin.client, {
      object: 'person',
      key: 'langs',
      label: 'Languages',
      type: 'multi_select',
      options: ['en', 'nb'],
    });
    await makeField(w.admin.client, { object: 'person', key: 'nick', label: 'Nick', type: 'text' });
    await makeField(w.admin.client, { object: 'person', key: 'since', label: 'Since', type: 'date' });
    await makeField(w.admin.client, { object: 'person', key: 'vip', label: 'VIP', type: 'boolean' });
    const mk = (firstName: string, customFields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      makePerson(w.member.client, { firstName, lastName: 'Tv', customFields, ...extra });
    const a = await mk(
      'Ada',
      { level: 3, langs: ['en'], nick: 'Queen', since: '2020-01-01', vip: true },
      {
        address: { city: 'Oslo' },
        tags: ['x'],
      },
    );
    const b = await mk('Bo', { level: 1, langs: ['en', 'nb'], since: '2021-06-01', vip: false });
    const c = await mk('Cy', { level: 10, nick: 'queenie' }, { address: { city: 'Bergen' } });
    const d = await mk('Di', {});
    const e = await mk('Ed', { level: 1 });

    const ids = async (...filters: string[]) => {
      const res = await w.viewer.client.get<TPersonList>(`/api/v1/people?${qs(filters.map((f) => ['filter', f]))}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.map((p) => p.firstName).sort();
    };
    expect(await ids('cf.level:gt:1')).toEqual(['Ada', 'Cy']);
    expect(await ids('cf.level:lte:1')).toEqual(['Bo', 'Ed']);
    expect(await ids('cf.level:eq:1', 'cf.langs:eq:nb')).toEqual(['Bo']);
    expect(await ids('cf.langs:ne:en')).toEqual(['Cy', 'Di', 'Ed']);
    expect(await ids('cf.nick:contains:QUEEN')).toEqual(['Ada', 'Cy']);
    expect(await ids('cf.nick:empty:')).toEqual(['Bo', 'Di', 'Ed']);
    expect(await ids('cf.level:notempty')).toEqual(['Ada', 'Bo', 'Cy', 'Ed']);
    expect(await ids('cf.since:gte:2021-01-01')).toEqual(['Bo']);
    expect(await ids('cf.vip:eq:false')).toEqual(['Bo']);
    expect(await ids('city:eq:oslo')).toEqual(['Ada']);
    expect(await ids('name:prefix:c')).toEqual(['Cy']);
    expect(await ids('tag:eq:x', 'cf.level:gt:2')).toEqual(['Ada']);
    expect(await ids('city:empty:', 'cf.level:notempty:')).toEqual(['Bo', 'Ed']);
    // The existing filters still work beside them.
    const old = await w.viewer.client.get<TPersonList>(`/api/v1/people?tag=x&${qs([['filter', 'cf.level:eq:3']])}`);
    expect(old.body.items.map((p) => p.id)).toEqual([a.id]);

    // Sort by a custom field, two per page: values in order (ties by id), then no value.
    const asc = await allPages(w.viewer.client, [
      ['sort', 'cf.level'],
      ['dir', 'asc'],
      ['limit', '2'],
    ]);
    const order = (list: TPerson[]) => list.map((p) => p.firstName);
    const ones = [b, e].sort((x, y) => x.id.localeCompare(y.id)).map((p) => p.firstName);
    expect(order(asc)).toEqual([...ones, 'Ada', 'Cy', 'Di']);
    const desc = await allPages(w.viewer.client, [
      ['sort', 'cf.level'],
      ['dir', 'desc'],
      ['limit', '2'],
    ]);
    expect(order(desc)).toEqual(['Cy', 'Ada', ...[...ones].reverse(), 'Di']);
    // With a filter, and one row per page through the phase change.
    const filtered = await allPages(w.viewer.client, [
      ['sort', 'cf.nick'],
      ['limit', '1'],
      ['filter', 'cf.level:notempty'],
    ]);
    expect(order(filtered).slice(0, 2)).toEqual(['Ada', 'Cy']);
    expect(order(filtered).slice(2).sort()).toEqual(['Bo', 'Ed']);
    // A filter on the sort field itself: only the records without a value, or only those with one.
    const onlyEmpty = await allPages(w.viewer.client, [
      ['sort', 'cf.level'],
      ['limit', '1'],
      ['filter', 'cf.level:empty'],
    ]);
    expect(order(onlyEmpty)).toEqual(['Di']);
    const onlyValues = await allPages(w.viewer.client, [
      ['sort', 'cf.level'],
      ['dir', 'desc'],
      ['limit', '2'],
      ['filter', 'cf.level:gte:1'],
    ]);
    expect(order(onlyValues)).toEqual(['Cy', 'Ada', ...[...ones].reverse()]);
    expect(d.customFields).toEqual({});
    expect(c.customFields).toEqual({ level: 10, nick: 'queenie' });
    // A cursor of one sort is refused by another.
    const first = await w.viewer.client.get<TPersonList>('/api/v1/people?sort=cf.level&limit=1');
    const wrong = await w.viewer.client.get<Problem>(
      `/api/v1/people?sort=cf.nick&limit=1&after=${first.body.nextCursor ?? ''}`,
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.fields).toHaveProperty('after');
  });

  it('sorts people and companies by built-in text fields over keyset pages, no value first in asc', async () => {
    const w = await crmWorkspace(env());
    const cities = ['bergen', 'Oslo', null, 'alta', 'oslo'];
    const made: TPerson[] = [];
    for (const [i, city] of cities.entries())
      made.push(await makePerson(w.member.client, { firstName: `City${i}`, ...(city ? { address: { city } } : {}) }));
    const byId = (a: TPerson, b: TPerson) => a.id.localeCompare(b.id);
    const key = (p: TPerson) => (p.address.city ?? '').toLowerCase();
    const expected = [...made].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : byId(a, b)));
    const asc = await allPages(w.viewer.client, [
      ['sort', 'city'],
      ['limit', '2'],
    ]);
    expect(asc.map((p) => p.id)).toEqual(expected.map((p) => p.id));
    const desc = await allPages(w.viewer.client, [
      ['sort', 'city'],
      ['dir', 'desc'],
      ['limit', '2'],
    ]);
    expect(desc.map((p) => p.id)).toEqual([...expected].reverse().map((p) => p.id));
    const wrong = await w.viewer.client.get<Problem>('/api/v1/people?sort=shoeSize');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.fields).toHaveProperty('sort');
    await makeCompany(w.member.client, { name: 'B', industry: 'Shipping' });
    await makeCompany(w.member.client, { name: 'A', industry: 'aquaculture' });
    await makeCompany(w.member.client, { name: 'C' });
    const companies = await w.viewer.client.get<TCompanyList>('/api/v1/companies?sort=industry&limit=2');
    expect(companies.body.items.map((c) => c.name)).toEqual(['C', 'A']);
    const rest = await w.viewer.client.get<TCompanyList>(
      `/api/v1/companies?sort=industry&limit=2&after=${companies.body.nextCursor ?? ''}`,
    );
    expect(rest.body.items.map((c) => c.name)).toEqual(['B']);
  });

  it('refuses an unknown field, an operator the field does not take and a bad value, naming the field', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, { object: 'person', key: 'level', label: 'Level', type: 'number' });
    await makeField(w.admin.client, {
      object: 'person',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold'],
    });
    const cases: [string, string][] = [
      ['cf.nope:eq:1', 'filter.cf.nope'],
      ['shoeSize:eq:1', 'filter.shoeSize'],
      ['cf.level:contains:1', 'filter.cf.level'],
      ['cf.level:gt:many', 'filter.cf.level'],
      ['cf.tier:eq:silver', 'filter.cf.tier'],
      ['createdAt:gt:yesterday', 'filter.createdAt'],
      ['visibility:eq:secret', 'filter.visibility'],
      ['ownerId:eq:me', 'filter.ownerId'],
    ];
    for (const [f, key] of cases) {
      const res = await w.member.client.get<Problem>(`/api/v1/people?${qs([['filter', f]])}`);
      expect(res.status, f).toBe(422);
      expect(Object.keys(res.body.error.fields), f).toEqual([key]);
    }
    const syntax = await w.member.client.get<Problem>('/api/v1/people?filter=justtext');
    expect(syntax.status).toBe(422);
    expect(JSON.stringify(syntax.body.error.fields)).toContain('filter');
    const sort = await w.member.client.get<Problem>('/api/v1/people?sort=cf.nope');
    expect(sort.status).toBe(422);
    expect(sort.body.error.fields).toHaveProperty('sort');
  });

  it('companies and deals filter and sort by custom fields too', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, {
      object: 'company',
      key: 'segment',
      label: 'Segment',
      type: 'select',
      options: ['smb', 'ent'],
    });
    await makeField(w.admin.client, { object: 'deal', key: 'score', label: 'Score', type: 'number' });
    const c1 = await makeCompany(w.member.client, { name: 'Acme', customFields: { segment: 'ent' } });
    await makeCompany(w.member.client, { name: 'Beta', customFields: { segment: 'smb' } });
    const companies = await w.viewer.client.get<TCompanyList>(
      `/api/v1/companies?${qs([['filter', 'cf.segment:eq:ent']])}`,
    );
    expect(companies.body.items.map((c) => c.id)).toEqual([c1.id]);
    const bySegment = await w.viewer.client.get<TCompanyList>('/api/v1/companies?sort=cf.segment&dir=desc');
    expect(bySegment.body.items.map((c) => c.name)).toEqual(['Beta', 'Acme']);
    const pipeline = await salesPipeline(w.member.client);
    await makeDeal(w.member.client, pipeline.id, { name: 'Low', customFields: { score: 1 } });
    await makeDeal(w.member.client, pipeline.id, { name: 'High', customFields: { score: 9 } });
    await makeDeal(w.member.client, pipeline.id, { name: 'None' });
    const deals = await w.viewer.client.get<TDealList>(
      `/api/v1/deals?pipelineId=${pipeline.id}&sort=cf.score&dir=desc&${qs([['filter', 'amount:gte:0']])}`,
    );
    expect(deals.status, JSON.stringify(deals.body)).toBe(200);
    expect(deals.body.items.map((d) => d.name)).toEqual(['High', 'Low', 'None']);
    const filtered = await w.viewer.client.get<TDealList>(
      `/api/v1/deals?pipelineId=${pipeline.id}&${qs([['filter', 'cf.score:lt:5']])}`,
    );
    expect(filtered.body.items.map((d) => d.name)).toEqual(['Low']);
  });

  it('[P-ACC-7] a filter or sort never shows a private record to another member', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, { object: 'person', key: 'level', label: 'Level', type: 'number' });
    const mine = await makePerson(w.member.client, { visibility: 'private', customFields: { level: 5 } });
    const open = await makePerson(w.member.client, { customFields: { level: 6 } });
    for (const params of [[['filter', 'cf.level:notempty']], [['sort', 'cf.level']], [['filter', 'cf.level:eq:5']]] as [
      string,
      string,
    ][][]) {
      const list = await w.other.client.get<TPersonList>(`/api/v1/people?${qs(params)}`);
      expect(list.body.items.map((p) => p.id)).not.toContain(mine.id);
    }
    const owner = await w.member.client.get<TPersonList>('/api/v1/people?sort=cf.level');
    expect(owner.body.items.map((p) => p.id)).toEqual([mine.id, open.id]);
  });
});

describeEachDatabase('saved views', (env) => {
  const body = {
    object: 'person',
    name: 'Gold in Oslo',
    columns: ['name', 'emails', 'cf.tier'],
    filters: [{ field: 'cf.tier', op: 'eq', value: 'gold' }],
    sort: { field: 'cf.tier', dir: 'asc' },
  };

  it('a private view is its owner’s alone; a shared one is seen by all, changed by its owner and admins', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, {
      object: 'person',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold'],
    });
    const created = await w.member.client.post<TSavedView>('/api/v1/views', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'Gold in Oslo', shared: false, ownerId: w.member.userId });
    const mineList = await w.member.client.get<TSavedViewList>('/api/v1/views?object=person');
    expect(mineList.body.items.map((v) => v.id)).toEqual([created.body.id]);
    for (const u of [w.other, w.admin, w.viewer]) {
      const list = await u.client.get<TSavedViewList>('/api/v1/views?object=person');
      expect(list.body.items).toEqual([]);
      expect((await u.client.patch(`/api/v1/views/${created.body.id}`, { name: 'Mine' })).status).toBe(404);
      expect((await u.client.delete(`/api/v1/views/${created.body.id}`)).status).toBe(404);
    }
    const shared = await w.member.client.patch<TSavedView>(`/api/v1/views/${created.body.id}`, { shared: true });
    expect(shared.body.shared).toBe(true);
    const seen = await w.viewer.client.get<TSavedViewList>('/api/v1/views?object=person');
    expect(seen.body.items.map((v) => v.name)).toEqual(['Gold in Oslo']);
    expect((await w.other.client.patch(`/api/v1/views/${created.body.id}`, { name: 'Mine' })).status).toBe(403);
    expect((await w.viewer.client.delete(`/api/v1/views/${created.body.id}`)).status).toBe(403);
    const renamed = await w.admin.client.patch<TSavedView>(`/api/v1/views/${created.body.id}`, { name: 'Gold' });
    expect(renamed.body.name).toBe('Gold');
    // Views of people do not show among views of companies.
    expect((await w.member.client.get<TSavedViewList>('/api/v1/views?object=company')).body.items).toEqual([]);
    expect((await w.member.client.delete(`/api/v1/views/${created.body.id}`)).status).toBe(204);
    expect((await w.member.client.get<TSavedViewList>('/api/v1/views?object=person')).body.items).toEqual([]);
  });

  it('a viewer may save views for themselves, not share them; another workspace sees and changes nothing', async () => {
    const w = await crmWorkspace(env());
    const x = await crmWorkspace(env(), 'X');
    const own = await w.viewer.client.post<TSavedView>('/api/v1/views', { object: 'company', name: 'Mine' });
    expect(own.status).toBe(201);
    expect((await w.viewer.client.post('/api/v1/views', { object: 'company', name: 'All', shared: true })).status).toBe(
      403,
    );
    expect((await w.viewer.client.patch(`/api/v1/views/${own.body.id}`, { shared: true })).status).toBe(403);
    const shared = await w.owner.client.post<TSavedView>('/api/v1/views', {
      object: 'company',
      name: 'Team',
      shared: true,
    });
    expect((await x.owner.client.get<TSavedViewList>('/api/v1/views?object=company')).body.items).toEqual([]);
    for (const id of [own.body.id, shared.body.id]) {
      expect((await x.owner.client.patch(`/api/v1/views/${id}`, { name: 'Stolen' })).status).toBe(404);
      expect((await x.owner.client.delete(`/api/v1/views/${id}`)).status).toBe(404);
    }
  });

  it('refuses columns, filters and sorts that are not fields of the list (422 naming the part)', async () => {
    const w = await crmWorkspace(env());
    const res = await w.member.client.post<Problem>('/api/v1/views', {
      object: 'deal',
      name: 'Bad',
      columns: ['name', 'shoeSize'],
      filters: [{ field: 'cf.nope', op: 'eq', value: '1' }],
      sort: { field: 'title', dir: 'asc' },
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['columns.1', 'filters.0.field', 'sort.field']);
    const audit = await w.owner.client.get<{ entries: { action: string }[] }>('/api/audit?action=view.');
    expect(audit.body.entries).toEqual([]);
    await w.member.client.post('/api/v1/views', {
      object: 'deal',
      name: 'Good',
      sort: { field: 'amount', dir: 'desc' },
    });
    const after = await w.owner.client.get<{ entries: { action: string }[] }>('/api/audit?action=view.');
    expect(after.body.entries.map((e) => e.action)).toEqual(['view.created']);
  });
});

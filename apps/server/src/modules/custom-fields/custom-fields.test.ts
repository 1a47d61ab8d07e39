import type { TCompany, TCustomField, TDeal, TPerson, TPersonList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { personFieldValues } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
import { csvRecords } from '../export/export.test-helpers.ts';
import { crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { makeField } from './custom-fields.test-helpers.ts';

type DataMap = {
  workspaceFields: { table: string; object: string; key: string; personal: boolean; category: string | null }[];
};

/** One field of each type on people, as the tests below use them. */
async function peopleFields(client: TestClient) {
  return {
    level: await makeField(client, { object: 'person', key: 'level', label: 'Level', type: 'number' }),
    birthday: await makeField(client, {
      object: 'person',
      key: 'birthday',
      label: 'Birthday',
      type: 'date',
      personal: true,
      category: 'user.demographic',
    }),
    tier: await makeField(client, {
      object: 'person',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold', 'silver'],
    }),
    langs: await makeField(client, {
      object: 'person',
      key: 'langs',
      label: 'Languages',
      type: 'multi_select',
      options: ['en', 'nb', 'sv'],
    }),
    vip: await makeField(client, { object: 'person', key: 'vip', label: 'VIP', type: 'boolean' }),
    site: await makeField(client, { object: 'person', key: 'site', label: 'Site', type: 'url' }),
    nick: await makeField(client, {
      object: 'person',
      key: 'nick',
      label: 'Nickname',
      type: 'text',
      personal: true,
      category: 'user.name',
    }),
  };
}

describeEachDatabase('custom fields', (env) => {
  it('[P-CRM-1] values of every type are stored, returned on reads, changed key by key and cleared', async () => {
    const w = await crmWorkspace(env());
    await peopleFields(w.admin.client);
    const p = await makePerson(w.member.client, {
      customFields: {
        level: 3.5,
        birthday: '1990-02-28',
        tier: 'gold',
        langs: ['sv', 'en', 'en'],
        vip: true,
        site: 'https://example.test/a',
        nick: '  Åsa ',
      },
    });
    expect(p.customFields).toEqual({
      level: 3.5,
      birthday: '1990-02-28',
      tier: 'gold',
      langs: ['en', 'sv'],
      vip: true,
      site: 'https://example.test/a',
      nick: 'Åsa',
    });
    const read = await w.viewer.client.get<TPerson>(`/api/v1/people/${p.id}`);
    expect(read.body.customFields).toEqual(p.customFields);
    const list = await w.viewer.client.get<TPersonList>('/api/v1/people');
    expect(list.body.items.find((x) => x.id === p.id)?.customFields).toEqual(p.customFields);

    const changed = await w.member.client.patch<TPerson>(`/api/v1/people/${p.id}`, {
      customFields: { level: -2, vip: false, langs: [], nick: null },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.customFields).toEqual({
      level: -2,
      birthday: '1990-02-28',
      tier: 'gold',
      vip: false,
      site: 'https://example.test/a',
    });
  });

  it('refuses an unknown key, a wrong type, an option not in the list, a bad url or date (422 naming customFields.<key>)', async () => {
    const w = await crmWorkspace(env());
    await peopleFields(w.admin.client);
    const cases: [Record<string, unknown>, string][] = [
      [{ nope: 1 }, 'customFields.nope'],
      [{ level: 'three' }, 'customFields.level'],
      [{ tier: 'bronze' }, 'customFields.tier'],
      [{ langs: ['en', 'de'] }, 'customFields.langs'],
      [{ langs: 'en' }, 'customFields.langs'],
      [{ site: 'javascript:alert(1)' }, 'customFields.site'],
      [{ site: 'not a url' }, 'customFields.site'],
      [{ birthday: '1990-02-30' }, 'customFields.birthday'],
      [{ birthday: '28.02.1990' }, 'customFields.birthday'],
      [{ vip: 'yes' }, 'customFields.vip'],
      [{ nick: 'x'.repeat(1001) }, 'customFields.nick'],
    ];
    for (const [customFields, key] of cases) {
      const res = await w.member.client.post<{ error: { code: string; fields: Record<string, string> } }>(
        '/api/v1/people',
        { firstName: 'Bad', subjectCategories: ['client'], customFields },
      );
      expect(res.status, JSON.stringify(customFields)).toBe(422);
      expect(Object.keys(res.body.error.fields)).toEqual([key]);
    }
    const p = await makePerson(w.member.client);
    const bad = await w.member.client.patch<{ error: { fields: Record<string, string> } }>(`/api/v1/people/${p.id}`, {
      customFields: { tier: 'bronze' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields['customFields.tier']).toContain('gold');
    // Nothing was written.
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.customFields).toEqual({});
  });

  it('definitions: admins create, change and delete them (audited); members and viewers are refused; keys are unique per object', async () => {
    const w = await crmWorkspace(env());
    for (const user of [w.member, w.viewer]) {
      const res = await user.client.post('/api/v1/custom-fields', {
        object: 'person',
        key: 'x',
        label: 'X',
        type: 'text',
        personal: false,
      });
      expect(res.status).toBe(403);
    }
    const f = await makeField(w.owner.client, { object: 'company', key: 'rating', label: 'Rating', type: 'number' });
    const again = await w.admin.client.post('/api/v1/custom-fields', {
      object: 'company',
      key: 'rating',
      label: 'Again',
      type: 'text',
      personal: false,
    });
    expect(again.status).toBe(409);
    // The same key on another object is another field.
    await makeField(w.admin.client, { object: 'deal', key: 'rating', label: 'Rating', type: 'number' });
    const missing = await w.admin.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/custom-fields', {
      object: 'person',
      key: 'pet',
      label: 'Pet',
      type: 'text',
      personal: true,
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.fields).toHaveProperty('category');
    const unknownCategory = await w.admin.client.post<{ error: { fields: Record<string, string> } }>(
      '/api/v1/custom-fields',
      { object: 'person', key: 'pet', label: 'Pet', type: 'text', personal: true, category: 'user.nothing_like_it' },
    );
    expect(unknownCategory.status).toBe(422);
    expect(unknownCategory.body.error.fields).toHaveProperty('category');
    const noOptions = await w.admin.client.post('/api/v1/custom-fields', {
      object: 'person',
      key: 'pick',
      label: 'Pick',
      type: 'select',
      personal: false,
    });
    expect(noOptions.status).toBe(422);

    expect((await w.member.client.patch(`/api/v1/custom-fields/${f.id}`, { label: 'No' })).status).toBe(403);
    const renamed = await w.admin.client.patch<TCustomField>(`/api/v1/custom-fields/${f.id}`, { label: 'Score' });
    expect(renamed.body).toMatchObject({ label: 'Score', key: 'rating', type: 'number' });
    const list = await w.viewer.client.get<{ items: TCustomField[] }>('/api/v1/custom-fields?object=company');
    expect(list.body.items.map((x) => x.label)).toEqual(['Score']);
    expect((await w.member.client.delete(`/api/v1/custom-fields/${f.id}`)).status).toBe(403);
    expect((await w.admin.client.delete(`/api/v1/custom-fields/${f.id}`)).status).toBe(204);

    const audit = await w.owner.client.get<{ entries: { action: string; target: { id: string } | null }[] }>(
      '/api/audit?action=custom_field.&limit=50',
    );
    expect(audit.body.entries.filter((e) => e.target?.id === f.id).map((e) => e.action)).toEqual([
      'custom_field.deleted',
      'custom_field.updated',
      'custom_field.created',
    ]);
  });

  it('another workspace can neither see nor change nor fill in the fields of a workspace', async () => {
    const a = await crmWorkspace(env(), 'A');
    const b = await crmWorkspace(env(), 'B');
    const f = await makeField(a.admin.client, { object: 'person', key: 'secret', label: 'Secret', type: 'text' });
    expect((await b.owner.client.get<{ items: TCustomField[] }>('/api/v1/custom-fields')).body.items).toEqual([]);
    expect((await b.owner.client.patch(`/api/v1/custom-fields/${f.id}`, { label: 'Mine' })).status).toBe(404);
    expect((await b.owner.client.delete(`/api/v1/custom-fields/${f.id}`)).status).toBe(404);
    const res = await b.owner.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      customFields: { secret: 'x' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toHaveProperty('customFields.secret');
  });

  it('[P-ACC-7] the values of a private record stay private: another member cannot read or set them', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, { object: 'person', key: 'note', label: 'Note', type: 'text' });
    const p = await makePerson(w.member.client, { visibility: 'private', customFields: { note: 'hidden' } });
    expect((await w.other.client.get(`/api/v1/people/${p.id}`)).status).toBe(404);
    expect((await w.other.client.patch(`/api/v1/people/${p.id}`, { customFields: { note: 'x' } })).status).toBe(404);
    const list = await w.other.client.get<TPersonList>('/api/v1/people?filter=cf.note:eq:hidden');
    expect(list.body.items).toEqual([]);
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.customFields).toEqual({
      note: 'hidden',
    });
  });

  it('companies and deals carry custom fields too', async () => {
    const w = await crmWorkspace(env());
    await makeField(w.admin.client, {
      object: 'company',
      key: 'segment',
      label: 'Segment',
      type: 'select',
      options: ['smb', 'ent'],
    });
    await makeField(w.admin.client, { object: 'deal', key: 'source_url', label: 'Source', type: 'url' });
    const c = await makeCompany(w.member.client, { customFields: { segment: 'ent' } });
    expect(c.customFields).toEqual({ segment: 'ent' });
    const bad = await w.member.client.patch(`/api/v1/companies/${c.id}`, { customFields: { segment: 'mid' } });
    expect(bad.status).toBe(422);
    const read = await w.viewer.client.get<TCompany>(`/api/v1/companies/${c.id}`);
    expect(read.body.customFields).toEqual({ segment: 'ent' });
    const pipeline = await salesPipeline(w.member.client);
    const d = await makeDeal(w.member.client, pipeline.id, { customFields: { source_url: 'http://example.test' } });
    expect(d.customFields).toEqual({ source_url: 'http://example.test' });
    const moved = await w.member.client.patch<TDeal>(`/api/v1/deals/${d.id}`, { customFields: { source_url: '' } });
    expect(moved.body.customFields).toEqual({});
    const badDeal = await w.member.client.patch<{ error: { fields: Record<string, string> } }>(
      `/api/v1/deals/${d.id}`,
      {
        customFields: { source_url: 'ftp://x' },
      },
    );
    expect(badDeal.status).toBe(422);
    expect(badDeal.body.error.fields).toHaveProperty('customFields.source_url');
  });

  it('[P-LB-3] the data map lists each field of the workspace with its declaration; a deleted field leaves it, its values and the exports', async () => {
    const w = await crmWorkspace(env());
    const other = await crmWorkspace(env(), 'Other');
    await makeField(other.admin.client, { object: 'person', key: 'elsewhere', label: 'Elsewhere', type: 'text' });
    const f = await peopleFields(w.admin.client);
    const p = await makePerson(w.member.client, { customFields: { nick: 'Bob', langs: ['nb'], level: 7 } });
    const map = await w.admin.client.get<DataMap>('/api/privacy/data-map');
    expect(map.status).toBe(200);
    expect(map.body.workspaceFields).toContainEqual(
      expect.objectContaining({ table: 'person_field_values', key: 'nick', personal: true, category: 'user.name' }),
    );
    expect(map.body.workspaceFields).toContainEqual(
      expect.objectContaining({ key: 'level', personal: false, category: null }),
    );
    expect(map.body.workspaceFields.map((x) => x.key)).not.toContain('elsewhere');

    const csv = await w.member.client.get('/api/v1/people/export?format=csv');
    const row = csvRecords(csv.text).find((r) => r.id === p.id);
    expect(row).toMatchObject({ 'cf.nick': 'Bob', 'cf.langs': 'nb', 'cf.level': '7', 'cf.tier': '' });
    const json = await w.member.client.get('/api/v1/people/export?format=json');
    expect((JSON.parse(json.text) as TPerson[]).find((x) => x.id === p.id)?.customFields).toMatchObject({
      nick: 'Bob',
    });

    const stored = () =>
      withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
        const rows = await tx.select().from(personFieldValues).where(eq(personFieldValues.fieldId, f.nick.id));
        return rows.length;
      });
    expect(await stored()).toBe(1);
    expect((await w.admin.client.delete(`/api/v1/custom-fields/${f.nick.id}`)).status).toBe(204);
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.customFields).toEqual({
      langs: ['nb'],
      level: 7,
    });
    const after = await w.admin.client.get<DataMap>('/api/privacy/data-map');
    expect(after.body.workspaceFields.map((x) => x.key)).not.toContain('nick');
    const csv2 = await w.member.client.get('/api/v1/people/export?format=csv');
    expect(Object.keys(csvRecords(csv2.text)[0] ?? {})).not.toContain('cf.nick');
    expect(await stored()).toBe(0);
  });

  it('removing an option removes it from the records that had it', async () => {
    const w = await crmWorkspace(env());
    const f = await peopleFields(w.admin.client);
    const p = await makePerson(w.member.client, { customFields: { langs: ['en', 'nb'], tier: 'silver' } });
    const res = await w.admin.client.patch<TCustomField>(`/api/v1/custom-fields/${f.langs.id}`, {
      options: ['en', 'sv'],
    });
    expect(res.status).toBe(200);
    await w.admin.client.patch(`/api/v1/custom-fields/${f.tier.id}`, { options: ['gold'] });
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.customFields).toEqual({ langs: ['en'] });
  });
});

import type { TPerson, TPersonList } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { makeField } from '../custom-fields/custom-fields.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../people/people.test-helpers.ts';
import { DEFAULTS, importCsv, preview, undo, upload } from './import.test-helpers.ts';

async function byEmail(client: TestClient, email: string): Promise<TPerson[]> {
  const res = await client.get<TPersonList>(`/api/v1/people?q=${encodeURIComponent(email)}&limit=50`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

async function person(client: TestClient, id: string): Promise<TPerson> {
  const res = await client.get<TPerson>(`/api/v1/people/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const HEAD = 'First,Email,Level,Birthday,Vip,Tier,Interests,Site';
const MAPPING = ['firstName', 'email', 'cf.level', 'cf.birthday', 'cf.vip', 'cf.tier', 'cf.interests', 'cf.site'];

describeEachDatabase('import of people: custom fields', (env) => {
  let ws: CrmWorkspace;
  let other: CrmWorkspace;

  beforeAll(async () => {
    ws = await crmWorkspace(env(), 'ImportCf');
    other = await crmWorkspace(env(), 'ImportCfOther');
    const c = ws.admin.client;
    for (const body of [
      { object: 'person', key: 'level', label: 'Level', type: 'number' },
      { object: 'person', key: 'birthday', label: 'Birthday', type: 'date' },
      { object: 'person', key: 'vip', label: 'Vip', type: 'boolean' },
      {
        object: 'person',
        key: 'tier',
        label: 'Tier',
        type: 'select',
        options: ['Gold', 'Silver'],
      },
      {
        object: 'person',
        key: 'interests',
        label: 'Interests',
        type: 'multi_select',
        options: ['golf', 'ski', 'wine'],
      },
      { object: 'person', key: 'site', label: 'Site', type: 'url' },
    ])
      await makeField(c, body);
    // A field only the other workspace has.
    await makeField(other.admin.client, { object: 'person', key: 'secret', label: 'Secret', type: 'text' });
  });

  it('[P-CRM-10] the preview suggests cf.<key> for a header equal to a field label or key', async () => {
    const file = await upload(
      ws.member.client,
      'cf.csv',
      'First name,email,LEVEL,birthday,Secret,Other\nA,a@x.example,1,,,\n',
    );
    const p = await preview(ws.member.client, file.id);
    expect(p.suggestedMapping).toEqual(['firstName', 'email', 'cf.level', 'cf.birthday', null, null]);
  });

  it('[P-CRM-10] created people get their custom field values converted from text by type', async () => {
    const csv = [
      HEAD,
      'Ada,ada@cf.example,"3,5",2024-02-29,ja,gold,Golf; wine,https://ada.example',
      'Bo,bo@cf.example,12,,No,,ski|golf,',
      'Cy,cy@cf.example,,,1,SILVER,,',
    ].join('\n');
    const done = await importCsv(ws.member.client, csv, { mapping: MAPPING });
    expect(done).toMatchObject({ created: 3, failed: 0 });
    const [ada] = await byEmail(ws.member.client, 'ada@cf.example');
    expect((await person(ws.member.client, ada?.id ?? '')).customFields).toEqual({
      level: 3.5,
      birthday: '2024-02-29',
      vip: true,
      tier: 'Gold',
      interests: ['golf', 'wine'],
      site: 'https://ada.example',
    });
    const [bo] = await byEmail(ws.member.client, 'bo@cf.example');
    expect((await person(ws.member.client, bo?.id ?? '')).customFields).toEqual({
      level: 12,
      vip: false,
      interests: ['golf', 'ski'],
    });
    const [cy] = await byEmail(ws.member.client, 'cy@cf.example');
    expect((await person(ws.member.client, cy?.id ?? '')).customFields).toEqual({ vip: true, tier: 'Silver' });
  });

  it('[P-CRM-10] a bad custom field value refuses the row, naming the column in the report; nothing half-written', async () => {
    const csv = [
      HEAD,
      'Ok,ok@bad.example,1,,,,,',
      'N,n@bad.example,abc,,,,,',
      'D,d@bad.example,,2024-13-01,,,,',
      'B,b@bad.example,,,maybe,,,',
      'S,s@bad.example,,,,Bronze,,',
      'M,m@bad.example,,,,,golf;tennis,',
      'U,u@bad.example,,,,,,not a url',
    ].join('\n');
    const done = await importCsv(ws.member.client, csv, { mapping: MAPPING });
    expect(done).toMatchObject({ created: 1, failed: 6 });
    const report = await ws.member.client.get(`/api/v1/imports/${done.id}/report`);
    expect(report.status).toBe(200);
    const lines = report.text.trim().split(/\r\n/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '3,Level',
      '4,Birthday',
      '5,Vip',
      '6,Tier',
      '7,Interests',
      '8,Site',
    ]);
    expect(report.text).toContain('must be a number');
    expect(report.text).toContain('"tennis"');
    for (const e of ['n', 'd', 'b', 's', 'm', 'u'])
      expect(await byEmail(ws.member.client, `${e}@bad.example`)).toEqual([]);
    expect(await byEmail(ws.member.client, 'ok@bad.example')).toHaveLength(1);
  });

  it('[P-CRM-10] update replaces the mapped custom fields; undo restores the previous values exactly', async () => {
    const before = await makePerson(ws.member.client, {
      firstName: 'Up',
      emails: [{ value: 'up@cf.example' }],
      customFields: { level: 7, tier: 'Silver', interests: ['ski', 'wine'], site: 'https://keep.example' },
    });
    expect(before.customFields).toEqual({
      level: 7,
      tier: 'Silver',
      interests: ['ski', 'wine'],
      site: 'https://keep.example',
    });
    const csv = ['First,Email,Level,Tier,Interests', 'Up,up@cf.example,"8,25",gold,golf'].join('\n');
    const done = await importCsv(ws.member.client, csv, {
      mapping: ['firstName', 'email', 'cf.level', 'cf.tier', 'cf.interests'],
      duplicates: 'update',
    });
    expect(done).toMatchObject({ updated: 1, created: 0, failed: 0 });
    expect((await person(ws.member.client, before.id)).customFields).toEqual({
      level: 8.25,
      tier: 'Gold',
      interests: ['golf'],
      site: 'https://keep.example',
    });
    const undone = await undo(ws.member.client, done.id);
    expect(undone.status).toBe('undone');
    const after = await person(ws.member.client, before.id);
    expect(after.customFields).toEqual(before.customFields);
    expect(after.updatedAt).toBe(before.updatedAt);
  });

  it("[P-CRM-10] an unknown key, or another workspace's field, is refused with 422 naming mapping.<index>", async () => {
    const file = await upload(ws.member.client, 'unknown.csv', 'First,Secret,Nope\nA,b,c\n');
    for (const [mapping, index] of [
      [['firstName', 'cf.secret', null], 1],
      [['firstName', null, 'cf.nope'], 2],
    ] as const) {
      const res = await ws.member.client.post('/api/v1/imports', {
        fileId: file.id,
        mapping,
        duplicates: 'skip',
        defaults: DEFAULTS,
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        error: { code: 'validation_failed', fields: { [`mapping.${index}`]: expect.any(String) } },
      });
    }
    const bad = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName', 'cf.Not-A-Key', null],
      duplicates: 'skip',
      defaults: DEFAULTS,
    });
    expect(bad.status).toBe(422);
    // The other workspace's preview never suggests this workspace's fields, nor the reverse.
    const f2 = await upload(other.member.client, 'o.csv', 'First name,Level,Secret\nA,1,x\n');
    expect((await preview(other.member.client, f2.id)).suggestedMapping).toEqual(['firstName', null, 'cf.secret']);
    const o = await other.member.client.post('/api/v1/imports', {
      fileId: f2.id,
      mapping: ['firstName', 'cf.level', null],
      duplicates: 'skip',
      defaults: DEFAULTS,
    });
    expect(o.status).toBe(422);
    expect(o.body).toMatchObject({ error: { fields: { 'mapping.1': 'cf.level is not a custom field of people' } } });
  });
});

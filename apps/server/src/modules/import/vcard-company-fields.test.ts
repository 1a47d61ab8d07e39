import type { TCompany, TCompanyList, TImport, TPerson, TPersonList } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { makeField } from '../custom-fields/custom-fields.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany } from '../people/people.test-helpers.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { LEASE_MS, processImport } from './import.run.ts';
import { createImport } from './import.service.ts';
import { DEFAULTS, importCsv, preview, undo, upload, waitFor } from './import.test-helpers.ts';

async function personByEmail(client: TestClient, email: string): Promise<TPerson | undefined> {
  const res = await client.get<TPersonList>(`/api/v1/people?q=${encodeURIComponent(email)}&limit=50`);
  expect(res.status, res.text).toBe(200);
  const id = res.body.items[0]?.id;
  if (!id) return undefined;
  const one = await client.get<TPerson>(`/api/v1/people/${id}`);
  expect(one.status, one.text).toBe(200);
  return one.body;
}

async function company(client: TestClient, id: string): Promise<TCompany> {
  const res = await client.get<TCompany>(`/api/v1/companies/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function companyNamed(client: TestClient, name: string): Promise<TCompany | undefined> {
  const res = await client.get<TCompanyList>(`/api/v1/companies?q=${encodeURIComponent(name)}&limit=50`);
  expect(res.status, res.text).toBe(200);
  const hit = res.body.items.find((c) => c.name === name);
  return hit ? company(client, hit.id) : undefined;
}

async function report(client: TestClient, id: string): Promise<string[]> {
  const res = await client.get(`/api/v1/imports/${id}/report`);
  expect(res.status).toBe(200);
  return res.text.trim().split(/\r\n/).slice(1);
}

/** Uploads a vCard file and imports it with `properties`, waiting for the end. */
async function importVcard(
  client: TestClient,
  vcf: string,
  properties: Record<string, string | null>,
  extra: Record<string, unknown> = {},
): Promise<TImport> {
  const file = await upload(client, 'cards.vcf', vcf, 'text/vcard');
  const res = await client.post<TImport>('/api/v1/imports', {
    fileId: file.id,
    duplicates: 'skip',
    defaults: DEFAULTS,
    properties,
    ...extra,
  });
  expect(res.status, res.text).toBe(202);
  return waitFor(client, res.body.id);
}

describeEachDatabase('import of people: vCard properties and company fields', (env) => {
  let ws: CrmWorkspace;
  let other: CrmWorkspace;

  beforeAll(async () => {
    ws = await crmWorkspace(env(), 'ImportMore');
    other = await crmWorkspace(env(), 'ImportMoreOther');
    const c = ws.admin.client;
    for (const body of [
      { object: 'person', key: 'linkedin', label: 'LinkedIn', type: 'url' },
      { object: 'person', key: 'level', label: 'Level', type: 'number' },
      { object: 'person', key: 'birthday', label: 'Birthday', type: 'date' },
      { object: 'person', key: 'note', label: 'Note', type: 'text' },
      { object: 'company', key: 'size', label: 'Size', type: 'number' },
      { object: 'company', key: 'tier', label: 'Tier', type: 'select', options: ['Gold', 'Silver'] },
    ])
      await makeField(c, body);
    await makeField(other.admin.client, { object: 'company', key: 'secret', label: 'Secret', type: 'text' });
  });

  it('[P-CRM-10] the preview of a vCard lists its X- and NOTE/BDAY properties with suggested custom fields', async () => {
    const vcf = [
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Ada Preview',
      'EMAIL:ada@preview.example',
      'X-LINKEDIN:https://linkedin.example/ada',
      'X-TILLIT-LEVEL:3',
      'X-TILLIT-COMPANY-SIZE:40',
      'NOTE:Met at the fair',
      'X-UNKNOWN:whatever',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Bo Preview',
      'BDAY:1985-04-12',
      'END:VCARD',
    ].join('\r\n');
    const file = await upload(ws.member.client, 'preview.vcf', vcf, 'text/vcard');
    const p = await preview(ws.member.client, file.id);
    expect(p.properties).toEqual([
      'X-LINKEDIN',
      'X-TILLIT-LEVEL',
      'X-TILLIT-COMPANY-SIZE',
      'NOTE',
      'X-UNKNOWN',
      'BDAY',
    ]);
    const at = (h: string) => p.suggestedMapping[p.headers.indexOf(h)];
    expect(at('X-LINKEDIN')).toBe('cf.linkedin');
    expect(at('X-TILLIT-LEVEL')).toBe('cf.level');
    expect(at('X-TILLIT-COMPANY-SIZE')).toBe('company.cf.size');
    expect(at('NOTE')).toBe('cf.note');
    expect(at('X-UNKNOWN')).toBeNull();
    expect(at('BDAY')).toBeNull();
    expect(p.headers).toContain('fullName');
    expect(p.rows[0]?.[p.headers.indexOf('X-LINKEDIN')]).toBe('https://linkedin.example/ada');
    expect(p.rows[1]?.[p.headers.indexOf('BDAY')]).toBe('1985-04-12');
  });

  it('[P-CRM-10] vCard 3.0 and 4.0 properties fill custom fields by type; a bad value refuses its card (row, property, problem) while the good ones import', async () => {
    const vcf = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Nordmann;Ola;;;',
      'EMAIL:ola@xprop.example',
      'X-LINKEDIN:https://linkedin.example/ola',
      'X-TILLIT-LEVEL:4\\,5',
      'BDAY:1980-02-29T00:00:00Z',
      'NOTE:Likes\\, among other things\\, skiing',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Kari Nordmann',
      'EMAIL:kari@xprop.example',
      'item1.X-LINKEDIN:https://linkedin.example/kari',
      'BDAY:19900412',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Bad Level',
      'EMAIL:bad@xprop.example',
      'X-TILLIT-LEVEL:high',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Bad Link',
      'EMAIL:badlink@xprop.example',
      'X-LINKEDIN:not a url',
      'END:VCARD',
    ].join('\r\n');
    const done = await importVcard(ws.member.client, vcf, {
      'X-LINKEDIN': 'cf.linkedin',
      'X-TILLIT-LEVEL': 'cf.level',
      BDAY: 'cf.birthday',
      NOTE: 'cf.note',
      'X-UNUSED': null,
    });
    expect(done).toMatchObject({ status: 'done', rowsRead: 4, created: 2, failed: 2 });
    expect(done.problems).toEqual([
      { row: 3, field: 'X-TILLIT-LEVEL', problem: 'must be a number (with . or , as decimal mark)' },
      { row: 4, field: 'X-LINKEDIN', problem: expect.stringContaining('') },
    ]);
    expect(await report(ws.member.client, done.id)).toHaveLength(2);
    expect((await personByEmail(ws.member.client, 'ola@xprop.example'))?.customFields).toEqual({
      linkedin: 'https://linkedin.example/ola',
      level: 4.5,
      birthday: '1980-02-29',
      note: 'Likes, among other things, skiing',
    });
    expect((await personByEmail(ws.member.client, 'kari@xprop.example'))?.customFields).toEqual({
      linkedin: 'https://linkedin.example/kari',
      birthday: '1990-04-12',
    });
    expect(await personByEmail(ws.member.client, 'bad@xprop.example')).toBeUndefined();
    expect(await personByEmail(ws.member.client, 'badlink@xprop.example')).toBeUndefined();
  });

  it("[P-CRM-10] vCard properties are refused with 422 naming properties.<NAME>: an unknown or another workspace's field, a property that maps itself, properties for a CSV", async () => {
    const vcf = 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A B\r\nEND:VCARD\r\n';
    const file = await upload(ws.member.client, 'p.vcf', vcf, 'text/vcard');
    const post = (body: Record<string, unknown>, fileId = file.id) =>
      ws.member.client.post('/api/v1/imports', { fileId, duplicates: 'skip', defaults: DEFAULTS, ...body });
    for (const [properties, path] of [
      [{ 'X-A': 'cf.nope' }, 'properties.X-A'],
      [{ 'X-A': 'company.cf.secret' }, 'properties.X-A'],
      [{ EMAIL: 'cf.level' }, 'properties.EMAIL'],
      [{ 'X-A': 'firstName' }, 'properties.X-A'],
    ] as const) {
      const res = await post({ properties });
      expect(res.status, res.text).toBe(422);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed', fields: { [path]: expect.any(String) } } });
    }
    const csv = await upload(ws.member.client, 'p.csv', 'First\nA\n');
    const res = await post({ mapping: ['firstName'], properties: { 'X-A': 'cf.level' } }, csv.id);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { fields: { properties: expect.any(String) } } });
  });

  it("[P-CRM-10] company.cf.<key> sets the row's company's field, created or found; bad values and rows without a company are refused by row and column; the first row wins for a company, later different values are warnings", async () => {
    const found = await makeCompany(ws.member.client, { name: 'Found AS', domain: 'found.example' });
    await ws.member.client.patch(`/api/v1/companies/${found.id}`, { customFields: { size: 5, tier: 'Silver' } });
    const before = await company(ws.member.client, found.id);
    expect(before.customFields).toEqual({ size: 5, tier: 'Silver' });
    const csv = [
      'First,Email,Company,Domain,Size,Tier',
      'A,a@cof.example,New Co,,12,gold',
      'B,b@cof.example,Found AS,found.example,"40,5",',
      'C,c@cof.example,New Co,,13,gold',
      'D,d@cof.example,New Co,,12,',
      'E,e@cof.example,Other Co,,many,',
      'F,f@cof.example,,,7,',
      'G,g@cof.example,Third Co,,,Bronze',
    ].join('\n');
    const done = await importCsv(ws.member.client, csv, {
      mapping: ['firstName', 'email', 'company', 'companyDomain', 'company.cf.size', 'company.cf.tier'],
    });
    expect(done).toMatchObject({ status: 'done', created: 4, failed: 3, companiesCreated: 1 });
    const lines = await report(ws.member.client, done.id);
    expect(lines.map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['4,Size', '6,Size', '7,Size', '8,Tier']);
    expect(lines[0]).toContain("warning: not used; row 2 of the file gave this row's company another value");
    expect(lines.join('\n')).not.toContain('New Co');
    expect(lines[1]).toContain('must be a number');
    expect(lines[2]).toContain('the row names no company');
    expect(await personByEmail(ws.member.client, 'c@cof.example')).toBeDefined();
    for (const e of ['e', 'f', 'g']) expect(await personByEmail(ws.member.client, `${e}@cof.example`)).toBeUndefined();
    expect((await companyNamed(ws.member.client, 'New Co'))?.customFields).toEqual({ size: 12, tier: 'Gold' });
    expect((await company(ws.member.client, found.id)).customFields).toEqual({ size: 40.5, tier: 'Silver' });
    expect(await companyNamed(ws.member.client, 'Other Co')).toBeUndefined();

    // Undo: the found company gets its values back, the created one is gone.
    const undone = await undo(ws.member.client, done.id);
    expect(undone.status).toBe('undone');
    expect((await company(ws.member.client, found.id)).customFields).toEqual(before.customFields);
    expect(await companyNamed(ws.member.client, 'New Co')).toBeUndefined();
    expect(await personByEmail(ws.member.client, 'a@cof.example')).toBeUndefined();
  });

  it('[P-CRM-10] the first row wins across batches too, and a vCard sets the fields of its ORG', async () => {
    const e = env();
    const csv = ['First,Email,Company,Size', 'A,a@cob.example,Batch Co,1', 'B,b@cob.example,Batch Co,2'].join('\n');
    const file = await upload(ws.member.client, 'b.csv', csv);
    const actor: Actor = {
      workspaceId: ws.workspaceId,
      userId: ws.member.userId,
      role: 'member',
      twoFactorEnabled: false,
    };
    // Through the service, so this test drives the runs: one row a batch, and the first run
    // stops after its batch (a crash); the sweep resumes it once the lease has run out.
    const created = await createImport(e.services, actor, {
      fileId: file.id,
      mapping: ['firstName', 'email', 'company', 'company.cf.size'],
      duplicates: 'skip',
      dryRun: false,
      defaults: { visibility: 'workspace', tags: [], subjectCategories: ['client'] },
    });
    expect(await processImport(e.services, ws.workspaceId, created.id, { batchSize: 1, maxBatches: 1 })).toBe('paused');
    e.clock.advance(LEASE_MS + 1000);
    expect(await processImport(e.services, ws.workspaceId, created.id, { batchSize: 1 })).toBe('done');
    const done = await waitFor(ws.member.client, created.id);
    expect(done).toMatchObject({ created: 2, failed: 0 });
    expect(done.problems).toEqual([
      { row: 3, field: 'Size', problem: expect.stringContaining('warning: not used; row 2') },
    ]);
    expect((await companyNamed(ws.member.client, 'Batch Co'))?.customFields).toEqual({ size: 1 });

    const vcf = [
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Org Person',
      'EMAIL:org@cob.example',
      'ORG:Vcard Org AS;Sales',
      'X-COMPANY-SIZE:250',
      'END:VCARD',
    ].join('\r\n');
    const v = await importVcard(ws.member.client, vcf, { 'X-COMPANY-SIZE': 'company.cf.size' });
    expect(v).toMatchObject({ created: 1, failed: 0, companiesCreated: 1 });
    expect((await companyNamed(ws.member.client, 'Vcard Org AS'))?.customFields).toEqual({ size: 250 });
  });

  it("[P-CRM-10] company.cf.<key> is refused with 422 naming mapping.<index>: another workspace's field, an unknown key, no company column", async () => {
    const file = await upload(ws.member.client, 'c.csv', 'First,Company,X\nA,Co,1\n');
    for (const [mapping, message] of [
      [['firstName', 'company', 'company.cf.secret'], 'company.cf.secret is not a custom field of companies'],
      [['firstName', 'company', 'company.cf.nope'], 'company.cf.nope is not a custom field of companies'],
      [['firstName', null, 'company.cf.size'], expect.stringContaining('needs a column mapped to company')],
    ] as const) {
      const res = await ws.member.client.post('/api/v1/imports', {
        fileId: file.id,
        mapping,
        duplicates: 'skip',
        defaults: DEFAULTS,
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed', fields: { 'mapping.2': message } } });
    }
    // The other workspace can use its own field, never this one's.
    const f2 = await upload(other.member.client, 'o.csv', 'First name,Company,Secret\nA,Co,x\n');
    expect((await preview(other.member.client, f2.id)).suggestedMapping).toEqual([
      'firstName',
      'company',
      'company.cf.secret',
    ]);
    const o = await other.member.client.post('/api/v1/imports', {
      fileId: f2.id,
      mapping: ['firstName', 'company', 'company.cf.size'],
      duplicates: 'skip',
      defaults: DEFAULTS,
    });
    expect(o.status).toBe(422);
  });
});

import type { TImportMapping, TPerson, TPersonList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../people/people.test-helpers.ts';
import { importCsv, preview, undo, upload } from './import.test-helpers.ts';

async function peopleByQuery(client: TestClient, q: string): Promise<TPerson[]> {
  const res = await client.get<TPersonList>(`/api/v1/people?q=${encodeURIComponent(q)}&limit=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

const GOOGLE_HEADER =
  'First Name,Middle Name,Last Name,Phonetic First Name,Nickname,File As,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Organization Name,Organization Title,Labels';

describeEachDatabase('import of people: presets, mapping, report', (env) => {
  let ws: CrmWorkspace;
  beforeAll(async () => {
    ws = await crmWorkspace(env(), 'Import');
  });

  it('[P-CRM-10] imports a Google Contacts export with its preset: people, E.164 phones, companies, tags, source import', async () => {
    const csv = [
      GOOGLE_HEADER,
      'Gunnhild,,Aasen,,,,Work,gunnhild@fjord.example,Mobile,+47 912 34 567,Work,Storgata 1,Oslo,,0155,Norway,Fjord AS,CEO,* myContacts ::: Kunder',
      'Olav,,Berg,,,,Work,OLAV@fjord.example,Mobile,912 34 568,,,,,,,Fjord AS,CTO,* myContacts',
    ].join('\r\n');
    const file = await upload(ws.member.client, 'contacts.csv', csv);
    const p = await preview(ws.member.client, file.id);
    expect(p.preset).toBe('google');
    expect(p.headers[7]).toBe('E-mail 1 - Value');
    expect(p.suggestedMapping[0]).toBe('firstName');
    expect(p.suggestedMapping[7]).toBe('email');
    expect(p.suggestedMapping[9]).toBe('phone');
    expect(p.suggestedMapping[16]).toBe('company');
    expect(p.rows).toHaveLength(2);
    const done = await importCsv(ws.member.client, csv);
    expect(done).toMatchObject({ status: 'done', rowsRead: 2, created: 2, failed: 0, companiesCreated: 1 });
    const [g] = await peopleByQuery(ws.member.client, 'gunnhild');
    expect(g).toMatchObject({
      firstName: 'Gunnhild',
      lastName: 'Aasen',
      title: 'CEO',
      source: 'import',
      tags: ['Kunder'],
      subjectCategories: ['client'],
      address: { street: 'Storgata 1', city: 'Oslo', postalCode: '0155', country: 'NO' },
    });
    expect(g?.emails[0]?.value).toBe('gunnhild@fjord.example');
    expect(g?.phones[0]?.value).toBe('+4791234567');
    const [o] = await peopleByQuery(ws.member.client, 'olav');
    expect(o?.emails[0]?.value).toBe('olav@fjord.example');
    expect(o?.phones[0]?.value).toBe('+4791234568');
    // One company, found by name for the second row.
    expect(g?.companies[0]?.name).toBe('Fjord AS');
    expect(o?.companies[0]?.companyId).toBe(g?.companies[0]?.companyId);
  });

  it('[P-CRM-10] recognises Outlook and HubSpot exports by their header names', async () => {
    const outlook = await upload(
      ws.member.client,
      'outlook.csv',
      'First Name,Middle Name,Last Name,Title,Suffix,E-mail Address,E-mail 2 Address,Business Phone,Mobile Phone,Job Title,Company,Business Street,Business City,Business Postal Code,Business Country/Region,Categories\r\nKari,,Lie,Ms.,,kari@outlook.example,,22 33 44 55,,Buyer,Lie AS,,,,Norway,\r\n',
    );
    const po = await preview(ws.member.client, outlook.id);
    expect(po.preset).toBe('outlook');
    // Outlook's "Title" is the courtesy title, not the job.
    expect(po.suggestedMapping[3]).toBeNull();
    expect(po.suggestedMapping[9]).toBe('title');
    expect(po.suggestedMapping[5]).toBe('email');
    expect(po.suggestedMapping[7]).toBe('phone.work');
    const hubspot = await upload(
      ws.member.client,
      'hubspot.csv',
      'Record ID,First Name,Last Name,Email,Phone Number,Contact owner,Lifecycle Stage,Associated Company,Job Title,Country/Region\n1,Per,Hub,per@hub.example,+4722000000,Me,lead,Hub AS,Seller,NO\n',
    );
    const ph = await preview(ws.member.client, hubspot.id);
    expect(ph.preset).toBe('hubspot');
    expect(ph.suggestedMapping).toEqual([
      null,
      'firstName',
      'lastName',
      'email',
      'phone.work',
      null,
      null,
      'company',
      'title',
      'country',
    ]);
  });

  it('[P-CRM-10] reports each bad row (row, field, problem) and imports the good ones; the report downloads as CSV', async () => {
    const csv = [
      'first,last,email,phone,country,categories,extra',
      'Good,One,good1@bad.example,,,,',
      'Bad,Email,not-an-email,,,,',
      'Bad,Phone,,12ab,,,',
      ',Noname,noname@bad.example,,,,',
      'Bad,Country,c@bad.example,,Atlantis,,',
      'Bad,Category,d@bad.example,,,wizard,',
      'Ragged,Row,e@bad.example,,,,,surplus,more',
      'Short,Row',
      'Good,Two,good2@bad.example,+47 22 00 00 01,SE,prospect,',
    ].join('\n');
    const mapping: TImportMapping = ['firstName', 'lastName', 'email', 'phone', 'country', 'subjectCategories', null];
    const done = await importCsv(ws.member.client, csv, { mapping });
    expect(done).toMatchObject({ status: 'done', rowsRead: 9, created: 3, failed: 6 });
    expect(done.problems).toEqual([
      { row: 3, field: 'email', problem: 'is not a valid email address' },
      { row: 4, field: 'phone', problem: 'phone may hold only digits, spaces, + ( ) . / -' },
      { row: 5, field: 'first', problem: 'must not be empty' },
      { row: 6, field: 'country', problem: 'is not a country code or a country name we know' },
      { row: 7, field: 'categories', problem: '"wizard" is not a category of data subject' },
      { row: 8, field: 'columns', problem: 'has 9 values where the header has 7 columns' },
    ]);
    const report = await ws.member.client.get(`/api/v1/imports/${done.id}/report`);
    expect(report.status).toBe(200);
    expect(String(report.headers['content-type'])).toContain('text/csv');
    const lines = report.text.trim().split('\r\n');
    expect(lines[0]).toBe('row,field,problem');
    expect(lines).toHaveLength(7);
    expect(lines[2]).toBe('4,phone,"phone may hold only digits, spaces, + ( ) . / -"');
    const [two] = await peopleByQuery(ws.member.client, 'good2@');
    expect(two).toMatchObject({ address: { country: 'SE' }, subjectCategories: ['prospect'] });
    expect(await peopleByQuery(ws.member.client, 'short')).toHaveLength(1);
  });

  it('[P-CRM-10] reads a BOM, semicolons, quotes and line breaks inside quoted values', async () => {
    const csv =
      '\uFEFFFornavn;Etternavn;E-post;Tittel\r\n"Anne ""Mor""";Dahl;anne@semi.example;"Leder;\r\nsalg"\r\nBjørn;Ås;bjorn@semi.example;\r\n';
    const file = await upload(ws.member.client, 'semi.csv', csv);
    const p = await preview(ws.member.client, file.id);
    expect(p.delimiter).toBe(';');
    expect(p.headers).toEqual(['Fornavn', 'Etternavn', 'E-post', 'Tittel']);
    expect(p.suggestedMapping).toEqual(['firstName', 'lastName', 'email', 'title']);
    const done = await importCsv(ws.member.client, csv);
    expect(done).toMatchObject({ created: 2, failed: 0 });
    const [anne] = await peopleByQuery(ws.member.client, 'anne@semi');
    expect(anne).toMatchObject({ firstName: 'Anne "Mor"', title: 'Leder;\r\nsalg' });
    const [bjorn] = await peopleByQuery(ws.member.client, 'bjorn@semi');
    expect(bjorn?.lastName).toBe('Ås');
  });

  it('[P-CRM-10] takes a file of 10,000 columns', async () => {
    const cols = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
    cols[0] = 'First Name';
    cols[9_999] = 'Email';
    const row = Array.from({ length: 10_000 }, () => 'x');
    row[0] = 'Wide';
    row[9_999] = 'wide@cols.example';
    const done = await importCsv(ws.member.client, `${cols.join(',')}\n${row.join(',')}\n`);
    expect(done).toMatchObject({ status: 'done', created: 1, failed: 0 });
    expect((await peopleByQuery(ws.member.client, 'wide@cols'))[0]?.firstName).toBe('Wide');
  });

  it('[P-CRM-10] refuses a bad mapping by the entry at fault (422), before anything runs', async () => {
    const file = await upload(ws.member.client, 'm.csv', 'a,b\nx,y\n');
    const unknown = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName', 'shoeSize'],
      duplicates: 'skip',
      defaults: { subjectCategories: ['client'] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({
      error: { fields: { 'mapping.1': 'is not a field people can be imported into' } },
    });
    const twice = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName', 'firstName'],
      duplicates: 'skip',
      defaults: { subjectCategories: ['client'] },
    });
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({
      error: { fields: { 'mapping.1': 'firstName is already given to another column' } },
    });
    const long = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName', null, 'email'],
      duplicates: 'skip',
      defaults: { subjectCategories: ['client'] },
    });
    expect(long.status).toBe(422);
    expect(long.body).toMatchObject({ error: { fields: { mapping: 'has 3 entries but the file has 2 columns' } } });
    const noName = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['email', null],
      duplicates: 'skip',
      defaults: { subjectCategories: ['client'] },
    });
    expect(noName.status).toBe(422);
    const wrongType = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName', null],
      duplicates: 'sometimes',
      dryRun: 'yes',
      defaults: { subjectCategories: [] },
    });
    expect(wrongType.status).toBe(422);
    expect(Object.keys((wrongType.body as { error: { fields: object } }).error.fields).sort()).toEqual([
      'defaults.subjectCategories',
      'dryRun',
      'duplicates',
    ]);
  });

  it('[P-CRM-10] audits each batch once, with counts and no personal values', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `Audit${i},Batch,audit${i}@audit.example`);
    const done = await importCsv(ws.member.client, `first,last,email\n${rows.join('\n')}\n`, {
      mapping: ['firstName', 'lastName', 'email'],
    });
    const entries = await withTenant(env().services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, ws.workspaceId), eq(auditEntries.targetId, done.id))),
    );
    const actions = entries.map((e) => e.action).sort();
    // The search postings, written after the batches by import.index: one entry per batch of it.
    expect(actions).toEqual(['import.batch', 'import.created', 'import.finished', 'search.indexed']);
    const batch = entries.find((e) => e.action === 'import.batch');
    expect(batch?.details).toMatchObject({ created: 5, failed: 0, fromRecord: 1, toRecord: 5 });
    const indexed = entries.find((e) => e.action === 'search.indexed');
    expect(indexed?.details).toMatchObject({ records: 5, removed: 0 });
    expect(JSON.stringify(entries)).not.toContain('audit0@audit.example');
  });

  it('[P-CRM-10] lets the member pick visibility, tags and categories for everyone imported', async () => {
    const done = await importCsv(ws.member.client, 'first,email\nSecret,secret@vis.example\n', {
      mapping: ['firstName', 'email'],
      defaults: { visibility: 'private', tags: ['Fair 2026'], subjectCategories: ['prospect', 'client'] },
    });
    expect(done.created).toBe(1);
    const [mine] = await peopleByQuery(ws.member.client, 'secret@vis');
    expect(mine).toMatchObject({
      visibility: 'private',
      tags: ['Fair 2026'],
      subjectCategories: ['client', 'prospect'],
    });
    expect(await peopleByQuery(ws.other.client, 'secret@vis')).toHaveLength(0);
    // A member's duplicate check sees only what they can see: another member's import of the
    // same address makes a person of their own.
    const other = await importCsv(ws.other.client, 'first,email\nSecret,secret@vis.example\n', {
      mapping: ['firstName', 'email'],
    });
    expect(other).toMatchObject({ created: 1, skipped: 0 });
  });

  it('[P-CRM-10] a workspace member can be found and updated by phone in the workspace country', async () => {
    await makePerson(ws.member.client, { firstName: 'Phoney', phones: [{ value: '+47 40 00 00 01' }] });
    const done = await importCsv(ws.member.client, 'first,mobile,title\nPhoney,40 00 00 01,Boss\n', {
      mapping: ['firstName', 'phone', 'title'],
      duplicates: 'update',
    });
    expect(done).toMatchObject({ created: 0, updated: 1 });
    const [p] = await peopleByQuery(ws.member.client, 'phoney');
    expect(p?.title).toBe('Boss');
  });

  it('[P-CRM-10] undoes an import: created people and companies go, a second undo is refused', async () => {
    const done = await importCsv(ws.member.client, 'first,email,company\nGone,gone@undo.example,Undo Ltd\n', {
      mapping: ['firstName', 'email', 'company'],
    });
    expect(done).toMatchObject({ created: 1, companiesCreated: 1, canUndo: true });
    const undone = await undo(ws.member.client, done.id);
    expect(undone).toMatchObject({ status: 'undone', canUndo: false });
    expect(undone.undoneAt).not.toBeNull();
    expect(await peopleByQuery(ws.member.client, 'gone@undo')).toHaveLength(0);
    const companies = await ws.member.client.get<{ items: unknown[] }>('/api/v1/companies?q=Undo%20Ltd');
    expect(companies.body.items).toHaveLength(0);
    const again = await ws.member.client.post(`/api/v1/imports/${done.id}/undo`, {});
    expect(again.status).toBe(409);
  });

  it('lists the workspace imports newest first with keyset pages', async () => {
    const first = await ws.member.client.get<{ items: { id: string }[]; nextCursor: string | null }>(
      '/api/v1/imports?limit=2',
    );
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await ws.member.client.get<{ items: { id: string }[] }>(
      `/api/v1/imports?limit=2&after=${first.body.nextCursor}`,
    );
    expect(second.body.items.length).toBeGreaterThan(0);
    const ids = [...first.body.items, ...second.body.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

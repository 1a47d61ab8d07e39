import { Readable } from 'node:stream';
import type { TImport, TPerson, TPersonList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { importFiles, people } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace } from '../people/people.test-helpers.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { receiveUpload } from './import.files.ts';
import { DEFAULTS, importCsv, preview, upload, waitFor } from './import.test-helpers.ts';

async function find(client: TestClient, q: string): Promise<TPerson[]> {
  const res = await client.get<TPersonList>(`/api/v1/people?q=${encodeURIComponent(q)}&limit=200`);
  return res.body.items;
}

async function start(client: TestClient, fileId: string, body: Record<string, unknown> = {}): Promise<TImport> {
  const res = await client.post<TImport>('/api/v1/imports', {
    fileId,
    duplicates: 'skip',
    defaults: DEFAULTS,
    ...body,
  });
  expect(res.status, res.text).toBe(202);
  return waitFor(client, res.body.id);
}

describeEachDatabase(
  'import of people: bad input',
  (env) => {
    let ws: CrmWorkspace;
    let member: Actor;
    beforeAll(async () => {
      ws = await crmWorkspace(env(), 'Input');
      member = { workspaceId: ws.workspaceId, userId: ws.member.userId, role: 'member', twoFactorEnabled: false };
    });

    const bytes = (b: Buffer) => receiveUpload(env().services, member, Readable.from([b]), 'latin.csv');
    const liveCount = () =>
      withTenant(
        env().services.database.db,
        { workspaceId: ws.workspaceId },
        async (tx) =>
          (await tx.select({ id: people.personId }).from(people).where(eq(people.workspaceId, ws.workspaceId))).length,
      );

    it('[P-CRM-10] finds a windows-1252 file, decodes it, and lets the member choose another encoding', async () => {
      // "Bjørn;Æsøy" in windows-1252: ø = F8, Æ = C6.
      const csv = Buffer.concat([
        Buffer.from('first;last;email\r\n', 'ascii'),
        Buffer.from([0x42, 0x6a, 0xf8, 0x72, 0x6e]),
        Buffer.from(';', 'ascii'),
        Buffer.from([0xc6, 0x73, 0xf8, 0x79]),
        Buffer.from(';bjorn@latin.example\r\n', 'ascii'),
      ]);
      const file = await bytes(csv);
      expect(file.encoding).toBe('windows-1252');
      const p = await preview(ws.member.client, file.id);
      expect(p.rows[0]?.slice(0, 2)).toEqual(['Bjørn', 'Æsøy']);
      const asUtf8 = await preview(ws.member.client, file.id, '?encoding=utf-8');
      expect(asUtf8.rows[0]?.[0]).toBe('Bj\uFFFDrn');
      const done = await start(ws.member.client, file.id, { mapping: ['firstName', 'lastName', 'email'] });
      expect(done).toMatchObject({ status: 'done', created: 1, encoding: 'windows-1252' });
      expect((await find(ws.member.client, 'bjorn@latin'))[0]?.lastName).toBe('Æsøy');
      const utf16 = await bytes(
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('first\r\nUtf16\r\n', 'utf16le')]),
      );
      expect(utf16.encoding).toBe('utf-16le');
      expect((await preview(ws.member.client, utf16.id)).rows).toEqual([['Utf16']]);
    });

    it('[P-CRM-10] refuses an empty file and a binary file named .csv (422 naming the file), keeping nothing', async () => {
      const empty = await ws.member.client.post('/api/v1/imports/files?name=empty.csv', '', {
        'content-type': 'text/csv',
      });
      expect(empty.status).toBe(422);
      expect(empty.body).toMatchObject({ error: { code: 'validation_failed', fields: { file: 'is empty' } } });
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
        Buffer.alloc(200, 7),
      ]);
      await expect(receiveUpload(env().services, member, Readable.from([png]), 'photo.csv')).rejects.toMatchObject({
        status: 422,
        fields: { file: 'is not a text file (it holds binary data); export it as CSV or vCard' },
      });
      const viaHttp = await ws.member.client.post('/api/v1/imports/files?name=x.csv', 'a,b\n\u0000\u0000\u0000', {
        'content-type': 'text/csv',
      });
      expect(viaHttp.status).toBe(422);
      const files = await withTenant(env().services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
        tx.select().from(importFiles).where(eq(importFiles.workspaceId, ws.workspaceId)),
      );
      expect(files.map((f) => f.name)).not.toContain('photo.csv');
      expect(files.map((f) => f.name)).not.toContain('empty.csv');
    });

    it('[P-CRM-10] a header-only file imports nothing and says so', async () => {
      const done = await importCsv(ws.member.client, 'First Name,Email\n');
      expect(done).toMatchObject({ status: 'done', rowsRead: 0, created: 0, failed: 0 });
    });

    it('[P-CRM-10] an unclosed quote fails the whole import, naming the row, with nothing imported', async () => {
      const before = await liveCount();
      const file = await upload(
        ws.member.client,
        'open.csv',
        'first,email\nOk,ok@quote.example\n"Broken,broken@quote.example\nMore,more@quote.example\n',
      );
      const done = await start(ws.member.client, file.id, { mapping: ['firstName', 'email'] });
      expect(done.status).toBe('failed');
      expect(done.error).toBe('row 3 opens a quote that is never closed');
      expect(done.created).toBe(0);
      expect(await liveCount()).toBe(before);
    });

    it('[P-CRM-10] a value holding NUL is refused for its row only', async () => {
      // After the first 8 KiB, where the upload's binary check does not look.
      const csv = `first,email,junk\nFine,fine@nul.example,${'x'.repeat(9000)}\nNul\u0000l,nul@nul.example,\n`;
      const done = await importCsv(ws.member.client, csv, { mapping: ['firstName', 'email', null] });
      expect(done).toMatchObject({ created: 1, failed: 1 });
      expect(done.problems[0]).toEqual({ row: 3, field: 'first', problem: 'holds a NUL character' });
    });

    it('[P-CRM-10] imports vCard 3.0 and 4.0 (folded lines, escapes, types), reporting a broken card alone', async () => {
      const vcf = [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'N:Nordmann;Ola;;;',
        'FN:Ola Nordmann',
        'EMAIL;TYPE=INTERNET,HOME:ola@vcard.example',
        'TEL;TYPE=CELL:+47 911 22 333',
        'ORG:Vcard AS;Sales',
        'TITLE:Sales\\, Nordics',
        'ADR;TYPE=WORK:;;Kirkegata 2;Oslo;;0153;Norway',
        'CATEGORIES:Friends,Fair',
        'NOTE:a long note that is folded',
        '  over two lines',
        'END:VCARD',
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Kari Nordmann',
        'EMAIL;TYPE=work:kari@vcard.ex',
        ' ample',
        'TEL;VALUE=uri;TYPE="voice,work":tel:+47-22-33-44-55',
        'END:VCARD',
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Broken Card',
        'this line is not a property',
        'END:VCARD',
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:Never Ended',
      ].join('\r\n');
      const file = await upload(ws.member.client, 'contacts.vcf', vcf, 'text/vcard');
      expect(file.format).toBe('vcard');
      const p = await preview(ws.member.client, file.id);
      expect(p.headers).toContain('email.home');
      const done = await start(ws.member.client, file.id);
      expect(done).toMatchObject({ status: 'done', rowsRead: 4, created: 2, failed: 2 });
      expect(done.problems).toEqual([
        { row: 3, field: 'line', problem: 'a line of the card is not a vCard property' },
        { row: 4, field: 'END', problem: 'the card has no END:VCARD (the file ends inside it)' },
      ]);
      const [ola] = await find(ws.member.client, 'ola@vcard');
      expect(ola).toMatchObject({
        firstName: 'Ola',
        lastName: 'Nordmann',
        title: 'Sales, Nordics',
        tags: ['Friends', 'Fair'],
        address: { street: 'Kirkegata 2', city: 'Oslo', postalCode: '0153', country: 'NO' },
      });
      expect(ola?.emails[0]).toMatchObject({ value: 'ola@vcard.example', type: 'home' });
      expect(ola?.phones[0]?.value).toBe('+4791122333');
      expect(ola?.companies[0]?.name).toBe('Vcard AS');
      const [kari] = await find(ws.member.client, 'kari@vcard.example');
      expect(kari).toMatchObject({ firstName: 'Kari', lastName: 'Nordmann' });
      expect(kari?.phones[0]).toMatchObject({ value: '+4722334455', type: 'work' });
    });

    it('[P-CRM-10] a .vcf file without any card fails as a whole; a mapping for a vCard is refused', async () => {
      const file = await upload(ws.member.client, 'nothing.vcf', 'hello there\n', 'text/vcard');
      const refused = await ws.member.client.post('/api/v1/imports', {
        fileId: file.id,
        mapping: ['firstName'],
        duplicates: 'skip',
        defaults: DEFAULTS,
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        error: { fields: { mapping: 'is for CSV files; map vCard properties in properties' } },
      });
      const done = await start(ws.member.client, file.id);
      expect(done).toMatchObject({
        status: 'failed',
        error: 'The file holds no vCard (no BEGIN:VCARD line).',
        created: 0,
      });
    });
  },
  {},
);

describeEachDatabase(
  'import of people: the size limit',
  (env) => {
    it('[P-CRM-10] refuses a file over IMPORT_MAX_BYTES with 413 naming the file, and keeps none of it', async () => {
      const ws = await crmWorkspace(env(), 'Limit');
      const small = await ws.member.client.post('/api/v1/imports/files?name=ok.csv', 'first\nA\n', {
        'content-type': 'text/csv',
      });
      expect(small.status).toBe(201);
      const big = await ws.member.client.post('/api/v1/imports/files?name=big.csv', `first\n${'A\n'.repeat(2000)}`, {
        'content-type': 'text/csv',
      });
      expect(big.status).toBe(413);
      expect(big.body).toMatchObject({
        error: { code: 'file_too_large', fields: { file: 'must be at most 2048 bytes' } },
      });
      const files = await withTenant(env().services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
        tx.select().from(importFiles).where(eq(importFiles.workspaceId, ws.workspaceId)),
      );
      expect(files.map((f) => f.name)).toEqual(['ok.csv']);
    });
  },
  { env: { IMPORT_MAX_BYTES: '2048' } },
);

import type { TCompany, TDeal, TPerson, TPersonList } from '@tillit/contracts';
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries, people } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { newId } from '../../lib/ids.ts';
import { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { startExport } from './export.service.ts';
import { csvRecords, vcardLines } from './export.test-helpers.ts';

describeEachDatabase('export', (env) => {
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  let ada: TPerson;
  let secret: TPerson;

  const actorOf = (u: { userId: string }, role: Actor['role']): Actor => ({
    workspaceId: w.workspaceId,
    userId: u.userId,
    role,
    twoFactorEnabled: false,
  });

  const lastAudit = async (workspaceId: string, action: string) =>
    withTenant(env().services.database.db, { workspaceId }, async (tx) => {
      const [row] = await tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, action)))
        .orderBy(desc(auditEntries.seq))
        .limit(1);
      return row;
    });

  /** Every id of a list, page by page, as the list endpoint gives them. */
  const listAll = async (client: TestClient, query: string) => {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const url = `/api/v1/people?${query}&limit=200${after ? `&after=${after}` : ''}`;
      const res: { status: number; body: TPersonList } = await client.get<TPersonList>(url);
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((p) => p.id));
      after = res.body.nextCursor;
    } while (after);
    return ids;
  };

  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Export');
    other = await crmWorkspace(env(), 'Elsewhere');
    const acme = await makeCompany(w.owner.client, { name: 'Acme' });
    ada = await makePerson(w.owner.client, {
      firstName: 'Ada',
      lastName: 'Lovelace, Countess',
      title: '=cmd|calc',
      emails: [{ value: 'ada@example.test', type: 'work' }],
      phones: [{ value: '+47 912 34 567', type: 'mobile' }],
      address: { street: 'Main "Street" 1', city: 'Oslo', country: 'NO' },
      tags: ['vip'],
      companies: [{ companyId: acme.id }],
    });
    await makePerson(w.owner.client, { firstName: 'Alan', lastName: 'Turing', tags: ['vip'] });
    await makePerson(w.owner.client, { firstName: 'Grace', lastName: 'Hopper', tags: ['navy'] });
    secret = await makePerson(w.member.client, { firstName: 'Secreta', tags: ['vip'], visibility: 'private' });
    await makePerson(other.owner.client, { firstName: 'Elsewhere', tags: ['vip'] });
  }, 120_000);

  it('[P-CRM-1] exports people as CSV with a header, RFC 4180 quoting and formula protection; parses back', async () => {
    const res = await w.owner.client.get('/api/v1/people/export?format=csv&sort=name');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(
      /^attachment; filename="people-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.text.charCodeAt(0)).not.toBe(0xfeff);
    const rows = csvRecords(res.text);
    const row = rows.find((r) => r.id === ada.id);
    expect(row).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace, Countess',
      title: "'=cmd|calc",
      emails: 'ada@example.test',
      phones: "'+4791234567",
      street: 'Main "Street" 1',
      companies: 'Acme',
      tags: 'vip',
    });
    expect(rows.map((r) => r.firstName)).toEqual([...rows.map((r) => r.firstName)].sort());
    const bom = await w.owner.client.get('/api/v1/people/export?format=csv&bom=true');
    expect(bom.text.charCodeAt(0)).toBe(0xfeff);
    expect(csvRecords(bom.text)).toHaveLength(rows.length);
  });

  it('[P-CRM-1] exports people as vCard 4.0 and as a streamed JSON array', async () => {
    const card = await w.owner.client.get(`/api/v1/people/export?format=vcard&q=ada`);
    expect(card.status).toBe(200);
    expect(card.headers['content-type']).toBe('text/vcard; charset=utf-8');
    const lines = vcardLines(card.text);
    expect(lines.filter((l) => l === 'BEGIN:VCARD')).toHaveLength(1);
    expect(lines).toContain('FN:Ada Lovelace\\, Countess');
    expect(lines).toContain('N:Lovelace\\, Countess;Ada;;;');
    expect(lines).toContain('EMAIL;TYPE=work;PREF=1:ada@example.test');
    expect(lines).toContain('TEL;VALUE=uri;TYPE="cell";PREF=1:tel:+4791234567');
    expect(lines).toContain('ORG:Acme');
    expect(lines).toContain('TITLE:=cmd|calc');
    const json = await w.owner.client.get<TPerson[]>('/api/v1/people/export?format=json&tag=vip');
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Array.isArray(json.body)).toBe(true);
    expect(JSON.parse(json.text)).toEqual(json.body);
    const listed = (await w.owner.client.get<TPersonList>('/api/v1/people?tag=vip&limit=200')).body.items;
    expect(json.body).toEqual(listed);
    // An empty view is an empty array, still valid JSON.
    expect((await w.owner.client.get('/api/v1/people/export?format=json&q=zzzz')).body).toEqual([]);
  });

  it('exports exactly the rows of the list, in its order, for each filter and sort', async () => {
    const c = w.owner.client;
    for (const query of [
      'tag=vip&sort=name&dir=desc',
      'q=a&sort=createdAt&dir=asc',
      `ownerId=${w.owner.userId}&sort=updatedAt&dir=desc`,
      'subjectCategory=client&sort=name&dir=asc',
      `companyId=${ada.companies[0]?.companyId}`,
      'createdAfter=2000-01-01T00:00:00Z&createdBefore=2100-01-01T00:00:00Z',
    ]) {
      const exported = csvRecords((await c.get(`/api/v1/people/export?format=csv&${query}`)).text).map((r) => r.id);
      expect(exported, query).toEqual(await listAll(c, query));
      expect(exported.length, query).toBeGreaterThan(0);
    }
  });

  it('[P-ACC-7] an export never holds another member’s private records; the owner and admins get them', async () => {
    const ids = async (client: TestClient) =>
      csvRecords((await client.get('/api/v1/people/export?format=csv&tag=vip')).text).map((r) => r.id);
    expect(await ids(w.other.client)).not.toContain(secret.id);
    expect(await ids(w.member.client)).toContain(secret.id);
    expect(await ids(w.admin.client)).toContain(secret.id);
    const json = await w.other.client.get<TPerson[]>('/api/v1/people/export?format=json');
    expect(json.body.map((p) => p.id)).not.toContain(secret.id);
  });

  it('audits one people.exported entry with the filter, the format and the row count (no search text)', async () => {
    const res = await w.member.client.get('/api/v1/people/export?format=csv&tag=vip&q=a');
    const rows = csvRecords(res.text);
    const entry = await lastAudit(w.workspaceId, 'people.exported');
    expect(entry?.actorId).toBe(w.member.userId);
    expect(entry?.details).toEqual({
      format: 'csv',
      filter: { tag: 'vip', search: true, sort: 'name', dir: 'asc' },
      rows: rows.length,
      outcome: 'completed',
    });
    expect(JSON.stringify(entry?.details)).not.toContain('"a"');
  });

  it('a viewer may read people but not export them (403), and nothing is audited', async () => {
    const before = await lastAudit(w.workspaceId, 'people.exported');
    expect((await w.viewer.client.get('/api/v1/people')).status).toBe(200);
    for (const url of [
      '/api/v1/people/export?format=csv',
      '/api/v1/companies/export',
      `/api/v1/deals/export?pipelineId=${(await salesPipeline(w.owner.client)).id}`,
    ]) {
      const res = await w.viewer.client.get(url);
      expect(res.status, url).toBe(403);
      // The permission matrix's refusal (its code is the matrix module's to choose).
      expect((res.body as { error?: { message?: string } }).error?.message, url).toMatch(/export/);
    }
    expect((await lastAudit(w.workspaceId, 'people.exported'))?.seq).toBe(before?.seq);
  });

  it('the permission matrix decides: a workspace may let viewers export, or stop members', async () => {
    const allowViewers = await w.owner.client.put('/api/v1/permissions', { viewer: { people: ['read', 'export'] } });
    expect(allowViewers.status, JSON.stringify(allowViewers.body)).toBe(200);
    const asViewer = await w.viewer.client.get<TPerson[]>('/api/v1/people/export?format=json');
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.map((p) => p.id)).not.toContain(secret.id);
    expect((await w.viewer.client.get('/api/v1/companies/export')).status).toBe(403);
    const stopMembers = await w.owner.client.put('/api/v1/permissions', {
      viewer: { people: ['read'] },
      member: { people: ['read', 'create', 'update', 'delete', 'import'] },
    });
    expect(stopMembers.status, JSON.stringify(stopMembers.body)).toBe(200);
    expect((await w.member.client.get('/api/v1/people/export')).status).toBe(403);
    expect((await w.viewer.client.get('/api/v1/people/export')).status).toBe(403);
    const back = await w.owner.client.put('/api/v1/permissions', {
      member: { people: ['read', 'create', 'update', 'delete', 'import', 'export'] },
    });
    expect(back.status).toBe(200);
    expect((await w.member.client.get('/api/v1/people/export')).status).toBe(200);
  });

  it('another workspace’s member is refused, and an export holds only its own workspace', async () => {
    const asOutsider = await other.owner.client.get('/api/v1/people/export?format=csv', {
      'x-tillit-workspace': w.workspaceId,
    });
    expect(asOutsider.status).toBe(403);
    const own = csvRecords((await other.owner.client.get('/api/v1/people/export?format=csv')).text);
    expect(own.map((r) => r.firstName)).toEqual(['Elsewhere']);
    const mine = csvRecords((await w.owner.client.get('/api/v1/people/export?format=csv')).text);
    expect(mine.map((r) => r.firstName)).not.toContain('Elsewhere');
  });

  it('refuses a bad format or filter with 422 naming the field; vCard is for people only', async () => {
    const bad = await w.owner.client.get('/api/v1/people/export?format=xml');
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: { fields: { format: expect.any(String) } } });
    const vcard = await w.owner.client.get('/api/v1/companies/export?format=vcard');
    expect(vcard.status).toBe(422);
    const limit = await w.owner.client.get('/api/v1/people/export?limit=5');
    expect(limit.status).toBe(422);
  });

  it('[P-CRM-2] exports companies with the filters of their list (CSV and JSON)', async () => {
    const c = w.owner.client;
    const tagged = await makeCompany(c, { name: '=Evil Corp', tags: ['partner'] });
    await makeCompany(c, { name: 'Hidden Ltd', visibility: 'private' });
    const rows = csvRecords((await c.get('/api/v1/companies/export?format=csv&tag=partner')).text);
    expect(rows.map((r) => r.id)).toEqual([tagged.id]);
    expect(rows[0]?.name).toBe("'=Evil Corp");
    expect((await lastAudit(w.workspaceId, 'companies.exported'))?.details).toMatchObject({
      filter: { tag: 'partner' },
      rows: 1,
    });
    const json = await c.get<TCompany[]>('/api/v1/companies/export?format=json&sort=name&dir=desc');
    const list = await c.get<{ items: TCompany[] }>('/api/v1/companies?sort=name&dir=desc&limit=200');
    expect(json.body).toEqual(list.body.items);
    const others = csvRecords((await w.other.client.get('/api/v1/companies/export')).text);
    expect(others.map((r) => r.name)).not.toContain('Hidden Ltd');
  });

  it('[P-CRM-3] exports the deals of a pipeline with the filters of their list, stage names and amounts', async () => {
    const c = w.owner.client;
    const sales = await salesPipeline(c);
    const won = sales.stages.find((s) => s.kind === 'won');
    const d1 = await makeDeal(c, sales.id, { name: 'Big one', amount: 125050, currency: 'EUR' });
    const d2 = await makeDeal(c, sales.id, { name: 'Closed', stageId: won?.id });
    const rows = csvRecords((await c.get(`/api/v1/deals/export?pipelineId=${sales.id}&status=open`)).text);
    expect(rows.map((r) => r.id)).toContain(d1.id);
    expect(rows.map((r) => r.id)).not.toContain(d2.id);
    expect(rows.find((r) => r.id === d1.id)).toMatchObject({ amount: '1250.5', currency: 'EUR', stage: 'Lead' });
    const json = await c.get<TDeal[]>(`/api/v1/deals/export?pipelineId=${sales.id}&format=json&sort=name&dir=asc`);
    const list = await c.get<{ items: TDeal[] }>(`/api/v1/deals?pipelineId=${sales.id}&sort=name&dir=asc&limit=200`);
    expect(json.body).toEqual(list.body.items);
    const unknown = await c.get(`/api/v1/deals/export?pipelineId=${newId()}`);
    expect(unknown.status).toBe(404);
  });

  it('[P-CRM-1] streams more than 5,000 people complete, in batches of 1,000 queried one after another', async () => {
    const e = env();
    const big = await crmWorkspace(e, 'Bulk');
    const total = 5_100;
    const now = new Date('2026-01-05T09:00:00Z');
    await withTenant(e.services.database.db, { workspaceId: big.workspaceId }, async (tx) => {
      for (let start = 0; start < total; start += 1000) {
        await tx.insert(people).values(
          Array.from({ length: Math.min(1000, total - start) }, (_, i) => ({
            workspaceId: big.workspaceId,
            personId: newId(now.getTime() + start + i),
            firstName: `Bulk${String(start + i).padStart(5, '0')}`,
            lastName: 'Row',
            ownerId: big.owner.userId,
            createdAt: now,
            updatedAt: now,
          })),
        );
      }
    });
    // Through the service: batch sizes as read, and how far reading runs ahead of the consumer.
    const batches: number[] = [];
    let consumed = 0;
    let maxAhead = 0;
    const actor: Actor = {
      workspaceId: big.workspaceId,
      userId: big.owner.userId,
      role: 'owner',
      twoFactorEnabled: false,
    };
    const result = await startExport(
      e.services,
      actor,
      { entity: 'people', format: 'csv', bom: false, filter: { sort: 'name', dir: 'asc' } },
      {
        onBatch: (n) => {
          batches.push(n);
          maxAhead = Math.max(maxAhead, batches.reduce((s, x) => s + x, 0) - consumed);
        },
      },
    );
    let text = '';
    for await (const chunk of result.stream) {
      const s = chunk.toString();
      consumed += (s.match(/\r\n/g) ?? []).length;
      text += s;
    }
    expect(batches).toEqual([1000, 1000, 1000, 1000, 1000, 100]);
    // Never more than a batch or two read ahead of what the consumer took: not all in memory.
    expect(maxAhead).toBeLessThanOrEqual(2001);
    const rows = csvRecords(text);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.id)).size).toBe(total);
    expect(rows[0]?.firstName).toBe('Bulk00000');
    expect(rows.at(-1)?.firstName).toBe('Bulk05099');
    // And over HTTP, the whole view arrives.
    const res = await big.owner.client.get<TPerson[]>('/api/v1/people/export?format=json');
    expect(res.body.length).toBe(total);
    expect((await lastAudit(big.workspaceId, 'people.exported'))?.details).toMatchObject({
      rows: total,
      outcome: 'completed',
    });
  }, 180_000);

  it('a client that goes away mid-export is audited too, with the rows read so far', async () => {
    const actor = actorOf(w.owner, 'owner');
    const result = await startExport(
      env().services,
      actor,
      { entity: 'people', format: 'csv', bom: false, filter: { sort: 'name', dir: 'asc' } },
      { batchSize: 1 },
    );
    const it = result.stream[Symbol.asyncIterator]();
    await it.next(); // the header
    await it.next(); // the first batch
    result.stream.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const entry = await lastAudit(w.workspaceId, 'people.exported');
    expect(entry?.details).toMatchObject({ outcome: 'aborted' });
    expect((entry?.details as { rows?: number } | undefined)?.rows ?? 0).toBeGreaterThanOrEqual(1);
  });
});

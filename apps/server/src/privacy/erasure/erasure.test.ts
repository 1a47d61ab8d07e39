import type { TErasureCertificate, TErasureList, TImport, TLegalHold, TPerson } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { auditEntries, erasures, people, tombstones } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { makeDeal, salesPipeline } from '../../modules/deals/deals.test-helpers.ts';
import { pngImage, uploadOk } from '../../modules/files/files.test-helpers.ts';
import { importCsv } from '../../modules/import/import.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { verifyChain } from '../audit/audit.service.ts';
import { declaredTables } from '../data-map/data-map.ts';
import { finishHeldErasuresJob } from './erasure.jobs.ts';
import { certificateDigest } from './erasure.service.ts';

type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string> } };

const erase = (w: CrmWorkspace, personId: string, extra: Record<string, unknown> = {}) =>
  w.admin.client.post<TErasureCertificate>(`/api/v1/people/${personId}/erase`, {
    reason: 'the person asked to be forgotten',
    confirm: 'ERASE',
    ...extra,
  });

/** Rows about `personId` in every table of the data map whose subject is a person. */
async function rowsInPersonTables(env: TestEnv, workspaceId: string, personId: string) {
  const out: Record<string, number> = {};
  await withTenant(env.services.database.db, { workspaceId }, async (tx) => {
    for (const t of declaredTables()) {
      if (t.tenancy !== 'tenant' || t.subject?.kind !== 'person') continue;
      const r = await tx.execute(
        sql`select count(*)::int as n from ${sql.raw(`"${t.name}"`)} where workspace_id = ${workspaceId} and ${sql.raw(`"${t.subject.column}"`)} = ${personId}`,
      );
      out[t.name] = Number((r as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
    }
  });
  return out;
}

describeEachDatabase('erasure of a person (POST /api/v1/people/:id/erase)', (env) => {
  let w: CrmWorkspace;
  let elsewhere: CrmWorkspace;
  let pipelineId: string;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Erasure');
    elsewhere = await crmWorkspace(env(), 'Elsewhere');
    pipelineId = (await salesPipeline(w.owner.client)).id;
  }, 60_000);

  /** A person with something in every kind of table: contact data, tags, a company, notes,
   *  a call, a task, a deal, a file, search postings and reads in the access log. */
  async function richPerson(email: string, phone: string) {
    const c = w.owner.client;
    const company = await c.post<{ id: string }>('/api/v1/companies', { name: `Acme ${email}` });
    const person = await makePerson(c, {
      firstName: 'Erin',
      lastName: `Zebrafinch${email.length}`,
      emails: [
        { value: email, type: 'work' },
        { value: `home.${email}`, type: 'home' },
      ],
      phones: [{ value: phone, type: 'mobile' }],
      tags: ['vip'],
      subjectCategories: ['client', 'newsletter_subscriber'],
      address: { street: 'Storgata 1', city: 'Oslo', postalCode: '0155', country: 'NO' },
      companies: [{ companyId: company.body.id, role: 'CTO' }],
    });
    const other = await makePerson(c, { firstName: 'Olav', lastName: 'Other' });
    const onlyNote = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>Erin said her daughter is ill</p>',
      personIds: [person.id],
    });
    const sharedNote = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>Meeting with Erin and Olav</p>',
      personIds: [person.id, other.id],
    });
    const call = await c.post<{ id: string }>('/api/v1/interactions', {
      kind: 'call',
      occurredAt: '2026-01-04T10:00:00Z',
      personIds: [person.id],
      summary: 'Called Erin',
    });
    const task = await c.post<{ id: string }>('/api/v1/tasks', {
      title: 'Send Erin the offer',
      personIds: [person.id],
    });
    const deal = await makeDeal(c, pipelineId, { personIds: [person.id] });
    const file = await uploadOk(env(), c, 'person', person.id, 'erin.png', await pngImage());
    for (const r of [onlyNote, sharedNote, call, task]) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await w.member.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    return { person, other, onlyNote: onlyNote.body.id, sharedNote: sharedNote.body.id, deal, file };
  }

  it("[P-DSR-3] erasure removes the person's rows from every person table of the data map", async () => {
    const r = await richPerson('erin@example.com', '+47 912 34 567');
    const before = await rowsInPersonTables(env(), w.workspaceId, r.person.id);
    // The walk covers the tables this test filled (so it would notice a new one left behind).
    for (const t of [
      'people',
      'person_emails',
      'person_phones',
      'note_people',
      'task_people',
      'deal_people',
      'files',
    ]) {
      expect(before[t], t).toBeGreaterThan(0);
    }
    const res = await erase(w, r.person.id, { requestId: 'dsr-0001' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = await rowsInPersonTables(env(), w.workspaceId, r.person.id);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);

    expect((await w.admin.client.get(`/api/v1/people/${r.person.id}`)).status).toBe(404);
    // The note about Erin only is gone; the shared one stays with Olav; the deal stays.
    expect((await w.owner.client.get(`/api/v1/notes/${r.onlyNote}`)).status).toBe(404);
    const shared = await w.owner.client.get<{ personIds: string[] }>(`/api/v1/notes/${r.sharedNote}`);
    expect(shared.status).toBe(200);
    expect(shared.body.personIds).toEqual([r.other.id]);
    expect((await w.owner.client.get(`/api/v1/deals/${r.deal.id}`)).status).toBe(200);
    // The file's bytes are gone from the storage.
    const key = `${w.workspaceId}/${r.file.id}`;
    expect(await env().services.storage.stat(key)).toBeNull();
    // Search finds nothing of her.
    const found = await w.owner.client.get<{ items: unknown[] }>('/api/v1/people?q=Zebrafinch');
    expect(found.body.items).toEqual([]);
    // The audit chain still verifies, and no entry about her keeps personal details.
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      expect((await verifyChain(tx, w.workspaceId)).ok).toBe(true);
      const withPersonal = await tx
        .select({ seq: auditEntries.seq })
        .from(auditEntries)
        .where(
          and(
            eq(auditEntries.workspaceId, w.workspaceId),
            eq(auditEntries.targetId, r.person.id),
            sql`personal is not null`,
          ),
        );
      expect(withPersonal).toEqual([]);
    });
  });

  it('[P-DSR-3] the certificate lists every table and how, the tombstones, and is signed by its audit entry', async () => {
    const r = await richPerson('cert@example.com', '+47 913 00 000');
    const res = await erase(w, r.person.id, { requestId: 'dsr-0002' });
    const c = res.body;
    expect(c).toMatchObject({
      personId: r.person.id,
      workspaceId: w.workspaceId,
      requestId: 'dsr-0002',
      state: 'complete',
      heldUntil: null,
      tombstones: { emails: 2, phones: 1 },
      filesDeleted: 1,
    });
    const how = Object.fromEntries(c.entries.map((e) => [e.table, [e.action, e.rows]]));
    expect(how).toMatchObject({
      people: ['deleted', 1],
      person_emails: ['deleted', 2],
      person_phones: ['deleted', 1],
      person_tags: ['deleted', 1],
      person_categories: ['deleted', 2],
      person_companies: ['deleted', 1],
      notes: ['deleted', 1],
      interactions: ['deleted', 1],
      tasks: ['deleted', 1],
      note_people: ['deleted', 1],
      deal_people: ['deleted', 1],
      files: ['deleted', 1],
      person_search_terms: ['deleted', expect.any(Number)],
    });
    // A reference, not their data.
    const text = JSON.stringify(c);
    for (const s of ['cert@example.com', 'Erin', 'Zebrafinch', '91300000', 'Storgata']) expect(text).not.toContain(s);
    // Signed: the audit entry carries the certificate's digest, and the chain verifies.
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      const [entry] = await tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.seq, c.audit?.seq ?? -1)));
      expect(entry?.action).toBe('person.erased');
      expect(entry?.hash).toBe(c.audit?.hash);
      expect((entry?.details as { certificateDigest?: string } | undefined)?.certificateDigest).toBe(
        certificateDigest(c),
      );
      expect((await verifyChain(tx, w.workspaceId)).ok).toBe(true);
    });
    // The certificate is kept and listed on the person; erasing again answers the same one.
    const list = await w.admin.client.get<TErasureList>(`/api/v1/people/${r.person.id}/erasures`);
    expect(list.body.items.map((i) => i.erasureId)).toEqual([c.erasureId]);
    const again = await erase(w, r.person.id);
    expect(again.status).toBe(200);
    expect(again.body.erasureId).toBe(c.erasureId);
  });

  it('[P-DSR-3] [P-RET-2] records under a legal hold are kept until its date; the person is anonymised around them', async () => {
    const r = await richPerson('held@example.com', '+47 914 00 000');
    const until = new Date(env().clock.now().getTime() + 7 * 365 * 86_400_000).toISOString();
    const invoiceHold = await w.admin.client.post<TLegalHold>('/api/v1/legal-holds', {
      personId: r.person.id,
      table: 'files',
      recordId: r.file.id,
      reason: 'invoice_7y',
      until,
    });
    expect(invoiceHold.status, JSON.stringify(invoiceHold.body)).toBe(201);
    const contractHold = await w.admin.client.post<TLegalHold>('/api/v1/legal-holds', {
      personId: r.person.id,
      table: 'deals',
      recordId: r.deal.id,
      reason: 'open_contract',
      until,
    });
    expect(contractHold.status).toBe(201);
    const res = await erase(w, r.person.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.state).toBe('held');
    expect(res.body.heldUntil).toBe(until);
    const kept = res.body.entries.filter((e) => e.action === 'kept' && e.hold);
    expect(kept.map((e) => [e.table, e.hold?.reason, e.hold?.until]).sort()).toEqual([
      ['deals', 'open_contract', until],
      ['files', 'invoice_7y', until],
    ]);
    expect(res.body.entries.find((e) => e.table === 'people')).toMatchObject({ action: 'anonymised' });
    // The invoice file and its bytes stay, still tied to the (anonymised) person.
    expect(await env().services.storage.stat(`${w.workspaceId}/${r.file.id}`)).not.toBeNull();
    const rows = await rowsInPersonTables(env(), w.workspaceId, r.person.id);
    expect(rows).toMatchObject({ files: 1, deal_people: 1, people: 1, person_emails: 0, person_phones: 0 });
    const stub = await w.admin.client.get<TPerson>(`/api/v1/people/${r.person.id}`);
    expect(stub.body).toMatchObject({ firstName: 'Erased person', lastName: '', emails: [], phones: [], tags: [] });
    expect(stub.body.address?.street ?? null).toBeNull();
    // Tombstones are written anyway: she cannot be re-created while her records are held.
    const again = await w.owner.client.post<ErrorBody>('/api/v1/people', {
      firstName: 'Erin',
      emails: [{ value: 'held@example.com', type: 'work' }],
      subjectCategories: ['client'],
    });
    expect(again.status).toBe(409);
  });

  it('[P-RET-2] a hold on the person keeps only the name and address an invoice needs', async () => {
    const person = await makePerson(w.owner.client, {
      firstName: 'Ingrid',
      lastName: 'Invoice',
      title: 'CFO',
      emails: [{ value: 'ingrid@example.com', type: 'work' }],
      address: { street: 'Kirkeveien 2', city: 'Bergen', postalCode: '5003', country: 'NO' },
    });
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'invoice_7y',
      until: new Date(env().clock.now().getTime() + 86_400_000 * 365).toISOString(),
    });
    expect(hold.status).toBe(201);
    const res = await erase(w, person.id);
    const entry = res.body.entries.find((e) => e.table === 'people');
    expect(entry).toMatchObject({ action: 'anonymised', hold: { reason: 'invoice_7y' } });
    expect(entry?.fields).toEqual(['title', 'owner_id', 'photo_file_id']);
    const kept = await w.admin.client.get<TPerson>(`/api/v1/people/${person.id}`);
    expect(kept.body).toMatchObject({ firstName: 'Ingrid', lastName: 'Invoice', title: null, emails: [] });
    expect(kept.body.address?.city).toBe('Bergen');
  });

  describe('tombstones on every way in', () => {
    let erased: { email: string; phone: string };
    beforeAll(async () => {
      erased = { email: 'gone@example.com', phone: '+4791555555' };
      const p = await makePerson(w.owner.client, {
        emails: [{ value: erased.email, type: 'work' }],
        phones: [{ value: erased.phone, type: 'mobile' }],
      });
      expect((await erase(w, p.id)).status).toBe(200);
    });

    it('[P-DSR-3] re-creating the erased person through the API is refused, naming the field', async () => {
      const res = await w.member.client.post<ErrorBody>('/api/v1/people', {
        firstName: 'Back',
        emails: [
          { value: 'fresh@example.com', type: 'work' },
          { value: '  GONE@Example.com ', type: 'home' },
        ],
        subjectCategories: ['client'],
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('erased_person');
      expect(Object.keys(res.body.error.fields ?? {})).toEqual(['emails.1.value']);
      // The phone in national format is the same number.
      const byPhone = await w.member.client.post<ErrorBody>('/api/v1/people', {
        firstName: 'Back',
        phones: [{ value: '915 55 555', type: 'mobile' }],
        subjectCategories: ['client'],
      });
      expect(byPhone.status).toBe(409);
      expect(Object.keys(byPhone.body.error.fields ?? {})).toEqual(['phones.0.value']);
    });

    it('[P-DSR-3] adding an erased email to another person is refused', async () => {
      const p = await makePerson(w.member.client, { emails: [{ value: 'keep@example.com', type: 'work' }] });
      const res = await w.member.client.patch<ErrorBody>(`/api/v1/people/${p.id}`, {
        emails: [
          { value: 'keep@example.com', type: 'work' },
          { value: erased.email, type: 'home' },
        ],
      });
      expect(res.status).toBe(409);
      expect(Object.keys(res.body.error.fields ?? {})).toEqual(['emails.1.value']);
      // Other changes of the same person still work.
      expect((await w.member.client.patch(`/api/v1/people/${p.id}`, { title: 'Buyer' })).status).toBe(200);
    });

    it('[P-DSR-3] a CSV re-import refuses the row and names it in the error report', async () => {
      const csv = `First name,Last name,Email\nNew,Person,new.person@example.com\nBack,Again,${erased.email.toUpperCase()}\n`;
      const done: TImport = await importCsv(w.member.client, csv);
      expect(done).toMatchObject({ created: 1, failed: 1 });
      const report = await w.member.client.get(`/api/v1/imports/${done.id}/report`);
      expect(report.status).toBe(200);
      expect(report.text).toContain('asked to be erased');
      expect(report.text).toMatch(/^3,email,/m);
    });

    it('[P-DSR-3] another workspace is not affected by these tombstones', async () => {
      const res = await elsewhere.owner.client.post('/api/v1/people', {
        firstName: 'Same',
        emails: [{ value: erased.email, type: 'work' }],
        subjectCategories: ['client'],
      });
      expect(res.status).toBe(201);
    });

    it('[P-DSR-3] a new recorded consent lifts the tombstone and lets them back; the phone stays blocked', async () => {
      expect(
        (await w.member.client.post('/api/v1/tombstones/lift', { kind: 'email', value: erased.email, evidence: 'x' }))
          .status,
      ).toBe(403);
      const noProof = await w.admin.client.post<ErrorBody>('/api/v1/tombstones/lift', {
        kind: 'email',
        value: erased.email,
      });
      expect(noProof.status).toBe(422);
      const lift = await w.admin.client.post('/api/v1/tombstones/lift', {
        kind: 'email',
        value: erased.email,
        evidence: 'signed up again on the web form on 2026-01-05',
      });
      expect(lift.status, JSON.stringify(lift.body)).toBe(200);
      const back = await w.member.client.post('/api/v1/people', {
        firstName: 'Back',
        emails: [{ value: erased.email, type: 'work' }],
        subjectCategories: ['client'],
      });
      expect(back.status).toBe(201);
      const phone = await w.member.client.post('/api/v1/people', {
        firstName: 'Back',
        phones: [{ value: erased.phone, type: 'mobile' }],
        subjectCategories: ['client'],
      });
      expect(phone.status).toBe(409);
      await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
        const lifted = await tx
          .select()
          .from(tombstones)
          .where(and(eq(tombstones.workspaceId, w.workspaceId), sql`lifted_at is not null`));
        expect(lifted.map((t) => [t.kind, t.liftEvidence])).toEqual([
          ['email', 'signed up again on the web form on 2026-01-05'],
        ]);
      });
    });
  });

  describe('import in update mode and an email an erased person shared with someone still here', () => {
    // Stay and Gone both had shared@example.com; Gone is erased, so it is tombstoned, and so
    // are Gone's own phone and second email. Stay still exists and still has the email.
    let stay: TPerson;
    beforeAll(async () => {
      stay = await makePerson(w.owner.client, {
        firstName: 'Stay',
        lastName: 'Here',
        emails: [{ value: 'shared@example.com', type: 'work' }],
        phones: [{ value: '+4791666111', type: 'mobile' }],
      });
      const gone = await makePerson(w.owner.client, {
        firstName: 'Gone',
        emails: [
          { value: 'shared@example.com', type: 'work' },
          { value: 'gone.only@example.com', type: 'home' },
        ],
        phones: [{ value: '+4791666222', type: 'mobile' }],
      });
      expect((await erase(w, gone.id)).status).toBe(200);
    });

    const csv = [
      'First name,Last name,Email,Phone,Title',
      // Updates Stay: she already has the tombstoned email.
      'Stay,Here,SHARED@example.com,,Head of sales',
      // Would add the erased person's phone to Stay: refused.
      'Stay,Here,shared@example.com,+47 91 66 62 22,',
      // Nobody here has it: this would re-create the erased person: refused.
      'Gone,Again,gone.only@example.com,,',
      '',
    ].join('\n');

    it('[P-DSR-3] updating an existing person who has the email goes through; adding an erased identifier or re-creating is refused', async () => {
      const dry: TImport = await importCsv(w.member.client, csv, { duplicates: 'update', dryRun: true });
      expect(dry).toMatchObject({ created: 0, updated: 1, failed: 2 });
      const done: TImport = await importCsv(w.member.client, csv, { duplicates: 'update' });
      expect(done).toMatchObject({ created: 0, updated: 1, failed: 2 });
      const after = await w.owner.client.get<TPerson>(`/api/v1/people/${stay.id}`);
      expect(after.body.title).toBe('Head of sales');
      expect(after.body.emails.map((e) => e.value)).toEqual(['shared@example.com']);
      expect(after.body.phones.map((p) => p.value)).toEqual(['+4791666111']);
      const report = await w.member.client.get(`/api/v1/imports/${done.id}/report`);
      expect(report.text).toMatch(/^3,phone,.*asked to be erased/m);
      expect(report.text).toMatch(/^4,email,.*asked to be erased/m);
      expect(report.text).not.toMatch(/^2,/m);
      await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
        const r = await tx.execute(
          sql`select count(*)::int as n from person_emails where workspace_id = ${w.workspaceId} and email = 'gone.only@example.com'`,
        );
        expect((r as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
      });
    });

    it('[P-DSR-3] creating a new person with the tombstoned email is still refused, even while someone else has it', async () => {
      const created: TImport = await importCsv(
        w.member.client,
        'First name,Last name,Email\nNew,Namesake,shared@example.com\n',
        { duplicates: 'create' },
      );
      expect(created).toMatchObject({ created: 0, failed: 1 });
      // Skip mode writes nothing for a row that is Stay's duplicate: skipped, not refused.
      const skipped: TImport = await importCsv(
        w.member.client,
        'First name,Last name,Email\nStay,Here,shared@example.com\n',
        { duplicates: 'skip' },
      );
      expect(skipped).toMatchObject({ created: 0, skipped: 1, failed: 0 });
      // Once Stay is in the trash nobody live has the email: an update-mode row would create.
      expect((await w.owner.client.delete(`/api/v1/people/${stay.id}`)).status).toBe(200);
      const afterTrash: TImport = await importCsv(
        w.member.client,
        'First name,Last name,Email\nStay,Here,shared@example.com\n',
        { duplicates: 'update' },
      );
      expect(afterTrash).toMatchObject({ created: 0, updated: 0, failed: 1 });
    });
  });

  it('[P-DSR-3] a lift can name a consent of the consent ledger; an unknown one is refused', async () => {
    const p = await makePerson(w.owner.client, { emails: [{ value: 'consents@example.com', type: 'work' }] });
    expect((await erase(w, p.id)).status).toBe(200);
    // The person comes back without the erased email, gives a new consent, then the email is let in.
    const back = await makePerson(w.owner.client, { firstName: 'Back' });
    const consent = await w.owner.client.post<{ id: string }>(`/api/v1/people/${back.id}/consents`, {
      purposeKey: 'marketing.email',
      state: 'given',
      method: 'web_form',
    });
    expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    const bad = await w.admin.client.post<ErrorBody>('/api/v1/tombstones/lift', {
      kind: 'email',
      value: 'consents@example.com',
      consentId: '019b0000-0000-7000-8000-000000000000',
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields ?? {})).toEqual(['consentId']);
    const refused = await w.owner.client.patch(`/api/v1/people/${back.id}`, {
      emails: [{ value: 'consents@example.com', type: 'work' }],
    });
    expect(refused.status).toBe(409);
    const lift = await w.admin.client.post('/api/v1/tombstones/lift', {
      kind: 'email',
      value: 'consents@example.com',
      consentId: consent.body.id,
    });
    expect(lift.status, JSON.stringify(lift.body)).toBe(200);
    const added = await w.owner.client.patch(`/api/v1/people/${back.id}`, {
      emails: [{ value: 'consents@example.com', type: 'work' }],
    });
    expect(added.status).toBe(200);
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      const [entry] = await tx
        .select({ details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'tombstone.lifted')))
        .orderBy(sql`seq desc`)
        .limit(1);
      expect((entry?.details as { consentId?: string } | undefined)?.consentId).toBe(consent.body.id);
    });
  });

  describe('who may erase', () => {
    it('[P-DSR-3] a member or viewer is refused, even for a private person the member owns', async () => {
      const mine = await makePerson(w.member.client, { visibility: 'private' });
      for (const c of [w.member.client, w.viewer.client]) {
        const res = await c.post(`/api/v1/people/${mine.id}/erase`, { reason: 'x', confirm: 'ERASE' });
        expect(res.status).toBe(403);
        expect((await c.get(`/api/v1/people/${mine.id}/erasures`)).status).toBe(403);
      }
      expect((await w.member.client.get(`/api/v1/people/${mine.id}`)).status).toBe(200);
    });

    it('[P-DSR-3] another workspace cannot erase or see the erasures of a person here', async () => {
      const p = await makePerson(w.owner.client, { visibility: 'private' });
      const res = await elsewhere.owner.client.post(`/api/v1/people/${p.id}/erase`, { reason: 'x', confirm: 'ERASE' });
      expect(res.status).toBe(404);
      expect((await w.owner.client.get(`/api/v1/people/${p.id}`)).status).toBe(200);
      await erase(w, p.id);
      const list = await elsewhere.owner.client.get<TErasureList>(`/api/v1/people/${p.id}/erasures`);
      expect(list.body.items).toEqual([]);
    });

    it('needs the typed confirmation and a reason', async () => {
      const p = await makePerson(w.owner.client);
      const res = await w.admin.client.post<ErrorBody>(`/api/v1/people/${p.id}/erase`, { reason: '' });
      expect(res.status).toBe(422);
      expect(Object.keys(res.body.error.fields ?? {}).sort()).toEqual(['confirm', 'reason']);
      await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
        const [row] = await tx
          .select({ id: people.personId })
          .from(people)
          .where(and(eq(people.workspaceId, w.workspaceId), eq(people.personId, p.id)));
        expect(row?.id).toBe(p.id);
        const none = await tx
          .select()
          .from(erasures)
          .where(and(eq(erasures.workspaceId, w.workspaceId), eq(erasures.personId, p.id)));
        expect(none).toEqual([]);
      });
    });
  });
});

describeEachDatabase('erasure under a legal hold, once the hold ends (job erasure.finish-held)', (env) => {
  it('[P-RET-2] [P-DSR-3] the held records and the anonymised stub go once the hold has ended', async () => {
    const w = await crmWorkspace(env(), 'Holds end');
    const person = await makePerson(w.owner.client, {
      emails: [{ value: 'ends@example.com', type: 'work' }],
    });
    const until = new Date(env().clock.now().getTime() + 2 * 86_400_000).toISOString();
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'open_contract',
      until,
    });
    expect(hold.status).toBe(201);
    const first = await erase(w, person.id);
    expect(first.body.state).toBe('held');
    // While the hold lasts, the job keeps the record.
    expect(await runJob(env().services, finishHeldErasuresJob)).toMatchObject({ finished: 0, stillHeld: 1 });
    expect((await w.admin.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    env().clock.advance(3 * 86_400_000);
    expect(await runJob(env().services, finishHeldErasuresJob)).toMatchObject({ finished: 1, stillHeld: 0 });
    expect((await w.admin.client.get(`/api/v1/people/${person.id}`)).status).toBe(404);
    const rows = await rowsInPersonTables(env(), w.workspaceId, person.id);
    expect(Object.entries(rows).filter(([, n]) => n > 0)).toEqual([]);
    const list = await w.admin.client.get<TErasureList>(`/api/v1/people/${person.id}/erasures`);
    expect(list.body.items.map((c) => c.state)).toEqual(['complete', 'held']);
    expect(await runJob(env().services, finishHeldErasuresJob)).toMatchObject({ finished: 0, stillHeld: 0 });
  });
});

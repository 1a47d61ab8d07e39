import type { TCompany, TPerson, TPersonList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

describeEachDatabase('people', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env());
  }, 60_000);

  const auditOf = (targetId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, targetId)))
        .orderBy(auditEntries.seq),
    );

  it('[P-CRM-1] [P-LB-2] creates a person with name, typed emails and phones, address, title, tags and categories, and reads it back', async () => {
    const created = await w.member.client.post<TPerson>('/api/v1/people', {
      firstName: ' Kari ',
      lastName: 'Nordmann',
      emails: [
        { value: ' Kari@Example.NO ', type: 'work' },
        { value: 'kari.home@example.no', type: 'home', primary: true },
      ],
      phones: [{ value: '22 33 44 55', type: 'work' }, { value: '+46 8 123 456 78' }],
      address: { street: 'Karl Johans gate 1', postalCode: '0154', city: 'Oslo', country: 'no' },
      title: 'CFO',
      tags: ['vip', 'VIP', 'board'],
      subjectCategories: ['client', 'newsletter_subscriber'],
      source: 'sync:google',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const p = created.body;
    expect(p).toMatchObject({
      firstName: 'Kari',
      lastName: 'Nordmann',
      emails: [
        { value: 'kari@example.no', type: 'work', primary: false },
        { value: 'kari.home@example.no', type: 'home', primary: true },
      ],
      phones: [
        { value: '+4722334455', type: 'work', primary: true },
        { value: '+46812345678', type: 'mobile', primary: false },
      ],
      address: { street: 'Karl Johans gate 1', state: null, postalCode: '0154', city: 'Oslo', country: 'NO' },
      title: 'CFO',
      tags: ['vip', 'board'],
      subjectCategories: ['client', 'newsletter_subscriber'],
      source: 'sync:google',
      visibility: 'workspace',
      teamId: null,
      ownerId: w.member.userId,
      companies: [],
      deletedAt: null,
    });
    const got = await w.viewer.client.get<TPerson>(`/api/v1/people/${p.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(p);
    const audit = await auditOf(p.id);
    expect(audit.map((a) => a.action)).toEqual(['person.created']);
    expect(audit[0]?.actorId).toBe(w.member.userId);
    expect(JSON.stringify(audit[0]?.details)).not.toContain('kari');
  });

  it('[P-CRM-1] updates a person: lists replace, address parts merge, every change audited', async () => {
    const p = await makePerson(w.member.client, {
      emails: [{ value: 'a@example.test' }],
      address: { city: 'Bergen', country: 'NO' },
    });
    env().clock.advance(1000);
    const res = await w.member.client.patch<TPerson>(`/api/v1/people/${p.id}`, {
      lastName: 'Changed',
      emails: [{ value: 'b@example.test', type: 'other' }],
      phones: [{ value: '+47 900 00 000', type: 'mobile', primary: true }],
      address: { street: 'Bryggen 1', city: null },
      subjectCategories: ['supplier'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      lastName: 'Changed',
      emails: [{ value: 'b@example.test', type: 'other', primary: true }],
      phones: [{ value: '+4790000000', type: 'mobile', primary: true }],
      address: { street: 'Bryggen 1', city: null, country: 'NO' },
      subjectCategories: ['supplier'],
    });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(p.updatedAt));
    const audit = await auditOf(p.id);
    expect(audit.map((a) => a.action)).toEqual(['person.created', 'person.updated']);
    expect(audit[1]?.details).toMatchObject({
      fields: ['address', 'emails', 'lastName', 'phones', 'subjectCategories'],
    });
  });

  it('[P-CRM-2] links a person to companies with a role, changes the role, unlinks; filter people by company', async () => {
    const acme = await makeCompany(w.member.client, { name: 'Acme AS' });
    const beta = await makeCompany(w.member.client, { name: 'Beta AB' });
    const p = await makePerson(w.member.client, { companies: [{ companyId: beta.id, role: 'Advisor' }] });
    expect(p.companies).toEqual([{ companyId: beta.id, name: 'Beta AB', role: 'Advisor' }]);
    const linked = await w.member.client.post<TPerson>(`/api/v1/people/${p.id}/companies`, {
      companyId: acme.id,
      role: 'CEO',
    });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body.companies).toEqual([
      { companyId: acme.id, name: 'Acme AS', role: 'CEO' },
      { companyId: beta.id, name: 'Beta AB', role: 'Advisor' },
    ]);
    const again = await w.member.client.post<TPerson>(`/api/v1/people/${p.id}/companies`, {
      companyId: acme.id,
      role: 'Chair',
    });
    expect(again.body.companies[0]).toEqual({ companyId: acme.id, name: 'Acme AS', role: 'Chair' });
    const ofAcme = await w.viewer.client.get<TPersonList>(`/api/v1/people?companyId=${acme.id}`);
    expect(ofAcme.body.items.map((x) => x.id)).toEqual([p.id]);
    const unlinked = await w.member.client.delete<TPerson>(`/api/v1/people/${p.id}/companies/${acme.id}`);
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.companies.map((c) => c.companyId)).toEqual([beta.id]);
    const twice = await w.member.client.delete(`/api/v1/people/${p.id}/companies/${acme.id}`);
    expect(twice.status).toBe(404);
    // A company in the trash disappears from its people, and comes back with it.
    await w.member.client.delete(`/api/v1/companies/${beta.id}`);
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.companies).toEqual([]);
    const restored = await w.member.client.post<TCompany>(`/api/v1/trash/company/${beta.id}/restore`);
    expect(restored.status).toBe(200);
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.companies).toHaveLength(1);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual([
      'person.created',
      'person.company_linked',
      'person.company_linked',
      'person.company_unlinked',
    ]);
  });

  it('allows the same email on two people (merged later), refuses it twice on one person', async () => {
    const a = await makePerson(w.member.client, { emails: [{ value: 'shared@example.test' }] });
    const b = await makePerson(w.member.client, { emails: [{ value: 'SHARED@example.test' }] });
    expect(a.emails[0]?.value).toBe(b.emails[0]?.value);
    const res = await w.member.client.post('/api/v1/people', {
      firstName: 'Twice',
      subjectCategories: ['client'],
      emails: [{ value: 'x@example.test' }, { value: 'X@example.test ' }],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      error: { code: 'validation_failed', fields: { 'emails.1.value': 'is listed twice' } },
    });
    const phones = await w.member.client.patch(`/api/v1/people/${a.id}`, {
      phones: [{ value: '22 33 44 55' }, { value: '+47 22334455' }],
    });
    expect(phones.status).toBe(422);
    expect(phones.body).toMatchObject({ error: { fields: { 'phones.1.value': 'is listed twice' } } });
  });

  it('[P-CRM-2] creates, updates and reads a company', async () => {
    const res = await w.member.client.post<TCompany>('/api/v1/companies', {
      name: 'Gamma ASA',
      domain: 'https://www.Gamma.example/about',
      orgNumber: '123 456 789',
      address: { city: 'Trondheim', country: 'NO' },
      industry: 'Shipping',
      size: '51-200',
      tags: ['partner'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Gamma ASA',
      domain: 'gamma.example',
      orgNumber: '123 456 789',
      address: { city: 'Trondheim', country: 'NO', street: null },
      industry: 'Shipping',
      size: '51-200',
      tags: ['partner'],
      ownerId: w.member.userId,
      visibility: 'workspace',
    });
    const upd = await w.member.client.patch<TCompany>(`/api/v1/companies/${res.body.id}`, {
      size: null,
      name: 'Gamma',
    });
    expect(upd.body).toMatchObject({ size: null, name: 'Gamma', domain: 'gamma.example' });
    expect((await w.viewer.client.get(`/api/v1/companies/${res.body.id}`)).body).toEqual(upd.body);
    expect((await auditOf(res.body.id)).map((a) => a.action)).toEqual(['company.created', 'company.updated']);
  });

  it('roles: a viewer reads but cannot create, change, link, unlink, delete or restore', async () => {
    const p = await makePerson(w.member.client);
    const c = await makeCompany(w.member.client);
    const calls = [
      w.viewer.client.post('/api/v1/people', { firstName: 'No', subjectCategories: ['client'] }),
      w.viewer.client.patch(`/api/v1/people/${p.id}`, { firstName: 'No' }),
      w.viewer.client.delete(`/api/v1/people/${p.id}`),
      w.viewer.client.post(`/api/v1/people/${p.id}/companies`, { companyId: c.id }),
      w.viewer.client.post('/api/v1/companies', { name: 'No' }),
      w.viewer.client.patch(`/api/v1/companies/${c.id}`, { name: 'No' }),
      w.viewer.client.delete(`/api/v1/companies/${c.id}`),
      w.viewer.client.delete(`/api/v1/people/${p.id}/companies/${c.id}`),
      w.viewer.client.post(`/api/v1/trash/person/${p.id}/restore`),
      w.viewer.client.post(`/api/v1/trash/company/${c.id}/restore`),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await w.viewer.client.get(`/api/v1/people/${p.id}`)).status).toBe(200);
    expect((await w.viewer.client.get(`/api/v1/companies/${c.id}`)).status).toBe(200);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual(['person.created']);
  });

  it('[P-LB-2] every person is kept under at least one category of data subject from the fixed list, and can be listed by it', async () => {
    const none = await w.member.client.post('/api/v1/people', { firstName: 'Uncategorised' });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ error: { fields: { subjectCategories: expect.any(String) } } });
    const applicant = await makePerson(w.member.client, { subjectCategories: ['job_applicant', 'site_visitor'] });
    const list = await w.viewer.client.get<TPersonList>('/api/v1/people?subjectCategory=job_applicant&limit=200');
    expect(list.body.items.map((p) => p.id)).toEqual([applicant.id]);
    const cleared = await w.member.client.patch(`/api/v1/people/${applicant.id}`, { subjectCategories: [] });
    expect(cleared.status).toBe(422);
    const row = await w.viewer.client.get<TPerson>(`/api/v1/people/${applicant.id}`);
    expect(row.body.subjectCategories).toEqual(['job_applicant', 'site_visitor']);
  });

  it('the endpoints are in the OpenAPI document', async () => {
    const res = await env().client().get<{ paths: Record<string, unknown> }>('/api/openapi.json');
    expect(res.status).toBe(200);
    for (const path of [
      '/api/v1/people',
      '/api/v1/people/{id}',
      '/api/v1/people/{id}/companies',
      '/api/v1/people/{id}/companies/{companyId}',
      '/api/v1/companies',
      '/api/v1/companies/{id}',
      '/api/v1/trash',
      '/api/v1/trash/{kind}/{id}/restore',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
  });

  it('an owner must be a member; a person can be handed to another member', async () => {
    const bad = await w.member.client.post('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      ownerId: '00000000-0000-7000-8000-000000000000',
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: { fields: { ownerId: expect.any(String) } } });
    const p = await makePerson(w.member.client, { ownerId: w.other.userId });
    expect(p.ownerId).toBe(w.other.userId);
  });
});

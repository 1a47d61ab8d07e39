import type { TCompany, TPerson } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import {
  auditEntries,
  companies,
  people,
  personCategories,
  personCompanies,
  personEmails,
  personPhones,
  personTags,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** method, url, body, and the field the error must name. */
type Case = [Method, string, unknown, string];

const long = (n: number) => 'x'.repeat(n);
const ok = { firstName: 'Valid', subjectCategories: ['client'] };

describeEachDatabase('people and companies refuse bad input', (env) => {
  let w: CrmWorkspace;
  let p: TPerson;
  let c: TCompany;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Validated');
    c = await makeCompany(w.member.client, { name: 'Valid Co' });
    p = await makePerson(w.member.client, { emails: [{ value: 'valid@example.test' }] });
  }, 60_000);

  const snapshot = () =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => ({
      people: await tx.select().from(people).where(eq(people.workspaceId, w.workspaceId)).orderBy(people.personId),
      emails: await tx.select().from(personEmails).where(eq(personEmails.workspaceId, w.workspaceId)),
      phones: await tx.select().from(personPhones).where(eq(personPhones.workspaceId, w.workspaceId)),
      links: await tx.select().from(personCompanies).where(eq(personCompanies.workspaceId, w.workspaceId)),
      tags: await tx.select().from(personTags).where(eq(personTags.workspaceId, w.workspaceId)),
      categories: await tx.select().from(personCategories).where(eq(personCategories.workspaceId, w.workspaceId)),
      companies: await tx.select().from(companies).where(eq(companies.workspaceId, w.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, w.workspaceId))).length,
    }));

  it('[P-CRM-1] [P-LB-2] answers 422 naming the field for bad emails and phones, unknown fields, long strings and wrong types; writes nothing', async () => {
    const P = `/api/v1/people/${p.id}`;
    const C = `/api/v1/companies/${c.id}`;
    const cases: Case[] = [
      ['POST', '/api/v1/people', { subjectCategories: ['client'] }, 'firstName'],
      ['POST', '/api/v1/people', { ...ok, firstName: '   ' }, 'firstName'],
      ['POST', '/api/v1/people', { ...ok, firstName: 5 }, 'firstName'],
      ['POST', '/api/v1/people', { ...ok, firstName: long(101) }, 'firstName'],
      ['POST', '/api/v1/people', { ...ok, lastName: long(101) }, 'lastName'],
      ['POST', '/api/v1/people', { ...ok, title: long(201) }, 'title'],
      ['POST', '/api/v1/people', { ...ok, emails: [{ value: 'not-an-email' }] }, 'emails.0.value'],
      ['POST', '/api/v1/people', { ...ok, emails: [{ value: `${long(250)}@example.test` }] }, 'emails.0.value'],
      ['POST', '/api/v1/people', { ...ok, emails: [{ value: 'a@example.test', type: 'fax' }] }, 'emails.0.type'],
      ['POST', '/api/v1/people', { ...ok, emails: [{ value: 'a@example.test', label: 'x' }] }, 'emails.0.label'],
      ['POST', '/api/v1/people', { ...ok, emails: 'a@example.test' }, 'emails'],
      [
        'POST',
        '/api/v1/people',
        {
          ...ok,
          emails: [
            { value: 'a@example.test', primary: true },
            { value: 'b@example.test', primary: true },
          ],
        },
        'emails',
      ],
      ['POST', '/api/v1/people', { ...ok, phones: [{ value: 'call me maybe' }] }, 'phones.0.value'],
      ['POST', '/api/v1/people', { ...ok, phones: [{ value: '12' }] }, 'phones.0.value'],
      [
        'POST',
        '/api/v1/people',
        { ...ok, phones: [{ value: '+47 22 33 44 55' }, { value: '+1 555' }] },
        'phones.1.value',
      ],
      ['POST', '/api/v1/people', { ...ok, phones: [{ value: '+4722334455', type: 'pager' }] }, 'phones.0.type'],
      ['POST', '/api/v1/people', { ...ok, subjectCategories: [] }, 'subjectCategories'],
      ['POST', '/api/v1/people', { firstName: 'No category' }, 'subjectCategories'],
      ['POST', '/api/v1/people', { ...ok, subjectCategories: ['customer'] }, 'subjectCategories.0'],
      ['POST', '/api/v1/people', { ...ok, source: 'carrier-pigeon' }, 'source'],
      ['POST', '/api/v1/people', { ...ok, source: 'sync:' }, 'source'],
      ['POST', '/api/v1/people', { ...ok, visibility: 'public' }, 'visibility'],
      ['POST', '/api/v1/people', { ...ok, tags: [long(51)] }, 'tags.0'],
      ['POST', '/api/v1/people', { ...ok, tags: 'vip' }, 'tags'],
      ['POST', '/api/v1/people', { ...ok, address: { city: long(101) } }, 'address.city'],
      ['POST', '/api/v1/people', { ...ok, address: { country: 'Norway' } }, 'address.country'],
      ['POST', '/api/v1/people', { ...ok, address: { planet: 'Earth' } }, 'address.planet'],
      ['POST', '/api/v1/people', { ...ok, ownerId: 'me' }, 'ownerId'],
      ['POST', '/api/v1/people', { ...ok, companies: [{ companyId: 'acme' }] }, 'companies.0.companyId'],
      ['POST', '/api/v1/people', { ...ok, id: '019b8d62-7a80-7d5d-a3a3-972064f4d772' }, 'id'],
      ['POST', '/api/v1/people', { ...ok, createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
      ['POST', '/api/v1/people', { ...ok, workspaceId: w.workspaceId }, 'workspaceId'],
      ['POST', '/api/v1/people', [], 'body'],
      ['PATCH', P, { firstName: '' }, 'firstName'],
      ['PATCH', P, { emails: [{ value: 'valid@example.test' }, { value: 'not an email' }] }, 'emails.1.value'],
      ['PATCH', P, { phones: [{ value: '+47 22 33 44 55' }, { value: 'nope' }] }, 'phones.1.value'],
      ['PATCH', P, { source: 'import' }, 'source'],
      ['PATCH', P, { companies: [] }, 'companies'],
      ['PATCH', P, { deletedAt: null }, 'deletedAt'],
      ['PATCH', '/api/v1/people/not-a-uuid', { firstName: 'X' }, 'id'],
      ['GET', '/api/v1/people/not-a-uuid', undefined, 'id'],
      ['DELETE', '/api/v1/people/not-a-uuid', undefined, 'id'],
      ['POST', `${P}/companies`, { companyId: 'x' }, 'companyId'],
      ['POST', `${P}/companies`, { companyId: c.id, role: long(101) }, 'role'],
      ['POST', `${P}/companies`, { companyId: c.id, since: '2020' }, 'since'],
      ['DELETE', `${P}/companies/nope`, undefined, 'companyId'],
      ['GET', '/api/v1/people?limit=0', undefined, 'limit'],
      ['GET', '/api/v1/people?limit=201', undefined, 'limit'],
      ['GET', '/api/v1/people?limit=abc', undefined, 'limit'],
      ['GET', '/api/v1/people?sort=email', undefined, 'sort'],
      ['GET', '/api/v1/people?dir=up', undefined, 'dir'],
      ['GET', '/api/v1/people?ownerId=me', undefined, 'ownerId'],
      ['GET', '/api/v1/people?subjectCategory=alien', undefined, 'subjectCategory'],
      ['GET', '/api/v1/people?createdAfter=yesterday', undefined, 'createdAfter'],
      ['GET', `/api/v1/people?q=${long(101)}`, undefined, 'q'],
      ['GET', '/api/v1/people?offset=50', undefined, 'offset'],
      ['POST', '/api/v1/companies', {}, 'name'],
      ['POST', '/api/v1/companies', { name: long(201) }, 'name'],
      ['POST', '/api/v1/companies', { name: 'X', domain: 'not a domain' }, 'domain'],
      ['POST', '/api/v1/companies', { name: 'X', size: 'huge' }, 'size'],
      ['POST', '/api/v1/companies', { name: 'X', industry: 7 }, 'industry'],
      ['POST', '/api/v1/companies', { name: 'X', peopleCount: 7 }, 'peopleCount'],
      ['PATCH', C, { orgNumber: long(51) }, 'orgNumber'],
      ['PATCH', C, { visibility: 'team' }, 'teamId'],
      ['GET', '/api/v1/companies?sort=employees', undefined, 'sort'],
      ['GET', '/api/v1/trash?kind=invoice', undefined, 'kind'],
      ['POST', `/api/v1/trash/invoice/${p.id}/restore`, {}, 'kind'],
    ];
    const before = await snapshot();
    for (const [method, url, body, field] of cases) {
      const res = await w.member.client.request(method, url, body);
      const label = `${method} ${url.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 120)}`;
      expect(res.status, label).toBe(422);
      expect(res.body, label).toMatchObject({ error: { code: 'validation_failed' } });
      expect(Object.keys((res.body as { error: { fields: object } }).error.fields ?? {}), label).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses bodies that are not JSON, and a second bad phone after a good person part, writing nothing', async () => {
    const before = await snapshot();
    const res = await w.member.client.request('POST', '/api/v1/people', '{"firstName": ');
    expect(res.status).toBe(400);
    // Everything but the second phone is fine: nothing of the person is written.
    const half = await w.member.client.post('/api/v1/people', {
      ...ok,
      emails: [{ value: 'half@example.test' }],
      tags: ['half'],
      phones: [{ value: '+47 22 33 44 55' }, { value: '+999' }],
      companies: [{ companyId: c.id }],
    });
    expect(half.status).toBe(422);
    // A company that does not exist, found only in the transaction: nothing written either.
    const ghost = await w.member.client.post('/api/v1/people', {
      ...ok,
      emails: [{ value: 'ghost@example.test' }],
      companies: [{ companyId: c.id }, { companyId: '019b8d62-7a80-7d5d-a3a3-972064f4d772' }],
    });
    expect(ghost.status).toBe(422);
    expect(ghost.body).toMatchObject({ error: { fields: { 'companies.1.companyId': expect.any(String) } } });
    expect(await snapshot()).toEqual(before);
  });
});

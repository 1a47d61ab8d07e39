import type { TCompany, TCompanyList, TPerson, TPersonList, TTrashList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries, companies, people, personCompanies, personEmails, personPhones } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Call = [Method, string, unknown?];

/**
 * Tenant isolation for every endpoint of people, companies and the trash: a user of
 * workspace A can neither read nor change workspace B, whether they name B in the header
 * (403) or use B's ids from inside A (404).
 */
describeEachDatabase('people and companies: tenant isolation', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bPerson: TPerson;
  let bCompany: TCompany;
  let bTrashed: TPerson;
  let aPerson: TPerson;
  let aCompany: TCompany;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    bCompany = await makeCompany(b.owner.client, { name: 'Bravo Co', domain: 'bravo.example' });
    bPerson = await makePerson(b.owner.client, {
      firstName: 'Bravo',
      emails: [{ value: 'bravo@example.test' }],
      phones: [{ value: '+47 400 00 003' }],
      companies: [{ companyId: bCompany.id, role: 'Boss' }],
    });
    bTrashed = await makePerson(b.owner.client, { firstName: 'Bravotrash' });
    expect((await b.owner.client.delete(`/api/v1/people/${bTrashed.id}`)).status).toBe(200);
    aPerson = await makePerson(a.owner.client, { firstName: 'Alpha' });
    aCompany = await makeCompany(a.owner.client, { name: 'Alpha Co' });
  }, 120_000);

  const snapshotB = () =>
    withTenant(env().services.database.db, { workspaceId: b.workspaceId }, async (tx) => ({
      people: await tx.select().from(people).where(eq(people.workspaceId, b.workspaceId)).orderBy(people.personId),
      emails: await tx.select().from(personEmails).where(eq(personEmails.workspaceId, b.workspaceId)),
      phones: await tx.select().from(personPhones).where(eq(personPhones.workspaceId, b.workspaceId)),
      links: await tx.select().from(personCompanies).where(eq(personCompanies.workspaceId, b.workspaceId)),
      companies: await tx.select().from(companies).where(eq(companies.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));

  function everyEndpoint(ids: { person: string; company: string; trashed: string; otherCompany: string }): Call[] {
    return [
      ['GET', '/api/v1/people'],
      ['POST', '/api/v1/people', { firstName: 'Intruder', subjectCategories: ['client'] }],
      ['GET', `/api/v1/people/${ids.person}`],
      ['PATCH', `/api/v1/people/${ids.person}`, { firstName: 'Pwned' }],
      ['DELETE', `/api/v1/people/${ids.person}`],
      ['POST', `/api/v1/people/${ids.person}/companies`, { companyId: ids.otherCompany }],
      ['DELETE', `/api/v1/people/${ids.person}/companies/${ids.company}`],
      ['GET', '/api/v1/companies'],
      ['POST', '/api/v1/companies', { name: 'Intruder AS' }],
      ['GET', `/api/v1/companies/${ids.company}`],
      ['PATCH', `/api/v1/companies/${ids.company}`, { name: 'Pwned AS' }],
      ['DELETE', `/api/v1/companies/${ids.company}`],
      ['GET', '/api/v1/trash'],
      ['POST', `/api/v1/trash/person/${ids.trashed}/restore`, {}],
    ];
  }

  const send = (client: TestClient, [method, url, body]: Call, headers?: Record<string, string>) =>
    client.request(method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), headers);

  it('naming another workspace in X-Tillit-Workspace is refused on every endpoint, and B is unchanged', async () => {
    const before = await snapshotB();
    const calls = everyEndpoint({
      person: bPerson.id,
      company: bCompany.id,
      trashed: bTrashed.id,
      otherCompany: bCompany.id,
    });
    for (const user of [a.owner, a.member, a.viewer]) {
      for (const call of calls) {
        const res = await send(user.client, call, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
      }
    }
    expect(await snapshotB()).toEqual(before);
  });

  it("B's ids used from inside A are not found; A's lists and search never show B's records; B is unchanged", async () => {
    const before = await snapshotB();
    const calls = everyEndpoint({
      person: bPerson.id,
      company: bCompany.id,
      trashed: bTrashed.id,
      otherCompany: bCompany.id,
    }).filter(([, url]) => url.includes(bPerson.id) || url.includes(bCompany.id) || url.includes(bTrashed.id));
    for (const call of calls) {
      const res = await send(a.owner.client, call);
      expect(res.status, `${call[0]} ${call[1]}`).toBe(404);
    }
    // Linking A's person to B's company, or creating a person with it: not A's to use.
    const link = await a.owner.client.post(`/api/v1/people/${aPerson.id}/companies`, { companyId: bCompany.id });
    expect(link.status).toBe(404);
    const create = await a.owner.client.post('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      companies: [{ companyId: bCompany.id }],
    });
    expect(create.status).toBe(422);
    const owned = await a.owner.client.post('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      ownerId: b.owner.userId,
    });
    expect(owned.status).toBe(422);
    const team = await a.owner.client.post('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      visibility: 'team',
      teamId: b.teamId,
    });
    expect(team.status).toBe(422);
    const list = await a.owner.client.get<TPersonList>('/api/v1/people?limit=200');
    expect(list.body.items.map((p) => p.id)).toEqual([aPerson.id]);
    expect((await a.owner.client.get<TPersonList>('/api/v1/people?q=bravo')).body.items).toEqual([]);
    expect((await a.owner.client.get<TPersonList>(`/api/v1/people?companyId=${bCompany.id}`)).body.items).toEqual([]);
    const cos = await a.owner.client.get<TCompanyList>('/api/v1/companies?limit=200');
    expect(cos.body.items.map((c) => c.id)).toEqual([aCompany.id]);
    const trash = await a.owner.client.get<TTrashList>('/api/v1/trash');
    expect(trash.body.items).toEqual([]);
    expect(await snapshotB()).toEqual(before);
    // B still sees its own records.
    expect((await b.viewer.client.get(`/api/v1/people/${bPerson.id}`)).status).toBe(200);
  });

  it('a signed-out caller gets 401 on every endpoint', async () => {
    const anon = env().client();
    for (const call of everyEndpoint({
      person: bPerson.id,
      company: bCompany.id,
      trashed: bTrashed.id,
      otherCompany: bCompany.id,
    })) {
      const res = await send(anon, call, { 'x-tillit-workspace': b.workspaceId });
      expect(res.status, `${call[0]} ${call[1]}`).toBe(401);
    }
  });
});

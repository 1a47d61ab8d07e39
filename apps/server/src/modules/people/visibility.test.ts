import type { TCompany, TCompanyList, TPerson, TPersonList, TTrashList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { companies, people, personCompanies } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

/** P-ACC-7: private records are seen by their owner (and admins), team records by the team. */
describeEachDatabase('record visibility', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Visibility');
  }, 60_000);

  const rowOf = (personId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      const [p] = await tx
        .select()
        .from(people)
        .where(and(eq(people.workspaceId, w.workspaceId), eq(people.personId, personId)));
      const links = await tx
        .select()
        .from(personCompanies)
        .where(and(eq(personCompanies.workspaceId, w.workspaceId), eq(personCompanies.personId, personId)));
      return { p, links };
    });
  const listIds = async (client: TestClient, url = '/api/v1/people?limit=200') =>
    (await client.get<TPersonList>(url)).body.items.map((p) => p.id);

  it('[P-ACC-7] a private person is invisible to another member in list, search, get, update, delete, link and trash', async () => {
    const secret = await makePerson(w.member.client, {
      firstName: 'Secretia',
      emails: [{ value: 'secretia@example.test' }],
      visibility: 'private',
    });
    const company = await makeCompany(w.other.client, { name: 'Open Co' });
    const before = await rowOf(secret.id);
    const c = w.other.client;
    expect(await listIds(c)).not.toContain(secret.id);
    expect(await listIds(c, '/api/v1/people?q=secretia')).toEqual([]);
    expect(await listIds(c, `/api/v1/people?ownerId=${w.member.userId}&limit=200`)).not.toContain(secret.id);
    for (const res of [
      await c.get(`/api/v1/people/${secret.id}`),
      await c.patch(`/api/v1/people/${secret.id}`, { firstName: 'Pwned' }),
      await c.patch(`/api/v1/people/${secret.id}`, { visibility: 'workspace' }),
      await c.delete(`/api/v1/people/${secret.id}`),
      await c.post(`/api/v1/people/${secret.id}/companies`, { companyId: company.id }),
      await c.delete(`/api/v1/people/${secret.id}/companies/${company.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'not_found' } });
    }
    expect(await rowOf(secret.id)).toEqual(before);
    // The owner and the admins see it; so does the workspace owner.
    expect(await listIds(w.member.client)).toContain(secret.id);
    expect(await listIds(w.member.client, '/api/v1/people?q=secretia')).toEqual([secret.id]);
    expect((await w.admin.client.get(`/api/v1/people/${secret.id}`)).status).toBe(200);
    expect(await listIds(w.owner.client)).toContain(secret.id);
    // In the trash it stays invisible to the other member, who cannot restore it.
    expect((await w.member.client.delete(`/api/v1/people/${secret.id}`)).status).toBe(200);
    const trash = await c.get<TTrashList>('/api/v1/trash');
    expect(trash.body.items.map((i) => i.id)).not.toContain(secret.id);
    expect((await c.post(`/api/v1/trash/person/${secret.id}/restore`)).status).toBe(404);
    expect((await w.member.client.get<TTrashList>('/api/v1/trash')).body.items.map((i) => i.id)).toContain(secret.id);
    expect((await w.member.client.post(`/api/v1/trash/person/${secret.id}/restore`)).status).toBe(200);
  });

  it('[P-ACC-7] a team person is seen by the team and admins, not by other members or viewers', async () => {
    const teamPerson = await makePerson(w.member.client, { visibility: 'team', teamId: w.teamId });
    expect(teamPerson).toMatchObject({ visibility: 'team', teamId: w.teamId });
    expect(await listIds(w.other.client)).not.toContain(teamPerson.id);
    expect(await listIds(w.viewer.client)).not.toContain(teamPerson.id);
    expect((await w.other.client.get(`/api/v1/people/${teamPerson.id}`)).status).toBe(404);
    expect((await w.admin.client.get(`/api/v1/people/${teamPerson.id}`)).status).toBe(200);
    // Adding the other member to the team shows it to them at once.
    const add = await w.owner.client.put(`/api/teams/${w.teamId}/members/${w.other.userId}`);
    expect(add.status, JSON.stringify(add.body)).toBeLessThan(300);
    expect(await listIds(w.other.client)).toContain(teamPerson.id);
    const remove = await w.owner.client.delete(`/api/teams/${w.teamId}/members/${w.other.userId}`);
    expect(remove.status).toBeLessThan(300);
    expect(await listIds(w.other.client)).not.toContain(teamPerson.id);
  });

  it('[P-ACC-7] visibility team needs a team the member belongs to; other visibilities take no team', async () => {
    const other = w.other.client;
    const cases: [Record<string, unknown>, string][] = [
      [{ visibility: 'team' }, 'teamId'],
      [{ visibility: 'team', teamId: w.teamId }, 'teamId'],
      [{ visibility: 'team', teamId: '00000000-0000-7000-8000-000000000000' }, 'teamId'],
      [{ visibility: 'private', teamId: w.teamId }, 'teamId'],
    ];
    for (const [extra, field] of cases) {
      const res = await other.post('/api/v1/people', { firstName: 'T', subjectCategories: ['client'], ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(422);
      expect(res.body).toMatchObject({ error: { fields: { [field]: expect.any(String) } } });
    }
    // An admin may hand a record to any team.
    const byAdmin = await makePerson(w.admin.client, { visibility: 'team', teamId: w.teamId });
    expect(byAdmin.teamId).toBe(w.teamId);
    // Back to workspace clears the team.
    const open = await w.member.client.patch<TPerson>(`/api/v1/people/${byAdmin.id}`, { visibility: 'workspace' });
    expect(open.body).toMatchObject({ visibility: 'workspace', teamId: null });
  });

  it('[P-ACC-7] a private company is hidden from other members, in its own list and in the companies of a person', async () => {
    const hidden = await makeCompany(w.member.client, { name: 'Hidden AS', visibility: 'private' });
    const p = await makePerson(w.member.client, { companies: [{ companyId: hidden.id, role: 'CEO' }] });
    expect(p.companies.map((c) => c.companyId)).toEqual([hidden.id]);
    const seen = await w.other.client.get<TPerson>(`/api/v1/people/${p.id}`);
    expect(seen.body.companies).toEqual([]);
    expect(await listIds(w.other.client, `/api/v1/people?companyId=${hidden.id}`)).toEqual([]);
    expect(await listIds(w.member.client, `/api/v1/people?companyId=${hidden.id}`)).toEqual([p.id]);
    const list = await w.other.client.get<TCompanyList>('/api/v1/companies?limit=200');
    expect(list.body.items.map((c) => c.id)).not.toContain(hidden.id);
    expect((await w.other.client.get(`/api/v1/companies/${hidden.id}`)).status).toBe(404);
    expect((await w.other.client.patch(`/api/v1/companies/${hidden.id}`, { name: 'Pwned' })).status).toBe(404);
    expect((await w.other.client.delete(`/api/v1/companies/${hidden.id}`)).status).toBe(404);
    const link = await w.other.client.post(`/api/v1/people/${p.id}/companies`, { companyId: hidden.id });
    expect(link.status).toBe(404);
    const create = await w.other.client.post('/api/v1/people', {
      firstName: 'X',
      subjectCategories: ['client'],
      companies: [{ companyId: hidden.id }],
    });
    expect(create.status).toBe(422);
    expect(create.body).toMatchObject({ error: { fields: { 'companies.0.companyId': expect.any(String) } } });
    const row = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(companies)
        .where(and(eq(companies.workspaceId, w.workspaceId), eq(companies.companyId, hidden.id))),
    );
    expect(row[0]?.name).toBe('Hidden AS');
    expect((await w.admin.client.get<TCompany>(`/api/v1/companies/${hidden.id}`)).body.name).toBe('Hidden AS');
  });

  it('[P-ACC-7] deleting a team leaves its records to their owner and the admins (shown as private), nothing else changes', async () => {
    const team = await w.owner.client.post<{ teamId: string }>('/api/teams', { name: 'Short-lived' });
    await w.owner.client.put(`/api/teams/${team.body.teamId}/members/${w.member.userId}`);
    await w.owner.client.put(`/api/teams/${team.body.teamId}/members/${w.other.userId}`);
    const p = await makePerson(w.member.client, { visibility: 'team', teamId: team.body.teamId, title: 'Kept' });
    const c = await makeCompany(w.member.client, { visibility: 'team', teamId: team.body.teamId });
    expect((await w.other.client.get(`/api/v1/people/${p.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/teams/${team.body.teamId}`)).status).toBeLessThan(300);
    expect((await w.other.client.get(`/api/v1/people/${p.id}`)).status).toBe(404);
    expect((await w.other.client.get(`/api/v1/companies/${c.id}`)).status).toBe(404);
    const mine = await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`);
    expect(mine.body).toMatchObject({ visibility: 'private', teamId: null, title: 'Kept' });
    const { p: row } = await rowOf(p.id);
    expect(row?.workspaceId).toBe(w.workspaceId);
    // It can still be changed without naming a team.
    const edit = await w.member.client.patch<TPerson>(`/api/v1/people/${p.id}`, { title: 'Still mine' });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body).toMatchObject({ visibility: 'private', title: 'Still mine' });
    expect((await w.admin.client.get(`/api/v1/companies/${c.id}`)).body).toMatchObject({ visibility: 'private' });
  });

  it('a member may change and delete any record they can see, not only their own', async () => {
    const p = await makePerson(w.other.client);
    const res = await w.member.client.patch<TPerson>(`/api/v1/people/${p.id}`, { title: 'Edited by a colleague' });
    expect(res.status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
  });
});

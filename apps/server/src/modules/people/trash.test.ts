import type { TCompany, TPerson, TTrashItem, TTrashList } from '@tillit/contracts';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import {
  auditEntries,
  companies,
  files,
  people,
  personCategories,
  personCompanies,
  personEmails,
  personPhones,
  personTags,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { enforceRetention } from '../../privacy/retention/retention.enforce.ts';
import { uploadOk } from '../files/files.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';
import { purgeTrashJob } from './trash.jobs.ts';

describeEachDatabase('trash', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Trash');
  }, 60_000);

  const db = () => env().services.database.db;
  const rowsOf = (personIds: string[], companyIds: string[]) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => ({
      people: (await tx.select().from(people).where(inArray(people.personId, personIds))).length,
      emails: (await tx.select().from(personEmails).where(inArray(personEmails.personId, personIds))).length,
      phones: (await tx.select().from(personPhones).where(inArray(personPhones.personId, personIds))).length,
      links: (await tx.select().from(personCompanies).where(inArray(personCompanies.personId, personIds))).length,
      tags: (await tx.select().from(personTags).where(inArray(personTags.personId, personIds))).length,
      categories: (await tx.select().from(personCategories).where(inArray(personCategories.personId, personIds)))
        .length,
      companies: (await tx.select().from(companies).where(inArray(companies.companyId, companyIds))).length,
    }));

  it('[P-ACC-4] a deleted person leaves every list, waits in the trash with its purge date, and is restored whole', async () => {
    const c = await makeCompany(w.member.client, { name: 'Kept AS' });
    const p = await makePerson(w.member.client, {
      firstName: 'Trashy',
      lastName: 'McTrash',
      emails: [{ value: 'trashy@example.test' }],
      phones: [{ value: '+47 400 00 001' }],
      companies: [{ companyId: c.id, role: 'CTO' }],
    });
    const del = await w.member.client.delete<TTrashItem>(`/api/v1/people/${p.id}`);
    expect(del.status).toBe(200);
    const deletedAt = env().clock.now();
    expect(del.body).toEqual({
      kind: 'person',
      id: p.id,
      name: 'Trashy McTrash',
      deletedAt: deletedAt.toISOString(),
      purgeAfter: new Date(deletedAt.getTime() + 30 * DAY_MS).toISOString(),
    });
    expect((await w.member.client.get(`/api/v1/people/${p.id}`)).status).toBe(404);
    expect((await w.member.client.patch(`/api/v1/people/${p.id}`, { title: 'x' })).status).toBe(404);
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(404);
    const list = await w.member.client.get<{ items: TPerson[] }>('/api/v1/people?q=trashy');
    expect(list.body.items).toEqual([]);
    const trash = await w.viewer.client.get<TTrashList>('/api/v1/trash');
    expect(trash.body.items).toContainEqual(del.body);
    // A viewer sees the trash but may not restore.
    expect((await w.viewer.client.post(`/api/v1/trash/person/${p.id}/restore`)).status).toBe(403);
    const restored = await w.member.client.post<TPerson>(`/api/v1/trash/person/${p.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      id: p.id,
      deletedAt: null,
      emails: p.emails,
      phones: p.phones,
      companies: p.companies,
    });
    expect((await w.member.client.post(`/api/v1/trash/person/${p.id}/restore`)).status).toBe(404);
    const audit = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ action: auditEntries.action, actorId: auditEntries.actorId })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, p.id)))
        .orderBy(auditEntries.seq),
    );
    expect(audit.map((a) => a.action)).toEqual(['person.created', 'person.deleted', 'person.restored']);
  });

  it('lists the trash newest first in keyset pages, people and companies together, filtered by kind', async () => {
    const deleted: string[] = [];
    for (let i = 0; i < 5; i++) {
      env().clock.advance(i % 2 ? 0 : 1000);
      const p = await makePerson(w.member.client);
      const c = await makeCompany(w.member.client);
      await w.member.client.delete(`/api/v1/people/${p.id}`);
      await w.member.client.delete(`/api/v1/companies/${c.id}`);
      deleted.push(p.id, c.id);
    }
    const seen: TTrashItem[] = [];
    let after: string | null = null;
    do {
      const res: { body: TTrashList } = await w.member.client.get(
        `/api/v1/trash?limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      );
      seen.push(...res.body.items);
      after = res.body.nextCursor;
    } while (after);
    const ids = seen.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of deleted) expect(ids).toContain(id);
    const sorted = [...seen].sort((a, b) =>
      a.deletedAt === b.deletedAt ? (a.id < b.id ? 1 : -1) : a.deletedAt < b.deletedAt ? 1 : -1,
    );
    expect(ids).toEqual(sorted.map((i) => i.id));
    const onlyCompanies = await w.member.client.get<TTrashList>('/api/v1/trash?kind=company&limit=200');
    expect(onlyCompanies.body.items.every((i) => i.kind === 'company')).toBe(true);
    expect(onlyCompanies.body.items.length).toBeGreaterThanOrEqual(5);
  });

  it('[P-ACC-4] the daily trash.purge job deletes for good what was deleted more than 30 days ago, nothing newer', async () => {
    const c = await makeCompany(w.member.client, { name: 'Doomed AS' });
    const old = await makePerson(w.member.client, {
      emails: [{ value: 'old@example.test' }],
      phones: [{ value: '+47 400 00 002' }],
      tags: ['old'],
      companies: [{ companyId: c.id }],
    });
    await w.member.client.delete(`/api/v1/people/${old.id}`);
    await w.member.client.delete(`/api/v1/companies/${c.id}`);
    env().clock.advance(2 * DAY_MS);
    const young = await makePerson(w.member.client, { emails: [{ value: 'young@example.test' }] });
    await w.member.client.delete(`/api/v1/people/${young.id}`);
    const live = await makePerson(w.member.client);

    expect(purgeTrashJob.cron).toBeTruthy();
    env().clock.advance(27 * DAY_MS); // 29 days after the first deletion: nothing goes
    await runJob(env().services, purgeTrashJob);
    expect(await rowsOf([old.id], [c.id])).toEqual({
      people: 1,
      emails: 1,
      phones: 1,
      links: 1,
      tags: 1,
      categories: 1,
      companies: 1,
    });

    env().clock.advance(2 * DAY_MS); // 31 days
    const result = await runJob(env().services, purgeTrashJob);
    expect(result).toMatchObject({ people: expect.any(Number), companies: expect.any(Number) });
    expect(Number(result.people)).toBeGreaterThanOrEqual(1);
    expect(await rowsOf([old.id], [c.id])).toEqual({
      people: 0,
      emails: 0,
      phones: 0,
      links: 0,
      tags: 0,
      categories: 0,
      companies: 0,
    });
    expect((await rowsOf([young.id, live.id], [])).people).toBe(2);
    expect((await w.member.client.post(`/api/v1/trash/person/${old.id}/restore`)).status).toBe(404);
    expect((await w.member.client.post(`/api/v1/trash/person/${young.id}/restore`)).status).toBe(200);
    // Running again finds nothing; the purge is in the audit chain, which still verifies.
    const again = await runJob(env().services, purgeTrashJob);
    expect(again).toMatchObject({ people: 0, companies: 0 });
    const purged = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'trash.purged'))),
    );
    expect(purged.length).toBe(1);
    expect(purged[0]?.actorKind).toBe('system');
    expect(
      await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId)),
    ).toMatchObject({ ok: true });
  });

  it('[P-RET-2] a person under a legal hold stays in the trash past 30 days, with their files, until the hold ends', async () => {
    const held = await makePerson(w.member.client, { firstName: 'Held', emails: [{ value: 'held@example.test' }] });
    const until = new Date(env().clock.now().getTime() + 60 * DAY_MS).toISOString();
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: held.id,
      table: 'people',
      reason: 'invoice_7y',
      until,
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const file = await uploadOk(env(), w.member.client, 'person', held.id, 'invoice.txt', Buffer.from('invoice'));
    expect((await w.member.client.delete(`/api/v1/people/${held.id}`)).status).toBe(200);
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    expect((await rowsOf([held.id], [])).people).toBe(1);
    const [kept] = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(files)
        .where(and(eq(files.workspaceId, w.workspaceId), eq(files.fileId, file.id))),
    );
    expect(kept?.fileId).toBe(file.id);
    // Once the hold has ended, the next purge takes the person and the file.
    env().clock.advance(30 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    expect((await rowsOf([held.id], [])).people).toBe(0);
    const gone = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(files)
        .where(and(eq(files.workspaceId, w.workspaceId), eq(files.fileId, file.id))),
    );
    expect(gone).toEqual([]);
  });

  it("[P-ACC-4] trash.purge is the retention trash rule: it follows the workspace's shorter period and leaves the rule nothing to do", async () => {
    const set = await w.admin.client.put('/api/privacy/retention/rules/trash', { days: 7 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    try {
      const c = await makeCompany(w.member.client, { name: 'Week Old AS' });
      const gone = await makePerson(w.member.client, { emails: [{ value: 'week@example.test' }] });
      const file = await uploadOk(env(), w.member.client, 'person', gone.id, 'cv.txt', Buffer.from('cv'));
      expect((await w.member.client.delete(`/api/v1/people/${gone.id}`)).status).toBe(200);
      expect((await w.member.client.delete(`/api/v1/companies/${c.id}`)).status).toBe(200);
      env().clock.advance(5 * DAY_MS);
      const recent = await makePerson(w.member.client);
      expect((await w.member.client.delete(`/api/v1/people/${recent.id}`)).status).toBe(200);
      env().clock.advance(3 * DAY_MS); // 8 days after the first deletions, 3 after the last
      const result = await runJob(env().services, purgeTrashJob);
      expect(result).toMatchObject({ workspaces: 1, people: 1, companies: 1, files: 1 });
      expect(await rowsOf([gone.id], [c.id])).toMatchObject({ people: 0, emails: 0, companies: 0 });
      expect((await rowsOf([recent.id], [])).people).toBe(1);
      const [entry] = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'trash.purged')))
          .orderBy(desc(auditEntries.seq))
          .limit(1),
      );
      expect(entry?.details).toMatchObject({ people: 1, companies: 1, files: 1, days: 7 });
      expect(
        (
          await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
            tx.select().from(files).where(eq(files.fileId, file.id)),
          )
        ).length,
      ).toBe(0);
      // The daily retention run, right after, finds nothing left for its trash rule.
      await enforceRetention(env().services, { workspaceId: w.workspaceId, rules: ['trash'] });
      const [run] = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'retention.run')))
          .orderBy(desc(auditEntries.seq))
          .limit(1),
      );
      expect(run?.details).toMatchObject({ rules: { trash: { days: 7, rows: 0 } } });
      // Nothing more to do: a second run writes nothing.
      expect(await runJob(env().services, purgeTrashJob)).toMatchObject({ workspaces: 0, people: 0 });
    } finally {
      await w.admin.client.delete('/api/privacy/retention/rules/trash');
    }
  });

  it('a restored company keeps its links; a purged company leaves its people in place', async () => {
    const c = await makeCompany(w.member.client, { name: 'Phoenix AS' });
    const p = await makePerson(w.member.client, { companies: [{ companyId: c.id, role: 'Founder' }] });
    await w.member.client.delete(`/api/v1/companies/${c.id}`);
    const restored = await w.member.client.post<TCompany>(`/api/v1/trash/company/${c.id}/restore`);
    expect(restored.body).toMatchObject({ id: c.id, deletedAt: null, name: 'Phoenix AS' });
    expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.companies).toEqual([
      { companyId: c.id, name: 'Phoenix AS', role: 'Founder' },
    ]);
    await w.member.client.delete(`/api/v1/companies/${c.id}`);
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    const after = await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`);
    expect(after.status).toBe(200);
    expect(after.body.companies).toEqual([]);
  });
});

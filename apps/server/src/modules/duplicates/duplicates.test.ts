import type { TDuplicateList, TMergeResult, TPerson } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries, dealPeople, people, personMerges, personNonDuplicates } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { declaredTables } from '../../privacy/data-map/data-map.ts';
import { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { personReferences } from './merge.repoint.ts';

describeEachDatabase('duplicates and merge', (env) => {
  let w: CrmWorkspace;
  let other: CrmWorkspace;

  const db = () => env().services.database.db;
  const inW = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(db(), { workspaceId: w.workspaceId }, fn);

  /** Every pair the caller is offered, page by page. */
  const allPairs = async (client: TestClient, limit = 100) => {
    const out: { ids: [string, string]; reasons: string[] }[] = [];
    let after: string | null = null;
    do {
      const res: { status: number; body: TDuplicateList } = await client.get<TDuplicateList>(
        `/api/v1/people/duplicates?limit=${limit}${after ? `&after=${after}` : ''}`,
      );
      expect(res.status).toBe(200);
      for (const p of res.body.items) out.push({ ids: [p.people[0].id, p.people[1].id], reasons: p.reasons });
      after = res.body.nextCursor;
    } while (after);
    return out;
  };
  const pairOf = (a: TPerson, b: TPerson): [string, string] => (a.id < b.id ? [a.id, b.id] : [b.id, a.id]);

  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Dupes');
    other = await crmWorkspace(env(), 'Other dupes');
  }, 120_000);

  it('finds pairs by the same email, the same E.164 phone, and the same name at the same company', async () => {
    const c = w.owner.client;
    const e1 = await makePerson(c, { firstName: 'Emma', emails: [{ value: 'Emma@Example.test ' }] });
    const e2 = await makePerson(c, { firstName: 'E.', lastName: 'Else', emails: [{ value: 'emma@example.test' }] });
    const t1 = await makePerson(c, { firstName: 'Tor', phones: [{ value: '+47 912 00 001' }] });
    const t2 = await makePerson(c, { firstName: 'Thor', phones: [{ value: '91200001' }] }); // NO default country
    const acme = await makeCompany(c, { name: 'Acme dupes' });
    const n1 = await makePerson(c, { firstName: 'Nina', lastName: 'Berg', companies: [{ companyId: acme.id }] });
    const n2 = await makePerson(c, { firstName: 'nina', lastName: 'BERG', companies: [{ companyId: acme.id }] });
    const n3 = await makePerson(c, { firstName: 'Nina', lastName: 'Berg' }); // no company in common
    const both1 = await makePerson(c, {
      firstName: 'Bo',
      emails: [{ value: 'bo@example.test' }],
      phones: [{ value: '+4791200002' }],
    });
    const both2 = await makePerson(c, {
      firstName: 'Bo',
      emails: [{ value: 'bo@example.test' }],
      phones: [{ value: '+4791200002' }],
    });
    const pairs = await allPairs(c);
    const find = (a: TPerson, b: TPerson) => pairs.find((p) => p.ids.join() === pairOf(a, b).join());
    expect(find(e1, e2)?.reasons).toEqual(['email']);
    expect(find(t1, t2)?.reasons).toEqual(['phone']);
    expect(find(n1, n2)?.reasons).toEqual(['name_company']);
    expect(find(n1, n3)).toBeUndefined();
    expect(find(both1, both2)?.reasons).toEqual(['email', 'phone']);
    // Keyset pages of one give the same pairs, in order, with no repeats.
    const paged = await allPairs(c, 1);
    expect(paged).toEqual(pairs);
    expect(pairs.map((p) => p.ids.join())).toEqual([...pairs.map((p) => p.ids.join())].sort());
    expect(new Set(pairs.map((p) => p.ids.join())).size).toBe(pairs.length);
  });

  it('hides pairs marked "not a duplicate" (stored, audited, idempotent); members only', async () => {
    const c = w.owner.client;
    const a = await makePerson(c, { firstName: 'Dana', emails: [{ value: 'dana@example.test' }] });
    const b = await makePerson(c, { firstName: 'Dan', emails: [{ value: 'dana@example.test' }] });
    expect((await allPairs(c)).map((p) => p.ids.join())).toContain(pairOf(a, b).join());
    const viewer = await w.viewer.client.post('/api/v1/people/duplicates/dismiss', { personIds: [a.id, b.id] });
    expect(viewer.status).toBe(403);
    for (let i = 0; i < 2; i += 1) {
      const res = await w.member.client.post('/api/v1/people/duplicates/dismiss', { personIds: [b.id, a.id] });
      expect(res.status).toBe(204);
    }
    expect((await allPairs(c)).map((p) => p.ids.join())).not.toContain(pairOf(a, b).join());
    const rows = await inW((tx) =>
      tx.select().from(personNonDuplicates).where(eq(personNonDuplicates.workspaceId, w.workspaceId)),
    );
    expect(rows.filter((r) => [r.personA, r.personB].join() === pairOf(a, b).join())).toHaveLength(1);
    const audits = await inW((tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'person.duplicate_dismissed'))),
    );
    expect(audits).toHaveLength(1);
    const same = await c.post('/api/v1/people/duplicates/dismiss', { personIds: [a.id, a.id] });
    expect(same.status).toBe(422);
  });

  it('[P-ACC-7] offers and merges only people the caller can see; other workspaces are not reachable', async () => {
    const mine = await makePerson(w.member.client, {
      firstName: 'Priv',
      emails: [{ value: 'priv@example.test' }],
      visibility: 'private',
    });
    const open = await makePerson(w.owner.client, { firstName: 'Open', emails: [{ value: 'priv@example.test' }] });
    const seen = async (client: TestClient) => (await allPairs(client)).map((p) => p.ids.join());
    expect(await seen(w.other.client)).not.toContain(pairOf(mine, open).join());
    expect(await seen(w.member.client)).toContain(pairOf(mine, open).join());
    expect(await seen(w.admin.client)).toContain(pairOf(mine, open).join());
    for (const body of [
      { survivorId: open.id, mergedId: mine.id },
      { survivorId: mine.id, mergedId: open.id },
    ]) {
      const res = await w.other.client.post('/api/v1/people/merge', body);
      expect(res.status).toBe(404);
    }
    expect(
      (await w.other.client.post('/api/v1/people/duplicates/dismiss', { personIds: [mine.id, open.id] })).status,
    ).toBe(404);
    // Another workspace: its people are not found from here, and here is refused to it.
    const theirs = await makePerson(other.owner.client, {
      firstName: 'Open',
      emails: [{ value: 'priv@example.test' }],
    });
    expect((await allPairs(other.owner.client)).map((p) => p.ids.join())).toEqual([]);
    expect((await seen(w.owner.client)).some((k) => k.includes(theirs.id))).toBe(false);
    const cross = await w.owner.client.post('/api/v1/people/merge', { survivorId: open.id, mergedId: theirs.id });
    expect(cross.status).toBe(404);
    const header = await other.owner.client.get('/api/v1/people/duplicates', { 'x-tillit-workspace': w.workspaceId });
    expect(header.status).toBe(403);
    // A viewer may look but not merge.
    expect((await w.viewer.client.get('/api/v1/people/duplicates')).status).toBe(200);
    expect(
      (await w.viewer.client.post('/api/v1/people/merge', { survivorId: open.id, mergedId: mine.id })).status,
    ).toBe(403);
    // Nothing changed.
    expect((await w.member.client.get(`/api/v1/people/${mine.id}`)).status).toBe(200);
    expect((await w.owner.client.get(`/api/v1/people/${open.id}`)).status).toBe(200);
  });

  it('merge keeps chosen values, unites emails, phones, tags, categories and companies, and re-points deals', async () => {
    const c = w.owner.client;
    const acme = await makeCompany(c, { name: 'Merge Acme' });
    const beta = await makeCompany(c, { name: 'Merge Beta' });
    const survivor = await makePerson(c, {
      firstName: 'Kari',
      lastName: 'Nordmann',
      title: 'Buyer',
      emails: [{ value: 'kari@example.test', type: 'work', primary: true }],
      phones: [{ value: '+4791200010', type: 'work' }],
      tags: ['vip'],
      subjectCategories: ['client'],
      companies: [{ companyId: acme.id }],
    });
    const merged = await makePerson(c, {
      firstName: 'Kari M.',
      lastName: 'Nordmann',
      title: 'Head of buying',
      address: { city: 'Bergen', country: 'NO' },
      emails: [
        { value: 'kari@example.test', type: 'home', primary: true },
        { value: 'kari.private@example.test', type: 'home' },
      ],
      phones: [{ value: '+4791200011', type: 'mobile' }],
      tags: ['VIP', 'golf'],
      subjectCategories: ['client', 'prospect'],
      companies: [{ companyId: acme.id }, { companyId: beta.id, role: 'Board' }],
    });
    const sales = await salesPipeline(c);
    const shared = await makeDeal(c, sales.id, { personIds: [survivor.id, merged.id] });
    const onlyMerged = await makeDeal(c, sales.id, { personIds: [merged.id] });
    await c.post('/api/v1/people/duplicates/dismiss', { personIds: [merged.id, (await makePerson(c)).id] });

    const res = await c.post<TMergeResult>('/api/v1/people/merge', {
      survivorId: survivor.id,
      mergedId: merged.id,
      fields: { title: 'merged', address: 'merged' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const p = res.body.person;
    expect(p.id).toBe(survivor.id);
    expect(p.firstName).toBe('Kari');
    expect(p.title).toBe('Head of buying');
    expect(p.address).toMatchObject({ city: 'Bergen', country: 'NO' });
    expect(p.emails).toEqual([
      { value: 'kari@example.test', type: 'work', primary: true },
      { value: 'kari.private@example.test', type: 'home', primary: false },
    ]);
    expect(p.phones.map((x) => x.value)).toEqual(['+4791200010', '+4791200011']);
    expect(p.phones.filter((x) => x.primary)).toHaveLength(1);
    // Tags are one per spelling, case-insensitively (as on every write): the survivor's wins.
    expect(p.tags).toEqual(['vip', 'golf']);
    expect(p.subjectCategories).toEqual(['client', 'prospect']);
    expect(p.companies.map((x) => [x.name, x.role])).toEqual([
      ['Merge Acme', null],
      ['Merge Beta', 'Board'],
    ]);
    // Deals: the shared one keeps one link, the other moves.
    const shared2 = await c.get<{ personIds: string[] }>(`/api/v1/deals/${shared.id}`);
    expect(shared2.body.personIds).toEqual([survivor.id]);
    expect((await c.get<{ personIds: string[] }>(`/api/v1/deals/${onlyMerged.id}`)).body.personIds).toEqual([
      survivor.id,
    ]);
    expect(res.body.moved['deal_people.person_id']).toBe(1);
    // The merged person is gone for good: not found, not in the trash, no rows left.
    expect((await c.get(`/api/v1/people/${merged.id}`)).status).toBe(404);
    const trash = await c.get<{ items: { id: string }[] }>('/api/v1/trash?limit=200');
    expect(trash.body.items.map((t) => t.id)).not.toContain(merged.id);
    const left = await inW(async (tx) => {
      const rows = await tx
        .select()
        .from(people)
        .where(and(eq(people.workspaceId, w.workspaceId), eq(people.personId, merged.id)));
      const links = await tx
        .select()
        .from(dealPeople)
        .where(and(eq(dealPeople.workspaceId, w.workspaceId), eq(dealPeople.personId, merged.id)));
      const marks = await tx
        .select()
        .from(personNonDuplicates)
        .where(
          and(
            eq(personNonDuplicates.workspaceId, w.workspaceId),
            sql`(${personNonDuplicates.personA} = ${merged.id} or ${personNonDuplicates.personB} = ${merged.id})`,
          ),
        );
      return rows.length + links.length + marks.length;
    });
    expect(left).toBe(0);
    // The merge log keeps who, when, both ids and the merged record's previous values.
    const [log] = await inW((tx) =>
      tx
        .select()
        .from(personMerges)
        .where(and(eq(personMerges.workspaceId, w.workspaceId), eq(personMerges.mergeId, res.body.mergeId))),
    );
    expect(log).toMatchObject({ survivorId: survivor.id, mergedId: merged.id, mergedBy: w.owner.userId });
    expect(log?.previous).toMatchObject({ id: merged.id, firstName: 'Kari M.', title: 'Head of buying' });
    // One audit entry with both ids and no personal values.
    const [entry] = await inW((tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'person.merged'))),
    );
    expect(entry?.targetId).toBe(survivor.id);
    expect(entry?.details).toMatchObject({ survivorId: survivor.id, mergedId: merged.id, mergeId: res.body.mergeId });
    expect(JSON.stringify(entry?.details)).not.toContain('kari');
  });

  it('merge takes one side of a list when asked, and the merged name and owner', async () => {
    const c = w.owner.client;
    const s = await makePerson(c, { firstName: 'Sam', emails: [{ value: 'sam@example.test' }], tags: ['a'] });
    const m = await makePerson(w.member.client, {
      firstName: 'Samuel',
      emails: [{ value: 'samuel@example.test' }],
      tags: ['b'],
    });
    const res = await c.post<TMergeResult>('/api/v1/people/merge', {
      survivorId: s.id,
      mergedId: m.id,
      fields: { firstName: 'merged', ownerId: 'merged', emails: 'merged', tags: 'survivor' },
    });
    expect(res.status).toBe(200);
    expect(res.body.person).toMatchObject({ firstName: 'Samuel', ownerId: w.member.userId, tags: ['a'] });
    expect(res.body.person.emails.map((e) => e.value)).toEqual(['samuel@example.test']);
    const bad = await c.post('/api/v1/people/merge', { survivorId: s.id, mergedId: s.id });
    expect(bad.status).toBe(422);
    const badField = await c.post('/api/v1/people/merge', {
      survivorId: s.id,
      mergedId: m.id,
      fields: { emails: 'x' },
    });
    expect(badField.status).toBe(422);
    expect(badField.body).toMatchObject({ error: { fields: { 'fields.emails': expect.any(String) } } });
    // The merged one is gone: a second merge of it is not found, and nothing changes.
    expect((await c.post('/api/v1/people/merge', { survivorId: s.id, mergedId: m.id })).status).toBe(404);
  });

  it('[P-CRM-9] the kept person’s timeline holds both timelines after a merge (notes)', async () => {
    const c = w.owner.client;
    const s = await makePerson(c, { firstName: 'Timeline', lastName: 'Kept' });
    const m = await makePerson(c, { firstName: 'Timeline', lastName: 'Merged' });
    const mine = await c.post<{ id: string }>('/api/v1/notes', { bodyHtml: '<p>kept note</p>', personIds: [s.id] });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    const theirs = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>merged note</p>',
      personIds: [m.id],
    });
    expect(theirs.status).toBe(201);
    const both = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>about both</p>',
      personIds: [s.id, m.id],
    });
    expect(both.status).toBe(201);
    const res = await c.post<TMergeResult>('/api/v1/people/merge', { survivorId: s.id, mergedId: m.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const timeline = await c.get<{ items: { kind: string; id: string }[] }>(
      `/api/v1/timeline?person=${s.id}&limit=100`,
    );
    expect(timeline.status).toBe(200);
    const notes = timeline.body.items.filter((i) => i.kind === 'note').map((i) => i.id);
    expect(notes.sort()).toEqual([mine.body.id, theirs.body.id, both.body.id].sort());
    const note = await c.get<{ personIds?: string[]; people?: { id: string }[] }>(`/api/v1/notes/${both.body.id}`);
    expect(JSON.stringify(note.body)).not.toContain(m.id);
  });

  it('re-points every table the data map ties to a person, and any foreign key to people, with unique-key conflicts', async () => {
    // Every person-subject table of the data map is covered (new modules included).
    const refs = await inW((tx) => personReferences(tx));
    const covered = new Set(refs.map((r) => r.table));
    for (const t of declaredTables()) {
      if (t.subject?.kind !== 'person' || ['people', 'person_non_duplicates'].includes(t.name)) continue;
      expect(covered, t.name).toContain(t.name);
    }
    // A table no module here knows, linked to people only by a foreign key with a unique key.
    await db().execute(
      sql.raw(`create table if not exists merge_probe (
        workspace_id uuid not null, person_id uuid not null, label text not null, note text,
        primary key (workspace_id, person_id, label),
        foreign key (workspace_id, person_id) references people (workspace_id, person_id) on delete cascade)`),
    );
    await db().execute(sql.raw('grant select, insert, update, delete on merge_probe to tillit_app'));
    const c = w.owner.client;
    const s = await makePerson(c, { firstName: 'Probe' });
    const m = await makePerson(c, { firstName: 'Probe' });
    await inW((tx) =>
      tx.execute(sql`insert into merge_probe values
        (${w.workspaceId}, ${s.id}, 'shared', 'survivor'), (${w.workspaceId}, ${m.id}, 'shared', 'merged'),
        (${w.workspaceId}, ${m.id}, 'own', 'merged')`),
    );
    const res = await c.post<TMergeResult>('/api/v1/people/merge', { survivorId: s.id, mergedId: m.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.moved['merge_probe.person_id']).toBe(1);
    const rows = await inW(async (tx) => {
      const r = await tx.execute(sql`select person_id, label, note from merge_probe order by label`);
      return (r as unknown as { rows: { person_id: string; label: string; note: string }[] }).rows;
    });
    expect(rows).toEqual([
      { person_id: s.id, label: 'own', note: 'merged' },
      { person_id: s.id, label: 'shared', note: 'survivor' },
    ]);
  });

  it('a clash the merge cannot reconcile (a partial unique index) fails whole with 409', async () => {
    await db().execute(
      sql.raw(`create table if not exists merge_probe_partial (
        workspace_id uuid not null, item_id uuid not null, person_id uuid not null, active boolean not null,
        primary key (workspace_id, item_id),
        foreign key (workspace_id, person_id) references people (workspace_id, person_id) on delete cascade)`),
    );
    await db().execute(
      sql.raw(
        'create unique index if not exists merge_probe_partial_one on merge_probe_partial (workspace_id, person_id) where active',
      ),
    );
    await db().execute(sql.raw('grant select, insert, update, delete on merge_probe_partial to tillit_app'));
    const c = w.owner.client;
    const s = await makePerson(c, { firstName: 'Clash', emails: [{ value: 'clash@example.test' }] });
    const m = await makePerson(c, { firstName: 'Clash', emails: [{ value: 'clash2@example.test' }] });
    await inW((tx) =>
      tx.execute(sql`insert into merge_probe_partial values
        (${w.workspaceId}, gen_random_uuid(), ${s.id}, true), (${w.workspaceId}, gen_random_uuid(), ${m.id}, true)`),
    );
    const res = await c.post('/api/v1/people/merge', { survivorId: s.id, mergedId: m.id });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'merge_conflict' } });
    expect((await c.get(`/api/v1/people/${m.id}`)).status).toBe(200);
    expect((await c.get<TPerson>(`/api/v1/people/${s.id}`)).body.emails.map((e) => e.value)).toEqual([
      'clash@example.test',
    ]);
    await db().execute(sql.raw('drop table merge_probe_partial'));
  });
});

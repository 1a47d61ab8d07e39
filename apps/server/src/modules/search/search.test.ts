import type { TCompany, TPerson, TSearchResponse } from '@tillit/contracts';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { accessLog, auditEntries, personSearchTerms, searchIndexState, searchWords } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { DEFAULT_MATRIX } from '../permissions/permissions.defaults.ts';
import { rowsOf } from './search.index.ts';
import { searchBackfillJob } from './search.jobs.ts';

async function find(client: TestClient, q: string, limit = 10) {
  const res = await client.get<TSearchResponse>(`/api/v1/search?q=${encodeURIComponent(q)}&limit=${limit}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describeEachDatabase('global search', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let john: TPerson;
  let acme: TCompany;
  let secret: TPerson;
  let bTwin: TPerson;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    john = await makePerson(a.owner.client, {
      firstName: 'John',
      lastName: 'Smith',
      emails: [{ value: 'j.smith@northwind.example', type: 'work' }],
      phones: [{ value: '+47 912 34 567', type: 'mobile' }],
    });
    for (const [firstName, lastName] of [
      ['Jane', 'Doe'],
      ['Johan', 'Smed'],
      ['Maria', 'Smithson'],
      ['Ola', 'Nordmann'],
    ] as const) {
      await makePerson(a.owner.client, { firstName, lastName });
    }
    acme = await makeCompany(a.owner.client, { name: 'ACME AS', domain: 'acme.no' });
    await makeCompany(a.owner.client, { name: 'Globex Corporation', domain: 'globex.com' });
    secret = await makePerson(a.member.client, {
      firstName: 'Zebulon',
      lastName: 'Quaxley',
      visibility: 'private',
      phones: [{ value: '+47 400 11 222', type: 'mobile' }],
    });
    bTwin = await makePerson(b.owner.client, {
      firstName: 'Zebulon',
      lastName: 'Quaxley',
      emails: [{ value: 'zeb@bravo.example', type: 'work' }],
    });
  }, 120_000);

  describe('typo tolerance', () => {
    it.each([
      ['jonh smiht', 'two typos'],
      ['john smith', 'exact'],
      ['smith', 'last name'],
      ['jhon', 'swapped letters, first name only'],
      ['smiht jonh', 'words in another order'],
      ['Jöhn Smïth', 'accents'],
      ['jo', 'two letters'],
      ['northwind', 'a word of the email domain'],
      ['j.smith@north', 'the start of the email'],
    ])('finds John Smith for %j (%s)', async (q) => {
      const items = await find(a.owner.client, q);
      expect(ids(items), q).toContain(john.id);
      const hit = items.find((i) => i.id === john.id);
      expect(hit).toMatchObject({ kind: 'person', title: 'John Smith', subtitle: 'j.smith@northwind.example' });
    });

    it('ranks the closest name first, and names the matched field', async () => {
      const items = await find(a.owner.client, 'jonh smiht');
      expect(items[0]).toMatchObject({ id: john.id, matchedField: 'name' });
      const byEmail = await find(a.owner.client, 'j.smith@northwind.example');
      expect(byEmail[0]).toMatchObject({ id: john.id, matchedField: 'email', score: 1 });
    });

    it('does not match everything: an unrelated word finds nothing', async () => {
      expect(await find(a.owner.client, 'xylophone')).toEqual([]);
    });
  });

  describe('phones', () => {
    it.each(['+4791234567', '+47 912 34 567', '912 34 567', '91234567', '0047 912 34 567', '9123'])(
      'finds the E.164 number for %j',
      async (q) => {
        const items = await find(a.owner.client, q);
        const hit = items.find((i) => i.id === john.id);
        expect(hit, q).toMatchObject({ kind: 'person', matchedField: 'phone' });
      },
    );

    it('does not find a number by digits it does not start with', async () => {
      expect(ids(await find(a.owner.client, '555 12 345'))).not.toContain(john.id);
    });
  });

  describe('companies', () => {
    it.each(['acme', 'ACME AS', 'acm', 'akme', 'acme.no'])('finds ACME AS for %j', async (q) => {
      const items = await find(a.owner.client, q);
      expect(
        items.find((i) => i.id === acme.id),
        q,
      ).toMatchObject({ kind: 'company', title: 'ACME AS' });
    });

    it('mixes people and companies, each with its kind', async () => {
      const items = await find(a.owner.client, 'glob');
      expect(items.map((i) => i.kind)).toContain('company');
    });
  });

  describe('visibility and isolation', () => {
    it("[P-ACC-7] a member never finds another member's private person, by name, phone or its id", async () => {
      for (const q of ['zebulon quaxley', 'zebulon', 'quaxly', '400 11 222', secret.id]) {
        for (const user of [a.other, a.viewer]) {
          expect(ids(await find(user.client, q)), q).not.toContain(secret.id);
        }
      }
    });

    it('[P-ACC-7] the owner of the record and the admins find it', async () => {
      for (const user of [a.member, a.admin, a.owner]) {
        expect(ids(await find(user.client, 'zebulon quaxley'))).toContain(secret.id);
      }
    });

    it("another workspace's people are never found, and naming that workspace is refused", async () => {
      const items = await find(a.owner.client, 'zebulon quaxley');
      expect(ids(items)).not.toContain(bTwin.id);
      expect(ids(await find(a.owner.client, 'zeb@bravo.example'))).not.toContain(bTwin.id);
      const res = await a.owner.client.get('/api/v1/search?q=zebulon', { 'x-tillit-workspace': b.workspaceId });
      expect(res.status).toBe(403);
      expect(ids(await find(b.owner.client, 'zebulon quaxley'))).toEqual([bTwin.id]);
    });

    it('needs a session', async () => {
      const anon = env().client();
      expect((await anon.get('/api/v1/search?q=john')).status).toBe(401);
    });
  });

  describe('several words and email prefixes (the rarest word drives)', () => {
    const perHansens: TPerson[] = [];
    let zelda: TPerson;
    let hidden: TPerson;

    beforeAll(async () => {
      // In Bravo, so that the rest of the suite keeps its small world.
      for (let i = 1; i <= 5; i++) {
        perHansens.push(
          await makePerson(b.owner.client, {
            firstName: 'Per',
            lastName: 'Hansen',
            emails: [{ value: `per.hansen${i}@fjord.example`, type: 'work' }],
          }),
        );
      }
      for (const [firstName, lastName] of [
        ['Kari', 'Hansen'],
        ['Kari', 'Hansen'],
        ['Per', 'Olsen'],
        ['Per', 'Olsen'],
      ] as const) {
        await makePerson(b.owner.client, { firstName, lastName });
      }
      zelda = await makePerson(b.owner.client, {
        firstName: 'Zelda',
        lastName: 'Hansen',
        emails: [{ value: 'zelda.hansen@fjord.example', type: 'work' }],
      });
      hidden = await makePerson(b.member.client, {
        firstName: 'Per',
        lastName: 'Hansen',
        visibility: 'private',
        emails: [{ value: 'per.hansen.secret@fjord.example', type: 'work' }],
      });
    }, 120_000);

    it('two common words: a page is filled with people who have both, best first', async () => {
      const full = new Set([...perHansens.map((p) => p.id), hidden.id]);
      for (const q of ['per hansen', 'hansen per', 'pre hansne']) {
        const few = await find(b.owner.client, q, 2);
        expect(few.length, q).toBe(2);
        for (const item of few) expect(full.has(item.id), `${q}: ${JSON.stringify(few)}`).toBe(true);
      }
      const items = await find(b.owner.client, 'per hansen', 20);
      expect(new Set(ids(items.slice(0, 6)))).toEqual(full);
      const top = items[0]?.score ?? 0;
      for (const item of items.slice(6)) expect(item.score).toBeLessThan(top);
    });

    it('a rare word with a common one, with a typo or with a word no record has', async () => {
      for (const q of ['zelda hansen', 'hansen zelda', 'zleda hansen', 'zelda hansne', 'zelda xylophone']) {
        const items = await find(b.owner.client, q, 3);
        expect(items[0]?.id, q).toBe(zelda.id);
      }
    });

    it("[P-ACC-7] a member never finds another member's private person by full name or email prefix", async () => {
      for (const user of [b.other, b.viewer]) {
        for (const [q, limit] of [
          ['per hansen', 2],
          ['per hansen', 20],
          ['per.hansen', 20],
          ['per.hansen.secret@', 10],
          ['per.hansen.secret@fjord.example', 10],
        ] as const) {
          expect(ids(await find(user.client, q, limit)), q).not.toContain(hidden.id);
        }
      }
      expect(ids(await find(b.member.client, 'per hansen', 20))).toContain(hidden.id);
      expect(ids(await find(b.member.client, 'per.hansen.secret@', 10))).toContain(hidden.id);
    });

    it('email prefixes: as typed, before and after the @, and the whole address', async () => {
      expect((await find(b.owner.client, 'zelda.hansen', 3))[0]?.id).toBe(zelda.id);
      expect((await find(b.owner.client, 'zelda.hansen@fj', 3))[0]).toMatchObject({
        id: zelda.id,
        matchedField: 'email',
      });
      expect((await find(b.owner.client, 'per.hansen3@fjord.example', 3))[0]).toMatchObject({
        id: perHansens[2]?.id,
        matchedField: 'email',
        score: 1,
      });
      const prefix = await find(b.owner.client, 'per.hansen', 4);
      expect(prefix.length).toBe(4);
      for (const item of prefix) expect(item.title).toBe('Per Hansen');
    });
  });

  describe('access log', () => {
    it('[P-CRM-1] a search that finds something writes one access row with counts, never the query', async () => {
      const db = env().services.database.db;
      const rows = () =>
        withTenant(db, { workspaceId: a.workspaceId }, (tx) =>
          tx.select().from(accessLog).where(eq(accessLog.via, 'search')),
        );
      const before = (await rows()).length;
      await find(a.viewer.client, 'jonh smiht');
      await find(a.viewer.client, 'xylophone');
      const after = await rows();
      expect(after.length).toBe(before + 1);
      const row = after.find((r) => r.actorId === a.viewer.userId);
      expect(row).toMatchObject({ action: 'search', actorKind: 'user', subjectId: null });
      expect(Object.keys(row?.details as object).sort()).toEqual(['companies', 'people']);
      expect(JSON.stringify(row?.details)).not.toMatch(/smi|jon/i);
    });
  });

  describe('the permission matrix', () => {
    it("[P-SEC-5] a role the workspace's matrix denies reading companies finds people only; denied both, it is refused", async () => {
      const put = await a.admin.client.put('/api/v1/permissions', { viewer: { companies: [] } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      try {
        expect((await find(a.viewer.client, 'acme')).filter((i) => i.kind === 'company')).toEqual([]);
        expect(ids(await find(a.viewer.client, 'jonh smiht'))).toContain(john.id);
        expect(ids(await find(a.member.client, 'acme'))).toContain(acme.id);
        await a.admin.client.put('/api/v1/permissions', { viewer: { people: [], companies: [] } });
        const refused = await a.viewer.client.get<{ error: { code: string } }>('/api/v1/search?q=acme');
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
      } finally {
        await a.admin.client.put('/api/v1/permissions', {
          viewer: { people: DEFAULT_MATRIX.viewer.people, companies: DEFAULT_MATRIX.viewer.companies },
        });
      }
    });
  });

  describe('validation', () => {
    it.each([
      ['', 'q'],
      ['%20%20', 'q'],
      ['x'.repeat(101), 'q'],
    ])('answers 422 naming the field for q=%j', async (q, field) => {
      const res = await a.owner.client.get(`/api/v1/search?q=${q}`);
      expect(res.status).toBe(422);
      expect(Object.keys((res.body as { error: { fields: object } }).error.fields)).toContain(field);
    });

    it('answers 422 for a missing q, a bad limit or an unknown parameter', async () => {
      for (const [url, field] of [
        ['/api/v1/search', 'q'],
        ['/api/v1/search?q=john&limit=0', 'limit'],
        ['/api/v1/search?q=john&limit=500', 'limit'],
        ['/api/v1/search?q=john&limit=two', 'limit'],
      ] as const) {
        const res = await a.owner.client.get(url);
        expect(res.status, url).toBe(422);
        expect(Object.keys((res.body as { error: { fields: object } }).error.fields), url).toContain(field);
      }
      expect((await a.owner.client.get('/api/v1/search?q=john&kind=x')).status).toBe(422);
    });
  });

  describe('the index follows every write', () => {
    it('update, delete, restore and purge', async () => {
      const c = a.owner.client;
      const p = await makePerson(c, { firstName: 'Wilhelmina', lastName: 'Brackenbury' });
      expect(ids(await find(c, 'wilhelmina brackenbry'))).toContain(p.id);

      expect((await c.patch(`/api/v1/people/${p.id}`, { lastName: 'Throckmorton' })).status).toBe(200);
      expect(ids(await find(c, 'brackenbury'))).not.toContain(p.id);
      expect(ids(await find(c, 'throckmortn'))).toContain(p.id);

      expect(
        (await c.patch(`/api/v1/people/${p.id}`, { emails: [{ value: 'quill@pemberly.example', type: 'home' }] }))
          .status,
      ).toBe(200);
      expect(ids(await find(c, 'pemberly'))).toContain(p.id);

      expect((await c.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
      expect(ids(await find(c, 'wilhelmina throckmorton'))).not.toContain(p.id);
      expect(ids(await find(c, 'pemberly'))).not.toContain(p.id);

      expect((await c.post(`/api/v1/trash/person/${p.id}/restore`, {})).status).toBe(200);
      expect(ids(await find(c, 'wilhelmina throckmorton'))).toContain(p.id);

      // Purge: trash it, move the clock past 30 days, run the purge.
      expect((await c.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
      const { purgeTrashJob } = await import('../people/trash.jobs.ts');
      const clock = env().clock;
      clock.advance(31 * 24 * 60 * 60 * 1000);
      await runJob(env().services, purgeTrashJob);
      const left = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, async (tx) => ({
        postings: await tx.select().from(personSearchTerms).where(eq(personSearchTerms.personId, p.id)),
        words: await tx
          .select()
          .from(searchWords)
          .where(sql`${searchWords.word} in ('wilhelmina', 'throckmorton', 'pemberly', 'brackenbury')`),
      }));
      expect(left).toEqual({ postings: [], words: [] });
    });

    it('companies: rename, delete and restore', async () => {
      const c = a.owner.client;
      const co = await makeCompany(c, { name: 'Initech Holdings', domain: 'initech.example' });
      expect(ids(await find(c, 'inittech'))).toContain(co.id);
      expect((await c.patch(`/api/v1/companies/${co.id}`, { name: 'Umbrella Group', domain: null })).status).toBe(200);
      expect(ids(await find(c, 'initech'))).not.toContain(co.id);
      expect(ids(await find(c, 'umbrela'))).toContain(co.id);
      expect((await c.delete(`/api/v1/companies/${co.id}`)).status).toBe(200);
      expect(ids(await find(c, 'umbrella'))).not.toContain(co.id);
      expect((await c.post(`/api/v1/trash/company/${co.id}/restore`, {})).status).toBe(200);
      expect(ids(await find(c, 'umbrella'))).toContain(co.id);
    });
  });

  describe('backfill job', () => {
    it('indexes records written around the index, resumes in batches, and is idempotent', async () => {
      const db = env().services.database.db;
      const ws = a.workspaceId;
      // Forget the index of workspace A, as after the upgrade that brings search.
      await withTenant(db, { workspaceId: ws }, async (tx) => {
        await tx.execute(sql`delete from person_search_terms where workspace_id = ${ws}`);
        await tx.execute(sql`delete from company_search_terms where workspace_id = ${ws}`);
        await tx.execute(sql`delete from search_words where workspace_id = ${ws}`);
        await tx.execute(sql`delete from search_index_state where workspace_id = ${ws}`);
      });
      expect(ids(await find(a.owner.client, 'jonh smiht'))).not.toContain(john.id);
      expect(ids(await find(a.owner.client, 'akme'))).not.toContain(acme.id);

      // Two batches of 2 per run: the run stops, the next one resumes.
      const first = await runJob(env().services, searchBackfillJob, { batchSize: 2, maxBatches: 2 });
      expect(first).toMatchObject({ batches: 2, records: 4, done: false });
      const state = await withTenant(db, { workspaceId: ws }, (tx) =>
        tx.select().from(searchIndexState).where(eq(searchIndexState.workspaceId, ws)),
      );
      expect(state).toMatchObject([{ kind: 'person', completedAt: null }]);
      let runs = 0;
      for (;;) {
        runs += 1;
        const r = await runJob(env().services, searchBackfillJob, { batchSize: 2, maxBatches: 50 });
        if (r.done) break;
        expect(runs).toBeLessThan(20);
      }
      expect(ids(await find(a.owner.client, 'jonh smiht'))).toContain(john.id);
      expect(ids(await find(a.owner.client, 'akme'))).toContain(acme.id);
      // Visibility still applies to backfilled records.
      expect(ids(await find(a.other.client, 'zebulon quaxley'))).not.toContain(secret.id);

      const snapshot = () =>
        withTenant(db, { workspaceId: ws }, async (tx) => ({
          terms: await rowsOf(tx, sql`select count(*)::int as n from person_search_terms where workspace_id = ${ws}`),
          words: await rowsOf(tx, sql`select count(*)::int as n from search_words where workspace_id = ${ws}`),
          audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, ws))).filter(
            (e) => e.action === 'search.indexed',
          ).length,
        }));
      const before = await snapshot();
      expect(before.audit).toBeGreaterThan(0);
      const again = await runJob(env().services, searchBackfillJob, {});
      expect(again).toMatchObject({ batches: 0, records: 0, done: true });
      expect(await snapshot()).toEqual(before);

      // A writer that bypasses reindexRecords (as a bulk import might) is caught up by the
      // next run: records changed since the last run are re-indexed.
      const stray = '019b0000-0000-7000-8000-00000000abcd';
      await withTenant(db, { workspaceId: ws }, (tx) =>
        tx.execute(sql`insert into people (workspace_id, person_id, first_name, last_name, owner_id, created_at, updated_at)
          values (${ws}, ${stray}, 'Bartholomew', 'Quigglesworth', ${a.owner.userId}, ${env().clock.now().toISOString()}::timestamptz, ${env().clock.now().toISOString()}::timestamptz)`),
      );
      expect(ids(await find(a.owner.client, 'bartolomew quiglesworth'))).toEqual([]);
      env().clock.advance(10 * 60 * 1000);
      const caught = await runJob(env().services, searchBackfillJob, {});
      expect(caught).toMatchObject({ records: 1, done: true });
      expect(ids(await find(a.owner.client, 'bartolomew quiglesworth'))).toEqual([stray]);
      expect(await runJob(env().services, searchBackfillJob, {})).toMatchObject({ batches: 0, records: 0 });
      // Every audit entry holds counts, never the words.
      const entries = await withTenant(db, { workspaceId: ws }, (tx) =>
        tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, ws)),
      );
      for (const e of entries.filter((x) => x.action === 'search.indexed')) {
        expect(Object.keys(e.details as object).sort()).toEqual(['added', 'kind', 'records', 'removed']);
      }
    });
  });
});

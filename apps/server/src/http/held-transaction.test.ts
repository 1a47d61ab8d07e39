import { Worker } from 'node:worker_threads';
import type { TPerson, TPersonList } from '@tillit/contracts';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';
import { withTenant } from '../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../modules/people/people.test-helpers.ts';

/**
 * The hottest reads (GET person, a page of people, the search) let the sign-in check open
 * their transaction (requireMember's `hold`, db/tenant.ts `HeldTransaction`): on PostgreSQL
 * the check, the tenant settings and BEGIN go in one message. These tests hold it to what it
 * must not change: the answers, the refusals, and the pool (no connection left in a
 * transaction by a request that was refused or failed before its read).
 */
describeEachDatabase('reads whose sign-in check opens their transaction', (env) => {
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  let person: TPerson;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Held');
    other = await crmWorkspace(env(), 'Held other');
    person = await makePerson(w.member.client, { emails: [{ value: 'held@example.com', type: 'work' }] });
  }, 90_000);

  /** Messages node-postgres sends while `fn` runs; on PGlite, the messages to the engine's
   *  thread of the transactions opened for `userId` (those whose BEGIN carries their id). */
  async function messages(fn: () => Promise<void>, userId?: string): Promise<number> {
    if (env().kind !== 'postgres') {
      const post = Worker.prototype.postMessage;
      const mine = new Set<number>();
      let n = 0;
      Worker.prototype.postMessage = function (this: Worker, value: unknown, ...rest: unknown[]) {
        const m = value as { op?: string; tx?: number; sql?: string };
        if (m.op === 'begin' && m.tx !== undefined && userId && m.sql?.includes(userId)) mine.add(m.tx);
        if (m.tx !== undefined && mine.has(m.tx)) n += 1;
        return (post as (...a: unknown[]) => void).call(this, value, ...rest);
      } as typeof post;
      try {
        await fn();
      } finally {
        Worker.prototype.postMessage = post;
      }
      return n;
    }
    const original = pg.Client.prototype.query;
    let n = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      n += 1;
      if (process.env.DEBUG_MSG)
        console.log('MSG', String((args[0] as { text?: string })?.text ?? args[0]).slice(0, 120));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await fn();
    } finally {
      pg.Client.prototype.query = original;
    }
    return n;
  }

  const idleInTransaction = async () => {
    if (env().kind !== 'postgres') return 0;
    const r = await env().services.database.raw.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
  /** The release runs once the answer is sent: give it a moment. */
  const settled = async () => {
    for (let i = 0; i < 50 && (await idleInTransaction()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    return idleInTransaction();
  };

  it('[P-SEC-5] GET person the ordinary way: the same answer and access row, in three messages (PostgreSQL: check + BEGIN, read, access row + COMMIT; PGlite: BEGIN + settings, read, access row + COMMIT)', async () => {
    let body: TPerson | undefined;
    const sent = await messages(async () => {
      // A workspace header that is not a UUID is refused; an empty one is "no header", which
      // the one-statement read (people.get-once.ts) leaves to this path.
      const res = await w.viewer.client.get<TPerson>(`/api/v1/people/${person.id}`, { 'x-tillit-workspace': '' });
      expect(res.status).toBe(200);
      body = res.body;
    }, w.viewer.userId);
    expect(body?.id).toBe(person.id);
    expect(body?.emails.map((e) => e.value)).toEqual(['held@example.com']);
    expect(sent).toBe(3);
    const logged = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.execute(
        sql`select count(*)::int as n from access_log where workspace_id = ${w.workspaceId} and subject_id = ${person.id} and via = 'people.get' and actor_id = ${w.viewer.userId}`,
      ),
    );
    expect(Number((logged as unknown as { rows: { n: number }[] }).rows[0]?.n)).toBe(1);
  });

  it('a page of people (check + BEGIN, the page with its parts, access row + COMMIT) and a search answer as before', async () => {
    let page: { status: number; body: TPersonList } | undefined;
    const sent = await messages(async () => {
      page = await w.member.client.get<TPersonList>('/api/v1/people?limit=50&subjectCategory=client&sort=name');
    }, w.member.userId);
    expect(page?.status).toBe(200);
    expect(page?.body.items.map((p) => p.id)).toContain(person.id);
    expect(page?.body.items.find((p) => p.id === person.id)?.emails.map((e) => e.value)).toEqual(['held@example.com']);
    expect(sent).toBe(3);
    const found = await w.member.client.get<{ items: { id: string }[] }>('/api/v1/search?q=held%40example');
    expect(found.status).toBe(200);
    expect(found.body.items.map((i) => i.id)).toContain(person.id);
  });

  it("a member's search: its rights on people and companies in one statement, the round trips named", async () => {
    let found: { status: number; body: { items: { id: string }[] } } | undefined;
    const sent = await messages(async () => {
      found = await w.member.client.get<{ items: { id: string }[] }>('/api/v1/search?q=held%40example');
    }, w.member.userId);
    expect(found?.status).toBe(200);
    expect(found?.body.items.map((i) => i.id)).toContain(person.id);
    // PostgreSQL: check + BEGIN + settings, the member's rights on people and companies (one
    // statement), the prefixes and the vocabulary, the two words' posting counts, the
    // presentation, access row + COMMIT. PGlite: BEGIN + settings (no check in it), the same.
    expect(sent).toBe(6);
    expect(await settled()).toBe(0);
  });

  it('[P-SEC-1] another workspace stays out of reach: not a member there, refused, and nothing of it is read', async () => {
    const res = await other.member.client.get(`/api/v1/people/${person.id}`, { 'x-tillit-workspace': w.workspaceId });
    expect(res.status).toBe(403);
    // In their own workspace the person does not exist.
    expect((await other.member.client.get(`/api/v1/people/${person.id}`)).status).toBe(404);
    expect((await other.member.client.get<TPersonList>('/api/v1/people?limit=50')).body.items).toEqual([]);
  });

  it('refusals and failures before or in the read leave no connection in a transaction, more of them than the pool holds', async () => {
    const denied = await w.admin.client.put('/api/v1/permissions', {
      viewer: { people: [] },
    });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    try {
      for (let i = 0; i < 25; i++) {
        // Refused by the matrix after the check opened the transaction.
        expect((await w.viewer.client.get(`/api/v1/people/${person.id}`)).status).toBe(403);
        // Not found inside the read (the transaction was taken, then rolled back).
        expect(
          (await w.member.client.get(`/api/v1/people/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`)).status,
        ).toBe(404);
        // Not a member of the workspace asked for.
        expect(
          (await other.member.client.get('/api/v1/people?limit=5', { 'x-tillit-workspace': w.workspaceId })).status,
        ).toBe(403);
      }
    } finally {
      await w.admin.client.put('/api/v1/permissions', { viewer: { people: ['read'] } });
    }
    expect(await settled()).toBe(0);
    expect((await w.viewer.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    // And the connections went back with nothing of the requests' settings left on them.
    const leaked = await env().services.database.raw.query<{ ws: string | null }>(
      `select nullif(current_setting('app.workspace_id', true), '') as ws`,
    );
    expect(leaked.rows[0]?.ws ?? null).toBeNull();
    await env().services.database.db.execute(sql`select 1`);
  });
});

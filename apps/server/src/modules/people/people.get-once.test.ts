import type { TPerson } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { members, sessions, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { getPersonOnce } from './people.get-once.ts';
import { getPerson } from './people.service.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from './people.test-helpers.ts';

const COOKIE = 'tillit.session_token';

/**
 * GET person in one statement (people.get-once.ts): the function decides the sign-in, the
 * membership and the permission in SQL before it reads and logs; the server decides them
 * again from what it answered. These tests hold the two to the same answer in every case,
 * and the read to what the ordinary path gives.
 */
describeEachDatabase('GET person in one statement', (env) => {
  let w: CrmWorkspace;
  let person: TPerson;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Once');
    const company = await makeCompany(w.member.client, { name: 'Once Ltd' });
    const field = await w.admin.client.post('/api/v1/custom-fields', {
      object: 'person',
      key: 'shoe_size',
      label: 'Shoe size',
      type: 'number',
      personal: false,
    });
    expect(field.status, JSON.stringify(field.body)).toBe(201);
    person = await makePerson(w.member.client, {
      emails: [
        { value: 'once@example.com', type: 'work' },
        { value: "o'nce@example.org", type: 'home' },
      ],
      phones: [{ value: '+44 20 7946 0018', type: 'work' }],
      tags: ['vip', 'quote "this"'],
      subjectCategories: ['client', 'supplier'],
      title: 'Buyer',
      address: { street: 'Bryggen 1', postalCode: '5003', city: 'Bergen', country: 'no' },
      customFields: { shoe_size: 43 },
      companies: [{ companyId: company.id, role: 'Buyer' }],
    });
  }, 120_000);

  const requestOf = (client: CrmWorkspace['member']['client'], workspaceId: string | null = w.workspaceId) =>
    ({
      headers: workspaceId ? { 'x-tillit-workspace': workspaceId } : {},
      cookies: { [COOKIE]: client.cookie(COOKIE) },
    }) as unknown as FastifyRequest;

  const accessRows = async (userId: string) => {
    const r = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.execute(
        sql`select count(*)::int as n from access_log where workspace_id = ${w.workspaceId} and subject_id = ${person.id}
              and via = 'people.get' and actor_id = ${userId}`,
      ),
    );
    return Number((r as unknown as { rows: { n: number }[] }).rows[0]?.n);
  };

  /** The function's decision and the server's, for one caller as things stand. */
  async function decisions(client: CrmWorkspace['member']['client'], userId: string, workspaceId = w.workspaceId) {
    const before = await accessRows(userId);
    const request = requestOf(client, workspaceId);
    const once = await getPersonOnce(env().services, request, person.id);
    if (once === 'fallback') return { sql: 'fallback' as const, server: 'fallback' as const, logged: 0 };
    const server = await requireAllowed(env().services, request, 'people', 'read', { answered: once.auth }).then(
      () => true,
      () => false,
    );
    return { sql: once.admitted, server, logged: (await accessRows(userId)) - before, person: once.person };
  }

  it('[P-SEC-5] the function and the server agree on every caller: roles, matrix changes, two-factor rule, other workspaces', async () => {
    const cases: { who: string; d: Awaited<ReturnType<typeof decisions>>; expected: boolean }[] = [];
    const each = async (expected: boolean, label: string) => {
      for (const [who, u] of Object.entries({ owner: w.owner, admin: w.admin, member: w.member, viewer: w.viewer })) {
        cases.push({ who: `${label}: ${who}`, d: await decisions(u.client, u.userId), expected });
      }
    };
    await each(true, 'defaults');
    // The matrix narrows: nobody but the owner reads people.
    const narrowed = await w.admin.client.put('/api/v1/permissions', {
      viewer: { people: [] },
      member: { people: ['create', 'update', 'delete', 'export'] },
      admin: { people: ['create', 'update', 'delete', 'export'] },
    });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    for (const [who, u] of Object.entries({ owner: w.owner, admin: w.admin, member: w.member, viewer: w.viewer })) {
      cases.push({ who: `narrowed: ${who}`, d: await decisions(u.client, u.userId), expected: who === 'owner' });
    }
    await w.owner.client.put('/api/v1/permissions', {
      viewer: { people: ['read'] },
      member: { people: ['read', 'create', 'update', 'delete', 'export'] },
      admin: { people: ['read', 'create', 'update', 'delete', 'export'] },
    });
    // The workspace requires two-factor authentication; none of them has it on.
    const setTwoFactor = (on: boolean) =>
      withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
        tx.update(workspaces).set({ requireTwoFactor: on }).where(eq(workspaces.workspaceId, w.workspaceId)),
      );
    await setTwoFactor(true);
    try {
      await each(false, 'two-factor required');
    } finally {
      await setTwoFactor(false);
    }
    // Another workspace asked for by header: not a member there.
    const other = await crmWorkspace(env(), 'Once other');
    cases.push({
      who: 'member of another workspace',
      d: await decisions(other.member.client, other.member.userId, w.workspaceId),
      expected: false,
    });
    // A member removed: refused from the next request on.
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.delete(members).where(and(eq(members.workspaceId, w.workspaceId), eq(members.userId, w.other.userId))),
    );
    cases.push({ who: 'removed member', d: await decisions(w.other.client, w.other.userId), expected: false });

    for (const c of cases) {
      expect({ who: c.who, sql: c.d.sql, server: c.d.server }).toEqual({
        who: c.who,
        sql: c.expected,
        server: c.expected,
      });
      // A read is logged exactly when it was admitted, never for a refusal.
      expect({ who: c.who, logged: c.d.logged }).toEqual({ who: c.who, logged: c.expected ? 1 : 0 });
    }
  });

  it('[P-SEC-5] shows what the ordinary read shows, and logs it once', async () => {
    for (const u of [w.owner, w.member, w.viewer]) {
      const before = await accessRows(u.userId);
      const res = await u.client.get<TPerson>(`/api/v1/people/${person.id}`);
      expect(res.status).toBe(200);
      const ctx = await requireAllowed(env().services, requestOf(u.client), 'people', 'read');
      const ordinary = await getPerson(env().services, actorOf(ctx), person.id);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(ordinary)));
      expect(res.body.emails.map((e) => e.value)).toEqual(['once@example.com', "o'nce@example.org"]);
      expect(res.body.companies.map((c) => c.name)).toEqual(['Once Ltd']);
      expect(res.body.customFields).toEqual({ shoe_size: 43 });
      // The GET's row and the ordinary read's row.
      expect(await accessRows(u.userId)).toBe(before + 2);
    }
  });

  it('[P-ACC-7] a person the caller may not see is not found, and no read is logged', async () => {
    const hidden = await makePerson(w.member.client, { visibility: 'private' });
    const res = await w.viewer.client.get(`/api/v1/people/${hidden.id}`);
    expect(res.status).toBe(404);
    const logged = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.execute(sql`select count(*)::int as n from access_log where subject_id = ${hidden.id} and via = 'people.get'`),
    );
    expect(Number((logged as unknown as { rows: { n: number }[] }).rows[0]?.n)).toBe(0);
    expect((await w.member.client.get(`/api/v1/people/${hidden.id}`)).status).toBe(200);
  });

  it('a session due for its refresh, a malformed workspace header and an API key take the ordinary way', async () => {
    const c = w.admin.client;
    const token = (c.cookie(COOKIE) as string).split('.')[0] as string;
    const { storedSessionToken } = await import('../../auth/protected-adapter.ts');
    const db = env().services.database.db;
    const DAY = 24 * 60 * 60 * 1000;
    const stored = storedSessionToken(env().services.keys, token);
    await db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() + 12 * DAY) })
      .where(eq(sessions.token, stored));
    const before = await accessRows(w.admin.userId);
    expect(await getPersonOnce(env().services, requestOf(c), person.id)).toBe('fallback');
    expect(await accessRows(w.admin.userId)).toBe(before);
    // The ordinary way extends the session and answers.
    expect((await c.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    expect(await getPersonOnce(env().services, requestOf(c), person.id)).not.toBe('fallback');

    const bad = await c.get(`/api/v1/people/${person.id}`, { 'x-tillit-workspace': 'not-a-uuid' });
    expect(bad.status).toBe(400);
    const keyed = { headers: { authorization: 'Bearer tlt_x' }, cookies: {} } as unknown as FastifyRequest;
    expect(await getPersonOnce(env().services, keyed, person.id)).toBe('fallback');
  });

  it('is one statement: one message to PostgreSQL, one query to PGlite', async () => {
    let n = 0;
    const restore: (() => void)[] = [];
    const count = <T extends object>(target: T, names: (keyof T)[]) => {
      for (const name of names) {
        const original = target[name] as (...a: unknown[]) => unknown;
        target[name] = function (this: unknown, ...args: unknown[]) {
          n += 1;
          return original.apply(this, args);
        } as T[keyof T];
        restore.push(() => {
          target[name] = original as T[keyof T];
        });
      }
    };
    if (env().kind === 'postgres') count(pg.Client.prototype, ['query']);
    else {
      const client = (env().services.database.db as unknown as { $client: Record<string, unknown> }).$client;
      count(client, ['query', 'exec', 'transaction']);
    }
    try {
      expect((await w.viewer.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    } finally {
      for (const r of restore) r();
    }
    expect(n).toBe(1);
  });
});

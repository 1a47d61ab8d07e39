import { createHmac } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';
import { members, sessions } from '../db/schema/index.ts';
import { withTenant } from '../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../modules/people/people.test-helpers.ts';
import { storedSessionToken } from './protected-adapter.ts';
import { fastRequestAuth, verifySignedToken } from './request-auth.ts';

const COOKIE = 'tillit.session_token';

describe('signed session cookie', () => {
  const key = Buffer.from('a-secret-of-some-length', 'utf8');
  const sign = (token: string) => `${token}.${createHmac('sha256', key).update(token).digest('base64')}`;

  it('gives the token of a cookie signed with the secret, nothing for a forged or odd one', () => {
    expect(verifySignedToken(sign('tok123'), key)).toBe('tok123');
    expect(verifySignedToken(sign('tok123').replace('tok123', 'tok124'), key)).toBeNull();
    expect(verifySignedToken(`tok123.${'A'.repeat(43)}=`, key)).toBeNull();
    expect(verifySignedToken('tok123', key)).toBeNull();
    expect(verifySignedToken('tok123.short=', key)).toBeNull();
    expect(verifySignedToken(undefined, key)).toBeNull();
    const other = Buffer.from('another-secret', 'utf8');
    expect(verifySignedToken(sign('tok123'), other)).toBeNull();
  });
});

/**
 * The one-round-trip path of a signed-in request (auth/request-auth.ts + the SQL function
 * tillit_request_auth) must decide exactly as the long way did: nothing is cached, so a
 * revoked session, a removed member or a lowered role count from the very next request.
 */
describeEachDatabase('request authentication in one round trip', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Fast auth');
  }, 60_000);

  const requestOf = (cookie: string | undefined) => ({ cookies: cookie ? { [COOKIE]: cookie } : {} }) as FastifyRequest;
  const sessionRow = async (cookie: string) => {
    const token = cookie.slice(0, cookie.lastIndexOf('.'));
    const [row] = await env()
      .services.database.db.select()
      .from(sessions)
      .where(eq(sessions.token, storedSessionToken(env().services.keys, token)));
    if (!row) throw new Error('no session row');
    return row;
  };

  it('answers a signed-in member with their user, session, role and the permission override', async () => {
    const cookie = w.member.client.cookie(COOKIE);
    expect(cookie).toBeTruthy();
    const fast = await fastRequestAuth(env().services, requestOf(cookie), w.workspaceId, {
      object: 'people',
      action: 'delete',
    });
    if (fast === 'fallback') throw new Error('expected the fast path');
    expect(fast.user.id).toBe(w.member.userId);
    expect(fast.membership).toEqual({
      workspaceId: w.workspaceId,
      role: 'member',
      requireTwoFactor: false,
      allowed: null,
    });
    // Without a workspace asked for, the session's active one.
    const active = await fastRequestAuth(env().services, requestOf(cookie), null, null);
    if (active === 'fallback') throw new Error('expected the fast path');
    expect(active.membership.workspaceId).toBe((await sessionRow(cookie as string)).activeWorkspaceId);
    // A workspace the user is not a member of: no role.
    const foreign = await fastRequestAuth(
      env().services,
      requestOf(cookie),
      '00000000-0000-4000-8000-000000000000',
      null,
    );
    if (foreign === 'fallback') throw new Error('expected the fast path');
    expect(foreign.membership.role).toBeNull();
  });

  it('[P-SEC-5] a changed matrix is read in the same round trip: the override decides at once', async () => {
    const set = await w.owner.client.put('/api/v1/permissions', { member: { people: ['read', 'create', 'update'] } });
    expect(set.status).toBe(200);
    const fast = await fastRequestAuth(env().services, requestOf(w.member.client.cookie(COOKIE)), w.workspaceId, {
      object: 'people',
      action: 'delete',
    });
    if (fast === 'fallback') throw new Error('expected the fast path');
    expect(fast.membership.allowed).toBe(false);
    const p = await makePerson(w.member.client, { firstName: 'Undeletable' });
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(403);
    expect(
      (await w.owner.client.put('/api/v1/permissions', { member: { people: ['read', 'create', 'update', 'delete'] } }))
        .status,
    ).toBe(200);
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
  });

  it('goes the long way for a forged cookie, and the answer is 401', async () => {
    const cookie = w.viewer.client.cookie(COOKIE) as string;
    const forged = `${cookie.slice(0, cookie.lastIndexOf('.') - 1)}x${cookie.slice(cookie.lastIndexOf('.'))}`;
    expect(await fastRequestAuth(env().services, requestOf(forged), w.workspaceId, null)).toBe('fallback');
    expect(await fastRequestAuth(env().services, requestOf(undefined), w.workspaceId, null)).toBe('fallback');
    const res = await env().app.inject({
      method: 'GET',
      url: '/api/v1/people',
      headers: { cookie: `${COOKIE}=${encodeURIComponent(forged)}`, 'x-tillit-workspace': w.workspaceId },
    });
    expect(res.statusCode).toBe(401);
  });

  it('a lowered role and a removed membership count from the next request', async () => {
    const c = w.other.client;
    expect((await c.get('/api/v1/people')).status).toBe(200);
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .update(members)
        .set({ role: 'viewer' })
        .where(and(eq(members.workspaceId, w.workspaceId), eq(members.userId, w.other.userId))),
    );
    const refused = await c.post('/api/v1/people', { firstName: 'Nope', subjectCategories: ['client'] });
    expect(refused.status).toBe(403);
    expect((await c.get('/api/v1/people')).status).toBe(200);
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.delete(members).where(and(eq(members.workspaceId, w.workspaceId), eq(members.userId, w.other.userId))),
    );
    const gone = await c.get('/api/v1/people');
    expect(gone.status).toBe(403);
    expect(gone.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('a session due for its refresh goes the long way, which extends it; an expired or deleted one is refused', async () => {
    const c = w.admin.client;
    const cookie = c.cookie(COOKIE) as string;
    const row = await sessionRow(cookie);
    const db = env().services.database.db;
    const DAY = 24 * 60 * 60 * 1000;
    // Extended 2 days ago (sessions last 14 days, are extended after 1).
    const old = new Date(Date.now() + 12 * DAY);
    await db.update(sessions).set({ expiresAt: old }).where(eq(sessions.id, row.id));
    expect(await fastRequestAuth(env().services, requestOf(cookie), w.workspaceId, null)).toBe('fallback');
    expect((await c.get('/api/v1/people')).status).toBe(200);
    const extended = await sessionRow(cookie);
    expect(extended.expiresAt.getTime()).toBeGreaterThan(old.getTime() + DAY);
    expect(await fastRequestAuth(env().services, requestOf(cookie), w.workspaceId, null)).not.toBe('fallback');

    await db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.id, row.id));
    expect(await fastRequestAuth(env().services, requestOf(cookie), w.workspaceId, null)).toBe('fallback');
    expect((await c.get('/api/v1/people')).status).toBe(401);

    const v = w.viewer.client;
    const vrow = await sessionRow(v.cookie(COOKIE) as string);
    expect((await v.get('/api/v1/people')).status).toBe(200);
    await db.delete(sessions).where(eq(sessions.id, vrow.id));
    expect((await v.get('/api/v1/people')).status).toBe(401);
  });

  it("[P-SEC-5] reads nothing of another workspace: a member of one asking for another's id gets 403", async () => {
    const other = await crmWorkspace(env(), 'Fast auth other');
    const res = await w.member.client.get('/api/v1/people', { 'x-tillit-workspace': other.workspaceId });
    expect(res.status).toBe(403);
    const fast = await fastRequestAuth(env().services, requestOf(w.member.client.cookie(COOKIE)), other.workspaceId, {
      object: 'people',
      action: 'read',
    });
    if (fast === 'fallback') throw new Error('expected the fast path');
    expect(fast.membership).toEqual({
      workspaceId: other.workspaceId,
      role: null,
      requireTwoFactor: false,
      allowed: null,
    });
  });
});

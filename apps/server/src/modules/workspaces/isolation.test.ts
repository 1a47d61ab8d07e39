import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { auditEntries, invitations, members, teamMembers, teams, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { newId } from '../../lib/ids.ts';
import { addMember, invitationTokenFor, ownerWithWorkspace, type TestUser } from './workspaces.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Call = [Method, string, unknown?];

/**
 * Tenant isolation for every endpoint of the module: a user of workspace A can neither read
 * nor change workspace B, whether they name B in the header or use B's ids from inside A.
 */
describeEachDatabase('workspace isolation', (env) => {
  const db = () => env().services.database.db;
  let a: { owner: TestUser; workspaceId: string; member: TestUser; viewer: TestUser; admin: TestUser; teamId: string };
  let b: {
    owner: TestUser;
    workspaceId: string;
    member: TestUser;
    teamId: string;
    invitationId: string;
    token: string;
  };

  beforeAll(async () => {
    const wa = await ownerWithWorkspace(env(), 'Alpha');
    const teamA = await wa.owner.client.post<{ teamId: string }>('/api/teams', { name: 'A-team' });
    a = {
      ...wa,
      admin: await addMember(env(), wa.owner.client, 'admin', 'a-admin'),
      member: await addMember(env(), wa.owner.client, 'member', 'a-member', teamA.body.teamId),
      viewer: await addMember(env(), wa.owner.client, 'viewer', 'a-viewer'),
      teamId: teamA.body.teamId,
    };
    const wb = await ownerWithWorkspace(env(), 'Bravo');
    const teamB = await wb.owner.client.post<{ teamId: string }>('/api/teams', { name: 'B-team' });
    const bMember = await addMember(env(), wb.owner.client, 'member', 'b-member', teamB.body.teamId);
    const inv = await wb.owner.client.post<{ invitationId: string }>('/api/invitations', {
      email: 'b-pending@example.test',
      role: 'viewer',
      teamId: teamB.body.teamId,
    });
    b = {
      ...wb,
      member: bMember,
      teamId: teamB.body.teamId,
      invitationId: inv.body.invitationId,
      token: invitationTokenFor(env(), 'b-pending@example.test'),
    };
  }, 60_000);

  /** Everything of B, read under B's own scope, to compare before and after. */
  async function snapshotB() {
    return withTenant(db(), { workspaceId: b.workspaceId }, async (tx) => ({
      workspace: await tx.select().from(workspaces).where(eq(workspaces.workspaceId, b.workspaceId)),
      members: await tx.select().from(members).where(eq(members.workspaceId, b.workspaceId)).orderBy(members.userId),
      teams: await tx.select().from(teams).where(eq(teams.workspaceId, b.workspaceId)),
      teamMembers: await tx.select().from(teamMembers).where(eq(teamMembers.workspaceId, b.workspaceId)),
      invitations: await tx.select().from(invitations).where(eq(invitations.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));
  }

  const send = (client: TestClient, [method, url, body]: Call, headers?: Record<string, string>) =>
    client.request(method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), headers);

  /** Every workspace-scoped endpoint, aimed at the ids in `ids`. */
  function everyEndpoint(ids: { memberId: string; teamId: string; invitationId: string }): Call[] {
    return [
      ['GET', '/api/workspaces/current'],
      ['PATCH', '/api/workspaces/current', { name: 'Pwned' }],
      ['GET', '/api/members'],
      ['PATCH', `/api/members/${ids.memberId}`, { role: 'viewer' }],
      ['DELETE', `/api/members/${ids.memberId}`],
      ['GET', '/api/invitations'],
      ['POST', '/api/invitations', { email: 'intruder@example.test', role: 'admin' }],
      ['DELETE', `/api/invitations/${ids.invitationId}`],
      ['GET', '/api/teams'],
      ['POST', '/api/teams', { name: 'Intruders' }],
      ['PATCH', `/api/teams/${ids.teamId}`, { name: 'Pwned' }],
      ['DELETE', `/api/teams/${ids.teamId}`],
      ['PUT', `/api/teams/${ids.teamId}/members/${ids.memberId}`],
      ['DELETE', `/api/teams/${ids.teamId}/members/${ids.memberId}`],
    ];
  }

  it('[P-SEC-5] naming workspace B in X-Tillit-Workspace gets 403 on every endpoint, and B is unchanged', async () => {
    const before = await snapshotB();
    const calls = everyEndpoint({ memberId: b.member.userId, teamId: b.teamId, invitationId: b.invitationId });
    for (const actor of [a.owner, a.admin, a.member, a.viewer]) {
      for (const call of calls) {
        const res = await send(actor.client, call, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
        expect(res.text).not.toContain('Bravo');
        expect(res.text).not.toContain(b.member.email);
      }
    }
    const sw = await a.owner.client.post('/api/workspaces/switch', { workspaceId: b.workspaceId });
    expect(sw.status).toBe(403);
    expect(await snapshotB()).toEqual(before);
  });

  it("[P-SEC-5] B's member, team and invitation ids used from inside A get 404, and B is unchanged", async () => {
    const before = await snapshotB();
    const client = a.owner.client;
    const calls: Call[] = [
      ['PATCH', `/api/members/${b.member.userId}`, { role: 'viewer' }],
      ['PATCH', `/api/members/${b.owner.userId}`, { role: 'viewer' }],
      ['DELETE', `/api/members/${b.member.userId}`],
      ['DELETE', `/api/invitations/${b.invitationId}`],
      ['PATCH', `/api/teams/${b.teamId}`, { name: 'Pwned' }],
      ['DELETE', `/api/teams/${b.teamId}`],
      ['PUT', `/api/teams/${b.teamId}/members/${a.member.userId}`],
      ['DELETE', `/api/teams/${b.teamId}/members/${b.member.userId}`],
      ['PUT', `/api/teams/${a.teamId}/members/${b.member.userId}`],
      ['DELETE', `/api/teams/${a.teamId}/members/${b.member.userId}`],
      ['POST', '/api/invitations', { email: 'x@example.test', role: 'member', teamId: b.teamId }],
    ];
    for (const call of calls) {
      const res = await send(client, call);
      expect(res.status, `${call[0]} ${call[1]}`).toBe(404);
      expect(res.text).not.toContain('Bravo');
    }
    // B's token with A's id in front finds nothing either.
    const secret = b.token.split('.')[1];
    const forged = `${a.workspaceId}.${secret}`;
    expect((await client.get(`/api/invitations/lookup?token=${encodeURIComponent(forged)}`)).status).toBe(404);
    expect((await client.post('/api/invitations/accept', { token: forged })).status).toBe(404);
    expect(await snapshotB()).toEqual(before);

    // A's own lists show nothing of B.
    for (const url of ['/api/members?limit=200', '/api/teams', '/api/invitations', '/api/workspaces']) {
      const res = await client.get(url);
      expect(res.status, url).toBe(200);
      for (const id of [b.workspaceId, b.member.userId, b.owner.userId, b.teamId, b.invitationId]) {
        expect(res.text, url).not.toContain(id);
      }
    }
  });

  it('[P-SEC-5] viewers and members get 403 for every admin action in their own workspace', async () => {
    const snapshotA = () =>
      withTenant(db(), { workspaceId: a.workspaceId }, async (tx) => ({
        workspace: await tx.select().from(workspaces).where(eq(workspaces.workspaceId, a.workspaceId)),
        members: await tx.select().from(members).where(eq(members.workspaceId, a.workspaceId)).orderBy(members.userId),
        teams: await tx.select().from(teams).where(eq(teams.workspaceId, a.workspaceId)),
        teamMembers: await tx.select().from(teamMembers).where(eq(teamMembers.workspaceId, a.workspaceId)),
        invitations: await tx.select().from(invitations).where(eq(invitations.workspaceId, a.workspaceId)),
      }));
    const pending = await a.owner.client.post<{ invitationId: string }>('/api/invitations', {
      email: 'a-pending@example.test',
      role: 'viewer',
    });
    const before = await snapshotA();
    const adminOnly = everyEndpoint({
      memberId: a.admin.userId,
      teamId: a.teamId,
      invitationId: pending.body.invitationId,
    }).filter(([method, url]) => method !== 'GET' || url === '/api/invitations');
    for (const actor of [a.member, a.viewer]) {
      for (const call of adminOnly) {
        const res = await send(actor.client, call);
        expect(res.status, `${actor.email} ${call[0]} ${call[1]}`).toBe(403);
      }
    }
    expect(await snapshotA()).toEqual(before);
    // The reads every member may do.
    for (const url of ['/api/workspaces/current', '/api/members', '/api/teams']) {
      expect((await a.viewer.client.get(url)).status, url).toBe(200);
    }
  });

  it('answers 401 to anyone not signed in, on every endpoint but the invitation lookup', async () => {
    const anon = env().client();
    const calls: Call[] = [
      ['GET', '/api/workspaces'],
      ['POST', '/api/workspaces', { name: 'X', country: 'NO', region: 'eu' }],
      ['POST', '/api/workspaces/switch', { workspaceId: b.workspaceId }],
      ['POST', '/api/invitations/accept', { token: b.token }],
      ...everyEndpoint({ memberId: b.member.userId, teamId: b.teamId, invitationId: b.invitationId }),
    ];
    const before = await snapshotB();
    for (const call of calls) {
      const res = await send(anon, call, { 'x-tillit-workspace': b.workspaceId });
      expect(res.status, `${call[0]} ${call[1]}`).toBe(401);
    }
    expect(await snapshotB()).toEqual(before);
    const doc = await anon.get<{ paths: Record<string, unknown> }>('/api/openapi.json');
    for (const path of ['/api/workspaces', '/api/members/{userId}', '/api/invitations/lookup', '/api/teams/{teamId}']) {
      expect(Object.keys(doc.body.paths), path).toContain(path);
    }
  });

  it('[P-SEC-5] row-level security alone hides B: unfiltered reads under A see only A, inserts for B are refused', async () => {
    const tables = ['workspaces', 'members', 'teams', 'team_members', 'invitations'];
    for (const table of tables) {
      const seen = await withTenant(db(), { workspaceId: a.workspaceId }, async (tx) => {
        const r = await tx.execute(sql.raw(`select workspace_id::text as w from "${table}"`));
        return (r as unknown as { rows: { w: string }[] }).rows.map((x) => x.w);
      });
      expect(seen.length, `${table} shows A's rows`).toBeGreaterThan(0);
      expect(new Set(seen), `${table} shows only A`).toEqual(new Set([a.workspaceId]));
      // Under B's scope B's rows are there, so the filter was not vacuous.
      const seenB = await withTenant(db(), { workspaceId: b.workspaceId }, async (tx) => {
        const r = await tx.execute(sql.raw(`select workspace_id::text as w from "${table}"`));
        return (r as unknown as { rows: { w: string }[] }).rows.map((x) => x.w);
      });
      expect(new Set(seenB), table).toEqual(new Set([b.workspaceId]));
    }
    const before = await snapshotB();
    const now = env().clock.now();
    const attempts: [string, (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<unknown>][] = [
      [
        'members',
        (tx) => tx.insert(members).values({ workspaceId: b.workspaceId, userId: a.member.userId, role: 'owner' }),
      ],
      ['teams', (tx) => tx.insert(teams).values({ workspaceId: b.workspaceId, teamId: newId(), name: 'Sneaky' })],
      [
        'invitations',
        (tx) =>
          tx.insert(invitations).values({
            workspaceId: b.workspaceId,
            invitationId: newId(),
            email: 'sneaky@example.test',
            role: 'owner',
            tokenHash: 'x'.repeat(64),
            expiresAt: now,
          }),
      ],
      [
        'update teams',
        (tx) => tx.update(teams).set({ name: 'Renamed' }).where(eq(teams.workspaceId, b.workspaceId)).returning(),
      ],
      ['delete members', (tx) => tx.delete(members).where(eq(members.workspaceId, b.workspaceId)).returning()],
    ];
    for (const [what, attempt] of attempts) {
      const outcome = await withTenant(db(), { workspaceId: a.workspaceId }, attempt).then(
        (r) => (Array.isArray(r) ? r : 'written'),
        () => 'refused',
      );
      // Inserts are refused outright; updates and deletes simply find no rows of B.
      if (what.startsWith('update') || what.startsWith('delete')) expect(outcome, what).toEqual([]);
      else expect(outcome, what).toBe('refused');
    }
    expect(await snapshotB()).toEqual(before);
  });
  // The membership tables let a user read their own rows in any workspace ("my
  // workspaces"); writes must stay confined to the scoped workspace (db/rls.ts).
  it('RLS refuses, under A with a user id, a membership row for that user in B', async () => {
    const outcome = await withTenant(db(), { workspaceId: a.workspaceId, userId: a.viewer.userId }, (tx) =>
      tx.insert(members).values({ workspaceId: b.workspaceId, userId: a.viewer.userId, role: 'owner' }),
    ).then(
      () => 'written',
      () => 'refused',
    );
    // Undo the write this gap allows, so that no other test sees it.
    await withTenant(db(), { workspaceId: b.workspaceId }, (tx) =>
      tx.delete(members).where(and(eq(members.workspaceId, b.workspaceId), eq(members.userId, a.viewer.userId))),
    );
    expect(outcome).toBe('refused');
  });
});

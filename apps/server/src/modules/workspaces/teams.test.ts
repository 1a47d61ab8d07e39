import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, invitations, teamMembers, teams } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { addMember, ownerWithWorkspace } from './workspaces.test-helpers.ts';

type Team = { teamId: string; name: string; memberCount: number; memberIds: string[] };

describeEachDatabase('teams', (env) => {
  const db = () => env().services.database.db;
  const audit = (workspaceId: string, action: string) =>
    withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, action))),
    );

  it('[P-ACC-7] workspaces have teams; every member sees the teams and who is in them; another workspace sees nothing', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Teamed');
    const sales = await owner.client.post<Team>('/api/teams', { name: 'Sales' });
    expect(sales.status).toBe(201);
    expect(sales.body).toMatchObject({ name: 'Sales', memberCount: 0, memberIds: [] });
    const ops = await owner.client.post<Team>('/api/teams', { name: 'Ops' });
    const alice = await addMember(env(), owner.client, 'member', 'alice');
    const bob = await addMember(env(), owner.client, 'viewer', 'bob');
    const put = await owner.client.put<Team>(`/api/teams/${sales.body.teamId}/members/${alice.userId}`);
    expect(put.status).toBe(200);
    expect(put.body.memberIds).toEqual([alice.userId]);
    await owner.client.put(`/api/teams/${sales.body.teamId}/members/${bob.userId}`);
    // Putting someone in twice changes nothing.
    await owner.client.put(`/api/teams/${sales.body.teamId}/members/${bob.userId}`);

    const seenByViewer = await bob.client.get<{ teams: Team[] }>('/api/teams');
    expect(seenByViewer.status).toBe(200);
    expect(seenByViewer.body.teams.map((t) => [t.name, t.memberCount, [...t.memberIds].sort()])).toEqual([
      ['Ops', 0, []],
      ['Sales', 2, [alice.userId, bob.userId].sort()],
    ]);
    const roster = await bob.client.get<{ members: { userId: string; teams: { name: string }[] }[] }>('/api/members');
    expect(roster.body.members.find((m) => m.userId === alice.userId)?.teams).toEqual([
      { teamId: sales.body.teamId, name: 'Sales' },
    ]);
    expect(await audit(workspaceId, 'team.member_added')).toHaveLength(2);

    const outsider = await ownerWithWorkspace(env(), 'Outside');
    const theirs = await outsider.owner.client.get<{ teams: Team[] }>('/api/teams');
    expect(theirs.body.teams).toEqual([]);
    const peek = await outsider.owner.client.get('/api/teams', { 'x-tillit-workspace': workspaceId });
    expect(peek.status).toBe(403);
    expect(JSON.stringify(peek.body)).not.toContain('Sales');
    expect(ops.status).toBe(201);
  });

  it('renames, removes members from and deletes teams, each audited', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Lifecycle');
    const t = await owner.client.post<Team>('/api/teams', { name: 'Alpha' });
    const m = await addMember(env(), owner.client, 'member', 'tm', t.body.teamId);
    await owner.client.post('/api/invitations', { email: 'later@example.test', role: 'member', teamId: t.body.teamId });

    const renamed = await owner.client.patch<Team>(`/api/teams/${t.body.teamId}`, { name: 'Beta' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Beta', memberIds: [m.userId] });
    const out = await owner.client.delete<Team>(`/api/teams/${t.body.teamId}/members/${m.userId}`);
    expect(out.status).toBe(200);
    expect(out.body.memberIds).toEqual([]);

    await owner.client.put(`/api/teams/${t.body.teamId}/members/${m.userId}`);
    const del = await owner.client.delete(`/api/teams/${t.body.teamId}`);
    expect(del.status).toBe(204);
    const left = await withTenant(db(), { workspaceId }, async (tx) => ({
      teams: await tx.select().from(teams).where(eq(teams.workspaceId, workspaceId)),
      links: await tx.select().from(teamMembers).where(eq(teamMembers.workspaceId, workspaceId)),
      invitations: await tx.select().from(invitations).where(eq(invitations.workspaceId, workspaceId)),
    }));
    expect(left.teams).toEqual([]);
    expect(left.links).toEqual([]);
    // The pending invitation survives without its team.
    const pending = left.invitations.filter((i) => i.status === 'pending');
    expect(pending.map((i) => [i.email, i.teamId])).toEqual([['later@example.test', null]]);
    for (const action of ['team.created', 'team.renamed', 'team.member_removed', 'team.deleted']) {
      expect(await audit(workspaceId, action), action).toHaveLength(1);
    }
    expect((await owner.client.delete(`/api/teams/${t.body.teamId}`)).status).toBe(404);
  });

  it('keeps team names unique per workspace regardless of case (409 naming the field)', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Unique');
    expect((await owner.client.post('/api/teams', { name: 'Design' })).status).toBe(201);
    const clash = await owner.client.post('/api/teams', { name: '  dEsIgN ' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: 'conflict', fields: { name: expect.any(String) } } });
    const other = await owner.client.post<Team>('/api/teams', { name: 'Research' });
    const renameClash = await owner.client.patch(`/api/teams/${other.body.teamId}`, { name: 'DESIGN' });
    expect(renameClash.status).toBe(409);
    expect(renameClash.body).toMatchObject({ error: { fields: { name: expect.any(String) } } });
    // The same name in another workspace is fine.
    const elsewhere = await ownerWithWorkspace(env(), 'Elsewhere');
    expect((await elsewhere.owner.client.post('/api/teams', { name: 'Design' })).status).toBe(201);
    const list = await owner.client.get<{ teams: Team[] }>('/api/teams');
    expect(list.body.teams.map((t) => t.name)).toEqual(['Design', 'Research']);
  });

  it('two admins creating the same team name at once get one team and one 409, never a 500', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Racing teams');
    const admin = await addMember(env(), owner.client, 'admin');
    for (let round = 0; round < 3; round++) {
      const name = `Race ${round}`;
      const results = await Promise.all([
        owner.client.post('/api/teams', { name }),
        admin.client.post('/api/teams', { name: name.toUpperCase() }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const conflict = results.find((r) => r.status === 409);
      expect(conflict?.body).toMatchObject({ error: { code: 'conflict', fields: { name: expect.any(String) } } });
    }
    const rows = await withTenant(db(), { workspaceId }, (tx) =>
      tx.select().from(teams).where(eq(teams.workspaceId, workspaceId)),
    );
    expect(rows).toHaveLength(3);
    expect(await audit(workspaceId, 'team.created')).toHaveLength(3);
  });

  it('[P-SEC-5] members and viewers cannot change teams', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Locked teams');
    const t = await owner.client.post<Team>('/api/teams', { name: 'Core' });
    const member = await addMember(env(), owner.client, 'member');
    const viewer = await addMember(env(), owner.client, 'viewer');
    for (const u of [member, viewer]) {
      expect((await u.client.post('/api/teams', { name: 'Mine' })).status).toBe(403);
      expect((await u.client.patch(`/api/teams/${t.body.teamId}`, { name: 'Taken' })).status).toBe(403);
      expect((await u.client.put(`/api/teams/${t.body.teamId}/members/${u.userId}`)).status).toBe(403);
      expect((await u.client.delete(`/api/teams/${t.body.teamId}/members/${u.userId}`)).status).toBe(403);
      expect((await u.client.delete(`/api/teams/${t.body.teamId}`)).status).toBe(403);
    }
    const list = await owner.client.get<{ teams: Team[] }>('/api/teams');
    expect(list.body.teams.map((x) => [x.name, x.memberCount])).toEqual([['Core', 0]]);
    expect(await audit(workspaceId, 'team.created')).toHaveLength(1);
  });
});

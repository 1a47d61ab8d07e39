import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, members, sessions, teamMembers } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { addMember, ownerWithWorkspace, type TestUser } from './workspaces.test-helpers.ts';

type Member = { userId: string; role: string; email: string; teams: { name: string }[]; twoFactorEnabled: boolean };
type Page = { members: Member[]; nextAfter: string | null };

describeEachDatabase('members', (env) => {
  const db = () => env().services.database.db;
  const roleOf = async (workspaceId: string, userId: string) =>
    withTenant(db(), { workspaceId }, async (tx) => {
      const [r] = await tx
        .select({ role: members.role })
        .from(members)
        .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, userId)));
      return r?.role ?? null;
    });
  const audit = (workspaceId: string, action: string) =>
    withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, action))),
    );

  it('lists members with name, email, role, teams, 2FA and join date, paged by user id', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Paged');
    const team = await owner.client.post<{ teamId: string }>('/api/teams', { name: 'Sales' });
    const added: TestUser[] = [];
    for (let i = 0; i < 4; i++) added.push(await addMember(env(), owner.client, 'member', `m${i}`));
    await owner.client.put(`/api/teams/${team.body.teamId}/members/${added[0]?.userId}`);

    const viewer = await addMember(env(), owner.client, 'viewer');
    const all = await viewer.client.get<Page>('/api/members?limit=200');
    expect(all.status).toBe(200);
    expect(all.body.members).toHaveLength(6);
    expect(all.body.nextAfter).toBeNull();
    const first = all.body.members.find((m) => m.userId === added[0]?.userId);
    expect(first).toEqual({
      userId: added[0]?.userId,
      name: added[0]?.name,
      email: added[0]?.email,
      role: 'member',
      teams: [{ teamId: team.body.teamId, name: 'Sales' }],
      twoFactorEnabled: false,
      joinedAt: expect.any(String),
    });
    const ids = all.body.members.map((m) => m.userId);
    expect(ids).toEqual([...ids].sort());

    const seen: string[] = [];
    let after: string | null = null;
    for (let n = 0; n < 10; n++) {
      const url: string = `/api/members?limit=4${after ? `&after=${after}` : ''}`;
      const page = await viewer.client.get<Page>(url);
      expect(page.status).toBe(200);
      expect(page.body.members.length).toBeLessThanOrEqual(4);
      seen.push(...page.body.members.map((m) => m.userId));
      after = page.body.nextAfter;
      if (!after) break;
    }
    expect(seen).toEqual(ids);

    expect((await viewer.client.get('/api/members?limit=201')).status).toBe(422);
    expect((await viewer.client.get('/api/members?limit=0')).status).toBe(422);
  });

  it('changes roles as admin, audited with from and to', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Roles');
    const admin = await addMember(env(), owner.client, 'admin');
    const member = await addMember(env(), owner.client, 'member');
    const res = await admin.client.patch(`/api/members/${member.userId}`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: member.userId, role: 'viewer' });
    expect(await roleOf(workspaceId, member.userId)).toBe('viewer');
    const [entry] = await audit(workspaceId, 'member.role_changed');
    expect(entry).toMatchObject({
      actorId: admin.userId,
      subjectUserId: member.userId,
      details: { from: 'member', to: 'viewer' },
    });
  });

  it('[P-SEC-5] only an owner grants or takes away owner; the last owner stays owner', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Owners');
    const admin = await addMember(env(), owner.client, 'admin');
    const member = await addMember(env(), owner.client, 'member');

    const grant = await admin.client.patch(`/api/members/${member.userId}`, { role: 'owner' });
    expect(grant.status).toBe(403);
    const selfPromote = await admin.client.patch(`/api/members/${admin.userId}`, { role: 'owner' });
    expect(selfPromote.status).toBe(403);
    const demoteOwner = await admin.client.patch(`/api/members/${owner.userId}`, { role: 'viewer' });
    expect(demoteOwner.status).toBe(403);
    expect(await roleOf(workspaceId, owner.userId)).toBe('owner');
    expect(await roleOf(workspaceId, admin.userId)).toBe('admin');

    const last = await owner.client.patch(`/api/members/${owner.userId}`, { role: 'admin' });
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ error: { code: 'last_owner' } });
    expect(await roleOf(workspaceId, owner.userId)).toBe('owner');

    const promoted = await owner.client.patch(`/api/members/${admin.userId}`, { role: 'owner' });
    expect(promoted.status).toBe(200);
    // With two owners, one may step down.
    const stepDown = await owner.client.patch(`/api/members/${owner.userId}`, { role: 'admin' });
    expect(stepDown.status).toBe(200);
    expect(await roleOf(workspaceId, owner.userId)).toBe('admin');
    expect(await audit(workspaceId, 'member.role_changed')).toHaveLength(2);
  });

  it('[P-SEC-5] members and viewers cannot change roles or remove anyone', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Flat');
    const member = await addMember(env(), owner.client, 'member');
    const viewer = await addMember(env(), owner.client, 'viewer');
    for (const actor of [member, viewer]) {
      const target = actor === member ? viewer : member;
      expect((await actor.client.patch(`/api/members/${target.userId}`, { role: 'admin' })).status).toBe(403);
      expect((await actor.client.patch(`/api/members/${actor.userId}`, { role: 'admin' })).status).toBe(403);
      expect((await actor.client.delete(`/api/members/${target.userId}`)).status).toBe(403);
      expect((await actor.client.delete(`/api/members/${owner.userId}`)).status).toBe(403);
    }
    expect(await roleOf(workspaceId, member.userId)).toBe('member');
    expect(await roleOf(workspaceId, viewer.userId)).toBe('viewer');
    expect(await audit(workspaceId, 'member.role_changed')).toHaveLength(0);
    expect(await audit(workspaceId, 'member.removed')).toHaveLength(0);
  });

  it('removes a member: membership, team memberships and their sessions in this workspace end at once', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Removal');
    const team = await owner.client.post<{ teamId: string }>('/api/teams', { name: 'Ops' });
    const admin = await addMember(env(), owner.client, 'admin');
    const gone = await addMember(env(), owner.client, 'member', 'gone', team.body.teamId);
    // A second workspace of the removed user keeps its session.
    const elsewhere = await gone.client.post<{ workspaceId: string }>('/api/workspaces', {
      name: 'Own',
      country: 'NO',
      region: 'eu',
    });
    expect(elsewhere.status).toBe(201);
    await gone.client.post('/api/workspaces/switch', { workspaceId });
    expect((await gone.client.get('/api/members')).status).toBe(200);

    const res = await admin.client.delete(`/api/members/${gone.userId}`);
    expect(res.status).toBe(204);
    expect(await roleOf(workspaceId, gone.userId)).toBeNull();
    const links = await withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(teamMembers)
        .where(and(eq(teamMembers.workspaceId, workspaceId), eq(teamMembers.userId, gone.userId))),
    );
    expect(links).toEqual([]);
    const left = await db()
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.userId, gone.userId), eq(sessions.activeWorkspaceId, workspaceId)));
    expect(left).toEqual([]);
    // The session is gone: the next request is not signed in at all.
    const after = await gone.client.get('/api/members');
    expect(after.status).toBe(401);
    const [entry] = await audit(workspaceId, 'member.removed');
    expect(entry).toMatchObject({
      actorId: admin.userId,
      subjectUserId: gone.userId,
      details: { role: 'member', left: false, sessionsEnded: 1 },
    });
  });

  it('an admin cannot remove an owner; the last owner cannot be removed or leave; anyone else may leave', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Leaving');
    const admin = await addMember(env(), owner.client, 'admin');
    const viewer = await addMember(env(), owner.client, 'viewer');

    expect((await admin.client.delete(`/api/members/${owner.userId}`)).status).toBe(403);
    const lastLeaves = await owner.client.delete(`/api/members/${owner.userId}`);
    expect(lastLeaves.status).toBe(409);
    expect(lastLeaves.body).toMatchObject({ error: { code: 'last_owner' } });
    expect(await roleOf(workspaceId, owner.userId)).toBe('owner');

    const leave = await viewer.client.delete(`/api/members/${viewer.userId}`);
    expect(leave.status).toBe(204);
    expect(await roleOf(workspaceId, viewer.userId)).toBeNull();
    // Leaving keeps the person signed in, with no active workspace.
    const mine = await viewer.client.get('/api/workspaces');
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ workspaces: [], activeWorkspaceId: null });
    expect((await viewer.client.get('/api/members')).status).toBe(403);

    // An owner may remove another owner.
    await owner.client.patch(`/api/members/${admin.userId}`, { role: 'owner' });
    expect((await owner.client.delete(`/api/members/${admin.userId}`)).status).toBe(204);
    expect(await audit(workspaceId, 'member.removed')).toHaveLength(2);
  });

  it('two owners demoting each other at the same moment still leave one owner', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Race');
    const second = await addMember(env(), owner.client, 'owner', 'second');
    const [r1, r2] = await Promise.all([
      owner.client.patch(`/api/members/${second.userId}`, { role: 'admin' }),
      second.client.patch(`/api/members/${owner.userId}`, { role: 'admin' }),
    ]);
    // Whoever commits first wins; the other is then no owner (403) or the last owner (409).
    const statuses = [r1.status, r2.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const roles = [await roleOf(workspaceId, owner.userId), await roleOf(workspaceId, second.userId)];
    expect(roles.filter((r) => r === 'owner')).toHaveLength(1);
  });

  it('answers 404 for a user who is not a member here', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Nobody');
    const stranger = '0196a0b2-1111-7aaa-8bbb-123456789abc';
    expect((await owner.client.patch(`/api/members/${stranger}`, { role: 'member' })).status).toBe(404);
    expect((await owner.client.delete(`/api/members/${stranger}`)).status).toBe(404);
  });
});

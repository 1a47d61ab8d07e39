import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, invitations, members, teamMembers, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { addMember, invitationTokenFor, ownerWithWorkspace, signUp } from './workspaces.test-helpers.ts';

describeEachDatabase('invitations', (env) => {
  const db = () => env().services.database.db;
  const audit = (workspaceId: string, action: string) =>
    withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, action))),
    );
  const invitationRows = (workspaceId: string) =>
    withTenant(db(), { workspaceId }, (tx) =>
      tx.select().from(invitations).where(eq(invitations.workspaceId, workspaceId)),
    );

  it('invites by email: stores only the hash of the token, mails the link, audits with the email kept personal', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Inviting Co');
    const res = await owner.client.post('/api/invitations', { email: '  New.Person@Example.TEST ', role: 'member' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'new.person@example.test',
      role: 'member',
      status: 'pending',
      teamId: null,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/token/i);

    const mail = [...env().mail.sent].reverse().find((m) => m.to === 'new.person@example.test');
    expect(mail).toMatchObject({ kind: 'invitation', workspaceId });
    expect(mail?.text).toContain('Inviting Co');
    const token = invitationTokenFor(env(), 'new.person@example.test');
    expect(mail?.text).toContain(`${env().config.publicUrl}/invite/${token}`);
    const [prefix, secret] = token.split('.');
    expect(prefix).toBe(workspaceId);
    expect(Buffer.from(secret ?? '', 'base64url')).toHaveLength(32);

    const [row] = await invitationRows(workspaceId);
    expect(row?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row?.expiresAt.getTime()).toBe(env().clock.now().getTime() + 7 * DAY_MS);

    const [entry] = await audit(workspaceId, 'member.invited');
    expect(entry?.personal).toMatchObject({ email: 'new.person@example.test' });
    expect(JSON.stringify(entry?.details)).not.toContain('example.test');

    const list = await owner.client.get<{ invitations: { email: string }[] }>('/api/invitations');
    expect(list.status).toBe(200);
    expect(list.body.invitations.map((i) => i.email)).toEqual(['new.person@example.test']);
  });

  it('shows an invitation to whoever holds the token, and nothing for a bad one', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Lookup Ltd');
    await owner.client.post('/api/invitations', { email: 'look@example.test', role: 'viewer' });
    const token = invitationTokenFor(env(), 'look@example.test');
    const anon = env().client();
    const ok = await anon.get(`/api/invitations/lookup?token=${encodeURIComponent(token)}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      workspaceName: 'Lookup Ltd',
      email: 'look@example.test',
      role: 'viewer',
      status: 'pending',
      expired: false,
    });
    const [ws, secret] = token.split('.');
    const wrongSecret = `${ws}.${(secret ?? '').slice(0, -2)}AA`;
    const otherWorkspace = `0196a0b2-1111-7aaa-8bbb-123456789abc.${secret}`;
    for (const bad of [wrongSecret, otherWorkspace]) {
      const res = await anon.get(`/api/invitations/lookup?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'invitation_not_found', message: expect.any(String) } });
      expect(JSON.stringify(res.body)).not.toContain('Lookup Ltd');
    }
    expect((await anon.get('/api/invitations/lookup?token=nonsense')).status).toBe(422);
    expect((await anon.get('/api/invitations/lookup')).status).toBe(422);

    env().clock.advance(7 * DAY_MS + 1);
    const later = await anon.get(`/api/invitations/lookup?token=${encodeURIComponent(token)}`);
    expect(later.body).toMatchObject({ status: 'expired', expired: true });
  });

  it('accepts: membership with role and team, email verified, active workspace set, audited', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Joinable');
    const team = await owner.client.post<{ teamId: string }>('/api/teams', { name: 'Support' });
    const user = await signUp(env(), 'joiner');
    const inv = await owner.client.post('/api/invitations', {
      email: user.email.toUpperCase(),
      role: 'admin',
      teamId: team.body.teamId,
    });
    expect(inv.status).toBe(201);
    const token = invitationTokenFor(env(), user.email);
    const [before] = await db().select().from(users).where(eq(users.id, user.userId));
    expect(before?.emailVerified).toBe(false);

    const res = await user.client.post('/api/invitations/accept', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ workspaceId, role: 'admin' });

    const [after] = await db().select().from(users).where(eq(users.id, user.userId));
    expect(after?.emailVerified).toBe(true);
    const mine = await user.client.get('/api/workspaces');
    expect(mine.body).toMatchObject({ activeWorkspaceId: workspaceId, workspaces: [{ workspaceId, role: 'admin' }] });
    const current = await user.client.get('/api/workspaces/current');
    expect(current.body).toMatchObject({ workspaceId, role: 'admin' });
    const links = await withTenant(db(), { workspaceId }, (tx) =>
      tx.select().from(teamMembers).where(eq(teamMembers.workspaceId, workspaceId)),
    );
    expect(links.map((l) => [l.teamId, l.userId])).toEqual([[team.body.teamId, user.userId]]);
    const [row] = await invitationRows(workspaceId);
    expect(row).toMatchObject({ status: 'accepted', acceptedBy: user.userId });
    const [entry] = await audit(workspaceId, 'member.joined');
    expect(entry).toMatchObject({ actorId: user.userId, subjectUserId: user.userId, details: { role: 'admin' } });

    // Used once only.
    const again = await user.client.post('/api/invitations/accept', { token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'invitation_used' } });
    expect((await owner.client.get<{ invitations: unknown[] }>('/api/invitations')).body.invitations).toEqual([]);
  });

  it('refuses another address, an expired, a revoked and an unknown invitation', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Strict');
    const invited = await signUp(env(), 'invited');
    const other = await signUp(env(), 'other');
    await owner.client.post('/api/invitations', { email: invited.email, role: 'member' });
    const token = invitationTokenFor(env(), invited.email);

    const wrongUser = await other.client.post('/api/invitations/accept', { token });
    expect(wrongUser.status).toBe(403);
    expect(wrongUser.body).toMatchObject({ error: { code: 'invitation_email_mismatch' } });
    expect((await env().client().post('/api/invitations/accept', { token })).status).toBe(401);

    const bad = await invited.client.post('/api/invitations/accept', { token: `${workspaceId}.${'x'.repeat(43)}` });
    expect(bad.status).toBe(404);

    env().clock.advance(7 * DAY_MS + 1000);
    const expired = await invited.client.post('/api/invitations/accept', { token });
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 'invitation_expired' } });

    // A new invitation replaces the pending one; revoking it makes its link useless too.
    const again = await owner.client.post<{ invitationId: string }>('/api/invitations', {
      email: invited.email,
      role: 'member',
    });
    const token2 = invitationTokenFor(env(), invited.email);
    expect(token2).not.toBe(token);
    const revoke = await owner.client.delete(`/api/invitations/${again.body.invitationId}`);
    expect(revoke.status).toBe(204);
    expect((await owner.client.delete(`/api/invitations/${again.body.invitationId}`)).status).toBe(409);
    const revoked = await invited.client.post('/api/invitations/accept', { token: token2 });
    expect(revoked.status).toBe(410);
    expect(revoked.body).toMatchObject({ error: { code: 'invitation_revoked' } });
    expect(await audit(workspaceId, 'invitation.revoked')).toHaveLength(1);

    const memberRows = await withTenant(db(), { workspaceId }, (tx) =>
      tx.select().from(members).where(eq(members.workspaceId, workspaceId)),
    );
    expect(memberRows.map((m) => m.userId)).toEqual([owner.userId]);
    expect(await audit(workspaceId, 'member.joined')).toHaveLength(0);
  });

  it('[P-SEC-5] only admins invite, only owners invite owners, and members are not invited twice', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Gatekeeper');
    const admin = await addMember(env(), owner.client, 'admin');
    const member = await addMember(env(), owner.client, 'member');
    const viewer = await addMember(env(), owner.client, 'viewer');
    const before = (await invitationRows(workspaceId)).length;
    const sentBefore = env().mail.sent.length;

    for (const u of [member, viewer]) {
      expect((await u.client.post('/api/invitations', { email: 'x@example.test', role: 'viewer' })).status).toBe(403);
      expect((await u.client.get('/api/invitations')).status).toBe(403);
    }
    const ownerByAdmin = await admin.client.post('/api/invitations', { email: 'boss@example.test', role: 'owner' });
    expect(ownerByAdmin.status).toBe(403);
    const dup = await admin.client.post('/api/invitations', { email: member.email.toUpperCase(), role: 'viewer' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: { code: 'already_member', fields: { email: expect.any(String) } } });
    expect((await invitationRows(workspaceId)).length).toBe(before);
    expect(env().mail.sent.length).toBe(sentBefore);

    const ownerInvite = await owner.client.post<{ invitationId: string }>('/api/invitations', {
      email: 'boss@example.test',
      role: 'owner',
    });
    expect(ownerInvite.status).toBe(201);
    // An admin cannot withdraw an owner's invitation either, nor can a member withdraw any.
    expect((await admin.client.delete(`/api/invitations/${ownerInvite.body.invitationId}`)).status).toBe(403);
    expect((await member.client.delete(`/api/invitations/${ownerInvite.body.invitationId}`)).status).toBe(403);
    const [row] = (await invitationRows(workspaceId)).filter((r) => r.invitationId === ownerInvite.body.invitationId);
    expect(row?.status).toBe('pending');
  });

  it('refuses a team of the invitation that does not exist here', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Teamless');
    const res = await owner.client.post('/api/invitations', {
      email: 'someone@example.test',
      role: 'member',
      teamId: '0196a0b2-1111-7aaa-8bbb-123456789abc',
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { fields: { teamId: expect.any(String) } } });
    expect(await invitationRows(workspaceId)).toEqual([]);
  });
});

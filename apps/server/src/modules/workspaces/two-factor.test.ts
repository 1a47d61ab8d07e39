import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, members, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  addMember,
  enableTwoFactor,
  invitationTokenFor,
  ownerWithWorkspace,
  signUp,
} from './workspaces.test-helpers.ts';

describeEachDatabase('requiring two-factor authentication', (env) => {
  const db = () => env().services.database.db;
  const requireFlag = async (workspaceId: string) =>
    withTenant(db(), { workspaceId }, async (tx) => {
      const [w] = await tx.select().from(workspaces).where(eq(workspaces.workspaceId, workspaceId));
      return w?.requireTwoFactor;
    });

  it('[P-SEC-2] a workspace can require 2FA: members without it are refused until they turn it on', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Secure AS');
    const member = await addMember(env(), owner.client, 'member');
    expect((await member.client.get('/api/members')).status).toBe(200);

    // The owner must have 2FA before requiring it of everyone.
    const early = await owner.client.patch('/api/workspaces/current', { requireTwoFactor: true });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      error: { code: 'two_factor_not_enabled', fields: { requireTwoFactor: expect.any(String) } },
    });
    expect(await requireFlag(workspaceId)).toBe(false);

    await enableTwoFactor(owner.client);
    const on = await owner.client.patch('/api/workspaces/current', { requireTwoFactor: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ requireTwoFactor: true });
    expect(await requireFlag(workspaceId)).toBe(true);
    const entries = await withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, 'workspace.updated'))),
    );
    expect(entries.map((e) => e.details)).toEqual([{ changes: { requireTwoFactor: { from: false, to: true } } }]);

    // The member without 2FA: refused on workspace data, told why; still sees the list of
    // workspaces (which says 2FA is required) so the app can lead them to Security.
    for (const url of ['/api/members', '/api/teams', '/api/workspaces/current']) {
      const refused = await member.client.get(url);
      expect(refused.status, url).toBe(403);
      expect(refused.body, url).toMatchObject({ error: { code: 'two_factor_required' } });
    }
    const mine = await member.client.get('/api/workspaces');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ workspaces: [{ workspaceId, requireTwoFactor: true }] });

    await enableTwoFactor(member.client);
    const allowed = await member.client.get<{ members: { userId: string; twoFactorEnabled: boolean }[] }>(
      '/api/members',
    );
    expect(allowed.status).toBe(200);
    expect(allowed.body.members.every((m) => m.twoFactorEnabled)).toBe(true);
  });

  it('[P-SEC-2] a newcomer joins a 2FA workspace but gets in only with 2FA; anyone may still leave', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Strict 2FA');
    await enableTwoFactor(owner.client);
    expect((await owner.client.patch('/api/workspaces/current', { requireTwoFactor: true })).status).toBe(200);
    const admin = await addMember(env(), owner.client, 'admin');
    // Even an admin cannot act without 2FA, e.g. switch the requirement off or invite.
    const off = await admin.client.patch('/api/workspaces/current', { requireTwoFactor: false });
    expect(off.status).toBe(403);
    expect((await admin.client.post('/api/invitations', { email: 'z@example.test', role: 'viewer' })).status).toBe(403);
    expect(await requireFlag(workspaceId)).toBe(true);

    const newcomer = await signUp(env(), 'newcomer');
    await owner.client.post('/api/invitations', { email: newcomer.email, role: 'viewer' });
    const accepted = await newcomer.client.post('/api/invitations/accept', {
      token: invitationTokenFor(env(), newcomer.email),
    });
    expect(accepted.status).toBe(200);
    newcomer.client.workspaceId = workspaceId;
    expect((await newcomer.client.get('/api/members')).status).toBe(403);
    const leave = await newcomer.client.delete(`/api/members/${newcomer.userId}`);
    expect(leave.status).toBe(204);
    const rows = await withTenant(db(), { workspaceId }, (tx) =>
      tx
        .select()
        .from(members)
        .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, newcomer.userId))),
    );
    expect(rows).toEqual([]);

    // The owner (with 2FA) may turn the requirement off again.
    const ownerOff = await owner.client.patch('/api/workspaces/current', { requireTwoFactor: false });
    expect(ownerOff.status).toBe(200);
    expect((await admin.client.get('/api/members')).status).toBe(200);
  });
});

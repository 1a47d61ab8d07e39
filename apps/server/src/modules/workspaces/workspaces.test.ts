import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, sessions, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { addMember, enableTwoFactor, ownerWithWorkspace, signUp } from './workspaces.test-helpers.ts';

describeEachDatabase('workspaces', (env) => {
  async function auditActions(workspaceId: string, action: string) {
    return withTenant(env().services.database.db, { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, action))),
    );
  }

  it('creates a workspace that becomes active, and lists mine with role and the active one', async () => {
    const user = await signUp(env(), 'creator');
    const empty = await user.client.get('/api/workspaces');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ workspaces: [], activeWorkspaceId: null });

    const created = await user.client.post<{ workspaceId: string }>('/api/workspaces', {
      name: '  Nordlys AS ',
      country: 'NO',
      region: 'eu',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Nordlys AS',
      country: 'NO',
      region: 'eu',
      role: 'owner',
      requireTwoFactor: false,
    });
    env().clock.advance(1000); // ids are time-ordered: a later workspace sorts after
    const second = await user.client.post<{ workspaceId: string }>('/api/workspaces', {
      name: 'Second',
      country: 'SE',
      region: 'eu',
    });
    expect(second.status).toBe(201);

    const list = await user.client.get<{ workspaces: { workspaceId: string; active: boolean; role: string }[] }>(
      '/api/workspaces',
    );
    expect(list.body).toMatchObject({ activeWorkspaceId: second.body.workspaceId });
    expect(list.body.workspaces.map((w) => [w.workspaceId, w.role, w.active])).toEqual([
      [created.body.workspaceId, 'owner', false],
      [second.body.workspaceId, 'owner', true],
    ]);

    // Without a header, the session's active workspace is the current one.
    const current = await user.client.get('/api/workspaces/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ workspaceId: second.body.workspaceId, name: 'Second' });
    expect(await auditActions(second.body.workspaceId, 'workspace.created')).toHaveLength(1);
  });

  it('switches the active workspace only to one I belong to', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Mine');
    const other = await ownerWithWorkspace(env(), 'Theirs');
    const mine2 = await owner.client.post<{ workspaceId: string }>('/api/workspaces', {
      name: 'Mine 2',
      country: 'DK',
      region: 'eu',
    });
    owner.client.workspaceId = null;

    const sw = await owner.client.post('/api/workspaces/switch', { workspaceId });
    expect(sw.status).toBe(200);
    expect(sw.body).toMatchObject({ workspaceId, name: 'Mine', role: 'owner' });
    expect((await owner.client.get('/api/workspaces/current')).body).toMatchObject({ workspaceId });

    const refused = await owner.client.post('/api/workspaces/switch', { workspaceId: other.workspaceId });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    // Still on the one chosen before, and nothing of the other was shown.
    expect((await owner.client.get('/api/workspaces/current')).body).toMatchObject({ workspaceId });
    expect(JSON.stringify(refused.body)).not.toContain('Theirs');

    const [s] = await env()
      .services.database.db.select({ active: sessions.activeWorkspaceId })
      .from(sessions)
      .where(eq(sessions.userId, owner.userId));
    expect(s?.active).toBe(workspaceId);
    expect(mine2.status).toBe(201);
  });

  it('updates name, country and region as admin, with an audit entry of what changed', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Before');
    const admin = await addMember(env(), owner.client, 'admin');
    const res = await admin.client.patch('/api/workspaces/current', { name: 'After', country: 'SE', region: 'eu' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'After', country: 'SE', region: 'eu', role: 'admin' });
    const [entry] = await auditActions(workspaceId, 'workspace.updated');
    expect(entry?.actorId).toBe(admin.userId);
    expect(entry?.details).toEqual({
      changes: { name: { from: 'Before', to: 'After' }, country: { from: 'NO', to: 'SE' } },
    });
    // A no-op changes nothing and records nothing.
    const same = await admin.client.patch('/api/workspaces/current', { name: 'After' });
    expect(same.status).toBe(200);
    expect(await auditActions(workspaceId, 'workspace.updated')).toHaveLength(1);
  });

  it('refuses workspace changes to members and viewers, and the two-factor switch to admins', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Guarded');
    const admin = await addMember(env(), owner.client, 'admin');
    const member = await addMember(env(), owner.client, 'member');
    const viewer = await addMember(env(), owner.client, 'viewer');
    for (const u of [member, viewer]) {
      const res = await u.client.patch('/api/workspaces/current', { name: 'Hijacked' });
      expect(res.status).toBe(403);
    }
    await enableTwoFactor(admin.client);
    const res = await admin.client.patch('/api/workspaces/current', { requireTwoFactor: true });
    expect(res.status).toBe(403);
    const [row] = await withTenant(env().services.database.db, { workspaceId }, (tx) =>
      tx.select().from(workspaces).where(eq(workspaces.workspaceId, workspaceId)),
    );
    expect(row).toMatchObject({ name: 'Guarded', requireTwoFactor: false });
    expect(await auditActions(workspaceId, 'workspace.updated')).toHaveLength(0);
  });

  it('needs a session: every workspace endpoint answers 401 without one', async () => {
    const anon = env().client();
    expect((await anon.get('/api/workspaces')).status).toBe(401);
    expect((await anon.post('/api/workspaces', { name: 'X', country: 'NO', region: 'eu' })).status).toBe(401);
    expect((await anon.get('/api/workspaces/current')).status).toBe(401);
    expect((await anon.patch('/api/workspaces/current', { name: 'X' })).status).toBe(401);
    expect(
      (await anon.post('/api/workspaces/switch', { workspaceId: '0196a0b2-1111-7aaa-8bbb-123456789abc' })).status,
    ).toBe(401);
  });
});

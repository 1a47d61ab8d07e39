import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { members, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DEFAULT_PASSWORD } from '../account/account.testing.ts';

const body = (email: string) => ({
  account: { email, password: DEFAULT_PASSWORD, firstName: 'Ada', lastName: 'Admin', dateOfBirth: '1985-01-31' },
  workspace: { name: 'Fjord Consulting', country: 'NO', region: 'no' },
});

describeEachDatabase('first run', (env) => {
  it('refuses bad input with the field named and writes nothing', async () => {
    const c = env().client();
    const cases: [unknown, string][] = [
      [{ ...body('a@example.test'), extra: 1 }, 'extra'],
      [{ ...body('not-an-email') }, 'account.email'],
      [{ ...body('a@example.test'), workspace: { name: 'X', country: 'XX', region: 'no' } }, 'workspace.country'],
      [{ ...body('a@example.test'), workspace: { name: 'X', country: 'NO', region: 'mars' } }, 'workspace.region'],
      [
        { ...body('a@example.test'), workspace: { name: 'x'.repeat(500), country: 'NO', region: 'no' } },
        'workspace.name',
      ],
      [
        { ...body('a@example.test'), account: { ...body('a@example.test').account, dateOfBirth: '2020-01-01' } },
        'account.dateOfBirth',
      ],
      [
        {
          account: { ...body('a@example.test').account, dateOfBirth: '2010-06-01' },
          workspace: { name: 'Berlin', country: 'DE', region: 'eu' },
        },
        'account.dateOfBirth',
      ],
      [
        { ...body('a@example.test'), account: { ...body('a@example.test').account, password: 123 } },
        'account.password',
      ],
    ];
    for (const [payload, field] of cases) {
      const res = await c.post<{ error: { fields: Record<string, string> } }>('/api/setup/first-run', payload);
      expect(res.status, JSON.stringify(payload)).toBe(422);
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
    const bad = await c.post('/api/setup/first-run', '{"account":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_json' } });
    expect((await c.get('/api/setup')).body).toMatchObject({ firstRun: true });
  });

  it('documents its endpoints in the OpenAPI reference', async () => {
    const doc = await env().client().get<{ paths: Record<string, Record<string, unknown>> }>('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/setup/first-run',
        '/api/account/sign-up',
        '/api/account/me',
        '/api/account/export',
      ]),
    );
    expect(Object.keys(doc.body.paths['/api/account/me'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'patch', 'delete']),
    );
  });

  it('refuses sign-up before the first run', async () => {
    const res = await env().client().post('/api/account/sign-up', {
      email: 'early@example.test',
      password: DEFAULT_PASSWORD,
      firstName: 'E',
      lastName: 'Arly',
      dateOfBirth: '1990-01-01',
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'setup_required' } });
  });

  it('creates the instance admin and the first workspace, signed in; only once, even when raced', async () => {
    const a = env().client();
    const b = env().client();
    const [ra, rb] = await Promise.all([
      a.post<{ user: { id: string }; workspace: { workspaceId: string } }>(
        '/api/setup/first-run',
        body('ada@example.test'),
      ),
      b.post('/api/setup/first-run', body('bob@example.test')),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses).toEqual([201, 409]);
    const winner = ra.status === 201 ? a : b;
    const loser = ra.status === 201 ? rb : ra;
    expect(loser.body).toMatchObject({ error: { code: 'already_set_up' } });
    const allUsers = await env().services.database.db.select().from(users);
    expect(allUsers).toHaveLength(1);
    const [admin] = allUsers;
    expect(admin?.isInstanceAdmin).toBe(true);
    expect(admin?.ageConfirmedMin).toBe(13);
    expect(winner.hasSession()).toBe(true);
    const me = await winner.get<{
      id: string;
      isInstanceAdmin: boolean;
      activeWorkspaceId: string;
      workspaces: { role: string; workspaceId: string }[];
    }>('/api/account/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(admin?.id);
    expect(me.body.isInstanceAdmin).toBe(true);
    expect(me.body.workspaces).toEqual([expect.objectContaining({ role: 'owner', name: 'Fjord Consulting' })]);
    expect(me.body.activeWorkspaceId).toBe(me.body.workspaces[0]?.workspaceId);
    // Tenant rows are read as the application reads them: inside the workspace's scope.
    const rows = await withTenant(env().services.database.db, { workspaceId: me.body.activeWorkspaceId }, (tx) =>
      tx
        .select({ role: members.role })
        .from(members)
        .where(eq(members.userId, admin?.id ?? '')),
    );
    expect(rows).toEqual([{ role: 'owner' }]);
    expect(env().mail.sent.some((m) => m.kind === 'verify_email' && m.to === admin?.email)).toBe(true);
    expect((await env().client().get('/api/setup')).body).toMatchObject({ firstRun: false });
    const again = await env().client().post('/api/setup/first-run', body('eve@example.test'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'already_set_up' } });
  });
});

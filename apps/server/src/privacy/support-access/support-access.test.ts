import type { TSupportAccessList, TSupportGrant, TSupportGrantList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient, type TestEnv } from '../../../test/harness.ts';
import { accessLog, auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { setUpInstance } from '../../modules/account/account.testing.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../../modules/people/people.test-helpers.ts';
import { verifyChain } from '../audit/audit.service.ts';

const HOUR = 3600_000;

describeEachDatabase('support access (P-SEC-7)', (get) => {
  let env: TestEnv;
  let operator: TestClient;
  let operatorId: string;
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  let shared: { id: string };
  let privateOne: { id: string };
  beforeAll(async () => {
    env = get();
    // The first-run account is the instance's admin: the operator (support staff).
    const inst = await setUpInstance(env);
    operator = inst.client;
    operatorId = inst.userId;
    w = await crmWorkspace(env, 'Customer');
    other = await crmWorkspace(env, 'Other customer');
    shared = await makePerson(w.owner.client, { firstName: 'Shared', emails: [{ value: 'shared@example.test' }] });
    privateOne = await makePerson(w.member.client, { firstName: 'Secret', visibility: 'private' });
    await makeCompany(w.owner.client, { name: 'Acme Customer AS' });
  });
  const base = () => `/api/operator/workspaces/${w.workspaceId}`;

  it('[P-SEC-7] without a grant an operator is refused, and so is a signed-in user who is not an operator', async () => {
    for (const url of [`${base()}/people`, `${base()}/people/${shared.id}`, `${base()}/companies`]) {
      const res = await operator.get<{ error: { code: string } }>(url);
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe('no_support_grant');
    }
    expect((await other.owner.client.get(`${base()}/people`)).status).toBe(403);
    expect((await env.client().get(`${base()}/people`)).status).toBe(401);
  });

  it('[P-SEC-7] an admin grants read access to people for 2 hours; reads are audited and shown to the workspace', async () => {
    const bad = await w.admin.client.post<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/support-access/grants',
      { scope: ['people'], hours: 721, reason: 'ticket 42' },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields.hours).toMatch(/at most 720/);
    const g = await w.admin.client.post<TSupportGrant>('/api/privacy/support-access/grants', {
      scope: ['people'],
      hours: 2,
      reason: 'Ticket 42: import looks wrong',
    });
    expect(g.status, g.text).toBe(201);
    expect(g.body).toMatchObject({ scope: ['people'], readOnly: true, status: 'active' });

    const list = await operator.get<{ items: { id: string }[] }>(`${base()}/people`);
    expect(list.status, list.text).toBe(200);
    const ids = list.body.items.map((p) => p.id);
    expect(ids).toContain(shared.id);
    // A private record stays private, even from support.
    expect(ids).not.toContain(privateOne.id);
    expect((await operator.get(`${base()}/people/${privateOne.id}`)).status).toBe(404);
    const one = await operator.get<{ emails: string[] }>(`${base()}/people/${shared.id}`);
    expect(one.status).toBe(200);
    expect(one.body.emails).toContain('shared@example.test');
    // Companies are not in the grant's scope.
    expect((await operator.get(`${base()}/companies`)).status).toBe(403);
    // Read-only: there is no write path for operators.
    expect([404, 405]).toContain((await operator.patch(`${base()}/people/${shared.id}`, { firstName: 'X' })).status);

    // The workspace sees each read.
    const accesses = await w.admin.client.get<TSupportAccessList>('/api/privacy/support-access/accesses');
    expect(accesses.status).toBe(200);
    const reads = accesses.body.items.filter((a) => a.grantId === g.body.id);
    expect(reads.map((a) => a.action).sort()).toEqual(['list', 'read']);
    expect(reads.every((a) => a.operator.id === operatorId)).toBe(true);
    expect(reads.find((a) => a.action === 'read')?.recordId).toBe(shared.id);
    // In the audit chain, which still verifies, and in the access log of the person.
    await withTenant(env.services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      const audit = await tx
        .select({ actorKind: auditEntries.actorKind, actorId: auditEntries.actorId })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'support.accessed')));
      expect(audit.length).toBe(2);
      expect(audit.every((e) => e.actorKind === 'operator' && e.actorId === operatorId)).toBe(true);
      const log = await tx
        .select({ actorKind: accessLog.actorKind })
        .from(accessLog)
        .where(and(eq(accessLog.workspaceId, w.workspaceId), eq(accessLog.subjectId, shared.id)));
      expect(log.some((l) => l.actorKind === 'operator')).toBe(true);
      expect((await verifyChain(tx, w.workspaceId)).ok).toBe(true);
    });

    // The grant expires on the clock.
    env.clock.advance(2 * HOUR + 1000);
    expect((await operator.get(`${base()}/people`)).status).toBe(403);
    const grants = await w.admin.client.get<TSupportGrantList>('/api/privacy/support-access/grants');
    expect(grants.body.items.find((x) => x.id === g.body.id)?.status).toBe('expired');
  });

  it('[P-SEC-7] a revoked grant stops access at once', async () => {
    const g = await w.admin.client.post<TSupportGrant>('/api/privacy/support-access/grants', {
      scope: ['people', 'companies'],
      hours: 24,
      reason: 'Ticket 43',
    });
    expect((await operator.get(`${base()}/companies`)).status).toBe(200);
    const status = await operator.get<{ grants: { grantId: string }[] }>(`${base()}/support-access`);
    expect(status.body.grants.map((x) => x.grantId)).toContain(g.body.id);
    const revoked = await w.admin.client.post<TSupportGrant>(`/api/privacy/support-access/grants/${g.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await operator.get(`${base()}/companies`)).status).toBe(403);
    expect((await operator.get(`${base()}/people`)).status).toBe(403);
  });

  it('[P-SEC-7] isolation: another workspace’s grant does not open this one; lower roles and other admins are refused', async () => {
    const theirs = await other.admin.client.post<TSupportGrant>('/api/privacy/support-access/grants', {
      scope: ['people'],
      hours: 1,
      reason: 'Their ticket',
    });
    expect(theirs.status).toBe(201);
    expect((await operator.get(`${base()}/people`)).status).toBe(403);
    // The other workspace's admin neither sees nor revokes this workspace's grants.
    const mine = await w.admin.client.post<TSupportGrant>('/api/privacy/support-access/grants', {
      scope: ['people'],
      hours: 1,
      reason: 'Mine',
    });
    const theirList = await other.admin.client.get<TSupportGrantList>('/api/privacy/support-access/grants');
    expect(theirList.body.items.map((x) => x.id)).not.toContain(mine.body.id);
    expect((await other.admin.client.post(`/api/privacy/support-access/grants/${mine.body.id}/revoke`)).status).toBe(
      404,
    );
    const theirAccesses = await other.admin.client.get<TSupportAccessList>('/api/privacy/support-access/accesses');
    expect(theirAccesses.body.items).toEqual([]);
    const cross = await other.admin.client.get('/api/privacy/support-access/grants', {
      'x-tillit-workspace': w.workspaceId,
    });
    expect(cross.status).toBe(403);
    for (const u of [w.member, w.viewer]) {
      expect((await u.client.get('/api/privacy/support-access/grants')).status).toBe(403);
      expect((await u.client.get('/api/privacy/support-access/accesses')).status).toBe(403);
      expect(
        (await u.client.post('/api/privacy/support-access/grants', { scope: ['people'], hours: 1, reason: 'x y z' }))
          .status,
      ).toBe(403);
      expect((await u.client.post(`/api/privacy/support-access/grants/${mine.body.id}/revoke`)).status).toBe(403);
    }
  });
});

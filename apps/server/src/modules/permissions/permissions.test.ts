import type { TPermissions } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, rolePermissions } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { salesPipeline } from '../deals/deals.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { CEILING_MATRIX, DEFAULT_MATRIX } from './permissions.defaults.ts';
import { assertAllowed } from './permissions.ts';

describeEachDatabase('permission matrix', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
  }, 300_000);

  const audits = (workspaceId: string) =>
    withTenant(env().services.database.db, { workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, 'permissions.changed')))
        .orderBy(auditEntries.seq),
    );

  describe('defaults reproduce the role minimums', () => {
    it('[P-SEC-5] admins read the default matrix; members and viewers may not read or change it', async () => {
      const res = await a.admin.client.get<TPermissions>('/api/v1/permissions');
      expect(res.status).toBe(200);
      expect(res.body.matrix).toEqual(DEFAULT_MATRIX);
      expect(res.body.ceiling).toEqual(CEILING_MATRIX);
      expect(res.body.matrix.member.people).toEqual(['read', 'create', 'update', 'delete', 'import', 'export']);
      expect(res.body.matrix.member.pipelines).toEqual(['read']);
      expect(res.body.matrix.viewer.deals).toEqual(['read']);
      for (const u of [a.member, a.viewer]) {
        expect((await u.client.get('/api/v1/permissions')).status).toBe(403);
        expect((await u.client.put('/api/v1/permissions', { viewer: { people: [] } })).status).toBe(403);
      }
    });

    it('[P-SEC-5] by default a viewer reads but does not write; a member writes records but not pipelines', async () => {
      const person = await makePerson(a.member.client);
      expect((await a.viewer.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
      const refused = await a.viewer.client.post('/api/v1/people', { firstName: 'No', subjectCategories: ['client'] });
      expect(refused.status).toBe(403);
      expect((await a.viewer.client.post('/api/v1/companies', { name: 'No' })).status).toBe(403);
      expect((await a.member.client.post('/api/v1/pipelines', { name: 'Mine' })).status).toBe(403);
      expect((await a.admin.client.post('/api/v1/pipelines', { name: 'Ops' })).status).toBe(201);
      expect((await a.member.client.delete(`/api/v1/people/${person.id}`)).status).toBe(200);
    });

    it('the check itself: owner always, ceiling never exceeded, API key scopes on top', async () => {
      const s = env().services;
      const ws = a.workspaceId;
      await expect(
        assertAllowed(s, { workspaceId: ws, role: 'owner' }, 'pipelines', 'delete'),
      ).resolves.toBeUndefined();
      await expect(assertAllowed(s, { workspaceId: ws, role: 'viewer' }, 'people', 'create')).rejects.toMatchObject({
        status: 403,
        code: 'forbidden',
      });
      await expect(
        assertAllowed(
          s,
          { workspaceId: ws, role: 'owner', apiKey: { id: 'k', scopes: ['people:read'] } },
          'people',
          'delete',
        ),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await expect(
        assertAllowed(
          s,
          { workspaceId: ws, role: 'member', apiKey: { id: 'k', scopes: ['people:read'] } },
          'people',
          'read',
        ),
      ).resolves.toBeUndefined();
    });
  });

  describe('a changed matrix takes effect', () => {
    it('[P-SEC-5] members may no longer delete people once an admin says so; audited; reset restores it', async () => {
      const person = await makePerson(a.member.client);
      const put = await a.admin.client.put<TPermissions>('/api/v1/permissions', {
        member: { people: ['read', 'create', 'update', 'import', 'export'] },
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.matrix.member.people).not.toContain('delete');

      const refused = await a.member.client.delete<{ error: { code: string } }>(`/api/v1/people/${person.id}`);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      // Other rights of members are untouched; admins still delete.
      expect((await a.member.client.patch(`/api/v1/people/${person.id}`, { title: 'CEO' })).status).toBe(200);
      expect(
        (await a.member.client.delete(`/api/v1/companies/${(await makeCompany(a.member.client)).id}`)).status,
      ).toBe(200);

      const entries = await audits(a.workspaceId);
      expect(entries.at(-1)?.actorId).toBe(a.admin.userId);
      expect(entries.at(-1)?.details).toEqual({ changes: ['member.people.delete=false'] });

      // Only the difference from the defaults is stored.
      const rows = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx.select().from(rolePermissions).where(eq(rolePermissions.workspaceId, a.workspaceId)),
      );
      expect(rows.map((r) => [r.role, r.object, r.action, r.allowed])).toEqual([['member', 'people', 'delete', false]]);

      const reset = await a.admin.client.put<TPermissions>('/api/v1/permissions', {
        member: { people: DEFAULT_MATRIX.member.people },
      });
      expect(reset.body.matrix).toEqual(DEFAULT_MATRIX);
      expect((await a.member.client.delete(`/api/v1/people/${person.id}`)).status).toBe(200);
    });

    it('[P-SEC-5] viewers can lose reading deals and companies, and gain exporting; writes stay out of reach', async () => {
      const sales = await salesPipeline(a.owner.client);
      const put = await a.admin.client.put<TPermissions>('/api/v1/permissions', {
        viewer: { deals: [], companies: ['export'] },
      });
      expect(put.status).toBe(200);
      expect((await a.viewer.client.get('/api/v1/companies')).status).toBe(403);
      expect((await a.viewer.client.get(`/api/v1/deals?pipelineId=${sales.id}`)).status).toBe(403);
      expect((await a.viewer.client.get('/api/v1/people')).status).toBe(200);
      const beyond = await a.admin.client.put<{ error: { code: string; fields: Record<string, string> } }>(
        '/api/v1/permissions',
        { viewer: { people: ['read', 'create'] }, member: { pipelines: ['read', 'delete'] } },
      );
      expect(beyond.status).toBe(422);
      expect(Object.keys(beyond.body.error.fields).sort()).toEqual(['member.pipelines', 'viewer.people']);
      const unknown = await a.admin.client.put('/api/v1/permissions', { owner: { people: [] } });
      expect(unknown.status).toBe(422);
      await a.admin.client.put('/api/v1/permissions', { viewer: DEFAULT_MATRIX.viewer });
      expect(
        (await a.viewer.client.get(`/api/v1/deals?pipelineId=${(await salesPipeline(a.owner.client)).id}`)).status,
      ).toBe(200);
    });
  });

  describe('isolation', () => {
    it("[P-SEC-5] an admin of another workspace can neither read nor change this workspace's matrix", async () => {
      const before = await b.admin.client.get<TPermissions>('/api/v1/permissions');
      const h = { 'x-tillit-workspace': b.workspaceId };
      expect((await a.admin.client.get('/api/v1/permissions', h)).status).toBe(403);
      expect((await a.owner.client.put('/api/v1/permissions', { member: { people: [] } }, h)).status).toBe(403);
      // A change in A does not reach B.
      await a.admin.client.put('/api/v1/permissions', { member: { people: ['read'] } });
      const after = await b.admin.client.get<TPermissions>('/api/v1/permissions');
      expect(after.body).toEqual(before.body);
      expect(after.body.matrix.member.people).toContain('delete');
      expect((await b.member.client.delete(`/api/v1/people/${(await makePerson(b.member.client)).id}`)).status).toBe(
        200,
      );
      await a.admin.client.put('/api/v1/permissions', { member: { people: DEFAULT_MATRIX.member.people } });
      expect((await audits(b.workspaceId)).length).toBe(0);
    });
  });
});

import type { TAccessList } from '@tillit/contracts';
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { accessLog } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';

describeEachDatabase('who read a person (GET /api/v1/people/:id/accesses)', (env) => {
  let w: CrmWorkspace;
  let elsewhere: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Reads');
    elsewhere = await crmWorkspace(env(), 'Elsewhere');
  });

  it('lists every read of the record, by whom, newest first', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Read', lastName: 'Often' });
    expect((await w.member.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    env().clock.advance(1000);
    expect((await w.viewer.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    const res = await w.admin.client.get<TAccessList>(`/api/v1/people/${person.id}/accesses`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => [i.actor.id, i.action, i.via])).toEqual([
      [w.viewer.userId, 'read', 'people.get'],
      [w.member.userId, 'read', 'people.get'],
    ]);
    expect(res.body.items[0]?.actor.name).toBe(w.viewer.name);
  });

  it('does not record a read that was refused', async () => {
    const secret = await makePerson(w.member.client, { firstName: 'Private', visibility: 'private' });
    expect((await w.other.client.get(`/api/v1/people/${secret.id}`)).status).toBe(404);
    const res = await w.admin.client.get<TAccessList>(`/api/v1/people/${secret.id}/accesses`);
    expect(res.body.items).toEqual([]);
  });

  it('records a list page as one row with its filter and count, never the search text', async () => {
    await makePerson(w.owner.client, { firstName: 'Listed', lastName: 'Person' });
    const list = await w.member.client.get('/api/v1/people?q=Listed&limit=5');
    expect(list.status).toBe(200);
    const rows = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(accessLog)
        .where(and(eq(accessLog.workspaceId, w.workspaceId), eq(accessLog.via, 'people.list')))
        .orderBy(desc(accessLog.entryId))
        .limit(1),
    );
    const details = rows[0]?.details as { count: number; filter: Record<string, unknown> } | undefined;
    expect(rows[0]).toMatchObject({ actorId: w.member.userId, action: 'list', subjectId: null });
    expect(details?.count).toBeGreaterThanOrEqual(1);
    expect(details?.filter.q).toBe('search');
    expect(JSON.stringify(details)).not.toContain('Listed');
  });

  it('is for admins: a member or viewer is refused', async () => {
    const person = await makePerson(w.owner.client);
    expect((await w.member.client.get(`/api/v1/people/${person.id}/accesses`)).status).toBe(403);
    expect((await w.viewer.client.get(`/api/v1/people/${person.id}/accesses`)).status).toBe(403);
  });

  it("shows nothing of another workspace's reads", async () => {
    const person = await makePerson(w.owner.client);
    expect((await w.member.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    const res = await elsewhere.owner.client.get<TAccessList>(`/api/v1/people/${person.id}/accesses`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it('pages with a cursor and refuses a forged one', async () => {
    const person = await makePerson(w.owner.client);
    for (let i = 0; i < 3; i++) {
      await w.member.client.get(`/api/v1/people/${person.id}`);
      env().clock.advance(1000);
    }
    const first = await w.admin.client.get<TAccessList>(`/api/v1/people/${person.id}/accesses?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const next = first.body.nextCursor;
    expect(next).not.toBeNull();
    const second = await w.admin.client.get<TAccessList>(`/api/v1/people/${person.id}/accesses?limit=2&after=${next}`);
    expect(second.body.items).toHaveLength(1);
    const bad = await w.admin.client.get(`/api/v1/people/${person.id}/accesses?after=nonsense`);
    expect(bad.status).toBe(422);
  });
});

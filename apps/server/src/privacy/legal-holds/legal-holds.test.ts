import type { TLegalHold, TLegalHoldList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { activeHolds } from './legal-holds.service.ts';

describeEachDatabase('legal holds (/api/v1/legal-holds)', (env) => {
  let w: CrmWorkspace;
  let elsewhere: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Holds');
    elsewhere = await crmWorkspace(env(), 'Elsewhere');
  });

  const holdsOf = (workspaceId: string, personId: string) =>
    withTenant(env().services.database.db, { workspaceId }, (tx) =>
      activeHolds(tx, workspaceId, personId, env().clock.now()),
    );

  it('[P-RET-2] an admin places a 7-year invoice hold on a person; activeHolds sees it until its date', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Billed' });
    const until = new Date(env().clock.now().getTime() + 7 * 365 * 86_400_000).toISOString();
    const res = await w.admin.client.post<TLegalHold>('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'invoice_7y',
      note: 'invoice 2026-0042',
      until,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ personId: person.id, table: 'people', recordId: person.id, active: true });
    expect((await holdsOf(w.workspaceId, person.id)).map((h) => h.holdId)).toEqual([res.body.id]);
    // After its date the hold no longer counts.
    const later = new Date(Date.parse(until) + 1000);
    const after = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      activeHolds(tx, w.workspaceId, person.id, later),
    );
    expect(after).toEqual([]);
    // The placement is audited.
    const audited = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, res.body.id))),
    );
    expect(audited.map((a) => a.action)).toEqual(['legal_hold.placed']);
  });

  it('[P-DSR-3] an open-ended litigation hold lasts until released, and the release is audited', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Litigant' });
    const res = await w.owner.client.post<TLegalHold>('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'litigation',
    });
    expect(res.status).toBe(201);
    expect(res.body.until).toBeNull();
    expect(await holdsOf(w.workspaceId, person.id)).toHaveLength(1);
    const released = await w.admin.client.post<TLegalHold>(`/api/v1/legal-holds/${res.body.id}/release`);
    expect(released.status).toBe(200);
    expect(released.body.active).toBe(false);
    expect(await holdsOf(w.workspaceId, person.id)).toEqual([]);
    expect((await w.admin.client.post(`/api/v1/legal-holds/${res.body.id}/release`)).status).toBe(404);
    const list = await w.admin.client.get<TLegalHoldList>(`/api/v1/legal-holds?personId=${person.id}`);
    expect(list.body.items.map((h) => [h.id, h.active])).toEqual([[res.body.id, false]]);
  });

  it('refuses a record that is not linked to the person, naming the field', async () => {
    const person = await makePerson(w.owner.client);
    const stranger = await makePerson(w.owner.client);
    const res = await w.admin.client.post<{ error: { code: string; fields: Record<string, string> } }>(
      '/api/v1/legal-holds',
      { personId: person.id, table: 'people', recordId: stranger.id, reason: 'open_contract' },
    );
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.fields)).toEqual(['recordId']);
    const bad = await w.admin.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/legal-holds', {
      personId: person.id,
      table: 'invoices',
      reason: 'invoice_7y',
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields)).toContain('table');
  });

  it('is for admins: a member and a viewer are refused, even on a private person they own', async () => {
    const mine = await makePerson(w.member.client, { visibility: 'private' });
    for (const c of [w.member.client, w.viewer.client]) {
      expect(
        (await c.post('/api/v1/legal-holds', { personId: mine.id, table: 'people', reason: 'litigation' })).status,
      ).toBe(403);
      expect((await c.get('/api/v1/legal-holds')).status).toBe(403);
    }
  });

  it('another workspace neither sees nor places nor releases holds here', async () => {
    const person = await makePerson(w.owner.client);
    const hold = await w.admin.client.post<TLegalHold>('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'litigation',
    });
    expect(hold.status).toBe(201);
    const list = await elsewhere.owner.client.get<TLegalHoldList>('/api/v1/legal-holds');
    expect(list.status).toBe(200);
    expect(list.body.items.map((h) => h.id)).not.toContain(hold.body.id);
    const place = await elsewhere.owner.client.post('/api/v1/legal-holds', {
      personId: person.id,
      table: 'people',
      reason: 'litigation',
    });
    expect(place.status).toBe(422);
    expect((await elsewhere.owner.client.post(`/api/v1/legal-holds/${hold.body.id}/release`)).status).toBe(404);
    expect(await holdsOf(w.workspaceId, person.id)).toHaveLength(1);
  });
});

import type { TFulfilPrivacyRequestResult, TPerson, TPersonPrivacy, TPrivacyRequestDetail } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, webhookEvents } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';

const BASE = '/api/v1/privacy/requests';

describeEachDatabase('fulfilling requests through the privacy engine', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Rights');
  });

  const create = async (personId: string, kind: string, extra: Record<string, unknown> = {}) => {
    const res = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId, kind, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  it('[P-DSR-3] an erasure request erases the person (confirmed by typing ERASE) and keeps the certificate', async () => {
    const person = await makePerson(w.owner.client, {
      firstName: 'Erase',
      lastName: 'Me',
      emails: [{ value: 'erase.me@example.org', type: 'home' }],
    });
    const note = await w.owner.client.post('/api/v1/notes', { bodyHtml: '<p>About Erase</p>', personIds: [person.id] });
    expect(note.status).toBe(201);
    const req = await create(person.id, 'erasure', { requesterEmail: 'erase.me@example.org' });
    const unconfirmed = await w.admin.client.post(`${BASE}/${req.id}/fulfil`, {});
    expect(unconfirmed.status).toBe(422);
    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${req.id}/fulfil`, {
      confirm: 'ERASE',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.downloadUrl).toBeNull();
    const r = done.body.request;
    expect(r.status).toBe('fulfilled');
    const certificates = (r.outcome?.certificates ?? []) as { personId: string; requestId: string | null }[];
    expect(certificates.map((c) => [c.personId, c.requestId])).toEqual([[person.id, req.id]]);
    expect(r.steps.map((s) => s.action)).toEqual(['received', 'fulfilled']);
    // The person and their note are gone; the request stays as the record of the answer.
    expect((await w.admin.client.get(`/api/v1/people/${person.id}`)).status).toBe(404);
    expect((await w.admin.client.get(`${BASE}/${req.id}`)).status).toBe(200);
    expect(env().mail.sent.some((m) => m.kind === 'privacy_request_erased' && m.to === 'erase.me@example.org')).toBe(
      true,
    );
    // A closed request does not change any more.
    expect((await w.admin.client.post(`${BASE}/${req.id}/fulfil`, { confirm: 'ERASE' })).status).toBe(409);
    // The same address cannot come back in (a tombstone).
    const again = await w.owner.client.post('/api/v1/people', {
      firstName: 'Erase',
      emails: [{ value: 'erase.me@example.org', type: 'home' }],
    });
    expect(again.status).toBe(422);
  });

  it('[P-DSR-3] erasure blanks what the person wrote in their requests and a pending correction; the requests stay', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Wrote', lastName: 'Things' });
    const rect = await create(person.id, 'rectification', {
      details: 'My new address is Storgata 1, Oslo',
      correction: { lastName: 'Thingsby' },
    });
    expect(rect.correction).toEqual({ lastName: 'Thingsby' });
    const erasure = await create(person.id, 'erasure', { details: 'Please delete me, Wrote Things' });
    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${erasure.id}/fulfil`, {
      confirm: 'ERASE',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    for (const id of [rect.id, erasure.id]) {
      const after = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${id}`);
      expect(after.status).toBe(200);
      expect(after.body.details).toBe('');
      expect(after.body.correction ?? null).toBeNull();
    }
    const list = await w.admin.client.get<{ items: { entries: { table: string; action: string; rows: number }[] }[] }>(
      `/api/v1/people/${person.id}/erasures`,
    );
    expect(list.status).toBe(200);
    expect(list.body.items[0]?.entries).toContainEqual(
      expect.objectContaining({ table: 'privacy_requests', action: 'anonymised', rows: 2 }),
    );
  });

  it('[P-DSR-3] erasure also deletes the copies of the data made for earlier access requests', async () => {
    const person = await makePerson(w.owner.client);
    const access = await create(person.id, 'access');
    const fulfilled = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${access.id}/fulfil`, {});
    expect(fulfilled.status).toBe(200);
    const erasure = await create(person.id, 'erasure');
    const done = await w.admin.client.post(`${BASE}/${erasure.id}/fulfil`, { confirm: 'ERASE' });
    expect(done.status).toBe(200);
    const after = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${access.id}`);
    expect(after.body.packages[0]).toMatchObject({ expired: true, parts: [] });
    const path = new URL(fulfilled.body.downloadUrl ?? '').pathname;
    expect((await env().app.inject({ method: 'GET', url: path })).statusCode).toBe(410);
  });

  const privacyOf = async (personId: string) =>
    (await w.admin.client.get<TPersonPrivacy>(`/api/v1/people/${personId}/privacy`)).body;

  it('[P-DSR-2] a rectification carries the correction: restricted while pending, applied as an update on fulfilment, then lifted', async () => {
    const person = await makePerson(w.owner.client, {
      firstName: 'Rect',
      lastName: 'Fy',
      title: 'Clerk',
      emails: [{ value: 'rect.old@example.org', type: 'home' }],
    });
    const hook = await w.admin.client.post('/api/v1/webhooks', {
      url: 'https://203.0.113.10/hook',
      events: ['person.updated'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const req = await create(person.id, 'rectification', {
      details: 'My surname is Fyfe and my address changed',
      correction: { lastName: 'Fyfe', phones: [{ value: '22 33 44 55' }] },
    });
    // Phones are kept as they will be applied (E.164 by the workspace's country).
    expect(req.correction).toEqual({
      lastName: 'Fyfe',
      phones: [{ value: '+4722334455', type: 'mobile', primary: false }],
    });
    expect(req.steps.map((s) => s.action)).toEqual(['received', 'restricted']);
    const during = await privacyOf(person.id);
    expect(during.restricted).toBe(true);
    expect(during.restriction?.requestId).toBe(req.id);
    // While restricted the person exists and the record is read-only.
    expect((await w.owner.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    expect((await w.owner.client.patch(`/api/v1/people/${person.id}`, { title: 'Engineer' })).status).toBe(409);
    // Staff edit the proposed correction before fulfilling it.
    const edited = await w.admin.client.patch<TPrivacyRequestDetail>(`${BASE}/${req.id}`, {
      correction: {
        lastName: 'Fyfe',
        title: 'Engineer',
        emails: [{ value: 'Rect.New@Example.org', type: 'home' }],
        address: { city: 'Bergen', country: 'no' },
      },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.correction).toMatchObject({
      title: 'Engineer',
      emails: [{ value: 'rect.new@example.org' }],
      address: { city: 'Bergen', country: 'NO' },
    });
    expect(edited.body.steps.at(-1)?.action).toBe('correction_edited');

    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${req.id}/fulfil`, {});
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.request.status).toBe('fulfilled');
    expect(done.body.request.outcome).toMatchObject({
      corrected: [person.id],
      fields: ['address', 'emails', 'lastName', 'title'],
    });
    const after = await w.admin.client.get<TPerson>(`/api/v1/people/${person.id}`);
    expect(after.body).toMatchObject({ firstName: 'Rect', lastName: 'Fyfe', title: 'Engineer' });
    expect(after.body.emails.map((e) => e.value)).toEqual(['rect.new@example.org']);
    expect(after.body.address).toMatchObject({ city: 'Bergen', country: 'NO' });
    expect((await privacyOf(person.id)).restricted).toBe(false);
    // As a normal update: audited as person.updated by the admin, in the search index, in the outbox.
    const db = env().services.database.db;
    const audit = await withTenant(db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ action: auditEntries.action, actorId: auditEntries.actorId })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, person.id)))
        .orderBy(auditEntries.seq),
    );
    expect(audit.map((a) => a.action)).toEqual([
      'person.created',
      'privacy.person_restricted',
      'person.updated',
      'privacy.restriction_lifted',
    ]);
    expect(audit[2]?.actorId).toBe(w.admin.userId);
    const found = await w.admin.client.get<{ items: { id: string }[] }>('/api/v1/search?q=Fyfe');
    expect(found.body.items.map((i) => i.id)).toContain(person.id);
    const events = await withTenant(db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ type: webhookEvents.type, data: webhookEvents.data })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.workspaceId, w.workspaceId), eq(webhookEvents.recordId, person.id))),
    );
    expect(events.map((e) => e.type)).toEqual(['person.updated']);
    expect(events[0]?.data).toMatchObject({ lastName: 'Fyfe' });
    expect((await w.owner.client.patch(`/api/v1/people/${person.id}`, { title: 'Lead' })).status).toBe(200);
  });

  it('[P-DSR-2] the correction is checked at intake, errors naming the field; fulfilling needs one', async () => {
    const person = await makePerson(w.owner.client);
    const fields = async (body: Record<string, unknown>, url = BASE, method: 'post' | 'patch' = 'post') => {
      const res = await w.admin.client[method]<{ error: { fields: Record<string, string> } }>(url, body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      return Object.keys(res.body.error.fields);
    };
    const base = { personId: person.id, kind: 'rectification' };
    expect(await fields({ ...base, correction: { emails: [{ value: 'not-an-email' }] } })).toEqual([
      'correction.emails.0.value',
    ]);
    expect(await fields({ ...base, correction: { firstName: '' } })).toEqual(['correction.firstName']);
    expect(await fields({ ...base, correction: { phones: [{ value: '12' }] } })).toEqual(['correction.phones.0.value']);
    expect(await fields({ ...base, correction: { nickname: 'Bob' } })).toContain('correction');
    expect(await fields({ ...base, correction: {} })).toEqual(['correction']);
    expect(await fields({ ...base, kind: 'access', correction: { lastName: 'X' } })).toEqual(['correction']);
    // Nothing was recorded, so nothing was restricted.
    expect((await privacyOf(person.id)).restricted).toBe(false);

    // Free text only: staff must state the correction before fulfilling (or refuse).
    const req = await create(person.id, 'rectification', { details: 'My name is spelt wrong' });
    expect(req.correction).toBeNull();
    expect(await fields({}, `${BASE}/${req.id}/fulfil`)).toEqual(['correction']);
    expect(await fields({ correction: { firstName: '' } }, `${BASE}/${req.id}`, 'patch')).toEqual([
      'correction.firstName',
    ]);
    expect((await privacyOf(person.id)).restricted).toBe(true);
    const access = await create(person.id, 'access');
    expect(await fields({ correction: { lastName: 'X' } }, `${BASE}/${access.id}`, 'patch')).toEqual(['correction']);
  });

  it('[P-DSR-2] a refused rectification lifts its restriction and records the reason; one placed for another reason stays', async () => {
    const person = await makePerson(w.owner.client, { lastName: 'Kept' });
    const req = await create(person.id, 'rectification', { correction: { lastName: 'Changed' } });
    expect((await privacyOf(person.id)).restricted).toBe(true);
    const refused = await w.admin.client.post<TPrivacyRequestDetail>(`${BASE}/${req.id}/refuse`, {
      reason: 'The data is correct.',
    });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'refused', refusalReason: 'The data is correct.' });
    expect((await privacyOf(person.id)).restricted).toBe(false);
    expect((await w.admin.client.get<TPerson>(`/api/v1/people/${person.id}`)).body.lastName).toBe('Kept');

    // Restricted for another reason: the correction is not applied (409), nothing changes,
    // the request stays open and the other restriction stays.
    const other = await makePerson(w.owner.client, { lastName: 'Disputed' });
    const manual = await w.admin.client.post(`/api/v1/people/${other.id}/restriction`, { reason: 'Legal dispute' });
    expect(manual.status, JSON.stringify(manual.body)).toBeLessThan(300);
    const second = await create(other.id, 'rectification', { correction: { lastName: 'Agreed' } });
    const blocked = await w.admin.client.post<{ error: { code: string } }>(`${BASE}/${second.id}/fulfil`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('person_restricted');
    expect((await w.admin.client.get<TPerson>(`/api/v1/people/${other.id}`)).body.lastName).toBe('Disputed');
    expect((await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${second.id}`)).body.status).toBe('received');
    expect((await privacyOf(other.id)).restriction?.reason).toBe('Legal dispute');
  });

  it('[P-DSR-2] a restriction request restricts processing of the person', async () => {
    const person = await makePerson(w.owner.client);
    const req = await create(person.id, 'restriction');
    expect((await privacyOf(person.id)).restricted).toBe(false);
    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${req.id}/fulfil`, {});
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await privacyOf(person.id)).restriction?.requestId).toBe(req.id);
  });

  it('[P-DSR-5] [P-DSR-7] objection requests record an objection (legitimate interest; automated decisions)', async () => {
    const person = await makePerson(w.owner.client);
    const li = await create(person.id, 'objection');
    expect((await w.admin.client.post(`${BASE}/${li.id}/fulfil`, {})).status).toBe(200);
    const auto = await create(person.id, 'objection_automated');
    expect((await w.admin.client.post(`${BASE}/${auto.id}/fulfil`, {})).status).toBe(200);
    const objections = (await privacyOf(person.id)).objections;
    expect(objections.map((o) => o.scope).sort()).toEqual(['legitimate_interest', 'profiling']);
  });

  it('[P-DSR-6] a withdrawal request withdraws every consent the person had given', async () => {
    const person = await makePerson(w.owner.client);
    const given = await w.admin.client.post(`/api/v1/people/${person.id}/consents`, {
      purposeKey: 'marketing.email',
      state: 'given',
      method: 'web_form',
    });
    expect(given.status, JSON.stringify(given.body)).toBe(201);
    // The ledger orders records by their time: the withdrawal comes a second later.
    env().clock.advance(1000);
    const req = await create(person.id, 'withdrawal');
    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${req.id}/fulfil`, {});
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.request.outcome?.purposes).toEqual(['marketing.email']);
    const consents = (await privacyOf(person.id)).consents;
    expect(consents.find((c) => c.purposeKey === 'marketing.email')?.state).toBe('withdrawn');
  });
});

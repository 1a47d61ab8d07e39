import type { TFulfilPrivacyRequestResult, TPersonPrivacy, TPrivacyRequestDetail } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
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

  it('[P-DSR-2] a rectification request restricts processing while pending; fulfilling it lifts the restriction', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Rect', lastName: 'Fy' });
    const req = await create(person.id, 'rectification', { details: 'My job title is wrong' });
    expect(req.steps.map((s) => s.action)).toEqual(['received', 'restricted']);
    const during = await privacyOf(person.id);
    expect(during.restricted).toBe(true);
    expect(during.restriction?.requestId).toBe(req.id);
    // While restricted the record is read-only.
    expect((await w.owner.client.patch(`/api/v1/people/${person.id}`, { title: 'Engineer' })).status).toBe(409);
    const done = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${req.id}/fulfil`, {
      note: 'Checked against the contract; the title will be corrected.',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.request.status).toBe('fulfilled');
    expect((await privacyOf(person.id)).restricted).toBe(false);
    expect((await w.owner.client.patch(`/api/v1/people/${person.id}`, { title: 'Engineer' })).status).toBe(200);
  });

  it('[P-DSR-2] a refused rectification lifts its restriction too; one placed for another reason stays', async () => {
    const person = await makePerson(w.owner.client);
    const req = await create(person.id, 'rectification');
    expect((await privacyOf(person.id)).restricted).toBe(true);
    const refused = await w.admin.client.post(`${BASE}/${req.id}/refuse`, { reason: 'The data is correct.' });
    expect(refused.status).toBe(200);
    expect((await privacyOf(person.id)).restricted).toBe(false);

    const other = await makePerson(w.owner.client);
    const manual = await w.admin.client.post(`/api/v1/people/${other.id}/restriction`, { reason: 'Legal dispute' });
    expect(manual.status, JSON.stringify(manual.body)).toBeLessThan(300);
    const second = await create(other.id, 'rectification');
    await w.admin.client.post(`${BASE}/${second.id}/fulfil`, {});
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

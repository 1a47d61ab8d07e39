import type { TFulfilPrivacyRequestResult, TPrivacyRequestDetail } from '@tillit/contracts';
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
});

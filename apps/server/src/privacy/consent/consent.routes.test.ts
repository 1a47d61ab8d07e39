import type {
  TConsentHistory,
  TConsentStateAt,
  TNotice,
  TPersonPrivacy,
  TPurposeList,
  TRegister,
} from '@tillit/contracts';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';

function linkIn(env: TestEnv, to: string, path: 'confirm' | 'withdraw'): string {
  const mail = [...env.mail.sent].reverse().find((m) => m.to === to && m.kind === 'consent_confirmation');
  if (!mail) throw new Error(`no consent mail to ${to}`);
  const m = mail.text.match(new RegExp(`/consent/${path}\\?token=(\\S+)`));
  if (!m?.[1]) throw new Error(`no ${path} link in the mail`);
  return decodeURIComponent(m[1]);
}

describeEachDatabase('privacy API: consents, restriction, objections, purposes, register', (env) => {
  it('[P-CK-2] staff record a consent and its withdrawal; the ledger and the state at a past date are served', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'ConsentApi');
    const person = await makePerson(owner.client);
    const t0 = env().clock.now();
    const given = await owner.client.post(`/api/v1/people/${person.id}/consents`, {
      purposeKey: 'marketing.email',
      state: 'given',
      method: 'verbal',
      evidence: { call: 'phone call with the person' },
    });
    expect(given.status, JSON.stringify(given.body)).toBe(201);
    expect(given.body).toMatchObject({ state: 'given', noticeVersion: 1, actor: { kind: 'staff' } });
    env().clock.advance(3 * DAY_MS);
    const withdrawn = await owner.client.post(`/api/v1/people/${person.id}/consents`, {
      purposeKey: 'marketing.email',
      state: 'withdrawn',
      method: 'api',
    });
    expect(withdrawn.status).toBe(201);

    const history = await owner.client.get<TConsentHistory>(`/api/v1/people/${person.id}/consents?limit=1`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((i) => i.state)).toEqual(['withdrawn']);
    const next = await owner.client.get<TConsentHistory>(
      `/api/v1/people/${person.id}/consents?limit=1&after=${encodeURIComponent(history.body.nextCursor ?? '')}`,
    );
    expect(next.body.items.map((i) => i.state)).toEqual(['given']);

    const at = (d: Date) =>
      owner.client.get<TConsentStateAt>(
        `/api/v1/people/${person.id}/consents/state?at=${encodeURIComponent(d.toISOString())}`,
      );
    const then = await at(new Date(t0.getTime() + DAY_MS));
    expect(then.body.items.find((i) => i.purposeKey === 'marketing.email')?.state).toBe('given');
    const now = await at(env().clock.now());
    expect(now.body.items.find((i) => i.purposeKey === 'marketing.email')?.state).toBe('withdrawn');
    const before = await at(new Date(t0.getTime() - 1));
    expect(before.body.items.find((i) => i.purposeKey === 'marketing.email')?.state).toBeNull();
  });

  it('[P-DSR-6] double opt-in: the emailed link confirms once (idempotent), expires, and every consent email carries a withdrawal link that works without login', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'OptIn');
    const person = await makePerson(owner.client, { emails: [{ value: 'optin@example.com', type: 'home' }] });
    const sent = await owner.client.post(`/api/v1/people/${person.id}/consents/double-opt-in`, {
      purposeKey: 'marketing.email',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body).toMatchObject({ sentTo: 'optin@example.com' });
    const privacy = () => owner.client.get<TPersonPrivacy>(`/api/v1/people/${person.id}/privacy`);
    const marketing = async () => (await privacy()).body.purposes.find((p) => p.purposeKey === 'marketing.email');
    expect((await marketing())?.allowed).toBe(false);

    const anonymous = env().client();
    const confirmToken = linkIn(env(), 'optin@example.com', 'confirm');
    const first = await anonymous.post('/api/public/consent/confirm', { token: confirmToken });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ ok: true, state: 'given', already: false });
    const second = await anonymous.post('/api/public/consent/confirm', { token: confirmToken });
    expect(second.body).toMatchObject({ already: true });
    expect((await marketing())?.allowed).toBe(true);
    const ledger = await owner.client.get<TConsentHistory>(`/api/v1/people/${person.id}/consents`);
    expect(ledger.body.items).toHaveLength(1);
    expect(ledger.body.items[0]).toMatchObject({ method: 'double_opt_in_email', actor: { kind: 'person' } });

    const tampered = await anonymous.post('/api/public/consent/confirm', { token: `${confirmToken.slice(0, -2)}xx` });
    expect(tampered.status).toBe(400);
    // A confirm token is not a withdraw token.
    const crossed = await anonymous.post('/api/public/consent/withdraw', { token: confirmToken });
    expect(crossed.status).toBe(400);
    expect(crossed.body).toMatchObject({ error: { code: 'invalid_link' } });

    // A second confirmation mail, left until it expires.
    await owner.client.post(`/api/v1/people/${person.id}/consents/double-opt-in`, { purposeKey: 'marketing.email' });
    const late = linkIn(env(), 'optin@example.com', 'confirm');
    env().clock.advance(8 * DAY_MS);
    const expired = await anonymous.post('/api/public/consent/confirm', { token: late });
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 'link_expired' } });

    const withdrawToken = linkIn(env(), 'optin@example.com', 'withdraw');
    const out = await anonymous.post('/api/public/consent/withdraw', { token: withdrawToken });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ state: 'withdrawn', already: false });
    expect((await anonymous.post('/api/public/consent/withdraw', { token: withdrawToken })).body).toMatchObject({
      already: true,
    });
    expect((await marketing())?.allowed).toBe(false);
  });

  it('[P-DSR-2] restriction through the API: banner data, read-only record, lift; audited', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'RestrictApi');
    const person = await makePerson(owner.client);
    const set = await owner.client.post(`/api/v1/people/${person.id}/restriction`, { reason: 'correction pending' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const panel = await owner.client.get<TPersonPrivacy>(`/api/v1/people/${person.id}/privacy`);
    expect(panel.body).toMatchObject({ restricted: true, restriction: { reason: 'correction pending' } });
    expect(panel.body.purposes.find((p) => p.purposeKey === 'crm.relationship')).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('restricted'),
    });
    expect(panel.body.purposes.find((p) => p.purposeKey === 'billing')?.allowed).toBe(true);
    expect((await owner.client.patch(`/api/v1/people/${person.id}`, { title: 'x' })).status).toBe(409);
    const lift = await owner.client.post(`/api/v1/people/${person.id}/restriction/lift`, { reason: 'corrected' });
    expect(lift.status).toBe(200);
    expect((await owner.client.patch(`/api/v1/people/${person.id}`, { title: 'x' })).status).toBe(200);
    const audit = await owner.client.get<{ entries: { action: string }[] }>('/api/audit?limit=50');
    expect(audit.status).toBe(200);
    const actions = audit.body.entries.map((i) => i.action);
    expect(actions).toContain('privacy.person_restricted');
    expect(actions).toContain('privacy.restriction_lifted');
  });

  it('[P-DSR-5] [P-DSR-7] objections through the API show in the panel and stop the purposes they cover', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'ObjectApi');
    const person = await makePerson(owner.client);
    const li = await owner.client.post<{ id: string }>(`/api/v1/people/${person.id}/objections`, {
      scope: 'legitimate_interest',
      purposeKey: 'enrichment',
      reason: 'does not want to be looked up',
    });
    expect(li.status, JSON.stringify(li.body)).toBe(200);
    await owner.client.post(`/api/v1/people/${person.id}/objections`, { scope: 'profiling' });
    const panel = await owner.client.get<TPersonPrivacy>(`/api/v1/people/${person.id}/privacy`);
    expect(panel.body.objections.map((o) => o.scope).sort()).toEqual(['legitimate_interest', 'profiling']);
    expect(panel.body.purposes.find((p) => p.purposeKey === 'enrichment')?.allowed).toBe(false);
    expect(panel.body.purposes.find((p) => p.purposeKey === 'crm.relationship')?.allowed).toBe(true);
    const w = await owner.client.post(`/api/v1/people/${person.id}/objections/${li.body.id}/withdraw`);
    expect(w.status).toBe(200);
    const after = await owner.client.get<TPersonPrivacy>(`/api/v1/people/${person.id}/privacy`);
    expect(after.body.purposes.find((p) => p.purposeKey === 'enrichment')?.allowed).toBe(true);
  });

  it('isolation: another workspace, a lower role and a private person of another member are refused', async () => {
    const w = await crmWorkspace(env(), 'PrivacyIso');
    const stranger = await ownerWithWorkspace(env(), 'Stranger');
    const person = await makePerson(w.owner.client);
    const priv = await makePerson(w.member.client, { visibility: 'private' });
    const paths = (id: string) => ({
      reads: [`/api/v1/people/${id}/privacy`, `/api/v1/people/${id}/consents`, `/api/v1/people/${id}/consents/state`],
      writes: [
        [`/api/v1/people/${id}/consents`, { purposeKey: 'marketing.email', state: 'given', method: 'verbal' }],
        [`/api/v1/people/${id}/restriction`, { reason: 'r' }],
        [`/api/v1/people/${id}/objections`, { scope: 'direct_marketing' }],
        [`/api/v1/people/${id}/consents/double-opt-in`, { purposeKey: 'marketing.email', email: 'x@example.com' }],
      ] as const,
    });
    // Another workspace: the person is not found there.
    for (const url of paths(person.id).reads) {
      const res = await stranger.owner.client.get(url);
      expect(res.status, url).toBe(404);
    }
    for (const [url, body] of paths(person.id).writes) {
      const res = await stranger.owner.client.post(url, body);
      expect(res.status, url).toBe(404);
    }
    // A viewer reads but may not change.
    for (const url of paths(person.id).reads) expect((await w.viewer.client.get(url)).status, url).toBe(200);
    for (const [url, body] of paths(person.id).writes) {
      expect((await w.viewer.client.post(url, body)).status, url).toBe(403);
    }
    // A private person of another member: not found for `other`, visible to its owner.
    for (const url of paths(priv.id).reads) expect((await w.other.client.get(url)).status, url).toBe(404);
    for (const [url, body] of paths(priv.id).writes)
      expect((await w.other.client.post(url, body)).status, url).toBe(404);
    expect((await w.member.client.get(`/api/v1/people/${priv.id}/privacy`)).status).toBe(200);
    // Nothing was written by the refused calls.
    const ledger = await w.owner.client.get<TConsentHistory>(`/api/v1/people/${person.id}/consents`);
    expect(ledger.body.items).toEqual([]);
    // Purposes, notice and register: admins change, members read purposes and the notice only.
    const purpose = {
      key: 'custom.events',
      name: 'Events and courses',
      legalBasis: 'contract',
      kind: 'relationship',
      categories: ['user.name', 'user.contact.email'],
      retention: 'Two years after the event',
      retentionDays: 730,
      objectable: false,
    };
    expect((await w.member.client.post('/api/privacy/purposes', purpose)).status).toBe(403);
    expect((await w.admin.client.post('/api/privacy/purposes', purpose)).status).toBe(201);
    const listed = await stranger.owner.client.get<TPurposeList>('/api/privacy/purposes');
    expect(listed.body.items.map((p) => p.key)).not.toContain('custom.events');
    expect((await w.viewer.client.get<TPurposeList>('/api/privacy/purposes')).body.items.map((p) => p.key)).toContain(
      'custom.events',
    );
    expect((await w.member.client.patch('/api/privacy/purposes/custom.events', { name: 'x' })).status).toBe(403);
    expect((await stranger.owner.client.patch('/api/privacy/purposes/custom.events', { name: 'x' })).status).toBe(404);
    expect((await w.member.client.get('/api/privacy/register')).status).toBe(403);
    expect((await w.member.client.post('/api/privacy/notice', { body: 'x'.repeat(40) })).status).toBe(403);
    expect((await w.viewer.client.get('/api/privacy/notice')).status).toBe(200);
    expect((await env().client().get('/api/privacy/register')).status).toBe(401);
  });

  it('[P-LB-3] [P-LB-1] the register and the notice appendix list each purpose with its legal basis, categories, occasions and retention', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Register');
    const reg = await owner.client.get<TRegister>('/api/privacy/register');
    expect(reg.status).toBe(200);
    const marketing = reg.body.entries.find((e) => e.purpose.key === 'marketing.email');
    expect(marketing?.purpose).toMatchObject({
      legalBasis: 'consent',
      retention: 'Until consent is withdrawn or lapses (24 months after it was given).',
    });
    expect(marketing?.categories.map((c) => c.key)).toEqual(marketing?.purpose.categories);
    expect(marketing?.occasions.map((o) => o.table)).toEqual(expect.arrayContaining(['people', 'person_emails']));
    // Only the tables holding the purpose's categories: no phones, no notes for marketing (P-LB-4).
    expect(marketing?.occasions.map((o) => o.table)).not.toContain('person_phones');
    expect(marketing?.occasions.map((o) => o.table)).not.toContain('notes');
    for (const e of reg.body.entries) {
      expect(['consent', 'contract', 'legitimate_interest', 'legal_obligation']).toContain(e.purpose.legalBasis);
      expect(e.purpose.retention.length).toBeGreaterThan(0);
    }
    expect(reg.body.tables.find((t) => t.name === 'people')?.categories).toContain('user.name');
    expect(reg.body.subProcessors.length).toBeGreaterThan(0);

    const notice = await owner.client.get<TNotice>('/api/privacy/notice');
    expect(notice.body.version).toBe(1);
    expect(notice.body.appendix.map((a) => a.purposeKey)).toEqual(reg.body.entries.map((e) => e.purpose.key));
    const published = await owner.client.post<TNotice>('/api/privacy/notice', {
      body: 'Our new notice: we keep contacts for our relationship with them.',
    });
    expect(published.status).toBe(201);
    expect(published.body.version).toBe(2);
    const again = await owner.client.post('/api/privacy/notice', {
      body: 'Our new notice: we keep contacts for our relationship with them.',
    });
    expect(again.status).toBe(422);
    const person = await makePerson(owner.client);
    const c = await owner.client.post(`/api/v1/people/${person.id}/consents`, {
      purposeKey: 'analytics.product',
      state: 'given',
      method: 'web_form',
    });
    expect(c.body).toMatchObject({ noticeVersion: 2, noticeTextHash: published.body.textHash });
  });
  it('[P-LB-1] the notice and its appendix are public (no sign-in), and reading it writes nothing', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'PublicNotice');
    const anonymous = env().client();
    const res = await anonymous.get<TNotice & { workspace: string }>(`/api/public/privacy/${workspaceId}/notice`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workspace: 'PublicNotice', version: 1 });
    const marketing = res.body.appendix.find((a) => a.purposeKey === 'marketing.email');
    expect(marketing).toMatchObject({
      legalBasis: expect.stringContaining('Consent'),
      retention: 'Until consent is withdrawn or lapses (24 months after it was given).',
    });
    const versions = await owner.client.get<{ items: unknown[] }>('/api/privacy/notice/versions');
    expect(versions.body.items).toEqual([]);
    expect((await anonymous.get('/api/public/privacy/00000000-0000-4000-8000-000000000000/notice')).status).toBe(404);
    expect((await anonymous.get('/api/public/privacy/not-a-workspace/notice')).status).toBe(422);
  });
});

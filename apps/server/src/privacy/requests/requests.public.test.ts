import type {
  TPrivacyRequestDetail,
  TPrivacyRequestList,
  TPrivacyRequestSettings,
  TPublicPrivacyInfo,
  TPublicStartResult,
  TPublicVerifyResult,
} from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';

const PUBLIC = (ws: string) => `/api/public/privacy/${ws}`;
const MINUTE = 60_000;

/** The code in the last mail sent to `to`. */
function codeFor(env: TestEnv, to: string): string {
  const mail = [...env.mail.sent].reverse().find((m) => m.to === to && m.kind === 'privacy_request_code');
  const code = mail?.text.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

describeEachDatabase(
  'the public request page (/api/public/privacy/:workspace)',
  (env) => {
    let w: CrmWorkspace;
    let ip = 0;
    // Each test its own client address, so the per-IP throttle of one test does not spill over.
    const nextIp = () => ({ 'x-forwarded-for': `203.0.113.${++ip}` });
    beforeAll(async () => {
      w = await crmWorkspace(env(), 'Public page');
    });

    const start = (email: string, kind = 'access', headers: Record<string, string> = nextIp()) =>
      env()
        .client()
        .post<TPublicStartResult>(`${PUBLIC(w.workspaceId)}/start`, { email, kind }, headers);

    it('[P-DSR-1] a person verifies their address with the emailed code and the request is matched to them', async () => {
      const person = await makePerson(w.owner.client, {
        firstName: 'Ada',
        emails: [{ value: 'ada@example.org', type: 'work' }],
      });
      const started = await start('  Ada@Example.org ', 'access');
      expect(started.status).toBe(200);
      const code = codeFor(env(), 'ada@example.org');
      const verified = await env()
        .client()
        .post<TPublicVerifyResult>(`${PUBLIC(w.workspaceId)}/verify`, {
          verificationId: started.body.verificationId,
          code,
        });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      const req = await w.admin.client.get<TPrivacyRequestDetail>(
        `/api/v1/privacy/requests/${verified.body.reference}`,
      );
      expect(req.body).toMatchObject({ kind: 'access', channel: 'public', requesterEmail: 'ada@example.org' });
      expect(req.body.people.map((p) => p.id)).toEqual([person.id]);
      expect(req.body.dueAt).toBe(verified.body.dueAt);
      // The code works once.
      const again = await env()
        .client()
        .post(`${PUBLIC(w.workspaceId)}/verify`, { verificationId: started.body.verificationId, code });
      expect(again.status).toBe(422);
    });

    it('[P-DSR-2] a rectification states the correction in free text and fields; bad fields are 422 naming them', async () => {
      const person = await makePerson(w.owner.client, {
        firstName: 'Grete',
        lastName: 'Wrong',
        emails: [{ value: 'grete@example.org', type: 'home' }],
      });
      const client = env().client();
      const bad = await client.post<{ error: { fields: Record<string, string> } }>(
        `${PUBLIC(w.workspaceId)}/start`,
        { email: 'grete@example.org', kind: 'rectification', correction: { emails: [{ value: 'nope' }] } },
        nextIp(),
      );
      expect(bad.status).toBe(422);
      expect(Object.keys(bad.body.error.fields)).toEqual(['correction.emails.0.value']);
      const started = await client.post<TPublicStartResult>(
        `${PUBLIC(w.workspaceId)}/start`,
        {
          email: 'grete@example.org',
          kind: 'rectification',
          details: 'My surname is Right since I married.',
          correction: { lastName: 'Right' },
        },
        nextIp(),
      );
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      const verified = await client.post<TPublicVerifyResult>(`${PUBLIC(w.workspaceId)}/verify`, {
        verificationId: started.body.verificationId,
        code: codeFor(env(), 'grete@example.org'),
      });
      expect(verified.status).toBe(200);
      const id = verified.body.reference;
      const req = await w.admin.client.get<TPrivacyRequestDetail>(`/api/v1/privacy/requests/${id}`);
      expect(req.body).toMatchObject({
        kind: 'rectification',
        details: 'My surname is Right since I married.',
        correction: { lastName: 'Right' },
      });
      expect(req.body.steps.map((s) => s.action)).toEqual(['received', 'restricted']);
      const done = await w.admin.client.post(`/api/v1/privacy/requests/${id}/fulfil`, {});
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const after = await w.admin.client.get<{ lastName: string }>(`/api/v1/people/${person.id}`);
      expect(after.body.lastName).toBe('Right');
    });

    it('[P-DSR-1] no enumeration: the answers are the same whether the address is known or not', async () => {
      await makePerson(w.owner.client, { emails: [{ value: 'known@example.org', type: 'work' }] });
      const known = await start('known@example.org');
      const unknown = await start('nobody-here@example.org');
      expect(known.status).toBe(unknown.status);
      expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
      expect(known.body.message).toBe(unknown.body.message);
      expect(known.body.expiresAt).toBe(unknown.body.expiresAt);
      // A code goes to both, with the same text but the code.
      const mails = env()
        .mail.sent.filter((m) => m.kind === 'privacy_request_code')
        .slice(-2);
      expect(mails.map((m) => m.to)).toEqual(['known@example.org', 'nobody-here@example.org']);
      expect(mails[0]?.text.replace(/\d{6}/g, '')).toBe(mails[1]?.text.replace(/\d{6}/g, ''));
      // A wrong code: the same refusal for both.
      const wrong = async (verificationId: string) =>
        env()
          .client()
          .post(`${PUBLIC(w.workspaceId)}/verify`, { verificationId, code: '000000' });
      const wk = await wrong(known.body.verificationId);
      const wu = await wrong(unknown.body.verificationId);
      expect([wk.status, wk.body]).toEqual([wu.status, wu.body]);
      // Verified, the unknown address still gets a request (matched to nobody) and the same answer.
      const vu = await env()
        .client()
        .post<TPublicVerifyResult>(`${PUBLIC(w.workspaceId)}/verify`, {
          verificationId: unknown.body.verificationId,
          code: codeFor(env(), 'nobody-here@example.org'),
        });
      const vk = await env()
        .client()
        .post<TPublicVerifyResult>(`${PUBLIC(w.workspaceId)}/verify`, {
          verificationId: known.body.verificationId,
          code: codeFor(env(), 'known@example.org'),
        });
      expect(vu.status).toBe(200);
      expect(vk.status).toBe(200);
      expect(vu.body.message).toBe(vk.body.message);
      const unmatched = await w.admin.client.get<TPrivacyRequestDetail>(
        `/api/v1/privacy/requests/${vu.body.reference}`,
      );
      expect(unmatched.body.matchedCount).toBe(0);
      // Staff match it by hand; fulfilment waits until then.
      expect((await w.admin.client.post(`/api/v1/privacy/requests/${vu.body.reference}/fulfil`, {})).status).toBe(409);
    });

    it('[P-DSR-1] the code expires after 10 minutes', async () => {
      const started = await start('late@example.org');
      const code = codeFor(env(), 'late@example.org');
      env().clock.advance(10 * MINUTE + 1);
      const res = await env()
        .client()
        .post(`${PUBLIC(w.workspaceId)}/verify`, { verificationId: started.body.verificationId, code });
      expect(res.status).toBe(422);
      expect((res.body as { error: { code: string } }).error.code).toBe('invalid_code');
    });

    it('[P-DSR-1] a code allows 5 tries: the right code after 5 wrong ones is refused', async () => {
      const started = await start('tries@example.org');
      const code = codeFor(env(), 'tries@example.org');
      const wrongCode = code === '123456' ? '654321' : '123456';
      for (let i = 0; i < 5; i++) {
        const res = await env()
          .client()
          .post(`${PUBLIC(w.workspaceId)}/verify`, { verificationId: started.body.verificationId, code: wrongCode });
        expect(res.status).toBe(422);
      }
      const right = await env()
        .client()
        .post(`${PUBLIC(w.workspaceId)}/verify`, { verificationId: started.body.verificationId, code });
      expect(right.status).toBe(422);
    });

    it('[P-DSR-1] codes are throttled per address (3 an hour) and per IP address (10 an hour)', async () => {
      const headers = nextIp();
      for (let i = 0; i < 3; i++) expect((await start('busy@example.org', 'access', nextIp())).status).toBe(200);
      expect((await start('busy@example.org', 'access', nextIp())).status).toBe(429);
      for (let i = 0; i < 10; i++) expect((await start(`ip${i}@example.org`, 'access', headers)).status).toBe(200);
      expect((await start('ip-eleventh@example.org', 'access', headers)).status).toBe(429);
      env().clock.advance(61 * MINUTE);
      expect((await start('busy@example.org', 'access', nextIp())).status).toBe(200);
      expect((await start('ip-after-an-hour@example.org', 'access', headers)).status).toBe(200);
    });

    it('[P-DSR-8] the page names the complaint authority: a default from the country, then what an admin sets', async () => {
      const info = await env().client().get<TPublicPrivacyInfo>(PUBLIC(w.workspaceId));
      expect(info.status).toBe(200);
      expect(info.body.authority.name).toContain('Datatilsynet');
      expect(info.body.authority.url).toMatch(/^https:\/\//);
      expect(info.body.kinds).toContain('erasure');
      expect(info.body.workspaceName).toBe('Public page');

      expect(
        (
          await w.member.client.put('/api/v1/privacy/request-settings', {
            authorityName: 'IMY',
            authorityUrl: 'https://www.imy.se/',
          })
        ).status,
      ).toBe(403);
      const set = await w.admin.client.put<TPrivacyRequestSettings>('/api/v1/privacy/request-settings', {
        authorityName: 'Integritetsskyddsmyndigheten',
        authorityUrl: 'https://www.imy.se/en/',
        contactEmail: 'privacy@example.com',
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ isDefault: false, publicPath: `/privacy/${w.workspaceId}` });
      const after = await env().client().get<TPublicPrivacyInfo>(PUBLIC(w.workspaceId));
      expect(after.body.authority).toEqual({ name: 'Integritetsskyddsmyndigheten', url: 'https://www.imy.se/en/' });
      expect(after.body.contactEmail).toBe('privacy@example.com');
      const bad = await w.admin.client.put('/api/v1/privacy/request-settings', {
        authorityName: 'X',
        authorityUrl: 'javascript:alert(1)',
      });
      expect(bad.status).toBe(422);
      // Back to the default.
      const reset = await w.admin.client.put<TPrivacyRequestSettings>('/api/v1/privacy/request-settings', {
        authorityName: null,
        authorityUrl: null,
      });
      expect(reset.body.isDefault).toBe(true);
    });

    it('an unknown workspace is a plain 404, and a request lands only in its own workspace', async () => {
      const res = await env().client().get(PUBLIC('00000000-0000-4000-8000-000000000000'));
      expect(res.status).toBe(404);
      const other = await crmWorkspace(env(), 'Other shop');
      await makePerson(other.owner.client, { emails: [{ value: 'both@example.org', type: 'work' }] });
      const mine = await makePerson(w.owner.client, { emails: [{ value: 'both@example.org', type: 'work' }] });
      const started = await start('both@example.org', 'erasure');
      const verified = await env()
        .client()
        .post<TPublicVerifyResult>(`${PUBLIC(w.workspaceId)}/verify`, {
          verificationId: started.body.verificationId,
          code: codeFor(env(), 'both@example.org'),
        });
      const req = await w.admin.client.get<TPrivacyRequestDetail>(
        `/api/v1/privacy/requests/${verified.body.reference}`,
      );
      expect(req.body.people.map((p) => p.id)).toEqual([mine.id]);
      const theirs = await other.owner.client.get<TPrivacyRequestList>('/api/v1/privacy/requests');
      expect(theirs.body.items).toEqual([]);
      // A verification id of one workspace means nothing in another.
      const started2 = await start('cross@example.org');
      const cross = await env()
        .client()
        .post(`${PUBLIC(other.workspaceId)}/verify`, {
          verificationId: started2.body.verificationId,
          code: codeFor(env(), 'cross@example.org'),
        });
      expect(cross.status).toBe(422);
    });
  },
  { env: { TRUST_PROXY: 'true' } },
);

import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';
import { setUpInstance } from '../modules/account/account.testing.ts';

function sessionCookie(headers: Record<string, unknown>): string {
  const raw = headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  const found = all.find((c) => /session_token=/.test(c));
  if (!found) throw new Error(`no session cookie in ${JSON.stringify(all)}`);
  return found;
}

describeEachDatabase('session cookies over plain HTTP', (env) => {
  it('are httpOnly and SameSite=Lax', async () => {
    const c = env().client();
    const res = await c.post('/api/setup/first-run', {
      account: {
        email: 'cookie@example.test',
        password: 'long enough password',
        firstName: 'C',
        lastName: 'K',
        dateOfBirth: '1980-01-01',
      },
      workspace: { name: 'W', country: 'NO', region: 'eu' },
    });
    expect(res.status).toBe(201);
    const cookie = sessionCookie(res.headers);
    expect(cookie).toMatch(/^tillit\.session_token=/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });
});

describeEachDatabase(
  'session cookies under TLS',
  (env) => {
    it('are Secure, and HSTS is sent', async () => {
      await setUpInstance(env());
      const health = await env().client().get('/api/health');
      expect(String(health.headers['strict-transport-security'])).toContain('max-age=');
      const c = env().client();
      const up = await c.post(
        '/api/account/sign-up',
        {
          email: 'tls2@example.test',
          password: 'long enough password',
          firstName: 'T',
          lastName: 'L',
          dateOfBirth: '1980-01-01',
        },
        { origin: 'https://crm.example.test' },
      );
      expect(up.status).toBe(201);
      const cookie = sessionCookie(up.headers);
      expect(cookie).toMatch(/^__Secure-tillit\.session_token=/);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    });
  },
  { env: { PUBLIC_URL: 'https://crm.example.test' } },
);

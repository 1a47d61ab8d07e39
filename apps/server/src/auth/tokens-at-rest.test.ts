import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase, lastMailTo } from '../../test/harness.ts';
import { sessions, verifications } from '../db/schema/index.ts';
import { setUpInstance } from '../modules/account/account.testing.ts';

describeEachDatabase('tokens at rest', (env) => {
  it('[P-SEC-3] keeps session tokens encrypted and reset tokens hashed in the database', async () => {
    const { client, userId, email } = await setUpInstance(env());
    const db = env().services.database.db;
    const token = (client.cookie('tillit.session_token') ?? '').split('.')[0] as string;
    expect(token.length).toBeGreaterThan(20);
    const stored = await db.select({ token: sessions.token }).from(sessions).where(eq(sessions.userId, userId));
    expect(stored.length).toBeGreaterThan(0);
    for (const s of stored) {
      expect(s.token.startsWith('enc1:')).toBe(true);
      expect(s.token).not.toContain(token);
    }
    // The session still works: the cookie is found through the encrypted column.
    expect((await client.get('/api/account/me')).status).toBe(200);

    await env().client().post('/api/auth/request-password-reset', { email, redirectTo: '/reset-password' });
    const link = new URL(
      lastMailTo(env().mail.sent, email, 'reset_password').text.match(/https?:\/\/\S+/)?.[0] as string,
    );
    const resetToken = link.pathname.split('/').pop() as string;
    expect(resetToken.length).toBeGreaterThan(10);
    const rows = await db.select().from(verifications);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.identifier).not.toContain(resetToken);
      expect(r.value).not.toContain(resetToken);
    }
  });
});

import { verifyPassword } from 'better-auth/crypto';
import { and, eq } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, lastMailTo, linkIn, type TestClient, type TestEnv } from '../../test/harness.ts';
import { auditEntries, passkeys, sessions, twoFactors, users } from '../db/schema/index.ts';
import { withTenant } from '../db/tenant.ts';
import { INSTANCE_SCOPE, newId } from '../lib/ids.ts';
import { setUpInstance, signUpUser } from '../modules/account/account.testing.ts';
import { createWorkspace } from '../modules/workspaces/workspaces.service.ts';

async function actions(env: TestEnv, workspaceId: string, userId: string): Promise<string[]> {
  const rows = await withTenant(env.services.database.db, { workspaceId }, (tx) =>
    tx
      .select({ action: auditEntries.action })
      .from(auditEntries)
      .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.subjectUserId, userId)))
      .orderBy(auditEntries.seq),
  );
  return rows.map((r) => r.action);
}

function totpFrom(uri: string): OTPAuth.TOTP {
  const parsed = OTPAuth.URI.parse(uri);
  if (!(parsed instanceof OTPAuth.TOTP)) throw new Error('not a TOTP URI');
  return parsed;
}

/** A code of the next period, so that a code used already in this period is not reused. */
function nextCode(totp: OTPAuth.TOTP): string {
  return totp.generate({ timestamp: Date.now() + totp.period * 1000 });
}

describeEachDatabase('authentication', (env) => {
  let owner: Awaited<ReturnType<typeof setUpInstance>>;
  beforeAll(async () => {
    owner = await setUpInstance(env());
  });

  const signIn = (c: TestClient, email: string, password: string) =>
    c.post<Record<string, unknown>>('/api/auth/sign-in/email', { email, password });

  it('[P-SEC-1] keeps the password only as a slow one-way (scrypt) hash', async () => {
    const password = 'Unique-Plain-Password-4711';
    const u = await signUpUser(env(), { password });
    const { rows } = await env().services.database.raw.query<{ password: string }>(
      `select password from accounts where user_id = $1 and provider_id = 'credential'`,
      [u.userId],
    );
    const hash = rows[0]?.password ?? '';
    // better-auth's scrypt: 16-byte salt and 64-byte key, hex, N=16384 r=16 p=1.
    expect(hash).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    expect(await verifyPassword({ hash, password })).toBe(true);
    expect(await verifyPassword({ hash, password: `${password}x` })).toBe(false);
    const { rows: tables } = await env().services.database.raw.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    for (const t of tables) {
      const { rows: data } = await env().services.database.raw.query(`select * from "${t.table_name}"`);
      expect(JSON.stringify(data), t.table_name).not.toContain(password);
    }
  });

  it('audits a wrong password as auth.sign_in_failed and a right one as auth.sign_in', async () => {
    const c = env().client();
    const wrong = await signIn(c, owner.email, 'wrong password!!');
    expect(wrong.status).toBe(401);
    expect(c.hasSession()).toBe(false);
    const right = await signIn(c, owner.email, owner.password);
    expect(right.status).toBe(200);
    const list = await actions(env(), owner.workspaceId, owner.userId);
    expect(list).toContain('auth.sign_in_failed');
    expect(list.at(-1)).toBe('auth.sign_in');
  });

  it('changes the password with the current one, ends the other sessions and audits it', async () => {
    const u = await signUpUser(env());
    const { workspaceId } = await createWorkspace(env().services, u.userId, {
      name: 'Pw AS',
      country: 'NO',
      region: 'no',
    });
    const other = env().client();
    expect((await signIn(other, u.email, u.password)).status).toBe(200);
    const wrong = await u.client.post('/api/auth/change-password', {
      currentPassword: 'not my password',
      newPassword: 'another long passphrase',
    });
    expect(wrong.status).toBe(400);
    const ok = await u.client.post('/api/auth/change-password', {
      currentPassword: u.password,
      newPassword: 'another long passphrase',
      revokeOtherSessions: true,
    });
    expect(ok.status).toBe(200);
    expect((await other.get('/api/account/me')).status).toBe(401);
    expect((await u.client.get('/api/account/me')).status).toBe(200);
    expect(await actions(env(), workspaceId, u.userId)).toContain('auth.password_changed');
  });

  it('resets a forgotten password from the mailed link; the old password and old sessions stop working', async () => {
    const u = await signUpUser(env());
    const other = env().client();
    expect((await signIn(other, u.email, u.password)).status).toBe(200);
    const anon = env().client();
    const req = await anon.post('/api/auth/request-password-reset', { email: u.email, redirectTo: '/reset-password' });
    expect(req.status).toBe(200);
    const link = new URL(linkIn(lastMailTo(env().mail.sent, u.email, 'reset_password')));
    expect(link.origin).toBe('http://localhost:3000');
    const opened = await anon.get(`${link.pathname}${link.search}`);
    expect(opened.status).toBe(302);
    const landing = new URL(String(opened.headers.location), 'http://localhost:3000');
    expect(landing.pathname).toBe('/reset-password');
    const token = landing.searchParams.get('token');
    expect(token).toBeTruthy();
    const newPassword = 'a brand new passphrase';
    const reset = await anon.post('/api/auth/reset-password', { newPassword, token });
    expect(reset.status).toBe(200);
    expect((await other.get('/api/account/me')).status).toBe(401);
    expect((await signIn(env().client(), u.email, u.password)).status).toBe(401);
    expect((await signIn(env().client(), u.email, newPassword)).status).toBe(200);
    const again = await anon.post('/api/auth/reset-password', { newPassword: 'yet another passphrase', token });
    expect(again.status).toBe(400);
    // An unknown address gets the same answer and no mail.
    const before = env().mail.sent.length;
    const unknown = await anon.post('/api/auth/request-password-reset', {
      email: 'nobody@example.test',
      redirectTo: '/reset-password',
    });
    expect(unknown.status).toBe(200);
    expect(env().mail.sent.length).toBe(before);
  });

  it('[P-SEC-2] two-factor authentication: enable with a verified code, then sign-in needs a code; backup codes work once; disable', async () => {
    const e = env();
    const u = await signUpUser(e);
    const { workspaceId } = await createWorkspace(e.services, u.userId, {
      name: 'Secure AS',
      country: 'NO',
      region: 'no',
    });
    const wrongPw = await u.client.post('/api/auth/two-factor/enable', { password: 'not my password' });
    expect(wrongPw.status).toBe(400);
    const enable = await u.client.post<{ totpURI: string; backupCodes: string[] }>('/api/auth/two-factor/enable', {
      password: u.password,
    });
    expect(enable.status).toBe(200);
    expect(enable.body.backupCodes).toHaveLength(10);
    const totp = totpFrom(enable.body.totpURI);
    expect(totp.issuer).toBe('Tillit');
    // Not on until a first code confirms the authenticator.
    expect((await u.client.get<{ twoFactorEnabled: boolean }>('/api/account/me')).body.twoFactorEnabled).toBe(false);
    expect(await actions(e, workspaceId, u.userId)).not.toContain('auth.two_factor_enabled');
    const bad = await u.client.post('/api/auth/two-factor/verify-totp', { code: '000000' });
    expect(bad.status).toBe(401);
    const confirm = await u.client.post('/api/auth/two-factor/verify-totp', { code: totp.generate() });
    expect(confirm.status).toBe(200);
    expect((await u.client.get<{ twoFactorEnabled: boolean }>('/api/account/me')).body.twoFactorEnabled).toBe(true);
    expect(await actions(e, workspaceId, u.userId)).toContain('auth.two_factor_enabled');
    const [secret] = await e.services.database.db.select().from(twoFactors).where(eq(twoFactors.userId, u.userId));
    // The secret is stored encrypted: neither its raw nor its base32 form is in the row.
    expect(secret?.secret).not.toContain(totp.secret.base32);
    expect(secret?.secret).not.toContain(totp.secret.latin1);
    expect(secret?.backupCodes).not.toContain(enable.body.backupCodes[0]);

    // A password alone no longer signs in.
    const c = e.client();
    const first = await signIn(c, u.email, u.password);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ twoFactorRedirect: true });
    expect(c.hasSession()).toBe(false);
    expect((await c.get('/api/account/me')).status).toBe(401);
    const signInsBefore = (await actions(e, workspaceId, u.userId)).filter((a) => a === 'auth.sign_in').length;
    expect((await c.post('/api/auth/two-factor/verify-totp', { code: '123456' })).status).toBe(401);
    const second = await c.post('/api/auth/two-factor/verify-totp', { code: nextCode(totp) });
    expect(second.status).toBe(200);
    expect((await c.get('/api/account/me')).status).toBe(200);
    const after = await actions(e, workspaceId, u.userId);
    expect(after.filter((a) => a === 'auth.sign_in').length).toBe(signInsBefore + 1);
    expect(after).toContain('auth.sign_in_failed');

    // A backup code instead of the authenticator, once.
    const code = enable.body.backupCodes[0] ?? '';
    const d = e.client();
    expect((await signIn(d, u.email, u.password)).body).toMatchObject({ twoFactorRedirect: true });
    expect((await d.post('/api/auth/two-factor/verify-backup-code', { code })).status).toBe(200);
    expect((await d.get('/api/account/me')).status).toBe(200);
    const f = e.client();
    expect((await signIn(f, u.email, u.password)).body).toMatchObject({ twoFactorRedirect: true });
    expect((await f.post('/api/auth/two-factor/verify-backup-code', { code })).status).toBe(401);
    expect((await f.get('/api/account/me')).status).toBe(401);

    // Turning it off needs the password and is audited.
    expect((await u.client.post('/api/auth/two-factor/disable', { password: 'not my password' })).status).toBe(400);
    const off = await u.client.post('/api/auth/two-factor/disable', { password: u.password });
    expect(off.status).toBe(200);
    expect(await actions(e, workspaceId, u.userId)).toContain('auth.two_factor_disabled');
    const g = e.client();
    expect((await signIn(g, u.email, u.password)).body).not.toHaveProperty('twoFactorRedirect');
    expect(g.hasSession()).toBe(true);
  });

  it('passkeys: registration options for a signed-in user, list and delete (no authenticator ceremony faked)', async () => {
    const u = await signUpUser(env());
    const anonymous = await env().client().get('/api/auth/passkey/generate-register-options');
    expect(anonymous.status).toBe(401);
    const opts = await u.client.get<{
      challenge: string;
      rp: { id: string; name: string };
      user: { name: string };
    }>('/api/auth/passkey/generate-register-options');
    expect(opts.status).toBe(200);
    expect(opts.body.challenge.length).toBeGreaterThan(20);
    expect(opts.body.rp).toMatchObject({ id: 'localhost', name: 'Tillit' });
    expect(opts.body.user.name).toBe(u.email);
    expect((await u.client.get<unknown[]>('/api/auth/passkey/list-user-passkeys')).body).toEqual([]);

    // A stored passkey (as a completed ceremony would leave it) is listed and can be deleted by
    // its owner only.
    const id = newId();
    await env()
      .services.database.db.insert(passkeys)
      .values({
        id,
        userId: u.userId,
        name: 'Laptop',
        publicKey: 'pk',
        credentialID: `cred-${id}`,
        counter: 0,
        deviceType: 'singleDevice',
        backedUp: false,
        transports: 'internal',
      });
    const list = await u.client.get<{ id: string; name: string }[]>('/api/auth/passkey/list-user-passkeys');
    expect(list.body).toEqual([expect.objectContaining({ id, name: 'Laptop' })]);
    const stranger = await signUpUser(env());
    const theft = await stranger.client.post('/api/auth/passkey/delete-passkey', { id });
    expect(theft.status).toBeGreaterThanOrEqual(400);
    expect(await env().services.database.db.select().from(passkeys).where(eq(passkeys.id, id))).toHaveLength(1);
    const del = await u.client.post('/api/auth/passkey/delete-passkey', { id });
    expect(del.status).toBe(200);
    expect(await env().services.database.db.select().from(passkeys).where(eq(passkeys.id, id))).toHaveLength(0);
  });

  it('lists sessions without their tokens and revokes one or all others, ending the other client’s access at once', async () => {
    const u = await signUpUser(env());
    const laptop = u.client;
    const phone = env().client();
    const tablet = env().client();
    expect((await signIn(phone, u.email, u.password)).status).toBe(200);
    expect((await signIn(tablet, u.email, u.password)).status).toBe(200);
    type S = { id: string; current: boolean };
    const list = await laptop.get<{ sessions: S[] }>('/api/account/sessions');
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(3);
    expect(list.body.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toMatch(/token/i);
    // Neither better-auth's own answers hand a token to JavaScript.
    const own = await laptop.get<{ session: Record<string, unknown> }>('/api/auth/get-session');
    expect(own.body.session).not.toHaveProperty('token');
    const theirs = await laptop.get<Record<string, unknown>[]>('/api/auth/list-sessions');
    for (const s of theirs.body) expect(s).not.toHaveProperty('token');
    const phoneSession = (await phone.get<{ sessions: S[] }>('/api/account/sessions')).body.sessions.find(
      (s) => s.current,
    );
    expect(phoneSession).toBeDefined();
    expect((await laptop.delete(`/api/account/sessions/${phoneSession?.id}`)).status).toBe(204);
    expect((await phone.get('/api/account/me')).status).toBe(401);
    expect((await tablet.get('/api/account/me')).status).toBe(200);
    expect((await laptop.post('/api/account/sessions/revoke-others', {})).body).toEqual({ revoked: 1 });
    expect((await tablet.get('/api/account/me')).status).toBe(401);
    expect((await laptop.get('/api/account/me')).status).toBe(200);
    expect((await laptop.get<{ sessions: S[] }>('/api/account/sessions')).body.sessions).toHaveLength(1);
    // A stranger cannot end someone else's session, and the token route is closed.
    const stranger = await signUpUser(env());
    const [mine] = await env().services.database.db.select().from(sessions).where(eq(sessions.userId, u.userId));
    expect((await stranger.client.delete(`/api/account/sessions/${mine?.id}`)).status).toBe(404);
    expect((await stranger.client.post('/api/auth/revoke-session', { token: 'x' })).status).toBe(404);
    expect((await laptop.get('/api/account/me')).status).toBe(200);
    // The user belongs to no workspace, so the event is in the instance's chain.
    const audit = await withTenant(env().services.database.db, { workspaceId: INSTANCE_SCOPE }, (tx) =>
      tx.select().from(auditEntries).where(eq(auditEntries.subjectUserId, u.userId)),
    );
    expect(audit.map((a) => a.action)).toContain('auth.sessions_revoked');
  });

  it('a deleted account cannot sign in, even with the right password', async () => {
    const u = await signUpUser(env());
    await env().services.database.db.update(users).set({ deletedAt: env().clock.now() }).where(eq(users.id, u.userId));
    const c = env().client();
    const res = await signIn(c, u.email, u.password);
    expect(res.status).not.toBe(200);
    expect(c.hasSession()).toBe(false);
  });
});

describeEachDatabase(
  'sign-in rate limit',
  (env) => {
    it('refuses the 4th sign-in attempt within the window with 429 rate_limited, and audits the failures', async () => {
      const owner = await setUpInstance(env());
      const c = env().client();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await c.post('/api/auth/sign-in/email', { email: owner.email, password: `wrong ${i}!!!!!!` })).status,
        );
      }
      expect(statuses).toEqual([401, 401, 401]);
      const fourth = await c.post('/api/auth/sign-in/email', { email: owner.email, password: owner.password });
      expect(fourth.status).toBe(429);
      expect(fourth.body).toMatchObject({ error: { code: 'rate_limited' } });
      expect(c.hasSession()).toBe(false);
      const list = await actions(env(), owner.workspaceId, owner.userId);
      expect(list.filter((a) => a === 'auth.sign_in_failed')).toHaveLength(3);
    });
  },
  { rateLimit: { window: 60, max: 1000, signInMax: 3 } },
);

describeEachDatabase(
  'sign-up rate limit',
  (env) => {
    it('refuses the 4th sign-up from one address within the window, and allows it again later', async () => {
      await setUpInstance(env());
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await env()
          .client()
          .post('/api/account/sign-up', {
            email: `burst-${i}@example.test`,
            password: 'correct horse battery staple',
            firstName: 'B',
            lastName: 'Urst',
            dateOfBirth: '1990-01-01',
          });
        statuses.push(res.status);
        if (i === 3) expect(res.body).toMatchObject({ error: { code: 'rate_limited' } });
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      const [count] = (
        await env().services.database.raw.query<{ n: string }>(
          `select count(*)::text as n from users where email = 'burst-3@example.test'`,
        )
      ).rows;
      expect(count?.n).toBe('0');
      env().clock.advance(61_000);
      const later = await env().client().post('/api/account/sign-up', {
        email: 'burst-3@example.test',
        password: 'correct horse battery staple',
        firstName: 'B',
        lastName: 'Urst',
        dateOfBirth: '1990-01-01',
      });
      expect(later.status).toBe(201);
    });
  },
  { rateLimit: { window: 60, max: 1000, signInMax: 3 } },
);

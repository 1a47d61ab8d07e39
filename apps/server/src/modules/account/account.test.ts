import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, lastMailTo, linkIn, type TestEnv } from '../../../test/harness.ts';
import { auditEntries, invitations, teamMembers, teams, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { INSTANCE_SCOPE, newId } from '../../lib/ids.ts';
import { ageOn, minimumAgeFor } from './account.age.ts';
import { DEFAULT_PASSWORD, setUpInstance, signUpUser, uniqueEmail } from './account.testing.ts';

type Fields = { error: { code: string; fields?: Record<string, string> } };

/** A pending invitation to `workspaceId`, inserted as the workspace module would. */
async function invite(env: TestEnv, workspaceId: string, email: string, expiresInDays = 7): Promise<string> {
  const token = `${workspaceId}.${newId()}secret`;
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const now = env.clock.now();
  await withTenant(env.services.database.db, { workspaceId }, async (tx) => {
    await tx.insert(invitations).values({
      workspaceId,
      invitationId: newId(),
      email,
      role: 'member',
      tokenHash,
      status: 'pending',
      expiresAt: new Date(now.getTime() + expiresInDays * DAY_MS),
      createdAt: now,
    });
  });
  return token;
}

async function allText(env: TestEnv): Promise<string> {
  const { rows } = await env.services.database.raw.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  let out = '';
  for (const r of rows) {
    const { rows: data } = await env.services.database.raw.query(`select * from "${r.table_name}"`);
    out += JSON.stringify(data);
  }
  return out;
}

describe('age of digital consent', () => {
  it('uses the GDPR art. 8 age of the country, 13 elsewhere', () => {
    expect(minimumAgeFor('DE')).toBe(16);
    expect(minimumAgeFor('fr')).toBe(15);
    expect(minimumAgeFor('AT')).toBe(14);
    expect(minimumAgeFor('NO')).toBe(13);
    expect(minimumAgeFor(null)).toBe(13);
  });
  it('counts whole years, and refuses dates that do not exist', () => {
    const today = new Date('2026-01-05T09:00:00Z');
    expect(ageOn('2013-01-05', today)).toBe(13);
    expect(ageOn('2013-01-06', today)).toBe(12);
    expect(ageOn('2023-02-30', today)).toBeNull();
  });
});

describeEachDatabase('sign-up', (env) => {
  let workspaceDe: string;
  beforeAll(async () => {
    workspaceDe = (await setUpInstance(env(), { country: 'DE', name: 'Berlin GmbH' })).workspaceId;
  });

  const signUp = (body: Record<string, unknown>) => env().client().post<Fields>('/api/account/sign-up', body);
  const valid = (over: Record<string, unknown> = {}) => ({
    email: uniqueEmail(),
    password: DEFAULT_PASSWORD,
    firstName: 'Kim',
    lastName: 'Kid',
    dateOfBirth: '1990-01-01',
    ...over,
  });

  it('[P-ACC-6] refuses anyone under 13 by default and keeps only the age confirmed, never the birth date', async () => {
    const young = await signUp(valid({ dateOfBirth: '2013-01-06' }));
    expect(young.status).toBe(422);
    expect(young.body.error).toMatchObject({ code: 'too_young', fields: { dateOfBirth: expect.any(String) } });
    const email = uniqueEmail('thirteen');
    const ok = await signUp(valid({ email, dateOfBirth: '2013-01-05' }));
    expect(ok.status).toBe(201);
    const [u] = await env().services.database.db.select().from(users).where(eq(users.email, email));
    expect(u?.ageConfirmedMin).toBe(13);
    expect(await allText(env())).not.toContain('2013-01-05');
  });

  it('[P-ACC-6] uses the inviting workspace country: 16 in Germany', async () => {
    const email = uniqueEmail('teen');
    const token = await invite(env(), workspaceDe, email);
    const fifteen = await signUp(valid({ email, dateOfBirth: '2010-06-01', invitationToken: token }));
    expect(fifteen.status).toBe(422);
    expect(fifteen.body.error.fields?.dateOfBirth).toMatch(/16/);
    const sixteen = await signUp(valid({ email, dateOfBirth: '2009-06-01', invitationToken: token }));
    expect(sixteen.status).toBe(201);
    const [u] = await env().services.database.db.select().from(users).where(eq(users.email, email));
    expect(u?.ageConfirmedMin).toBe(16);
  });

  it('[P-ACC-6] refuses an unknown, forged or expired invitation token', async () => {
    const expired = await invite(env(), workspaceDe, 'late@example.test', -1);
    for (const invitationToken of [
      expired,
      `${workspaceDe}.nothing`,
      'not-a-token',
      `${newId()}.x`,
      "'; drop table users; --",
    ]) {
      const res = await signUp(valid({ invitationToken }));
      expect(res.status, invitationToken).toBe(422);
      expect(res.body.error.fields).toHaveProperty('invitationToken');
    }
  });

  it('sends a verification mail whose link verifies the address, and audits auth.signed_up', async () => {
    const { client, email, userId } = await signUpUser(env());
    const me = await client.get<{ emailVerified: boolean }>('/api/account/me');
    expect(me.body.emailVerified).toBe(false);
    const link = new URL(linkIn(lastMailTo(env().mail.sent, email, 'verify_email')));
    const res = await env().client().get(`${link.pathname}${link.search}`);
    expect([200, 302]).toContain(res.status);
    const after = await client.get<{ emailVerified: boolean }>('/api/account/me');
    expect(after.body.emailVerified).toBe(true);
    const audit = await withTenant(env().services.database.db, { workspaceId: INSTANCE_SCOPE }, (tx) =>
      tx.select().from(auditEntries).where(eq(auditEntries.subjectUserId, userId)),
    );
    expect(audit.map((a) => a.action)).toContain('auth.signed_up');
  });

  it('answers a duplicate email with 409 on the email field and creates nothing', async () => {
    const email = uniqueEmail('dup');
    expect((await signUp(valid({ email }))).status).toBe(201);
    const count = async () => (await env().services.database.db.select().from(users)).length;
    const before = await count();
    const again = await signUp(valid({ email: email.toUpperCase(), firstName: 'Other' }));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'email_taken', fields: { email: expect.any(String) } });
    expect(await count()).toBe(before);
  });

  it('refuses bad input with the field named, never a 500, and writes nothing', async () => {
    const count = async () => (await env().services.database.db.select().from(users)).length;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [valid({ email: 'nope' }), 'email'],
      [valid({ email: `${'a'.repeat(250)}@example.test` }), 'email'],
      [valid({ password: 'short' }), 'password'],
      [valid({ password: 'x'.repeat(300) }), 'password'],
      [valid({ firstName: 42 }), 'firstName'],
      [valid({ firstName: '   ' }), 'firstName'],
      [valid({ lastName: 'x'.repeat(101) }), 'lastName'],
      [valid({ dateOfBirth: '01/02/1990' }), 'dateOfBirth'],
      [valid({ dateOfBirth: '2099-01-01' }), 'dateOfBirth'],
      [valid({ locale: '<script>' }), 'locale'],
      [valid({ isInstanceAdmin: true }), 'isInstanceAdmin'],
      [valid({ ageConfirmedMin: 99 }), 'ageConfirmedMin'],
    ];
    for (const [body, field] of cases) {
      const res = await signUp(body);
      expect(res.status, field).toBe(422);
      expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(res.body)).toContain(field);
    }
    const broken = await env().client().post('/api/account/sign-up', '{"email": "a@b.c",');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: { code: 'invalid_json' } });
    const wrongType = await env().client().post('/api/account/sign-up', '[1,2]');
    expect(wrongType.status).toBe(422);
    expect(await count()).toBe(before);
  });

  it('stores HTML and SQL metacharacters in names verbatim and returns them as JSON', async () => {
    const firstName = `<b onmouseover="x">'); DELETE FROM users; --`;
    const lastName = `O'Brien & "Sons" <script>`;
    const res = await env()
      .client()
      .post<{ firstName: string; lastName: string }>('/api/account/sign-up', valid({ firstName, lastName }));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toMatchObject({ firstName, lastName });
    expect((await env().services.database.db.select().from(users)).length).toBeGreaterThan(1);
  });

  it('better-auth’s own sign-up endpoint stays closed', async () => {
    const res = await env().client().post('/api/auth/sign-up/email', {
      email: uniqueEmail(),
      password: DEFAULT_PASSWORD,
      name: 'Sneaky',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describeEachDatabase('my account', (env) => {
  let owner: Awaited<ReturnType<typeof setUpInstance>>;
  beforeAll(async () => {
    owner = await setUpInstance(env());
  });

  it('[P-ACC-1] holds email, names, phone, address and workspace and team membership', async () => {
    const teamId = newId();
    await withTenant(env().services.database.db, { workspaceId: owner.workspaceId }, async (tx) => {
      await tx.insert(teams).values({ workspaceId: owner.workspaceId, teamId, name: 'Sales' });
      await tx.insert(teamMembers).values({ workspaceId: owner.workspaceId, teamId, userId: owner.userId });
    });
    const patch = await owner.client.patch('/api/account/me', {
      phone: '+47 22-33 44 55',
      address: { street: 'Storgata 1', state: 'Oslo', postalCode: '0155', city: 'Oslo', country: 'no' },
    });
    expect(patch.status).toBe(200);
    const me = await owner.client.get('/api/account/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: owner.userId,
      email: owner.email,
      emailVerified: false,
      firstName: 'Olga',
      lastName: 'Owner',
      phone: '+4722334455',
      address: { street: 'Storgata 1', state: 'Oslo', postalCode: '0155', city: 'Oslo', country: 'NO' },
      locale: 'en',
      twoFactorEnabled: false,
      isInstanceAdmin: true,
      createdAt: expect.any(String),
      activeWorkspaceId: owner.workspaceId,
      workspaces: [
        {
          workspaceId: owner.workspaceId,
          name: 'Acme AS',
          role: 'owner',
          country: 'NO',
          region: 'no',
          teams: [{ teamId, name: 'Sales' }],
        },
      ],
    });
    expect((await env().client().get('/api/account/me')).status).toBe(401);
  });

  it('[P-ACC-2] corrects names and keeps the display name in step; stores metacharacters verbatim', async () => {
    const nasty = `<img src=x onerror=alert(1)> '; DROP TABLE users; --`;
    const res = await owner.client.patch<{ firstName: string; lastName: string }>('/api/account/me', {
      firstName: `  ${nasty}  `,
      lastName: 'Ødegård',
    });
    expect(res.status).toBe(200);
    expect(res.body.firstName).toBe(nasty);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const [u] = await env().services.database.db.select().from(users).where(eq(users.id, owner.userId));
    expect(u?.name).toBe(`${nasty} Ødegård`);
    const updated = await withTenant(env().services.database.db, { workspaceId: owner.workspaceId }, (tx) =>
      tx.select().from(auditEntries).where(eq(auditEntries.action, 'account.updated')),
    );
    expect(updated.at(-1)?.details).toEqual({ fields: ['firstName', 'lastName'] });
    expect(JSON.stringify(updated)).not.toContain('Ødegård');
    const cleared = await owner.client.patch<{ phone: string | null; address: { city: string | null } }>(
      '/api/account/me',
      { firstName: 'Olga', lastName: 'Owner', phone: null, address: { city: null } },
    );
    expect(cleared.body.phone).toBeNull();
    expect(cleared.body.address.city).toBeNull();
  });

  it('[P-ACC-2] refuses bad corrections with the field named and changes nothing', async () => {
    const before = await owner.client.get('/api/account/me');
    const cases: [unknown, string][] = [
      [{ phone: '12345' }, 'phone'],
      [{ phone: '+47 abc' }, 'phone'],
      [{ firstName: '' }, 'firstName'],
      [{ firstName: 'x'.repeat(101) }, 'firstName'],
      [{ lastName: ['a'] }, 'lastName'],
      [{ address: { country: 'XX' } }, 'address.country'],
      [{ address: { city: 'x'.repeat(101) } }, 'address.city'],
      [{ address: { planet: 'Mars' } }, 'address.planet'],
      [{ email: 'new@example.test' }, 'email'],
      [{ isInstanceAdmin: false }, 'isInstanceAdmin'],
      [{ firstName: 'Ok', twoFactorEnabled: true }, 'twoFactorEnabled'],
    ];
    for (const [body, field] of cases) {
      const res = await owner.client.patch<Fields>('/api/account/me', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(res.body)).toContain(field);
    }
    expect((await owner.client.patch('/api/account/me', '{"firstName":')).status).toBe(400);
    expect((await owner.client.patch('/api/account/me', '"text"')).status).toBe(422);
    const after = await owner.client.get('/api/account/me');
    expect(after.body).toEqual(before.body);
  });

  it('[P-ACC-2] changes the email address only after the new address is verified', async () => {
    const { client, email } = await signUpUser(env());
    const newEmail = uniqueEmail('moved');
    const res = await client.post('/api/auth/change-email', { newEmail, callbackURL: '/' });
    expect(res.status).toBe(200);
    const mail = lastMailTo(env().mail.sent, newEmail, 'verify_email');
    const link = new URL(linkIn(mail));
    const still = await client.get<{ email: string }>('/api/account/me');
    // An unverified address may be replaced at once (better-auth); a verified one only after
    // the link. Either way the new address is verified only through the link.
    expect([email, newEmail]).toContain(still.body.email);
    await env().client().get(`${link.pathname}${link.search}`);
    const me = await client.get<{ email: string; emailVerified: boolean }>('/api/account/me');
    expect(me.body).toMatchObject({ email: newEmail, emailVerified: true });
  });

  it('[P-ACC-2] changes a verified address only through a link sent to the new one', async () => {
    const { client, email } = await signUpUser(env());
    const verify = new URL(linkIn(lastMailTo(env().mail.sent, email, 'verify_email')));
    await env().client().get(`${verify.pathname}${verify.search}`);
    const newEmail = uniqueEmail('verified-move');
    expect((await client.post('/api/auth/change-email', { newEmail, callbackURL: '/' })).status).toBe(200);
    expect((await client.get<{ email: string }>('/api/account/me')).body.email).toBe(email);
    const link = new URL(linkIn(lastMailTo(env().mail.sent, newEmail, 'verify_email')));
    await env().client().get(`${link.pathname}${link.search}`);
    const me = await client.get<{ email: string; emailVerified: boolean }>('/api/account/me');
    expect(me.body).toMatchObject({ email: newEmail, emailVerified: true });
  });

  it('[P-ACC-2] exports every row tied to the user as a JSON download, secrets withheld, with the data map', async () => {
    const res = await owner.client.get('/api/account/export');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="tillit-account-.*\.json"$/);
    const data = JSON.parse(res.text) as {
      userId: string;
      notes: string[];
      data: Record<string, unknown>;
      dataMap: Record<string, { columns: Record<string, { category?: string }> }>;
    };
    expect(data.userId).toBe(owner.userId);
    const usersRows = data.data.users as Record<string, unknown>[];
    expect(usersRows).toEqual([expect.objectContaining({ id: owner.userId, email: owner.email, first_name: 'Olga' })]);
    const accountsRows = data.data.accounts as Record<string, unknown>[];
    expect(accountsRows[0]?.password).toBe('[secret held]');
    const sessionsRows = data.data.sessions as Record<string, unknown>[];
    expect(sessionsRows.length).toBeGreaterThan(0);
    expect(sessionsRows.every((s) => s.token === '[secret held]')).toBe(true);
    const membersRows = data.data.members as Record<string, Record<string, unknown>[]>;
    expect(membersRows[owner.workspaceId]).toEqual([expect.objectContaining({ role: 'owner' })]);
    expect(data.data.team_members).toHaveProperty(owner.workspaceId);
    const audit = data.data.audit_entries as Record<string, Record<string, unknown>[]>;
    expect(audit[owner.workspaceId]?.map((a) => a.action)).toContain('workspace.created');
    expect(data.dataMap.users?.columns.email?.category).toBe('user.contact.email');
    expect(data.dataMap.accounts?.columns.password?.category).toBe('system.authentication');
    expect(data.notes.join(' ')).toContain('[secret held]');
    // No credential leaves: the stored hash and session tokens are nowhere in the file.
    const { rows } = await env().services.database.raw.query<{ password: string }>(
      'select password from accounts where user_id = $1',
      [owner.userId],
    );
    expect(res.text).not.toContain(rows[0]?.password);
    const exported = await withTenant(env().services.database.db, { workspaceId: owner.workspaceId }, (tx) =>
      tx.select().from(auditEntries).where(eq(auditEntries.action, 'account.exported')),
    );
    expect(exported).toHaveLength(1);
    expect((await env().client().get('/api/account/export')).status).toBe(401);
  });
});

import { eq, getTableColumns } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { accountDeletions, auditEntries, members, outboxMessages, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { INSTANCE_SCOPE, newId } from '../../lib/ids.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { declaredTables } from '../../privacy/data-map/data-map.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { purgeDeletedAccountsJob } from './account.jobs.ts';
import { deleteMyAccount } from './account.service.ts';
import { setUpInstance, signUpUser } from './account.testing.ts';

type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string> } };

async function addMember(env: TestEnv, workspaceId: string, userId: string, role: 'owner' | 'member' = 'member') {
  await withTenant(env.services.database.db, { workspaceId }, (tx) =>
    tx.insert(members).values({ workspaceId, userId, role, createdAt: env.clock.now() }),
  );
}

/** Rows the data map ties to `userId`, by table, in the global tables and the given workspaces. */
async function rowsTiedTo(env: TestEnv, userId: string, workspaceIds: string[]): Promise<Record<string, number>> {
  const db = env.services.database.db;
  const out: Record<string, number> = {};
  for (const decl of declaredTables()) {
    if (decl.subject?.kind !== 'user') continue;
    const cols = Object.values(getTableColumns(decl.table));
    const col = cols.find((c) => c.name === decl.subject?.column);
    if (!col) throw new Error(`no subject column in ${decl.name}`);
    if (decl.tenancy === 'global') {
      out[decl.name] = (await db.select().from(decl.table).where(eq(col, userId))).length;
    } else {
      let n = 0;
      for (const workspaceId of workspaceIds) {
        n += await withTenant(
          db,
          { workspaceId },
          async (tx) => (await tx.select().from(decl.table).where(eq(col, userId))).length,
        );
      }
      out[decl.name] = n;
    }
  }
  return out;
}

describeEachDatabase('deleting my account', (env) => {
  let owner: Awaited<ReturnType<typeof setUpInstance>>;
  beforeAll(async () => {
    owner = await setUpInstance(env(), { name: 'Shared Ltd' });
  });

  it('[P-ACC-3] refuses a wrong password with 403 and changes nothing', async () => {
    const u = await signUpUser(env());
    for (const body of [{ password: 'not the password' }, { password: '' }]) {
      const res = await u.client.delete<ErrorBody>('/api/account/me', body);
      expect(res.status).toBeGreaterThanOrEqual(403);
      expect(res.status).toBeLessThan(500);
    }
    const wrong = await u.client.delete<ErrorBody>('/api/account/me', { password: 'not the password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('wrong_password');
    const bad = await u.client.delete<ErrorBody>('/api/account/me', { password: u.password, force: true });
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields).toHaveProperty('force');
    expect((await u.client.delete('/api/account/me', '{"password":')).status).toBe(400);
    const noBody = await u.client.delete<ErrorBody>('/api/account/me');
    expect(noBody.status).toBeGreaterThanOrEqual(400);
    expect(noBody.status).toBeLessThan(500);
    const wrongType = await u.client.delete<ErrorBody>('/api/account/me', { password: ['x'] });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.fields).toHaveProperty('password');
    expect((await u.client.get('/api/account/me')).status).toBe(200);
    const [row] = await env().services.database.db.select().from(users).where(eq(users.id, u.userId));
    expect(row?.deletedAt).toBeNull();
    expect((await env().client().delete('/api/account/me', { password: 'x' })).status).toBe(401);
  });

  it('[P-ACC-3] refuses the only owner of a workspace with other members, naming it', async () => {
    const member = await signUpUser(env());
    await addMember(env(), owner.workspaceId, member.userId);
    const res = await owner.client.delete<ErrorBody>('/api/account/me', { password: owner.password });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('last_owner');
    expect(res.body.error.message).toContain('Shared Ltd');
    expect((await owner.client.get('/api/account/me')).status).toBe(200);
  });

  it('[P-ACC-3] ends every session at once, leaves and deletes workspaces, and the purge job removes the rest within 7 days', async () => {
    const e = env();
    const db = e.services.database.db;
    const u = await signUpUser(e, { firstName: 'Dora', lastName: 'Deleted' });
    const second = e.client();
    expect((await second.post('/api/auth/sign-in/email', { email: u.email, password: u.password })).status).toBe(200);
    await addMember(e, owner.workspaceId, u.userId);
    const { workspaceId: solo } = await createWorkspace(e.services, u.userId, {
      name: 'Dora alone',
      country: 'NO',
      region: 'no',
    });
    // Things that carry the address outside the account rows: a reset token and a mail.
    expect(
      (await e.client().post('/api/auth/request-password-reset', { email: u.email, redirectTo: '/reset-password' }))
        .status,
    ).toBe(200);
    await db.insert(outboxMessages).values({
      id: newId(),
      kind: 'test',
      toAddress: u.email,
      subject: 'Hello',
      textBody: 'Hi Dora',
    });

    const res = await u.client.delete<{ purgeAfter: string; workspacesDeleted: string[]; workspacesLeft: string[] }>(
      '/api/account/me',
      { password: u.password },
    );
    expect(res.status).toBe(200);
    expect(res.body.workspacesDeleted).toEqual([solo]);
    expect(res.body.workspacesLeft).toEqual([owner.workspaceId]);
    const now = e.clock.now();
    expect(new Date(res.body.purgeAfter).getTime()).toBe(now.getTime() + e.config.accountPurgeDelayDays * DAY_MS);
    expect(e.config.accountPurgeDelayDays).toBeLessThanOrEqual(7);

    // Every session ends at once, the other device's too.
    expect((await u.client.get('/api/account/me')).status).toBe(401);
    expect((await second.get('/api/account/me')).status).toBe(401);
    const signIn = await e.client().post('/api/auth/sign-in/email', { email: u.email, password: u.password });
    expect(signIn.status).not.toBe(200);
    const [row] = await db.select().from(users).where(eq(users.id, u.userId));
    expect(row?.deletedAt).toEqual(now);
    const [ledger] = await db.select().from(accountDeletions).where(eq(accountDeletions.userId, u.userId));
    expect(ledger?.workspaceIds.sort()).toEqual([owner.workspaceId, solo].sort());
    const tied = await rowsTiedTo(e, u.userId, [owner.workspaceId, solo]);
    expect(tied.sessions).toBe(0);
    expect(tied.members).toBe(0);
    // A second deletion (say, a request that was already in flight) changes nothing.
    const again = await deleteMyAccount(
      e.services,
      {
        user: {
          id: u.userId,
          email: u.email,
          name: '',
          emailVerified: false,
          twoFactorEnabled: false,
          isInstanceAdmin: false,
        },
        session: { id: '', token: '', activeWorkspaceId: null },
      },
      u.password,
      { ip: null, userAgent: null },
    ).catch((err: { code?: string }) => err.code);
    expect(again).toBe('already_deleted');
    const [ledgerAfter] = await db.select().from(accountDeletions).where(eq(accountDeletions.userId, u.userId));
    expect(ledgerAfter).toEqual(ledger);
    const soloLeft = await e.services.database.raw.query('select 1 from workspaces where workspace_id = $1', [solo]);
    expect(soloLeft.rows).toHaveLength(0);
    const deletedEntries = await withTenant(db, { workspaceId: owner.workspaceId }, (tx) =>
      tx.select().from(auditEntries).where(eq(auditEntries.action, 'account.deleted')),
    );
    expect(deletedEntries).toEqual([expect.objectContaining({ subjectUserId: u.userId })]);

    // Not yet due: nothing happens.
    e.clock.advance(DAY_MS);
    expect(await runJob(e.services, purgeDeletedAccountsJob)).toMatchObject({ purged: 0 });
    expect(await db.select().from(users).where(eq(users.id, u.userId))).toHaveLength(1);

    e.clock.advance(6 * DAY_MS);
    const result = await runJob(e.services, purgeDeletedAccountsJob);
    expect(result).toMatchObject({ purged: 1 });
    expect(await db.select().from(users).where(eq(users.id, u.userId))).toHaveLength(0);
    const after = await rowsTiedTo(e, u.userId, [owner.workspaceId, solo, INSTANCE_SCOPE]);
    for (const [table, n] of Object.entries(after)) {
      // The audit entries stay (without personal details) so the chains verify; the ledger
      // keeps only the id as proof of the deletion.
      if (table === 'audit_entries' || table === 'account_deletions') continue;
      expect(n, table).toBe(0);
    }
    for (const workspaceId of [owner.workspaceId, solo, INSTANCE_SCOPE]) {
      await withTenant(db, { workspaceId }, async (tx) => {
        const entries = await tx.select().from(auditEntries).where(eq(auditEntries.subjectUserId, u.userId));
        expect(entries.every((x) => x.personal === null)).toBe(true);
        const report = await verifyChain(tx, workspaceId);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
      });
    }
    const everything = await e.services.database.raw.query<{ n: string }>(
      `select count(*)::text as n from verifications where value = $1 or identifier ilike $2`,
      [u.userId, `%${u.email}%`],
    );
    expect(everything.rows[0]?.n).toBe('0');
    const mails = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, u.email));
    expect(mails).toHaveLength(0);
    const [purged] = await db.select().from(accountDeletions).where(eq(accountDeletions.userId, u.userId));
    expect(purged?.purgedAt).toEqual(e.clock.now());

    // Idempotent.
    expect(await runJob(e.services, purgeDeletedAccountsJob)).toMatchObject({ purged: 0 });
  });

  it('[P-ACC-3] lets the last owner go once the others are gone or owners too', async () => {
    const u = await signUpUser(env());
    const { workspaceId } = await createWorkspace(env().services, u.userId, {
      name: 'Two owners',
      country: 'SE',
      region: 'eu',
    });
    const co = await signUpUser(env());
    await addMember(env(), workspaceId, co.userId, 'owner');
    const res = await u.client.delete('/api/account/me', { password: u.password });
    expect(res.status).toBe(200);
    const rows = await withTenant(env().services.database.db, { workspaceId }, (tx) =>
      tx.select().from(members).where(eq(members.workspaceId, workspaceId)),
    );
    expect(rows.map((r) => r.userId)).toEqual([co.userId]);
  });
});

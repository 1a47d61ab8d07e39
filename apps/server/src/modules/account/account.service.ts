import type { TMe, TUpdateMeBody } from '@tillit/contracts';
import { verifyPassword } from 'better-auth/crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import {
  accountDeletions,
  accounts,
  members,
  sessions,
  teamMembers,
  teams,
  users,
  workspaces,
} from '../../db/schema/index.ts';
import { APP_ROLE, withTenant } from '../../db/tenant.ts';
import type { SignedIn } from '../../http/auth-context.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { appendAudit, recordAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { listMyWorkspaces } from '../workspaces/workspaces.service.ts';

/** P-ACC-1, P-ACC-2: everything the account holds, in one view. */
export async function getMe(services: Services, userId: string, activeWorkspaceId: string | null): Promise<TMe> {
  const db = services.database.db;
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u || u.deletedAt) throw notFound('The account');
  const mine = await listMyWorkspaces(db, u.id);
  const withTeams = [];
  for (const w of mine) {
    const myTeams = await withTenant(db, { workspaceId: w.workspaceId, userId: u.id }, (tx) =>
      tx
        .select({ teamId: teams.teamId, name: teams.name })
        .from(teamMembers)
        .innerJoin(teams, and(eq(teams.workspaceId, teamMembers.workspaceId), eq(teams.teamId, teamMembers.teamId)))
        .where(and(eq(teamMembers.workspaceId, w.workspaceId), eq(teamMembers.userId, u.id)))
        .orderBy(teams.name),
    );
    withTeams.push({ ...w, teams: myTeams });
  }
  return {
    id: u.id,
    email: u.email,
    emailVerified: u.emailVerified,
    firstName: u.firstName,
    lastName: u.lastName,
    phone: u.phone,
    address: { street: u.street, state: u.state, postalCode: u.postalCode, city: u.city, country: u.country },
    locale: u.locale,
    twoFactorEnabled: u.twoFactorEnabled,
    isInstanceAdmin: u.isInstanceAdmin,
    createdAt: u.createdAt.toISOString(),
    activeWorkspaceId,
    workspaces: withTeams,
  };
}

/** P-ACC-2: the user corrects their own details. The email address changes only through
 *  better-auth's change-email, which verifies the new address first. */
export async function updateMe(services: Services, signedIn: SignedIn, patch: TUpdateMeBody): Promise<TMe> {
  const db = services.database.db;
  const set: Partial<typeof users.$inferInsert> = {};
  if (patch.firstName !== undefined) set.firstName = patch.firstName;
  if (patch.lastName !== undefined) set.lastName = patch.lastName;
  if (patch.phone !== undefined) set.phone = patch.phone;
  if (patch.locale !== undefined) set.locale = patch.locale;
  const a = patch.address;
  if (a) {
    if (a.street !== undefined) set.street = emptyToNull(a.street);
    if (a.state !== undefined) set.state = emptyToNull(a.state);
    if (a.postalCode !== undefined) set.postalCode = emptyToNull(a.postalCode);
    if (a.city !== undefined) set.city = emptyToNull(a.city);
    if (a.country !== undefined) set.country = a.country;
  }
  const changed = Object.keys(set);
  if (changed.length > 0) {
    await db.transaction(async (tx) => {
      const [u] = await tx.select().from(users).where(eq(users.id, signedIn.user.id)).for('update');
      if (!u || u.deletedAt) throw notFound('The account');
      const first = set.firstName ?? u.firstName;
      const last = set.lastName ?? u.lastName;
      await tx
        .update(users)
        .set({ ...set, name: `${first} ${last}`.trim(), updatedAt: services.clock.now() })
        .where(eq(users.id, u.id));
    });
    // Which fields changed, never their values: the chain keeps no contact data.
    for (const w of await listMyWorkspaces(db, signedIn.user.id)) {
      await recordAudit(
        db,
        w.workspaceId,
        {
          actor: { kind: 'user', id: signedIn.user.id },
          action: 'account.updated',
          target: { type: 'user', id: signedIn.user.id },
          subjectUserId: signedIn.user.id,
          details: { fields: changed.sort() },
        },
        services.clock.now(),
      );
    }
  }
  return getMe(services, signedIn.user.id, signedIn.session.activeWorkspaceId);
}

function emptyToNull(v: string | null): string | null {
  return v === null || v === '' ? null : v;
}

/** Checks the account's password; a wrong one (or an account without one) is a 403. */
export async function checkPassword(services: Services, userId: string, password: string): Promise<void> {
  const rows = await services.database.db
    .select({ hash: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, 'credential')));
  const hash = rows[0]?.hash;
  const ok = hash ? await verifyPassword({ hash, password }).catch(() => false) : false;
  if (!ok) throw new AppError('wrong_password', 403, 'The password is not correct.', { password: 'is not correct' });
}

/** Switches an open transaction to one workspace's tenant scope (the settings of
 *  `withTenant`), so that one transaction can act in several workspaces. */
async function enterWorkspace(tx: Tx, workspaceId: string, userId: string): Promise<void> {
  await tx.execute(
    sql`select set_config('app.workspace_id', ${workspaceId}, true), set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`,
  );
}

/** The settings of `withUser`: no workspace, only the user's own membership rows. */
async function enterUserScope(tx: Tx, userId: string): Promise<void> {
  await tx.execute(
    sql`select set_config('app.workspace_id', '', true), set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`,
  );
}

export type DeletionResult = { purgeAfter: Date; workspacesDeleted: string[]; workspacesLeft: string[] };

/**
 * P-ACC-3: deletes the account. In one transaction: every session ends, every membership
 * goes (a workspace the user was alone in goes with it), the account is marked deleted and
 * the ledger says when the purge job must remove what is left.
 */
export async function deleteMyAccount(
  services: Services,
  signedIn: SignedIn,
  password: string,
  personal: { ip: string | null; userAgent: string | null },
): Promise<DeletionResult> {
  const userId = signedIn.user.id;
  await checkPassword(services, userId, password);
  const db = services.database.db;
  const now = services.clock.now();
  const purgeAfter = new Date(now.getTime() + services.config.accountPurgeDelayDays * DAY_MS);
  const workspacesDeleted: string[] = [];
  const workspacesLeft: string[] = [];
  await db.transaction(async (tx) => {
    // The users row is locked first: a second deletion of the same account waits here and
    // then finds it deleted, instead of overwriting the ledger.
    const [self] = await tx
      .select({ deletedAt: users.deletedAt })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!self || self.deletedAt) throw new AppError('already_deleted', 409, 'This account is deleted already.');
    await enterUserScope(tx, userId);
    const mine = await tx
      .select({ workspaceId: members.workspaceId, role: members.role, name: workspaces.name })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.workspaceId, members.workspaceId))
      .where(eq(members.userId, userId))
      .orderBy(members.workspaceId);
    const blocking: string[] = [];
    const plan: { workspaceId: string; alone: boolean }[] = [];
    for (const w of mine) {
      await enterWorkspace(tx, w.workspaceId, userId);
      const rows = await tx
        .select({ userId: members.userId, role: members.role })
        .from(members)
        .where(eq(members.workspaceId, w.workspaceId))
        .for('update');
      const others = rows.filter((r) => r.userId !== userId);
      const otherOwners = others.filter((r) => r.role === 'owner');
      if (w.role === 'owner' && others.length > 0 && otherOwners.length === 0) blocking.push(w.name);
      plan.push({ workspaceId: w.workspaceId, alone: others.length === 0 });
    }
    if (blocking.length > 0) {
      throw new AppError(
        'last_owner',
        409,
        `You are the only owner of ${blocking.map((n) => `"${n}"`).join(', ')}. Make another member an owner, or remove the other members, first.`,
      );
    }
    for (const p of plan) {
      await enterWorkspace(tx, p.workspaceId, userId);
      await appendAudit(
        tx,
        p.workspaceId,
        {
          actor: { kind: 'user', id: userId },
          action: 'account.deleted',
          target: { type: 'user', id: userId },
          subjectUserId: userId,
          details: { workspaceDeleted: p.alone },
          personal,
        },
        now,
      );
      await tx.delete(members).where(and(eq(members.workspaceId, p.workspaceId), eq(members.userId, userId)));
      if (p.alone) {
        await tx.delete(workspaces).where(eq(workspaces.workspaceId, p.workspaceId));
        workspacesDeleted.push(p.workspaceId);
      } else {
        workspacesLeft.push(p.workspaceId);
      }
    }
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    await tx.update(users).set({ deletedAt: now, updatedAt: now }).where(eq(users.id, userId));
    await tx
      .insert(accountDeletions)
      .values({ userId, requestedAt: now, purgeAfter, workspaceIds: mine.map((w) => w.workspaceId) })
      .onConflictDoNothing();
  });
  return { purgeAfter, workspacesDeleted, workspacesLeft };
}

import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { members, users } from '../db/schema/index.ts';
import { withUser } from '../db/tenant.ts';
import type { Clock } from '../lib/clock.ts';
import { INSTANCE_SCOPE } from '../lib/ids.ts';
import { recordAudit } from '../privacy/audit/audit.service.ts';
import type { SignInAttempt } from './auth.ts';

/** The workspaces a user belongs to (their audit chains receive the user's security events). */
export async function workspacesOfUser(db: Db, userId: string): Promise<string[]> {
  return withUser(db, userId, async (tx) => {
    const rows = await tx.select({ id: members.workspaceId }).from(members).where(eq(members.userId, userId));
    return rows.map((r) => r.id);
  });
}

/**
 * Records a sign-in attempt in the audit chain of every workspace of the user, so that the
 * admins of each see their members' sign-ins and failed attempts. An attempt on an unknown
 * address goes to the instance's own chain.
 */
export function createSignInAuditor(db: Db, clock: Clock) {
  return async (attempt: SignInAttempt): Promise<void> => {
    let userId = attempt.userId;
    if (!userId && attempt.email) {
      const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, attempt.email)).limit(1);
      userId = u?.id ?? null;
    }
    const event = {
      actor: userId ? { kind: 'user' as const, id: userId } : { kind: 'anonymous' as const },
      action: attempt.ok ? (attempt.method === 'sign_up' ? 'auth.signed_up' : 'auth.sign_in') : 'auth.sign_in_failed',
      subjectUserId: userId,
      details: { method: attempt.method, ...(attempt.reason ? { reason: attempt.reason } : {}) },
      personal: { ip: attempt.ip, userAgent: attempt.userAgent, email: userId ? null : attempt.email },
    };
    const chains = userId ? await workspacesOfUser(db, userId) : [];
    if (chains.length === 0) chains.push(INSTANCE_SCOPE);
    for (const workspaceId of chains) await recordAudit(db, workspaceId, event, clock.now());
  };
}

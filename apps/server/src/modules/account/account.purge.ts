import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { accountDeletions, outboxMessages, users, verifications } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { erasePersonalDetails } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';

export type PurgeResult = { purged: number; auditEntriesScrubbed: number };

/**
 * P-ACC-3: removes what is left of each deleted account whose purge date has come. The
 * users row goes (its sessions, sign-in methods, two-factor secrets and passkeys cascade),
 * then mail and verification tokens that carry the address, then the personal details of
 * the audit entries about the user in every workspace they were in and in the instance's
 * own chain. The audit entries themselves stay, so every chain still verifies. Safe to run
 * again: each step is a no-op the second time and `purged_at` is set last.
 */
export async function purgeDeletedAccounts(services: Services): Promise<PurgeResult> {
  const db = services.database.db;
  const now = services.clock.now();
  const due = await db
    .select()
    .from(accountDeletions)
    .where(and(isNull(accountDeletions.purgedAt), lte(accountDeletions.purgeAfter, now)));
  let auditEntriesScrubbed = 0;
  for (const deletion of due) {
    const userId = deletion.userId;
    await db.transaction(async (tx) => {
      const [u] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
      if (u) {
        const email = u.email.toLowerCase();
        await tx
          .delete(verifications)
          .where(
            or(
              eq(verifications.value, userId),
              sql`position(${email} in lower(${verifications.identifier})) > 0`,
              sql`position(${email} in lower(${verifications.value})) > 0`,
            ),
          );
        await tx.delete(outboxMessages).where(sql`lower(${outboxMessages.toAddress}) = ${email}`);
        await tx.delete(users).where(eq(users.id, userId));
      } else {
        await tx.delete(verifications).where(eq(verifications.value, userId));
      }
    });
    for (const workspaceId of new Set([...deletion.workspaceIds, INSTANCE_SCOPE])) {
      auditEntriesScrubbed += await withTenant(db, { workspaceId }, (tx) =>
        erasePersonalDetails(tx, workspaceId, userId),
      );
    }
    await db.update(accountDeletions).set({ purgedAt: now }).where(eq(accountDeletions.userId, userId));
  }
  return { purged: due.length, auditEntriesScrubbed };
}

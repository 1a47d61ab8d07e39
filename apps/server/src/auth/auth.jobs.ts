import { lt } from 'drizzle-orm';
import { z } from 'zod';
import { outboxMessages, rateLimits, sessions, verifications } from '../db/schema/index.ts';
import { defineJob } from '../jobs/jobs.registry.ts';
import { DAY_MS } from '../lib/clock.ts';
import type { Services } from '../services.ts';

/** How long the short-lived records of signing in are kept once they are of no use. */
export const AUTH_LEFTOVERS = {
  /** Rate-limit counters hold client IPs; a window is at most a minute. */
  rateLimitDays: 1,
  /** The dev outbox exists to read a message soon after it is sent. */
  outboxDays: 30,
} as const;

/**
 * Removes what signing in leaves behind: expired sessions and verification tokens,
 * rate-limit counters (which hold client IP addresses) and old dev-outbox mail.
 */
export async function cleanAuthLeftovers(services: Services): Promise<Record<string, number>> {
  const db = services.database.db;
  const now = services.clock.now();
  const expiredSessions = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id });
  const expiredTokens = await db
    .delete(verifications)
    .where(lt(verifications.expiresAt, now))
    .returning({ id: verifications.id });
  const counters = await db
    .delete(rateLimits)
    .where(lt(rateLimits.lastRequest, now.getTime() - AUTH_LEFTOVERS.rateLimitDays * DAY_MS))
    .returning({ id: rateLimits.id });
  const mail = await db
    .delete(outboxMessages)
    .where(lt(outboxMessages.createdAt, new Date(now.getTime() - AUTH_LEFTOVERS.outboxDays * DAY_MS)))
    .returning({ id: outboxMessages.id });
  return {
    sessions: expiredSessions.length,
    verifications: expiredTokens.length,
    rateLimits: counters.length,
    outboxMessages: mail.length,
  };
}

/** Daily at 03:10 UTC. */
export const cleanAuthLeftoversJob = defineJob({
  name: 'auth.clean-leftovers',
  version: 1,
  payload: z.object({}).strict(),
  cron: '10 3 * * *',
  handler: async (services) => cleanAuthLeftovers(services),
});

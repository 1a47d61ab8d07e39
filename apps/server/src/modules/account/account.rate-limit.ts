import { sql } from 'drizzle-orm';
import { rateLimits } from '../../db/schema/index.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Services } from '../../services.ts';

/**
 * Sign-ups go through our own route and call better-auth on the server, which skips
 * better-auth's per-IP rate limit; without one, a script could create accounts and send
 * verification mail as fast as it likes. This counts attempts per client IP in the same
 * table and with the same allowance as password sign-ins (`signInMax` per minute).
 */
export async function limitSignUps(services: Services, ip: string | null): Promise<void> {
  const rule = services.auth.options.rateLimit?.customRules?.['/sign-in/email'];
  const max = rule && typeof rule === 'object' ? rule.max : 10;
  const windowMs = (rule && typeof rule === 'object' ? rule.window : 60) * 1000;
  const now = services.clock.now().getTime();
  const key = `tillit|${ip ?? 'unknown'}|/account/sign-up`;
  const [row] = await services.database.db
    .insert(rateLimits)
    .values({ id: newId(now), key, count: 1, lastRequest: now })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.lastRequest} <= ${now - windowMs} then 1 else ${rateLimits.count} + 1 end`,
        lastRequest: sql`case when ${rateLimits.lastRequest} <= ${now - windowMs} then ${now} else ${rateLimits.lastRequest} end`,
      },
    })
    .returning({ count: rateLimits.count });
  if ((row?.count ?? 0) > max) {
    throw new AppError('rate_limited', 429, 'Too many sign-ups from this address. Try again in a minute.');
  }
}

import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';
import { outboxMessages, rateLimits, sessions, verifications } from '../db/schema/index.ts';
import { runJob } from '../jobs/jobs.registry.ts';
import { DAY_MS } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import { setUpInstance } from '../modules/account/account.testing.ts';
import { cleanAuthLeftoversJob } from './auth.jobs.ts';

describeEachDatabase('cleaning what signing in leaves behind', (env) => {
  it('removes expired sessions and tokens, day-old rate-limit counters (client IPs) and month-old outbox mail', async () => {
    const { services } = env();
    const db = services.database.db;
    const { client } = await setUpInstance(env());
    const now = services.clock.now();
    await db.insert(rateLimits).values([
      { id: newId(), key: '203.0.113.7/sign-in/email', count: 3, lastRequest: now.getTime() - 2 * DAY_MS },
      { id: newId(), key: '203.0.113.8/sign-in/email', count: 1, lastRequest: now.getTime() },
    ]);
    await db.insert(verifications).values({
      id: newId(),
      identifier: 'old',
      value: 'x',
      expiresAt: new Date(now.getTime() - 1000),
    });
    await db.insert(outboxMessages).values({
      id: newId(),
      kind: 'test',
      toAddress: 'old@example.test',
      subject: 's',
      textBody: 't',
      createdAt: new Date(now.getTime() - 31 * DAY_MS),
    });
    // Sessions last 14 days from the real time (better-auth reads the real clock); move ours
    // past that.
    const before = await db.select().from(sessions);
    expect(before.length).toBeGreaterThan(0);
    const first = await runJob(services, cleanAuthLeftoversJob, {});
    expect(first).toMatchObject({ rateLimits: 1, verifications: 1, outboxMessages: 1 });
    expect((await client.get('/api/account/me')).status).toBe(200);
    const keys = (await db.select().from(rateLimits)).map((r) => r.key);
    expect(keys).not.toContain('203.0.113.7/sign-in/email');
    env().clock.set(new Date(Date.now() + 15 * DAY_MS));
    const later = await runJob(services, cleanAuthLeftoversJob, {});
    expect(later.sessions).toBeGreaterThanOrEqual(before.length);
    expect(await db.select().from(sessions)).toHaveLength(0);
    // A second run finds nothing left to do.
    expect(await runJob(services, cleanAuthLeftoversJob, {})).toEqual({
      sessions: 0,
      verifications: 0,
      rateLimits: 0,
      outboxMessages: 0,
    });
  });
});

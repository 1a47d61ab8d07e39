import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { auditEntries, notifications, people } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { runRetentionCommand } from './retention.cli.ts';
import { enforceRetention } from './retention.enforce.ts';

describeEachDatabase('retention run limited to some rules (operator command)', (get) => {
  let env: TestEnv;
  let w: CrmWorkspace;
  beforeAll(async () => {
    env = get();
    w = await crmWorkspace(env, 'RetentionCli');
  });
  const db = () => env.services.database.db;

  it('[P-RET-1] a run of the trash rule alone purges the trash, leaves what other rules would take, and says so in the chain', async () => {
    const trashed = await makePerson(w.owner.client, { firstName: 'Binned' });
    expect((await w.owner.client.delete(`/api/v1/people/${trashed.id}`)).status).toBe(200);
    const notificationId = newId(env.clock.now().getTime());
    await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx.insert(notifications).values({
        workspaceId: w.workspaceId,
        notificationId,
        userId: w.member.userId,
        kind: 'task.reminder',
        createdAt: env.clock.now(),
      }),
    );
    env.clock.advance(120 * DAY_MS);

    const result = await enforceRetention(env.services, { workspaceId: w.workspaceId, rules: ['trash'] });
    expect(result.rows).toBeGreaterThanOrEqual(1);
    const state = await withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => ({
      person: await tx
        .select()
        .from(people)
        .where(and(eq(people.workspaceId, w.workspaceId), eq(people.personId, trashed.id))),
      notification: await tx
        .select()
        .from(notifications)
        .where(and(eq(notifications.workspaceId, w.workspaceId), eq(notifications.notificationId, notificationId))),
      run: await tx
        .select({ details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'retention.run')))
        .orderBy(desc(auditEntries.seq))
        .limit(1),
    }));
    expect(state.person).toHaveLength(0);
    // 120 days is past the notifications rule's 90, but that rule was not asked for.
    expect(state.notification).toHaveLength(1);
    const details = state.run[0]?.details as { only?: string[]; rules: Record<string, unknown> };
    expect(details.only).toEqual(['trash']);
    expect(Object.keys(details.rules)).toEqual(['trash']);

    // A full run afterwards takes the rest.
    await enforceRetention(env.services, { workspaceId: w.workspaceId });
    const left = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(notifications)
        .where(and(eq(notifications.workspaceId, w.workspaceId), eq(notifications.notificationId, notificationId))),
    );
    expect(left).toHaveLength(0);
  });

  it('refuses an unknown rule or argument before touching the database, naming it', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      // The config is never used: validation fails first.
      expect(await runRetentionCommand({} as never, ['--rule=no.such.rule'])).toBe(2);
      expect(await runRetentionCommand({} as never, ['--workspace=abc'])).toBe(2);
      expect(await runRetentionCommand({} as never, ['--everything'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/rules\.0: must be one of .*trash/);
    expect(errors.join('\n')).toMatch(/workspace: must be a workspace id/);
    expect(errors.join('\n')).toMatch(/--everything: unknown argument/);
  });
});

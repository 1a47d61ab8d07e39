import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { makePerson } from '../../modules/people/people.test-helpers.ts';
import { ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';
import { erasePerson } from '../erasure/erasure.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { purposeAllows, recordObjection } from '../purposes/purposes.service.ts';
import { currentNotice, publishNotice } from '../register/notice.service.ts';
import { restrictPerson } from '../restriction/restriction.service.ts';
import { consentHistory, consentStateAt, recordConsent } from './consent.service.ts';

function inWs<T>(env: TestEnv, workspaceId: string, fn: (tx: Tx, ctx: PrivacyCtx) => Promise<T>): Promise<T> {
  const now = env.clock.now();
  return withTenant(env.services.database.db, { workspaceId }, (tx) =>
    fn(tx, { workspaceId, actor: { kind: 'system' }, now }),
  );
}

/** drizzle wraps the database error; the trigger's message is in its cause. */
const refusedAsAppendOnly = (e: unknown) => {
  const err = e as { message?: string; cause?: { message?: string } };
  return /append-only/.test(`${err.message} ${err.cause?.message ?? ''}`);
};

describeEachDatabase('the consent ledger', (env) => {
  it('[P-CK-2] records each choice with its time and the notice version it answered; state as of any past date', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Ledger');
    const person = await makePerson(owner.client);
    const t0 = env().clock.now();
    const v1 = await inWs(env(), workspaceId, (tx, ctx) => currentNotice(tx, workspaceId, ctx.now));
    const given = await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, {
        personId: person.id,
        purpose: 'marketing.email',
        state: 'given',
        method: 'web_form',
        noticeVersion: v1.version,
        noticeTextHash: v1.textHash,
        ip: '192.0.2.7',
        userAgent: 'Test/1.0',
        evidence: { form: 'newsletter-signup', checkbox: 'unticked by default' },
      }),
    );
    expect(given.recordedAt.toISOString()).toBe(t0.toISOString());
    expect(given).toMatchObject({ noticeVersion: 1, noticeTextHash: v1.textHash, ip: '192.0.2.7', method: 'web_form' });

    env().clock.advance(10 * DAY_MS);
    const v2 = await inWs(env(), workspaceId, (tx, ctx) =>
      publishNotice(tx, ctx, 'A new privacy notice, version two, with a longer text.'),
    );
    expect(v2.version).toBe(2);
    env().clock.advance(10 * DAY_MS);
    const t20 = env().clock.now();
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: person.id, purpose: 'marketing.email', state: 'withdrawn', method: 'api' }),
    );

    const at = (d: Date) => inWs(env(), workspaceId, (tx) => consentStateAt(tx, workspaceId, person.id, d));
    expect((await at(new Date(t0.getTime() - 1))).get('marketing.email')).toBeUndefined();
    expect((await at(t0)).get('marketing.email')).toMatchObject({ state: 'given', noticeVersion: 1 });
    expect((await at(new Date(t0.getTime() + 15 * DAY_MS))).get('marketing.email')?.state).toBe('given');
    expect((await at(t20)).get('marketing.email')).toMatchObject({ state: 'withdrawn', noticeVersion: 2 });

    const history = await inWs(env(), workspaceId, (tx) => consentHistory(tx, workspaceId, person.id, { limit: 10 }));
    expect(history.records.map((r) => r.state)).toEqual(['withdrawn', 'given']);
  });

  it('[P-CK-2] a notice text that does not match the version is refused; an import needs its proof', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Proofs');
    const person = await makePerson(owner.client);
    await expect(
      inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, {
          personId: person.id,
          purpose: 'marketing.email',
          state: 'given',
          method: 'web_form',
          noticeTextHash: 'f'.repeat(64),
        }),
      ),
    ).rejects.toMatchObject({ code: 'validation_failed', fields: { noticeTextHash: expect.any(String) } });
    await expect(
      inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, {
          personId: person.id,
          purpose: 'marketing.email',
          state: 'given',
          method: 'import_with_proof',
        }),
      ),
    ).rejects.toMatchObject({ code: 'validation_failed', fields: { proof: expect.any(String) } });
    await expect(
      inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, { personId: person.id, purpose: 'crm.relationship', state: 'given', method: 'api' }),
      ),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      fields: { purposeKey: expect.stringContaining('legitimate') },
    });
  });

  it('[P-CK-2] the ledger is append-only: the database refuses to change a record or remove part of a ledger', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Append');
    const person = await makePerson(owner.client);
    const other = await makePerson(owner.client);
    for (const [p, state] of [
      [person, 'given'],
      [person, 'withdrawn'],
      [other, 'given'],
    ] as const) {
      env().clock.advance(1000);
      await inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, { personId: p.id, purpose: 'marketing.email', state, method: 'verbal' }),
      );
    }
    await expect(
      inWs(env(), workspaceId, (tx) => tx.execute(sql`update consent_records set state = 'given'`)),
    ).rejects.toSatisfy(refusedAsAppendOnly);
    // Removing the withdrawal would make the ledger say "given" again: refused.
    await expect(
      inWs(env(), workspaceId, (tx) =>
        tx.execute(sql`delete from consent_records where workspace_id = ${workspaceId} and state = 'withdrawn'`),
      ),
    ).rejects.toSatisfy(refusedAsAppendOnly);
    const state = await inWs(env(), workspaceId, (tx, ctx) => consentStateAt(tx, workspaceId, person.id, ctx.now));
    expect(state.get('marketing.email')?.state).toBe('withdrawn');
    // A duplicate merge may re-point the records to the surviving person, and only that.
    await inWs(env(), workspaceId, (tx) =>
      tx.execute(
        sql`update consent_records set person_id = ${other.id} where workspace_id = ${workspaceId} and person_id = ${person.id}`,
      ),
    );
    // Erasure removes a person's whole ledger; the person's deletion takes it with it too.
    await inWs(env(), workspaceId, (tx) =>
      tx.execute(sql`delete from consent_records where workspace_id = ${workspaceId} and person_id = ${other.id}`),
    );
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: other.id, purpose: 'marketing.email', state: 'given', method: 'verbal' }),
    );
    await inWs(env(), workspaceId, (tx) =>
      tx.execute(sql`delete from people where workspace_id = ${workspaceId} and person_id = ${other.id}`),
    );
    const left = await inWs(env(), workspaceId, (tx) =>
      tx.execute(sql`select count(*)::int as n from consent_records where workspace_id = ${workspaceId}`),
    );
    expect((left as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });

  it('[P-DSR-6] a consent can be withdrawn at any time, and processing for that purpose stops at once', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Withdraw');
    const a = await makePerson(owner.client);
    const b = await makePerson(owner.client);
    const c = await makePerson(owner.client);
    for (const p of [a, b]) {
      await inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, { personId: p.id, purpose: 'marketing.email', state: 'given', method: 'web_form' }),
      );
    }
    const allowed = () =>
      inWs(env(), workspaceId, (tx, ctx) =>
        purposeAllows(tx, workspaceId, [a.id, b.id, c.id], 'marketing.email', ctx.now),
      );
    expect([...(await allowed())].sort()).toEqual([a.id, b.id].sort());
    env().clock.advance(1000);
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: b.id, purpose: 'marketing.email', state: 'withdrawn', method: 'api' }),
    );
    expect([...(await allowed())]).toEqual([a.id]);
  });
  it('[P-DSR-6] erasure takes the whole consent ledger, restrictions and objections of the person with it', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'EraseLedger');
    const person = await makePerson(owner.client);
    await inWs(env(), workspaceId, async (tx, ctx) => {
      await recordConsent(tx, ctx, {
        personId: person.id,
        purpose: 'marketing.email',
        state: 'given',
        method: 'verbal',
      });
      await recordConsent(
        tx,
        { ...ctx, now: new Date(ctx.now.getTime() + 1) },
        {
          personId: person.id,
          purpose: 'marketing.email',
          state: 'withdrawn',
          method: 'api',
        },
      );
      await restrictPerson(tx, ctx, person.id, { reason: 'pending' });
      await recordObjection(tx, ctx, person.id, { scope: 'profiling' });
    });
    await inWs(env(), workspaceId, (tx) =>
      erasePerson(tx, { services: env().services, workspaceId, actor: { kind: 'system' } }, person.id, {
        reason: 'the person asked',
      }),
    );
    const counts = await inWs(env(), workspaceId, (tx) =>
      tx.execute(sql`select (select count(*)::int from consent_records where workspace_id = ${workspaceId}) as c,
                            (select count(*)::int from person_restrictions where workspace_id = ${workspaceId}) as r,
                            (select count(*)::int from person_objections where workspace_id = ${workspaceId}) as o`),
    );
    expect((counts as unknown as { rows: unknown[] }).rows[0]).toEqual({ c: 0, r: 0, o: 0 });
  });
});

import type { TConsentStateAt } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import { auditEntries, consentRecords } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { makePerson } from '../../modules/people/people.test-helpers.ts';
import { ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { assertPurposeAllowed, createPurpose, purposeAllows } from '../purposes/purposes.service.ts';
import { expireConsentsJob } from './consent.jobs.ts';
import { consentExpiry, consentHistory, consentStateAt, currentConsent, recordConsent } from './consent.service.ts';

function inWs<T>(env: TestEnv, workspaceId: string, fn: (tx: Tx, ctx: PrivacyCtx) => Promise<T>): Promise<T> {
  const now = env.clock.now();
  return withTenant(env.services.database.db, { workspaceId }, (tx) =>
    fn(tx, { workspaceId, actor: { kind: 'system' }, now }),
  );
}

describeEachDatabase('consent expiry and the order of the ledger', (env) => {
  it('[P-CK-2] [P-LB-1] a marketing consent lapses 24 months after it was given: the state reads expired from then on without a write, and the consent check refuses it', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Lapse');
    const person = await makePerson(owner.client);
    const t0 = env().clock.now();
    const given = await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: person.id, purpose: 'marketing.email', state: 'given', method: 'web_form' }),
    );
    const expiry = consentExpiry(24, t0) as Date;
    expect(given.expiresAt?.toISOString()).toBe(expiry.toISOString());
    const months = (expiry.getUTCFullYear() - t0.getUTCFullYear()) * 12 + expiry.getUTCMonth() - t0.getUTCMonth();
    expect(months).toBe(24);

    // The API shows the expiry, and the state as of any date: given before it, expired from it.
    const state = async (at: Date) =>
      (
        await owner.client.get<TConsentStateAt>(
          `/api/v1/people/${person.id}/consents/state?at=${encodeURIComponent(at.toISOString())}`,
        )
      ).body.items.find((i) => i.purposeKey === 'marketing.email');
    expect(await state(new Date(expiry.getTime() - 1))).toMatchObject({
      state: 'given',
      expiresAt: expiry.toISOString(),
    });
    expect(await state(expiry)).toMatchObject({ state: 'expired', recordId: given.recordId });
    const history = await owner.client.get<{ items: { state: string; expiresAt: string | null }[] }>(
      `/api/v1/people/${person.id}/consents`,
    );
    expect(history.body.items).toEqual([expect.objectContaining({ state: 'given', expiresAt: expiry.toISOString() })]);

    const allowed = () =>
      inWs(env(), workspaceId, (tx, ctx) => purposeAllows(tx, workspaceId, [person.id], 'marketing.email', ctx.now));
    expect([...(await allowed())]).toEqual([person.id]);
    env().clock.set(new Date(expiry.getTime() - 1));
    expect([...(await allowed())]).toEqual([person.id]);
    env().clock.set(expiry);
    expect([...(await allowed())]).toEqual([]);
    await expect(
      inWs(env(), workspaceId, (tx, ctx) =>
        assertPurposeAllowed(tx, workspaceId, person.id, 'marketing.email', ctx.now),
      ),
    ).rejects.toMatchObject({ code: 'purpose_not_allowed', message: expect.stringContaining('expired') });
    const current = await inWs(env(), workspaceId, (tx, ctx) =>
      currentConsent(tx, workspaceId, person.id, 'marketing.email', ctx.now),
    );
    expect(current?.state).toBe('expired');
    // Nothing was written: the ledger still holds the one record.
    const rows = await inWs(env(), workspaceId, (tx) =>
      tx.select().from(consentRecords).where(eq(consentRecords.workspaceId, workspaceId)),
    );
    expect(rows.map((r) => r.state)).toEqual(['given']);

    // A consent given again starts a new lifetime and is honoured at once.
    env().clock.advance(DAY_MS);
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: person.id, purpose: 'marketing.email', state: 'given', method: 'api' }),
    );
    expect([...(await allowed())]).toEqual([person.id]);
  });

  it('[P-CK-2] [P-LB-1] the daily consent.expire job appends one expired record per lapsed consent, shown in the history and the audit log; a second run adds nothing', async () => {
    env().clock.set(new Date('2031-03-31T10:00:00Z'));
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'ExpireJob');
    const lapsing = await makePerson(owner.client);
    const withdrawn = await makePerson(owner.client);
    const renewed = await makePerson(owner.client);
    const custom = await makePerson(owner.client);
    await inWs(env(), workspaceId, async (tx, ctx) => {
      await createPurpose(tx, ctx, {
        key: 'custom.events',
        name: 'Event invitations',
        description: '',
        legalBasis: 'consent',
        kind: 'direct_marketing',
        categories: ['user.name', 'user.contact.email'],
        retention: 'While the consent lasts.',
        retentionDays: null,
        consentMonths: 3,
        objectable: true,
      });
      for (const p of [lapsing, withdrawn, renewed]) {
        await recordConsent(tx, ctx, {
          personId: p.id,
          purpose: 'marketing.email',
          state: 'given',
          method: 'web_form',
        });
      }
      await recordConsent(tx, ctx, { personId: custom.id, purpose: 'custom.events', state: 'given', method: 'verbal' });
      await recordConsent(tx, ctx, {
        personId: lapsing.id,
        purpose: 'analytics.product',
        state: 'given',
        method: 'api',
      });
    });
    const t0 = env().clock.now();
    env().clock.advance(DAY_MS);
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: withdrawn.id, purpose: 'marketing.email', state: 'withdrawn', method: 'api' }),
    );
    env().clock.set(new Date('2032-03-01T10:00:00Z'));
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: renewed.id, purpose: 'marketing.email', state: 'given', method: 'api' }),
    );

    // 31 March + 3 months is 30 June; + 12 months is 31 March 2032; + 24 months 31 March 2033.
    expect(consentExpiry(3, t0)?.toISOString()).toBe('2031-06-30T10:00:00.000Z');
    const job = () => runJob(env().services, expireConsentsJob, {});
    const expiredIn = async () =>
      (
        await inWs(env(), workspaceId, (tx) =>
          tx
            .select()
            .from(consentRecords)
            .where(and(eq(consentRecords.workspaceId, workspaceId), eq(consentRecords.state, 'expired'))),
        )
      )
        .map((r) => `${r.personId}:${r.purposeKey}:${r.recordedAt.toISOString()}`)
        .sort();

    env().clock.set(new Date('2033-04-01T03:20:00Z'));
    await job();
    expect(await expiredIn()).toEqual(
      [
        `${custom.id}:custom.events:2031-06-30T10:00:00.000Z`,
        `${lapsing.id}:analytics.product:2032-03-31T10:00:00.000Z`,
        `${lapsing.id}:marketing.email:2033-03-31T10:00:00.000Z`,
      ].sort(),
    );
    // Idempotent: the next day's run finds nothing new in this workspace.
    env().clock.advance(DAY_MS);
    await job();
    expect(await expiredIn()).toHaveLength(3);

    const history = await inWs(env(), workspaceId, (tx) => consentHistory(tx, workspaceId, lapsing.id, { limit: 10 }));
    expect(history.records.map((r) => [r.purposeKey, r.state, r.actorKind])).toEqual([
      ['marketing.email', 'expired', 'system'],
      ['analytics.product', 'expired', 'system'],
      ['analytics.product', 'given', 'system'],
      ['marketing.email', 'given', 'system'],
    ]);
    const audit = await inWs(env(), workspaceId, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, workspaceId), eq(auditEntries.action, 'privacy.consent_expired'))),
    );
    expect(audit).toHaveLength(3);
    expect(
      audit.find(
        (e) => e.targetId === lapsing.id && (e.details as { purposeKey: string }).purposeKey === 'marketing.email',
      )?.details,
    ).toMatchObject({
      purposeKey: 'marketing.email',
      expiresAt: '2033-03-31T10:00:00.000Z',
    });
    // The state as of a date before the job ran reads the same as after: expired from the expiry.
    const states = await inWs(env(), workspaceId, (tx) =>
      consentStateAt(tx, workspaceId, lapsing.id, new Date('2033-03-31T12:00:00Z')),
    );
    expect(states.get('marketing.email')?.state).toBe('expired');
    const allowed = await inWs(env(), workspaceId, (tx, ctx) =>
      purposeAllows(tx, workspaceId, [lapsing.id, withdrawn.id, renewed.id], 'marketing.email', ctx.now),
    );
    expect([...allowed]).toEqual([renewed.id]);
  });

  it('[P-CK-2] records with the same time resolve to the one appended later, for the state, the current consent and the check', async () => {
    env().clock.set(new Date('2034-01-01T00:00:00Z'));
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'SameMs');
    const person = await makePerson(owner.client);
    const at = env().clock.now();
    // Every record in the same millisecond; UUIDv7's random tail would order them by chance.
    for (const state of [
      'given',
      'withdrawn',
      'given',
      'withdrawn',
      'withdrawn',
      'given',
      'given',
      'withdrawn',
    ] as const) {
      await inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, { personId: person.id, purpose: 'marketing.email', state, method: 'api' }),
      );
      const seen = await inWs(env(), workspaceId, async (tx, ctx) => ({
        stateAt: (await consentStateAt(tx, workspaceId, person.id, at)).get('marketing.email')?.state,
        current: (await currentConsent(tx, workspaceId, person.id, 'marketing.email', ctx.now))?.state,
        allowed: (await purposeAllows(tx, workspaceId, [person.id], 'marketing.email', ctx.now)).has(person.id),
      }));
      expect(seen).toEqual({ stateAt: state, current: state, allowed: state === 'given' });
    }
  });

  it('[P-LB-1] a consent lifetime belongs to a purpose that rests on consent: 422 naming consentMonths otherwise', async () => {
    const { owner } = await ownerWithWorkspace(env(), 'Lifetime');
    const base = {
      key: 'custom.fair',
      name: 'Trade fair follow-up',
      legalBasis: 'legitimate_interest',
      kind: 'relationship',
      categories: ['user.name'],
      retention: 'One year.',
      objectable: true,
    };
    const bad = await owner.client.post('/api/privacy/purposes', { ...base, consentMonths: 6 });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('consentMonths');
    const zero = await owner.client.post('/api/privacy/purposes', { ...base, legalBasis: 'consent', consentMonths: 0 });
    expect(zero.status).toBe(422);
    expect(JSON.stringify(zero.body)).toContain('consentMonths');
    const ok = await owner.client.post<{ consentMonths: number | null }>('/api/privacy/purposes', {
      ...base,
      legalBasis: 'consent',
      consentMonths: 6,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.consentMonths).toBe(6);
    const listed = await owner.client.get<{ items: { key: string; consentMonths: number | null }[] }>(
      '/api/privacy/purposes',
    );
    expect(listed.body.items.find((p) => p.key === 'marketing.email')?.consentMonths).toBe(24);
    // Changing the basis away from consent while a lifetime is set is refused too.
    const changed = await owner.client.patch(`/api/privacy/purposes/${base.key}`, {
      legalBasis: 'legitimate_interest',
    });
    expect(changed.status).toBe(422);
    expect(JSON.stringify(changed.body)).toContain('consentMonths');
    // A change that does not name the lifetime (or the description) leaves them as they were.
    const renamed = await owner.client.patch<{ consentMonths: number | null; retentionDays: number | null }>(
      `/api/privacy/purposes/${base.key}`,
      { name: 'Trade fair follow-up (renamed)' },
    );
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Trade fair follow-up (renamed)', consentMonths: 6 });
  });
});

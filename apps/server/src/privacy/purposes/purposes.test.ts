import { LEGAL_BASES } from '@tillit/contracts';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { makePerson } from '../../modules/people/people.test-helpers.ts';
import { ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';
import { recordConsent } from '../consent/consent.service.ts';
import { DATA_CATEGORIES } from '../data-map/categories.ts';
import type { PrivacyCtx } from './privacy-context.ts';
import { readPeopleForPurpose } from './purposes.read.ts';
import {
  assertPurposeAllowed,
  BUILT_IN_PURPOSES,
  createPurpose,
  hasObjection,
  INTEGRATION_PROVIDERS,
  purposeAllows,
  purposeMayReadSource,
  recordObjection,
  withdrawObjection,
} from './purposes.service.ts';

function inWs<T>(env: TestEnv, workspaceId: string, fn: (tx: Tx, ctx: PrivacyCtx) => Promise<T>): Promise<T> {
  const now = env.clock.now();
  return withTenant(env.services.database.db, { workspaceId }, (tx) =>
    fn(tx, { workspaceId, actor: { kind: 'system' }, now }),
  );
}

describe('built-in purposes', () => {
  it('[P-LB-1] every purpose has a legal basis, known categories and a retention', () => {
    const keys = BUILT_IN_PURPOSES.map((p) => p.key);
    for (const k of [
      'crm.relationship',
      'marketing.email',
      'analytics.product',
      'enrichment',
      'ai.assist',
      'billing',
      'security',
      ...INTEGRATION_PROVIDERS.map((p) => `integration.${p}`),
    ]) {
      expect(keys).toContain(k);
    }
    for (const p of BUILT_IN_PURPOSES) {
      expect(LEGAL_BASES, p.key).toContain(p.legalBasis);
      expect(p.categories.length, p.key).toBeGreaterThan(0);
      for (const c of p.categories) expect(Object.keys(DATA_CATEGORIES), `${p.key}: ${c}`).toContain(c);
      expect(p.retention.length, p.key).toBeGreaterThan(5);
    }
  });

  it('[P-INT-9] advertising, sale, partner sharing and model training may never read Google or Microsoft data', () => {
    for (const kind of ['advertising', 'sale', 'partner_sharing', 'model_training'] as const) {
      for (const source of ['google', 'microsoft', 'integration.google', 'integration.microsoft', 'google.contacts']) {
        expect(purposeMayReadSource({ kind }, source), `${kind} / ${source}`).toBe(false);
      }
      expect(purposeMayReadSource({ kind }, 'manual')).toBe(true);
      expect(purposeMayReadSource({ kind }, 'carddav')).toBe(true);
    }
    expect(purposeMayReadSource({ kind: 'relationship' }, 'google')).toBe(true);
  });
});

describeEachDatabase('the processing check', (env) => {
  it('[P-INT-9] a workspace purpose of kind advertising skips people who came from Google or Microsoft', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Ads');
    const manual = await makePerson(owner.client);
    const fromGoogle = await makePerson(owner.client);
    const fromMicrosoft = await makePerson(owner.client);
    await inWs(env(), workspaceId, async (tx) => {
      await tx.execute(
        sql`update people set source = 'integration.google' where workspace_id = ${workspaceId} and person_id = ${fromGoogle.id}`,
      );
      await tx.execute(
        sql`update people set source = 'microsoft' where workspace_id = ${workspaceId} and person_id = ${fromMicrosoft.id}`,
      );
    });
    for (const [key, kind] of [
      ['custom.ads', 'advertising'],
      ['custom.partners', 'partner_sharing'],
      ['custom.train', 'model_training'],
      ['custom.sale', 'sale'],
    ] as const) {
      await inWs(env(), workspaceId, (tx, ctx) =>
        createPurpose(tx, ctx, {
          key,
          name: key,
          description: '',
          legalBasis: 'legitimate_interest',
          kind,
          categories: ['user.name'],
          retention: 'one year',
          retentionDays: 365,
          objectable: true,
        }),
      );
      const ids = [manual.id, fromGoogle.id, fromMicrosoft.id];
      const allowed = await inWs(env(), workspaceId, (tx, ctx) => purposeAllows(tx, workspaceId, ids, key, ctx.now));
      expect([...allowed], key).toEqual([manual.id]);
      await expect(
        inWs(env(), workspaceId, (tx, ctx) => assertPurposeAllowed(tx, workspaceId, fromGoogle.id, key, ctx.now)),
      ).rejects.toMatchObject({ code: 'purpose_not_allowed', message: expect.stringContaining('Google or Microsoft') });
    }
    const crm = await inWs(env(), workspaceId, (tx, ctx) =>
      purposeAllows(tx, workspaceId, [manual.id, fromGoogle.id], 'crm.relationship', ctx.now),
    );
    expect(crm.size).toBe(2);
  });

  it('[P-DSR-5] an objection to a legitimate-interest purpose stops it for that person; withdrawing it resumes', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Object');
    const a = await makePerson(owner.client);
    const b = await makePerson(owner.client);
    const ids = [a.id, b.id];
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordObjection(tx, ctx, b.id, { scope: 'legitimate_interest', purposeKey: 'enrichment' }),
    );
    const allows = (key: string) =>
      inWs(env(), workspaceId, (tx, ctx) => purposeAllows(tx, workspaceId, ids, key, ctx.now));
    expect([...(await allows('enrichment'))]).toEqual([a.id]);
    expect((await allows('crm.relationship')).size).toBe(2);
    // Security is not objectable (compelling grounds); an objection to all LI purposes leaves it.
    const all = await inWs(env(), workspaceId, (tx, ctx) =>
      recordObjection(tx, ctx, b.id, { scope: 'legitimate_interest', reason: 'no processing please' }),
    );
    expect([...(await allows('crm.relationship'))]).toEqual([a.id]);
    expect((await allows('security')).size).toBe(2);
    expect(
      await inWs(env(), workspaceId, (tx) => hasObjection(tx, workspaceId, b.id, 'legitimate_interest', 'ai.assist')),
    ).toBe(true);
    await inWs(env(), workspaceId, (tx, ctx) => withdrawObjection(tx, ctx, b.id, all.objectionId));
    expect((await allows('crm.relationship')).size).toBe(2);
    expect([...(await allows('enrichment'))]).toEqual([a.id]);
    await expect(
      inWs(env(), workspaceId, (tx, ctx) =>
        recordObjection(tx, ctx, b.id, { scope: 'legitimate_interest', purposeKey: 'security' }),
      ),
    ).rejects.toMatchObject({ code: 'validation_failed', fields: { purposeKey: expect.any(String) } });
  });

  it('[P-DSR-7] an objection to profiling and automated decisions stops every profiling purpose, whatever its basis', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Profiling');
    const a = await makePerson(owner.client);
    const b = await makePerson(owner.client);
    await inWs(env(), workspaceId, (tx, ctx) =>
      createPurpose(tx, ctx, {
        key: 'custom.lead_scoring',
        name: 'Lead scoring',
        description: 'Scores leads automatically',
        legalBasis: 'contract',
        kind: 'profiling',
        categories: ['user.employment', 'user.behavior.email_engagement'],
        retention: 'While the contract lasts',
        retentionDays: null,
        objectable: false,
      }),
    );
    const allows = () =>
      inWs(env(), workspaceId, (tx, ctx) =>
        purposeAllows(tx, workspaceId, [a.id, b.id], 'custom.lead_scoring', ctx.now),
      );
    expect((await allows()).size).toBe(2);
    await inWs(env(), workspaceId, (tx, ctx) => recordObjection(tx, ctx, a.id, { scope: 'profiling' }));
    expect([...(await allows())]).toEqual([b.id]);
  });

  it('[P-MKT-5] an objection to direct marketing sticks, even over a consent given later', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Marketing');
    const a = await makePerson(owner.client);
    await inWs(env(), workspaceId, (tx, ctx) => recordObjection(tx, ctx, a.id, { scope: 'direct_marketing' }));
    env().clock.advance(60_000);
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: a.id, purpose: 'marketing.email', state: 'given', method: 'web_form' }),
    );
    const allowed = await inWs(env(), workspaceId, (tx, ctx) =>
      purposeAllows(tx, workspaceId, [a.id], 'marketing.email', ctx.now),
    );
    expect(allowed.size).toBe(0);
    await expect(
      inWs(env(), workspaceId, (tx, ctx) => assertPurposeAllowed(tx, workspaceId, a.id, 'marketing.email', ctx.now)),
    ).rejects.toMatchObject({ code: 'purpose_not_allowed', message: expect.stringContaining('direct marketing') });
  });
  it('[P-LB-4] a purpose reads only the categories it lists: other columns are never selected, a category outside it is refused', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Minimal');
    const a = await makePerson(owner.client, {
      firstName: 'Mina',
      lastName: 'Mal',
      emails: [{ value: 'mina@example.com', type: 'work' }],
      phones: [{ value: '+4791234567', type: 'mobile' }],
      address: { city: 'Bergen' },
      title: 'Chief Minimiser',
    });
    const b = await makePerson(owner.client, { emails: [{ value: 'no-consent@example.com', type: 'work' }] });
    await inWs(env(), workspaceId, (tx, ctx) =>
      recordConsent(tx, ctx, { personId: a.id, purpose: 'marketing.email', state: 'given', method: 'web_form' }),
    );
    const read = await inWs(env(), workspaceId, (tx, ctx) =>
      readPeopleForPurpose(
        tx,
        { ...ctx, access: { kind: 'system', id: null } },
        'marketing.email',
        [a.id, b.id],
        ['user.name', 'user.contact.email'],
      ),
    );
    expect([...read.people.keys()]).toEqual([a.id]);
    const got = read.people.get(a.id) ?? {};
    expect(got.people?.[0]).toMatchObject({ first_name: 'Mina', last_name: 'Mal' });
    expect(got.person_emails?.[0]).toMatchObject({ email: 'mina@example.com' });
    const text = JSON.stringify(got);
    for (const absent of ['Bergen', '4791234567', 'Chief Minimiser']) expect(text).not.toContain(absent);
    expect(read.columns.people?.sort()).toEqual(['first_name', 'last_name', 'last_name_key', 'sort_name']);
    expect(read.columns.person_phones).toBeUndefined();

    for (const outside of [['user.contact.phone_number'], ['user.contact'], ['user.contact.address.city']]) {
      await expect(
        inWs(env(), workspaceId, (tx, ctx) =>
          readPeopleForPurpose(
            tx,
            { ...ctx, access: { kind: 'system', id: null } },
            'marketing.email',
            [a.id],
            outside,
          ),
        ),
      ).rejects.toMatchObject({ code: 'purpose_category_not_allowed', status: 409 });
    }
    // crm.relationship lists user.contact, so it may read the phone.
    const crm = await inWs(env(), workspaceId, (tx, ctx) =>
      readPeopleForPurpose(
        tx,
        { ...ctx, access: { kind: 'system', id: null } },
        'crm.relationship',
        [a.id],
        ['user.contact.phone_number'],
      ),
    );
    expect(JSON.stringify(crm.people.get(a.id))).toContain('+4791234567');
  });
});

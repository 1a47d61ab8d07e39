import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE, newId } from '../../lib/ids.ts';
import { createWorkspace } from '../../modules/workspaces/workspaces.service.ts';
import { appendAudit, erasePersonalDetails, verifyChain } from './audit.service.ts';
import { verifyAllChains } from './audit.verify-all.ts';

describeEachDatabase('the audit chain', (env) => {
  const ws = newId();
  const user = newId();

  const verify = () => withTenant(env().services.database.db, { workspaceId: ws }, (tx) => verifyChain(tx, ws));
  /** Tampering happens as the database owner, as an attacker with database access would. */
  const tamper = (statement: string) =>
    env().services.database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.workspace_id', ${ws}, true)`);
      await tx.execute(sql.raw(statement));
    });

  beforeAll(async () => {
    const db = env().services.database.db;
    for (let i = 0; i < 6; i++) {
      await withTenant(db, { workspaceId: ws }, (tx) =>
        appendAudit(
          tx,
          ws,
          {
            actor: { kind: 'user', id: user },
            action: i % 2 ? 'auth.sign_in' : 'member.role_changed',
            subjectUserId: user,
            details: { n: i, nested: { b: [1, 2], a: 'x' } },
            personal: { ip: `192.0.2.${i}`, userAgent: 'Test/1.0' },
          },
          new Date(Date.UTC(2026, 0, 5, 9, i)),
        ),
      );
    }
  });

  it('verifies an untouched chain', async () => {
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 6, problems: [] });
  });

  it('stays verifiable after the personal details of a user are erased', async () => {
    const n = await withTenant(env().services.database.db, { workspaceId: ws }, (tx) =>
      erasePersonalDetails(tx, ws, user),
    );
    expect(n).toBe(6);
    expect((await verify()).ok).toBe(true);
  });

  it('detects an edited entry', async () => {
    await tamper(`update audit_entries set action = 'auth.sign_out' where workspace_id = '${ws}' and seq = 2`);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: 2, kind: 'edited' }));
    await tamper(`update audit_entries set action = 'auth.sign_in' where workspace_id = '${ws}' and seq = 2`);
    expect((await verify()).ok).toBe(true);
  });

  it('detects edited personal details', async () => {
    await tamper(
      `update audit_entries set personal = '{"ip":"203.0.113.9","nonce":"00"}'::jsonb where workspace_id = '${ws}' and seq = 3`,
    );
    const r = await verify();
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'personal_edited' }));
    await tamper(`update audit_entries set personal = null where workspace_id = '${ws}' and seq = 3`);
  });

  it('detects reordered entries', async () => {
    await tamper(`update audit_entries set seq = 100 where workspace_id = '${ws}' and seq = 4`);
    await tamper(`update audit_entries set seq = 4 where workspace_id = '${ws}' and seq = 5`);
    await tamper(`update audit_entries set seq = 5 where workspace_id = '${ws}' and seq = 100`);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([4, 5]));
    await tamper(`update audit_entries set seq = 100 where workspace_id = '${ws}' and seq = 4`);
    await tamper(`update audit_entries set seq = 4 where workspace_id = '${ws}' and seq = 5`);
    await tamper(`update audit_entries set seq = 5 where workspace_id = '${ws}' and seq = 100`);
    expect((await verify()).ok).toBe(true);
  });

  it('detects a removed entry, in the middle and at the end', async () => {
    await tamper(`delete from audit_entries where workspace_id = '${ws}' and seq = 3`);
    let r = await verify();
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'missing' }));
    await tamper(`delete from audit_entries where workspace_id = '${ws}' and seq = 6`);
    r = await verify();
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'head_mismatch' }));
  });

  it('is reported by the instance-wide verification (npm run audit:verify) for every workspace', async () => {
    const { services } = env();
    const owner = newId();
    await services.database.db
      .insert(users)
      .values({ id: owner, name: 'Owner', email: `audit-owner-${owner}@example.test` });
    const { workspaceId } = await createWorkspace(services, owner, { name: 'Audited', country: 'NO', region: 'eu' });
    let reports = await verifyAllChains(services.database.db);
    expect(reports[0]?.workspaceId).toBe(INSTANCE_SCOPE);
    expect(reports.find((r) => r.workspaceId === workspaceId)).toMatchObject({ ok: true, entries: 1 });
    await services.database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.workspace_id', ${workspaceId}, true)`);
      await tx.execute(
        sql`update audit_entries set details = '{"forged":true}'::jsonb where workspace_id = ${workspaceId}`,
      );
    });
    reports = await verifyAllChains(services.database.db);
    expect(reports.find((r) => r.workspaceId === workspaceId)).toMatchObject({ ok: false });
  });
});

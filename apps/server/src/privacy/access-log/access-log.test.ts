import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { newId } from '../../lib/ids.ts';
import { verifyChain } from '../audit/audit.service.ts';
import { sealAccessLogJob } from './access-log.jobs.ts';
import {
  listAccessesOf,
  recordAccess,
  SEAL_BATCH,
  sealWorkspaceAccessLog,
  verifyAccessSeals,
} from './access-log.service.ts';

describeEachDatabase('the access log', (env) => {
  const db = () => env().services.database.db;
  const reader = { kind: 'user' as const, id: newId() };

  const record = (ws: string, ids: string[], at: Date, via = 'people.get') =>
    withTenant(db(), { workspaceId: ws }, (tx) =>
      recordAccess(tx, ws, { actor: reader, action: 'read', via, subjects: { kind: 'person', ids } }, at),
    );
  const verify = (ws: string) =>
    withTenant(db(), { workspaceId: ws }, async (tx) => ({
      chain: await verifyChain(tx, ws),
      seals: await verifyAccessSeals(tx, ws),
    }));
  /** As the database owner would, with no application in the way. */
  const tamper = (ws: string, statement: string) =>
    db().transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.workspace_id', ${ws}, true)`);
      await tx.execute(sql.raw(statement));
    });

  it('records who read a record and lists it newest first, page by page', async () => {
    const ws = newId();
    const person = newId();
    for (let i = 0; i < 5; i++) await record(ws, [person], new Date(Date.UTC(2026, 10, 1, 9, i)));
    await record(ws, [newId()], new Date(Date.UTC(2026, 10, 1, 10)));
    const first = await withTenant(db(), { workspaceId: ws }, (tx) => listAccessesOf(tx, ws, person, { limit: 3 }));
    expect(first.entries.map((e) => e.occurredAt.getUTCMinutes())).toEqual([4, 3, 2]);
    expect(first.entries[0]).toMatchObject({
      actorKind: 'user',
      actorId: reader.id,
      action: 'read',
      via: 'people.get',
    });
    const next = first.next ?? undefined;
    expect(next).toBeDefined();
    const second = await withTenant(db(), { workspaceId: ws }, (tx) =>
      listAccessesOf(tx, ws, person, { limit: 3, ...(next ? { before: next } : {}) }),
    );
    expect(second.entries.map((e) => e.occurredAt.getUTCMinutes())).toEqual([1, 0]);
    expect(second.next).toBeNull();
  });

  it('keeps the rows of another workspace out of sight', async () => {
    const ws = newId();
    const other = newId();
    const person = newId();
    await record(ws, [person], new Date());
    const seen = await withTenant(db(), { workspaceId: other }, (tx) =>
      listAccessesOf(tx, other, person, { limit: 10 }),
    );
    expect(seen.entries).toHaveLength(0);
    // Row-level security hides them even from a query that forgets its own filter.
    const all = await withTenant(db(), { workspaceId: other }, (tx) =>
      tx.execute(sql`select count(*)::int as n from access_log`),
    );
    expect((all as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });

  it('seals the rows into the audit chain in batches, once, and verifies them', async () => {
    const ws = newId();
    const ids = Array.from({ length: SEAL_BATCH + 7 }, () => newId());
    await record(ws, ids, new Date(Date.UTC(2026, 10, 2)));
    const now = new Date(Date.UTC(2026, 10, 2, 0, 1));
    expect(await sealWorkspaceAccessLog(db(), ws, now)).toBe(SEAL_BATCH + 7);
    // A second run finds nothing left to seal.
    expect(await sealWorkspaceAccessLog(db(), ws, now)).toBe(0);
    const seals = await withTenant(db(), { workspaceId: ws }, (tx) =>
      tx.execute(sql`select seq, details from audit_entries where action = 'access.sealed' order by seq`),
    );
    const rows = (seals as unknown as { rows: { seq: number; details: { count: number } }[] }).rows;
    expect(rows.map((r) => r.details.count)).toEqual([SEAL_BATCH, 7]);
    const v = await verify(ws);
    expect(v.chain.ok).toBe(true);
    expect(v.seals).toEqual([]);
  }, 60_000);

  it('detects an access row changed, removed or slipped in under a seal', async () => {
    const ws = newId();
    const person = newId();
    await record(ws, [person, newId(), newId()], new Date(Date.UTC(2026, 10, 3)));
    await sealWorkspaceAccessLog(db(), ws, new Date(Date.UTC(2026, 10, 3, 0, 1)));
    expect((await verify(ws)).seals).toEqual([]);

    await tamper(
      ws,
      `update access_log set via = 'nothing.to.see' where workspace_id = '${ws}' and subject_id = '${person}'`,
    );
    expect((await verify(ws)).seals).toEqual([expect.objectContaining({ kind: 'digest' })]);

    await tamper(ws, `delete from access_log where workspace_id = '${ws}' and subject_id = '${person}'`);
    expect((await verify(ws)).seals).toEqual([expect.objectContaining({ kind: 'count' })]);
  });

  it('the job seals every workspace on the injectable clock', async () => {
    const e = env();
    const { setUpInstance } = await import('../../modules/account/account.testing.ts');
    const { workspaceId } = await setUpInstance(e);
    await record(workspaceId, [newId()], e.clock.now());
    const result = await runJob(e.services, sealAccessLogJob, {});
    expect(result.rows).toBeGreaterThanOrEqual(1);
    const again = await runJob(e.services, sealAccessLogJob, {});
    expect(again.rows).toBe(0);
    const v = await verify(workspaceId);
    expect(v.chain.ok).toBe(true);
    expect(v.seals).toEqual([]);
  });

  it('[P-SEC-5] writes quotes, backslashes and a request over many exactly as given (the row goes with the commit)', async () => {
    const ws = newId();
    const person = newId();
    const details = { q: 'O\'Brien \\ "x" \\\'; drop table access_log; --', n: 2 };
    await withTenant(db(), { workspaceId: ws }, async (tx) => {
      await recordAccess(
        tx,
        ws,
        { actor: reader, action: 'read', via: "it's", subjects: { kind: 'person', ids: [person] } },
        new Date(),
      );
      await recordAccess(tx, ws, { actor: reader, action: 'list', via: 'people.list', details }, new Date());
    });
    const rows = await withTenant(db(), { workspaceId: ws }, (tx) =>
      tx.execute(
        sql`select via, subject_kind, subject_id, details from access_log where workspace_id = ${ws} order by action`,
      ),
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([
      { via: 'people.list', subject_kind: null, subject_id: null, details },
      { via: "it's", subject_kind: 'person', subject_id: person, details: {} },
    ]);
  });

  it('[P-SEC-5] a read whose transaction fails leaves no access row; a row that cannot be written fails its transaction', async () => {
    const ws = newId();
    const person = newId();
    const count = async () =>
      withTenant(db(), { workspaceId: ws }, async (tx) =>
        Number(
          (
            (await tx.execute(
              sql`select count(*)::int as n from access_log where workspace_id = ${ws}`,
            )) as unknown as {
              rows: { n: number }[];
            }
          ).rows[0]?.n,
        ),
      );
    const readOf = (tx: Tx) =>
      recordAccess(
        tx,
        ws,
        { actor: reader, action: 'read', via: 'people.get', subjects: { kind: 'person', ids: [person] } },
        new Date(),
      );
    await expect(
      withTenant(db(), { workspaceId: ws }, async (tx) => {
        await readOf(tx);
        throw new Error('the read failed after its row was recorded');
      }),
    ).rejects.toThrow('the read failed');
    expect(await count()).toBe(0);
    // A valid row, then one the database refuses (not a UUID): neither is kept.
    await expect(
      withTenant(db(), { workspaceId: ws }, async (tx) => {
        await readOf(tx);
        await recordAccess(
          tx,
          ws,
          { actor: { kind: 'user', id: 'not-a-uuid' }, action: 'read', via: 'people.get' },
          new Date(),
        );
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(0);
    // The connections are still good.
    await record(ws, [person], new Date());
    expect(await count()).toBe(1);
  });
});

import type { TPerson, TPersonRetention, TPersonRetentionItem } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { accessLog, auditEntries, files, importFiles, importItems, people } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { pngImage, uploadOk } from '../../modules/files/files.test-helpers.ts';
import { importCsv } from '../../modules/import/import.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { DEFAULT_MATRIX } from '../../modules/permissions/permissions.defaults.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { enforceRetentionJob } from './retention.jobs.ts';

type ErrorBody = { error: { code: string; fields?: Record<string, string> } };

describeEachDatabase('retention dates of one person (GET /api/v1/people/:id/privacy/retention)', (get) => {
  let env: TestEnv;
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  beforeAll(async () => {
    env = get();
    w = await crmWorkspace(env, 'Panel retention');
    other = await crmWorkspace(env, 'Elsewhere');
  }, 60_000);

  const db = () => env.services.database.db;
  const run = () => runJob(env.services, enforceRetentionJob, { workspaceId: w.workspaceId });
  const panel = async (id: string) => {
    const res = await w.admin.client.get<TPersonRetention>(`/api/v1/people/${id}/privacy/retention`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const find = (p: TPersonRetention, kind: TPersonRetentionItem['kind'], rule?: string) => {
    const it = p.items.find((i) => i.kind === kind && (rule === undefined || i.ruleKey === rule));
    expect(it, `${kind} ${rule ?? ''}: ${JSON.stringify(p.items)}`).toBeDefined();
    return it as TPersonRetentionItem;
  };
  const exists = (table: typeof people | typeof files, id: string) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => {
      const col = table === people ? people.personId : files.fileId;
      const rows = await tx
        .select({ id: col })
        .from(table)
        .where(and(eq(table.workspaceId, w.workspaceId), eq(col, id)));
      return rows.length > 0;
    });
  const personalOf = (seq: number) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => {
      const [e] = await tx
        .select({ personal: auditEntries.personal })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.seq, seq)));
      return e?.personal ?? null;
    });
  /** Moves the clock to exactly `iso` plus `ms`. */
  const at = (iso: string, ms = 0) => env.clock.set(new Date(Date.parse(iso) + ms));

  it('[P-RET-1] [P-ACC-4] the panel names each rule and date, and the job takes the data exactly then, not a moment before', async () => {
    const t0 = env.clock.now();
    // A client in the trash, with a file; a prospect with a security detail in the audit log;
    // a client in the trash under a legal hold; a client no rule ends.
    const trashed = await makePerson(w.owner.client, { firstName: 'Trashed' });
    const file = await uploadOk(env, w.owner.client, 'person', trashed.id, 'cv.png', await pngImage());
    expect((await w.owner.client.delete(`/api/v1/people/${trashed.id}`)).status).toBe(200);
    const prospect = await makePerson(w.owner.client, { firstName: 'Lead', subjectCategories: ['prospect'] });
    const seq = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      appendAudit(
        tx,
        w.workspaceId,
        {
          actor: { kind: 'user', id: w.owner.userId },
          action: 'test.person_viewed_from',
          target: { type: 'person', id: prospect.id },
          personal: { ip: '203.0.113.7' },
        },
        env.clock.now(),
      ),
    );
    const held = await makePerson(w.owner.client, { firstName: 'Held' });
    const holdUntil = new Date(t0.getTime() + 90 * DAY_MS).toISOString();
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: held.id,
      table: 'people',
      reason: 'invoice_7y',
      until: holdUntil,
    });
    expect(hold.status, hold.text).toBe(201);
    expect((await w.owner.client.delete(`/api/v1/people/${held.id}`)).status).toBe(200);
    const kept = await makePerson(w.owner.client, { firstName: 'Kept' });

    const pT = await panel(trashed.id);
    const tPerson = find(pT, 'person');
    expect(tPerson).toMatchObject({ ruleKey: 'trash', action: 'delete', days: 30, held: false, count: 1 });
    expect(tPerson.dueAt).toBe(new Date(t0.getTime() + 30 * DAY_MS).toISOString());
    expect(find(pT, 'files')).toMatchObject({ ruleKey: 'trash', count: 1, dueAt: tPerson.dueAt, held: false });

    const pP = await panel(prospect.id);
    const lead = find(pP, 'person');
    expect(lead).toMatchObject({ ruleKey: 'prospects.inactive', action: 'trash', days: 365, held: false });
    expect(lead.dueAt).toBe(new Date(Date.parse(prospect.updatedAt) + 365 * DAY_MS).toISOString());
    expect(lead.deletedAt).toBe(new Date(Date.parse(lead.dueAt as string) + 30 * DAY_MS).toISOString());
    const audit = find(pP, 'audit_details');
    expect(audit).toMatchObject({ ruleKey: 'audit.security_details', action: 'anonymise', days: 14, count: 1 });
    expect(audit.dueAt).toBe(new Date(t0.getTime() + 14 * DAY_MS).toISOString());

    const pH = await panel(held.id);
    expect(find(pH, 'person')).toMatchObject({ ruleKey: 'trash', held: true, heldUntil: holdUntil });
    expect(find(await panel(kept.id), 'person')).toMatchObject({ ruleKey: null, dueAt: null });

    // The audit detail: one millisecond before its date the job leaves it, at the date it clears it.
    at(audit.dueAt as string, -1);
    await run();
    expect(await personalOf(seq)).not.toBeNull();
    at(audit.dueAt as string);
    await run();
    expect(await personalOf(seq)).toBeNull();
    expect((await panel(prospect.id)).items.some((i) => i.kind === 'audit_details')).toBe(false);

    // The trashed client and her file: the same.
    at(tPerson.dueAt as string, -1);
    await run();
    expect(await exists(people, trashed.id)).toBe(true);
    expect(await exists(files, file.id)).toBe(true);
    at(tPerson.dueAt as string);
    await run();
    expect(await exists(people, trashed.id)).toBe(false);
    expect(await exists(files, file.id)).toBe(false);
    // The held one stays past her date, as the panel said; the one no rule ends stays too.
    expect(await exists(people, held.id)).toBe(true);
    expect(await exists(people, kept.id)).toBe(true);

    // The hold postpones her to its end: still there a moment before, gone at the first run after.
    at(holdUntil, -1);
    await run();
    expect(await exists(people, held.id)).toBe(true);
    expect(find(await panel(held.id), 'person').held).toBe(true);
    at(holdUntil);
    expect(find(await panel(held.id), 'person').held).toBe(false);
    await run();
    expect(await exists(people, held.id)).toBe(false);

    // The prospect goes to the trash at her date; the panel then counts the trash period.
    at(lead.dueAt as string, -1);
    await run();
    expect((await w.admin.client.get<TPerson>(`/api/v1/people/${prospect.id}`)).status).toBe(200);
    at(lead.dueAt as string);
    await run();
    expect((await w.admin.client.get(`/api/v1/people/${prospect.id}`)).status).toBe(404);
    const inTrash = find(await panel(prospect.id), 'person');
    expect(inTrash).toMatchObject({ ruleKey: 'trash', dueAt: lead.deletedAt });
  });

  it('[P-RET-1] a workspace’s own period moves the date the same way for the panel and the job', async () => {
    const p = await makePerson(w.owner.client, { firstName: 'Short' });
    expect((await w.owner.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
    const set = await w.admin.client.put('/api/privacy/retention/rules/trash', { days: 3 });
    expect(set.status, set.text).toBe(200);
    try {
      const item = find(await panel(p.id), 'person');
      expect(item).toMatchObject({ ruleKey: 'trash', days: 3 });
      at(item.dueAt as string, -1);
      await run();
      expect(await exists(people, p.id)).toBe(true);
      at(item.dueAt as string);
      await run();
      expect(await exists(people, p.id)).toBe(false);
    } finally {
      await w.admin.client.delete('/api/privacy/retention/rules/trash');
    }
  });

  it('[P-RET-1] an imported person: the undo copy and the uploaded file go at the dates the panel gives', async () => {
    const done = await importCsv(w.member.client, 'First name,Last name,Email\nImke,Imported,imke@example.com\n');
    expect(done).toMatchObject({ created: 1 });
    const itemsOf = () =>
      withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select({ recordId: importItems.recordId })
          .from(importItems)
          .where(
            and(
              eq(importItems.workspaceId, w.workspaceId),
              eq(importItems.importId, done.id),
              eq(importItems.kind, 'person'),
            ),
          ),
      );
    const [item] = await itemsOf();
    const personId = item?.recordId as string;
    const p = await panel(personId);
    const undo = p.items.filter((i) => i.kind === 'import_undo');
    expect(undo).toHaveLength(1);
    expect(['import.items', 'import.files']).toContain(undo[0]?.ruleKey);
    expect(undo[0]).toMatchObject({ action: 'delete', days: 30, count: 1, held: false });
    const source = find(p, 'import_file', 'import.files');
    const due = undo[0]?.dueAt as string;
    at(due, -1);
    await run();
    expect(await itemsOf()).toHaveLength(1);
    at(due);
    await run();
    expect(await itemsOf()).toHaveLength(0);
    at(source.dueAt as string);
    await run();
    const left = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx.select({ id: importFiles.fileId }).from(importFiles).where(eq(importFiles.workspaceId, w.workspaceId)),
    );
    expect(left).toEqual([]);
    const after = await panel(personId);
    expect(after.items.map((i) => i.kind)).toEqual(['person']);
  });

  describe('who may read it', () => {
    it('[P-ACC-7] another workspace gets 404; a private person of another member is 404 to a member, seen by admins', async () => {
      const mine = await makePerson(w.admin.client, { firstName: 'Private', visibility: 'private' });
      expect((await other.admin.client.get(`/api/v1/people/${mine.id}/privacy/retention`)).status).toBe(404);
      expect((await other.owner.client.get(`/api/v1/people/${mine.id}/privacy/retention`)).status).toBe(404);
      expect((await w.member.client.get(`/api/v1/people/${mine.id}/privacy/retention`)).status).toBe(404);
      expect((await w.owner.client.get(`/api/v1/people/${mine.id}/privacy/retention`)).status).toBe(200);
      // A member who may read a person sees the panel.
      const shared = await makePerson(w.owner.client, { firstName: 'Shared' });
      expect((await w.member.client.get(`/api/v1/people/${shared.id}/privacy/retention`)).status).toBe(200);
    });

    it('[P-SEC-5] a role that may not read people is refused (403); a bad id is 422 naming it', async () => {
      const p = await makePerson(w.owner.client);
      expect((await w.viewer.client.get(`/api/v1/people/${p.id}/privacy/retention`)).status).toBe(200);
      const put = await w.admin.client.put('/api/v1/permissions', { viewer: { people: [] } });
      expect(put.status, put.text).toBe(200);
      try {
        const refused = await w.viewer.client.get<ErrorBody>(`/api/v1/people/${p.id}/privacy/retention`);
        expect(refused.status).toBe(403);
      } finally {
        await w.admin.client.put('/api/v1/permissions', { viewer: { people: DEFAULT_MATRIX.viewer.people } });
      }
      const bad = await w.admin.client.get<ErrorBody>('/api/v1/people/not-a-uuid/privacy/retention');
      expect(bad.status).toBe(422);
      expect(Object.keys(bad.body.error.fields ?? {})).toEqual(['id']);
    });

    it('[P-SEC-6] reading it is recorded in the access log as a read of the person', async () => {
      const p = await makePerson(w.owner.client, { firstName: 'Logged' });
      await panel(p.id);
      const rows = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select({ actorId: accessLog.actorId, action: accessLog.action, via: accessLog.via })
          .from(accessLog)
          .where(
            and(
              eq(accessLog.workspaceId, w.workspaceId),
              eq(accessLog.subjectId, p.id),
              sql`${accessLog.via} = 'privacy.retention'`,
            ),
          ),
      );
      expect(rows).toEqual([{ actorId: w.admin.userId, action: 'read', via: 'privacy.retention' }]);
    });
  });
});

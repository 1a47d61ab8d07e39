import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TRetentionForecast, TRetentionRule, TRetentionRuleList, TTerminationState } from '@tillit/contracts';
import { and, desc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import {
  accessLog,
  auditEntries,
  deals,
  files,
  importFiles,
  importItems,
  imports,
  notifications,
  people,
  sessions,
  workspaces,
} from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { jobDefinitions, runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { INSTANCE_SCOPE, newId } from '../../lib/ids.ts';
import { makeDeal, salesPipeline } from '../../modules/deals/deals.test-helpers.ts';
import { uploadOk } from '../../modules/files/files.test-helpers.ts';
import { importFilePath } from '../../modules/import/import.files.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../../modules/people/people.test-helpers.ts';
import { sealAccessLogJob } from '../access-log/access-log.jobs.ts';
import { verifyAccessSeals } from '../access-log/access-log.service.ts';
import { appendAudit, verifyChain } from '../audit/audit.service.ts';
import { DATA_CATEGORIES } from '../data-map/categories.ts';
import { declaredTables } from '../data-map/data-map.ts';
import { EXECUTORS } from './retention.executors.ts';
import { enforceRetentionJob } from './retention.jobs.ts';
import { RETENTION_RULES } from './retention.rules.ts';

describe('retention rules (declarations)', () => {
  it('[P-RET-1] every rule names known categories and tables, its default lies in its bounds and cites a seed', () => {
    const tables = new Set(declaredTables().map((t) => t.name));
    for (const rule of RETENTION_RULES) {
      expect(Object.keys(DATA_CATEGORIES), rule.key).toContain(rule.category);
      for (const t of rule.tables) expect(tables.has(t), `${rule.key}: ${t}`).toBe(true);
      expect(rule.minDays <= rule.defaultDays && rule.defaultDays <= rule.maxDays, rule.key).toBe(true);
      expect(rule.source, rule.key).toMatch(/\[00\d\]|Tillit default/);
      if (rule.status === 'enforced' && rule.scope === 'workspace' && rule.key !== 'workspace.terminated') {
        expect(EXECUTORS[rule.key], rule.key).toBeDefined();
      }
      if (rule.status === 'declared') expect(rule.tables).toEqual([]);
    }
  });

  it('[P-RET-1] [P-RET-3] [P-RET-4] [P-INT-7] the kinds of data that come later are declared with the seeds’ periods', () => {
    const byKey = new Map(RETENTION_RULES.map((r) => [r.key, r]));
    expect(byKey.get('email.headers')).toMatchObject({
      defaultDays: 7,
      maxDays: 7,
      category: 'user.content.email_headers',
    });
    expect(byKey.get('calendar.events')).toMatchObject({ defaultDays: 30, maxDays: 30 });
    expect(byKey.get('invoices')?.minDays).toBeGreaterThanOrEqual(7 * 365);
    expect(byKey.get('support.cases')?.promises).toContain('P-RET-3');
    expect(byKey.get('candidates.cv')).toMatchObject({ category: 'user.document.cv' });
    expect(byKey.get('candidates.cv')?.promises).toContain('P-RET-4');
    expect(byKey.get('workspace.terminated')?.maxDays).toBe(3 * 365);
  });

  it('[P-RET-1] retention.enforce is a scheduled job', () => {
    const def = jobDefinitions().find((d) => d.name === 'retention.enforce');
    expect(def?.cron).toBeTruthy();
  });
});

describeEachDatabase('retention engine', (get) => {
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  let env: TestEnv;
  beforeAll(async () => {
    env = get();
    w = await crmWorkspace(env, 'Retention');
    other = await crmWorkspace(env, 'Elsewhere');
  });
  const db = () => env.services.database.db;
  const run = () => runJob(env.services, enforceRetentionJob, { workspaceId: w.workspaceId });
  const days = (n: number) => env.clock.advance(n * DAY_MS);
  const personRow = (ws: string, id: string) =>
    withTenant(db(), { workspaceId: ws }, async (tx) => {
      const [p] = await tx
        .select({ deletedAt: people.deletedAt })
        .from(people)
        .where(and(eq(people.workspaceId, ws), eq(people.personId, id)));
      return p ?? null;
    });

  it('[P-RET-1] [P-ACC-4] the daily job purges people deleted longer ago than the period; a legal hold keeps one', async () => {
    const gone = await makePerson(w.owner.client, { firstName: 'Trashed' });
    const held = await makePerson(w.owner.client, { firstName: 'Held' });
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: held.id,
      table: 'people',
      reason: 'litigation',
    });
    expect(hold.status, hold.text).toBe(201);
    expect((await w.owner.client.delete(`/api/v1/people/${gone.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/v1/people/${held.id}`)).status).toBe(200);
    days(29);
    await run();
    expect(await personRow(w.workspaceId, gone.id)).not.toBeNull();
    days(2);
    const result = await run();
    expect(result.rows).toBeGreaterThanOrEqual(1);
    expect(await personRow(w.workspaceId, gone.id)).toBeNull();
    expect(await personRow(w.workspaceId, held.id)).not.toBeNull();
    // The run is in the audit chain: rule, rows, start and finish.
    const entries = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'retention.run'))),
    );
    const last = entries.at(-1)?.details as {
      startedAt: string;
      finishedAt: string;
      rules: Record<string, { rows: number }>;
    };
    expect(last.rules.trash?.rows).toBeGreaterThanOrEqual(1);
    expect(last.startedAt).toBeTruthy();
    expect(last.finishedAt).toBeTruthy();
    // Running again changes nothing.
    expect((await run()).rows).toBe(0);
  });

  it('[P-RET-2] [P-ACC-4] a deal under a legal hold keeps its files in the trash; released, both go', async () => {
    const sales = await salesPipeline(w.owner.client);
    const buyer = await makePerson(w.owner.client, { firstName: 'Buyer' });
    const heldDeal = await makeDeal(w.owner.client, sales.id, { personIds: [buyer.id] });
    const freeDeal = await makeDeal(w.owner.client, sales.id, { personIds: [buyer.id] });
    const invoice = await uploadOk(env, w.owner.client, 'deal', heldDeal.id, 'invoice.txt', Buffer.from('invoice'));
    const offer = await uploadOk(env, w.owner.client, 'deal', freeDeal.id, 'offer.txt', Buffer.from('offer'));
    const hold = await w.admin.client.post<{ id: string }>('/api/v1/legal-holds', {
      personId: buyer.id,
      table: 'deals',
      recordId: heldDeal.id,
      reason: 'invoice_7y',
    });
    expect(hold.status, hold.text).toBe(201);
    expect((await w.owner.client.delete(`/api/v1/deals/${heldDeal.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/v1/deals/${freeDeal.id}`)).status).toBe(200);
    const present = async () => {
      const ids = [heldDeal.id, freeDeal.id, invoice.id, offer.id];
      const found = await withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => [
        ...(await tx.select({ id: deals.dealId }).from(deals).where(eq(deals.workspaceId, w.workspaceId))),
        ...(await tx.select({ id: files.fileId }).from(files).where(eq(files.workspaceId, w.workspaceId))),
      ]);
      return ids.filter((id) => found.some((f) => f.id === id));
    };
    days(31);
    await run();
    expect(await present()).toEqual([heldDeal.id, invoice.id]);
    // The forecast and the run agree: nothing of the held deal is due, a second run takes nothing.
    expect((await run()).rows).toBe(0);
    const released = await w.admin.client.post(`/api/v1/legal-holds/${hold.body.id}/release`, {});
    expect(released.status, released.text).toBe(200);
    await run();
    expect(await present()).toEqual([]);
  });

  it('[P-RET-1] an admin shortens the trash period inside its bounds; the job follows it', async () => {
    const put = await w.admin.client.put<TRetentionRule>('/api/privacy/retention/rules/trash', { days: 7 });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ days: 7, overridden: true, defaultDays: 30 });
    const p = await makePerson(w.owner.client, { firstName: 'Soon' });
    await w.owner.client.delete(`/api/v1/people/${p.id}`);
    days(8);
    await run();
    expect(await personRow(w.workspaceId, p.id)).toBeNull();
    const reset = await w.admin.client.delete<TRetentionRule>('/api/privacy/retention/rules/trash');
    expect(reset.body).toMatchObject({ days: 30, overridden: false });
  });

  it('[P-RET-1] [P-RET-2] periods outside the legal bounds are refused with a 400 naming the field', async () => {
    const tooLong = await w.admin.client.put<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/retention/rules/trash',
      { days: 31 },
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.fields.days).toMatch(/at most 30/);
    const headers = await w.admin.client.put<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/retention/rules/email.headers',
      { days: 8 },
    );
    expect(headers.status).toBe(400);
    expect(headers.body.error.fields.days).toMatch(/at most 7/);
    const invoices = await w.admin.client.put<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/retention/rules/invoices',
      { days: 365 },
    );
    expect(invoices.status).toBe(400);
    expect(invoices.body.error.fields.days).toMatch(/at least 2557/);
    const fixed = await w.admin.client.put('/api/privacy/retention/rules/sessions.security_details', { days: 30 });
    expect(fixed.status).toBe(400);
    expect((await w.admin.client.put('/api/privacy/retention/rules/nope', { days: 3 })).status).toBe(404);
  });

  it('[P-RET-3] [P-RET-4] support cases and CVs are in the register with their bounds; a longer period is refused', async () => {
    const list = await w.admin.client.get<TRetentionRuleList>('/api/privacy/retention/rules');
    const cases = list.body.items.find((r) => r.key === 'support.cases');
    const cvs = list.body.items.find((r) => r.key === 'candidates.cv');
    expect(cases).toMatchObject({ status: 'declared', purpose: 'support', honoursLegalHolds: true });
    expect(cases?.source).toMatch(/\[003\]/);
    expect(cvs).toMatchObject({ status: 'declared', category: 'user.document.cv', days: 180 });
    expect(cvs?.source).toMatch(/\[001\]/);
    const longCases = await w.admin.client.put<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/retention/rules/support.cases',
      { days: 3 * 365 + 1 },
    );
    expect(longCases.status).toBe(400);
    expect(longCases.body.error.fields.days).toMatch(/at most 1095/);
    const longCvs = await w.admin.client.put<{ error: { fields: Record<string, string> } }>(
      '/api/privacy/retention/rules/candidates.cv',
      { days: 731 },
    );
    expect(longCvs.status).toBe(400);
    const shorter = await w.admin.client.put<TRetentionRule>('/api/privacy/retention/rules/candidates.cv', {
      days: 90,
    });
    expect(shorter.status).toBe(200);
    const forecast = await w.admin.client.get<TRetentionForecast>('/api/privacy/retention/forecast');
    expect(forecast.body.items.find((i) => i.key === 'candidates.cv')).toMatchObject({ days: 90, dueNow: null });
    await w.admin.client.delete('/api/privacy/retention/rules/candidates.cv');
  });

  it('[P-SEC-6] personal details of audit entries are anonymised after 14 days; the chain still verifies', async () => {
    const seq = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      appendAudit(
        tx,
        w.workspaceId,
        { actor: { kind: 'user', id: w.owner.userId }, action: 'test.signed_in', personal: { ip: '203.0.113.9' } },
        env.clock.now(),
      ),
    );
    const personalOf = () =>
      withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => {
        const [e] = await tx
          .select({ personal: auditEntries.personal })
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.seq, seq)));
        return e?.personal ?? null;
      });
    days(13);
    await run();
    expect(await personalOf()).not.toBeNull();
    days(2);
    await run();
    expect(await personalOf()).toBeNull();
    const report = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId));
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });

  it('[P-SEC-6] access-log rows go after 12 months, whole sealed batches, and the seals still verify', async () => {
    const p = await makePerson(w.owner.client, { firstName: 'Read' });
    expect((await w.owner.client.get(`/api/v1/people/${p.id}`)).status).toBe(200);
    await runJob(env.services, sealAccessLogJob, {});
    const count = () =>
      withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => {
        const r = await tx.execute(
          sql`select count(*)::int as n from ${accessLog} where workspace_id = ${w.workspaceId} and subject_id = ${p.id}`,
        );
        return Number((r as unknown as { rows: { n: number }[] }).rows[0]?.n);
      });
    expect(await count()).toBe(1);
    days(364);
    await run();
    expect(await count()).toBe(1);
    days(2);
    await run();
    expect(await count()).toBe(0);
    const problems = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      verifyAccessSeals(tx, w.workspaceId),
    );
    expect(problems).toEqual([]);
  });

  it('[P-RET-1] notifications older than 90 days are deleted', async () => {
    const id = newId(env.clock.now().getTime());
    await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx.insert(notifications).values({
        workspaceId: w.workspaceId,
        notificationId: id,
        userId: w.member.userId,
        kind: 'task.reminder',
        createdAt: env.clock.now(),
      }),
    );
    const exists = () =>
      withTenant(
        db(),
        { workspaceId: w.workspaceId },
        async (tx) =>
          (
            await tx
              .select({ id: notifications.notificationId })
              .from(notifications)
              .where(and(eq(notifications.workspaceId, w.workspaceId), eq(notifications.notificationId, id)))
          ).length,
      );
    days(89);
    await run();
    expect(await exists()).toBe(1);
    days(2);
    await run();
    expect(await exists()).toBe(0);
  });

  it('[P-RET-1] prospects inactive past the period go to the trash; clients and contacted prospects stay', async () => {
    const idle = await makePerson(w.owner.client, { firstName: 'Idle', subjectCategories: ['prospect'] });
    const client = await makePerson(w.owner.client, { firstName: 'Client', subjectCategories: ['client'] });
    days(300);
    const talked = await makePerson(w.owner.client, { firstName: 'Talked', subjectCategories: ['prospect'] });
    days(66);
    await run();
    expect((await personRow(w.workspaceId, idle.id))?.deletedAt).toBeInstanceOf(Date);
    expect((await personRow(w.workspaceId, client.id))?.deletedAt).toBeNull();
    expect((await personRow(w.workspaceId, talked.id))?.deletedAt).toBeNull();
  });

  it('[P-ACC-3] personal details in audit entries about users who left go after 7 days; members’ stay until 14', async () => {
    const gone = newId(env.clock.now().getTime());
    const add = (subject: string) =>
      withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        appendAudit(
          tx,
          w.workspaceId,
          {
            actor: { kind: 'system' },
            action: 'test.about_user',
            subjectUserId: subject,
            personal: { email: 'someone@example.test' },
          },
          env.clock.now(),
        ),
      );
    const left = await add(gone);
    const member = await add(w.member.userId);
    const personalOf = (seq: number) =>
      withTenant(db(), { workspaceId: w.workspaceId }, async (tx) => {
        const [e] = await tx
          .select({ personal: auditEntries.personal })
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.seq, seq)));
        return e?.personal ?? null;
      });
    days(8);
    await run();
    expect(await personalOf(left)).toBeNull();
    expect(await personalOf(member)).not.toBeNull();
  });

  it('[P-RET-1] finished imports lose their undo records and uploaded files after 30 days; a running one keeps its file', async () => {
    const ws = w.workspaceId;
    const mk = async (status: 'done' | 'running') => {
      const fileId = newId(env.clock.now().getTime());
      const importId = newId(env.clock.now().getTime());
      const path = importFilePath(env.services, ws, fileId);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, 'first,last\nAda,Lovelace\n');
      await withTenant(db(), { workspaceId: ws }, async (tx) => {
        await tx.insert(importFiles).values({
          workspaceId: ws,
          fileId,
          name: 'people.csv',
          sizeBytes: 24,
          format: 'csv',
          encoding: 'utf-8',
          createdAt: env.clock.now(),
        });
        await tx.insert(imports).values({
          workspaceId: ws,
          importId,
          fileId,
          status,
          dryRun: false,
          options: {},
          createdAt: env.clock.now(),
        });
        await tx.insert(importItems).values([
          { workspaceId: ws, importId, kind: 'person', recordId: newId(), action: 'created' },
          {
            workspaceId: ws,
            importId,
            kind: 'person',
            recordId: newId(),
            action: 'updated',
            previous: { firstName: 'Old' },
          },
        ]);
      });
      return { fileId, importId, path };
    };
    const done = await mk('done');
    const running = await mk('running');
    const left = (importId: string) =>
      withTenant(
        db(),
        { workspaceId: ws },
        async (tx) =>
          (
            await tx
              .select({ id: importItems.recordId })
              .from(importItems)
              .where(and(eq(importItems.workspaceId, ws), eq(importItems.importId, importId)))
          ).length,
      );
    days(29);
    await run();
    expect(await left(done.importId)).toBe(2);
    days(2);
    await run();
    expect(await left(done.importId)).toBe(0);
    expect(existsSync(done.path)).toBe(false);
    expect(await left(running.importId)).toBe(2);
    expect(existsSync(running.path)).toBe(true);
  });

  it('[P-RET-1] the forecast counts the files that go with records in the trash, each once, as the run then purges them', async () => {
    const trashForecast = async () => {
      const res = await w.admin.client.get<TRetentionForecast>('/api/privacy/retention/forecast');
      expect(res.status, res.text).toBe(200);
      const item = res.body.items.find((i) => i.key === 'trash');
      return { dueNow: Number(item?.dueNow), next30Days: Number(item?.next30Days) };
    };
    const person = await makePerson(w.owner.client, { firstName: 'Filed' });
    const company = await makeCompany(w.owner.client, { name: 'Filed AS' });
    const live = await makePerson(w.owner.client, { firstName: 'Live' });
    const before = await trashForecast();
    // Two files of a person and one of a company that go to the trash with their record;
    // one of them also trashed on its own first (counted once); one file trashed alone.
    const cv = await uploadOk(env, w.owner.client, 'person', person.id, 'cv.txt', Buffer.from('cv'));
    await uploadOk(env, w.owner.client, 'person', person.id, 'letter.txt', Buffer.from('letter'));
    await uploadOk(env, w.owner.client, 'company', company.id, 'deck.txt', Buffer.from('deck'));
    const alone = await uploadOk(env, w.owner.client, 'person', live.id, 'old.txt', Buffer.from('old'));
    const kept = await uploadOk(env, w.owner.client, 'person', live.id, 'kept.txt', Buffer.from('kept'));
    expect((await w.owner.client.delete(`/api/v1/files/${cv.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/v1/files/${alone.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/v1/people/${person.id}`)).status).toBe(200);
    expect((await w.owner.client.delete(`/api/v1/companies/${company.id}`)).status).toBe(200);
    const after = await trashForecast();
    // The person, the company, their three files, the file trashed alone.
    expect(after.next30Days - before.next30Days).toBe(6);
    expect(after.dueNow).toBe(before.dueNow);
    days(31);
    const due = await trashForecast();
    expect(due.dueNow).toBeGreaterThanOrEqual(6);
    const purged = await runJob(env.services, enforceRetentionJob, { workspaceId: w.workspaceId });
    expect(purged.rows).toBeGreaterThanOrEqual(6);
    const [entry] = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'retention.run')))
        .orderBy(desc(auditEntries.seq))
        .limit(1),
    );
    // What the forecast said was due is what the run took (nothing else of the trash is
    // linked to notes or calls here, which the run counts too).
    const details = entry?.details as { rules: { trash: { rows: number } } } | undefined;
    expect(details?.rules.trash.rows).toBe(due.dueNow);
    expect((await trashForecast()).dueNow).toBe(0);
    const left = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx.select({ id: files.fileId }).from(files).where(eq(files.workspaceId, w.workspaceId)),
    );
    expect(left.map((f) => f.id)).toContain(kept.id);
    expect(left.map((f) => f.id)).not.toContain(cv.id);
  });

  it('[P-RET-1] the forecast counts what each rule takes within 30 days, capped, and lists declared rules', async () => {
    const p = await makePerson(w.owner.client, { firstName: 'Forecast' });
    await w.owner.client.delete(`/api/v1/people/${p.id}`);
    days(10);
    const res = await w.admin.client.get<TRetentionForecast>('/api/privacy/retention/forecast');
    expect(res.status, res.text).toBe(200);
    const trash = res.body.items.find((i) => i.key === 'trash');
    expect(trash?.dueNow).toBe(0);
    expect(trash?.next30Days).toBeGreaterThanOrEqual(1);
    expect(res.body.cap).toBe(10_000);
    const headers = res.body.items.find((i) => i.key === 'email.headers');
    expect(headers).toMatchObject({ dueNow: null, next30Days: null });
    // Bounded: the count stops at its cap.
    for (let i = 0; i < 3; i += 1) {
      const q = await makePerson(w.owner.client, { firstName: `Cap${i}` });
      await w.owner.client.delete(`/api/v1/people/${q.id}`);
    }
    const trashRule = EXECUTORS.trash;
    if (!trashRule) throw new Error('no executor for trash');
    const capped = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      trashRule.count(
        tx,
        {
          services: env.services,
          workspaceId: w.workspaceId,
          now: env.clock.now(),
          cutoff: new Date(env.clock.now().getTime() + DAY_MS),
          cutoffOf: () => env.clock.now(),
        },
        2,
      ),
    );
    expect(capped).toBe(2);
  });

  it('[P-RET-1] isolation: members and viewers are refused; another workspace sees its own periods', async () => {
    for (const u of [w.member, w.viewer]) {
      expect((await u.client.get('/api/privacy/retention/rules')).status).toBe(403);
      expect((await u.client.get('/api/privacy/retention/forecast')).status).toBe(403);
      expect((await u.client.put('/api/privacy/retention/rules/trash', { days: 5 })).status).toBe(403);
      expect((await u.client.delete('/api/privacy/retention/rules/trash')).status).toBe(403);
      expect((await u.client.get('/api/privacy/retention/termination')).status).toBe(403);
      expect((await u.client.post('/api/privacy/retention/termination', { confirmName: 'Retention' })).status).toBe(
        403,
      );
    }
    await w.admin.client.put('/api/privacy/retention/rules/notifications', { days: 30 });
    const mine = await w.admin.client.get<TRetentionRuleList>('/api/privacy/retention/rules');
    const theirs = await other.admin.client.get<TRetentionRuleList>('/api/privacy/retention/rules');
    expect(mine.body.items.find((r) => r.key === 'notifications')?.days).toBe(30);
    expect(theirs.body.items.find((r) => r.key === 'notifications')?.days).toBe(90);
    // Naming the other workspace in the header does not get in.
    const cross = await other.admin.client.get('/api/privacy/retention/rules', {
      'x-tillit-workspace': w.workspaceId,
    });
    expect(cross.status).toBe(403);
    // An admin who is not the owner cannot terminate.
    expect((await w.admin.client.post('/api/privacy/retention/termination', { confirmName: 'Retention' })).status).toBe(
      403,
    );
  });
});

describeEachDatabase('retention: terminated workspaces', (get) => {
  let env: TestEnv;
  beforeAll(() => {
    env = get();
  });
  const exists = (ws: string) =>
    withSystemScope(
      env.services.database.db,
      async (tx) =>
        (await tx.select({ id: workspaces.workspaceId }).from(workspaces).where(eq(workspaces.workspaceId, ws))).length,
    );
  const peopleLeft = (ws: string) =>
    withTenant(
      env.services.database.db,
      { workspaceId: ws },
      async (tx) => (await tx.select({ id: people.personId }).from(people).where(eq(people.workspaceId, ws))).length,
    );

  it('[P-ACC-5] a terminated workspace’s data is deleted after the period; another workspace keeps its data', async () => {
    const w = await crmWorkspace(env, 'Leaving');
    const stays = await crmWorkspace(env, 'Staying');
    await makePerson(w.owner.client, { firstName: 'Gone' });
    await makePerson(w.owner.client, { firstName: 'Gone2' });
    const kept = await makePerson(stays.owner.client, { firstName: 'Kept' });
    const wrong = await w.owner.client.post('/api/privacy/retention/termination', { confirmName: 'nope' });
    expect(wrong.status).toBe(422);
    const t = await w.owner.client.post<TTerminationState>('/api/privacy/retention/termination', {
      confirmName: 'Leaving',
    });
    expect(t.status, t.text).toBe(201);
    expect(new Date(t.body.termination?.deleteAfter ?? 0).getTime()).toBe(env.clock.now().getTime() + 30 * DAY_MS);
    env.clock.advance(29 * DAY_MS);
    await runJob(env.services, enforceRetentionJob, {});
    expect(await exists(w.workspaceId)).toBe(1);
    env.clock.advance(2 * DAY_MS);
    const r = await runJob(env.services, enforceRetentionJob, {});
    expect(r.workspacesPurged).toBe(1);
    expect(await exists(w.workspaceId)).toBe(0);
    expect(await peopleLeft(w.workspaceId)).toBe(0);
    expect(await exists(stays.workspaceId)).toBe(1);
    expect(await peopleLeft(stays.workspaceId)).toBeGreaterThanOrEqual(1);
    expect(kept.id).toBeTruthy();
    // The instance's own chain records the deletion.
    const purged = await withTenant(env.services.database.db, { workspaceId: INSTANCE_SCOPE }, (tx) =>
      tx
        .select({ target: auditEntries.targetId })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, INSTANCE_SCOPE), eq(auditEntries.action, 'workspace.purged'))),
    );
    expect(purged.map((p) => p.target)).toContain(w.workspaceId);
  });

  it('[P-ACC-5] the period is configurable up to 3 years, and a legal hold keeps the workspace', async () => {
    const w = await crmWorkspace(env, 'Held');
    const tooLong = await w.admin.client.put('/api/privacy/retention/rules/workspace.terminated', { days: 1096 });
    expect(tooLong.status).toBe(400);
    expect(
      (await w.admin.client.put('/api/privacy/retention/rules/workspace.terminated', { days: 3 * 365 })).status,
    ).toBe(200);
    const p = await makePerson(w.owner.client, { firstName: 'Invoiced' });
    const hold = await w.admin.client.post('/api/v1/legal-holds', {
      personId: p.id,
      table: 'people',
      reason: 'invoice_7y',
    });
    expect(hold.status, hold.text).toBe(201);
    await w.owner.client.post('/api/privacy/retention/termination', { confirmName: 'Held' });
    env.clock.advance(3 * 365 * DAY_MS + DAY_MS);
    const r = await runJob(env.services, enforceRetentionJob, {});
    expect(r.workspacesHeld).toBeGreaterThanOrEqual(1);
    expect(await exists(w.workspaceId)).toBe(1);
    // Released: the next run deletes it.
    const holdId = (hold.body as { id: string }).id;
    const released = await w.admin.client.post(`/api/v1/legal-holds/${holdId}/release`, {});
    expect(released.status, released.text).toBe(200);
    await runJob(env.services, enforceRetentionJob, {});
    expect(await exists(w.workspaceId)).toBe(0);
  });

  it('[P-SEC-6] sessions keep their IP address and browser 14 days, then they are cleared', async () => {
    const w = await crmWorkspace(env, 'Sessions');
    const db = env.services.database.db;
    const start = env.clock.now();
    await db
      .update(sessions)
      .set({ ipAddress: '198.51.100.7', userAgent: 'Test browser', createdAt: start })
      .where(eq(sessions.userId, w.owner.userId));
    const details = async () =>
      (
        await db
          .select({ ip: sessions.ipAddress, ua: sessions.userAgent })
          .from(sessions)
          .where(eq(sessions.userId, w.owner.userId))
      )[0];
    env.clock.advance(13 * DAY_MS);
    await runJob(env.services, enforceRetentionJob, {});
    expect(await details()).toEqual({ ip: '198.51.100.7', ua: 'Test browser' });
    env.clock.advance(2 * DAY_MS);
    const r = await runJob(env.services, enforceRetentionJob, {});
    expect(r.sessions).toBeGreaterThanOrEqual(1);
    expect(await details()).toEqual({ ip: null, ua: null });
  });

  it('[P-ACC-5] the owner can take a termination back before the data goes', async () => {
    const w = await crmWorkspace(env, 'Undecided');
    await w.owner.client.post('/api/privacy/retention/termination', { confirmName: 'Undecided' });
    const back = await w.owner.client.delete<TTerminationState>('/api/privacy/retention/termination');
    expect(back.status).toBe(200);
    env.clock.advance(40 * DAY_MS);
    await runJob(env.services, enforceRetentionJob, {});
    expect(await exists(w.workspaceId)).toBe(1);
  });
});

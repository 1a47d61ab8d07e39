import type { TCompany, TCompanyDuplicateList, TCompanyMergeResult, TDeal, TPerson } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import {
  auditEntries,
  companies,
  companyFieldValues,
  companyMerges,
  companyNonDuplicates,
  customFields,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { newId } from '../../lib/ids.ts';
import { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
import { uploadOk } from '../files/files.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { companyReferences } from './merge.repoint.ts';

describeEachDatabase('company duplicates and merge', (env) => {
  let w: CrmWorkspace;
  let other: CrmWorkspace;
  const db = () => env().services.database.db;
  const inW = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(db(), { workspaceId: w.workspaceId }, fn);

  const allPairs = async (client: TestClient) => {
    const out: { ids: [string, string]; reasons: string[] }[] = [];
    let after: string | null = null;
    do {
      const res: { status: number; body: TCompanyDuplicateList } = await client.get<TCompanyDuplicateList>(
        `/api/v1/companies/duplicates?limit=2${after ? `&after=${after}` : ''}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const p of res.body.items) out.push({ ids: [p.companies[0].id, p.companies[1].id], reasons: p.reasons });
      after = res.body.nextCursor;
    } while (after);
    return out;
  };
  const pairOf = (a: TCompany, b: TCompany): [string, string] => (a.id < b.id ? [a.id, b.id] : [b.id, a.id]);

  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Company dupes');
    other = await crmWorkspace(env(), 'Other company dupes');
  }, 120_000);

  it('finds pairs by the same domain, the same organisation number and the same name, page by page', async () => {
    const c = w.owner.client;
    const d1 = await makeCompany(c, { name: 'Fjord Fisk AS', domain: 'https://www.fjordfisk.test/about' });
    const d2 = await makeCompany(c, { name: 'Fjordfisk', domain: 'fjordfisk.test' });
    const o1 = await makeCompany(c, { name: 'Nordlys', orgNumber: '912345678' });
    const o2 = await makeCompany(c, { name: 'Nordlys Holding', orgNumber: '912345678' });
    const n1 = await makeCompany(c, { name: 'Bergen Bakeri' });
    const n2 = await makeCompany(c, { name: 'BERGEN BAKERI' });
    const lone = await makeCompany(c, { name: 'Unique Corp', domain: 'unique.test', orgNumber: '999999999' });
    const pairs = await allPairs(c);
    const find = (a: TCompany, b: TCompany) => pairs.find((p) => p.ids.join() === pairOf(a, b).join());
    expect(find(d1, d2)?.reasons).toEqual(['domain']);
    expect(find(o1, o2)?.reasons).toEqual(['org_number']);
    expect(find(n1, n2)?.reasons).toEqual(['name']);
    expect(pairs.some((p) => p.ids.includes(lone.id))).toBe(false);
    // Pages never repeat a pair.
    expect(new Set(pairs.map((p) => p.ids.join())).size).toBe(pairs.length);
  });

  it('"not a duplicate" hides a pair (stored once, audited); viewers may not mark it', async () => {
    const c = w.owner.client;
    const a = await makeCompany(c, { name: 'Twin Tools' });
    const b = await makeCompany(c, { name: 'twin tools' });
    expect(
      (await w.viewer.client.post('/api/v1/companies/duplicates/dismiss', { companyIds: [a.id, b.id] })).status,
    ).toBe(403);
    for (let i = 0; i < 2; i++) {
      const res = await w.member.client.post('/api/v1/companies/duplicates/dismiss', { companyIds: [b.id, a.id] });
      expect(res.status, JSON.stringify(res.body)).toBe(204);
    }
    const pairs = await allPairs(c);
    expect(pairs.some((p) => p.ids.includes(a.id) && p.ids.includes(b.id))).toBe(false);
    const marks = await inW((tx) =>
      tx.select().from(companyNonDuplicates).where(eq(companyNonDuplicates.workspaceId, w.workspaceId)),
    );
    expect(marks.filter((m) => [m.companyA, m.companyB].includes(a.id)).length).toBe(1);
    const audit = await inW((tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(
          and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'company.duplicate_dismissed')),
        ),
    );
    expect(audit.length).toBe(1);
    const bad = await w.member.client.post('/api/v1/companies/duplicates/dismiss', { companyIds: [a.id, a.id] });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('companyIds');
  });

  it("[P-ACC-7] a private company of another member is neither offered nor mergeable; another workspace's are unreachable", async () => {
    const mine = await makeCompany(w.other.client, { name: 'Secret Partner', visibility: 'private' });
    const seen = await makeCompany(w.member.client, { name: 'Secret partner' });
    const pairs = await allPairs(w.member.client);
    expect(pairs.some((p) => p.ids.includes(mine.id))).toBe(false);
    const merge = await w.member.client.post('/api/v1/companies/merge', { survivorId: seen.id, mergedId: mine.id });
    expect(merge.status).toBe(404);
    // The owner of the private company sees the pair.
    expect((await allPairs(w.other.client)).some((p) => p.ids.includes(mine.id) && p.ids.includes(seen.id))).toBe(true);
    // Another workspace: its own duplicates only; naming ours is a 404.
    const theirs = await makeCompany(other.owner.client, { name: 'Secret Partner' });
    const fromOther = await allPairs(other.owner.client);
    expect(fromOther.some((p) => p.ids.includes(seen.id) || p.ids.includes(mine.id))).toBe(false);
    const cross = await other.owner.client.post('/api/v1/companies/merge', {
      survivorId: theirs.id,
      mergedId: seen.id,
    });
    expect(cross.status).toBe(404);
    const still = await inW((tx) =>
      tx
        .select()
        .from(companies)
        .where(and(eq(companies.workspaceId, w.workspaceId), eq(companies.companyId, seen.id))),
    );
    expect(still.length).toBe(1);
    // Viewers may not merge.
    expect(
      (await w.viewer.client.post('/api/v1/companies/merge', { survivorId: seen.id, mergedId: mine.id })).status,
    ).toBe(403);
  });

  it('merge keeps the chosen values, unites tags, and moves people, deals, notes, tasks, projects, files and custom values', async () => {
    const c = w.member.client;
    const survivor = await makeCompany(c, {
      name: 'Havbruk AS',
      domain: 'havbruk.test',
      industry: 'Aquaculture',
      tags: ['Salmon', 'north'],
    });
    const merged = await makeCompany(c, {
      name: 'Havbruk',
      domain: 'havbruk.test',
      orgNumber: '987654321',
      size: '51-200',
      tags: ['salmon', 'export'],
      address: { city: 'Tromsø', country: 'NO' },
    });
    const both = await makePerson(c, { firstName: 'Both', companies: [{ companyId: survivor.id }] });
    await c.post(`/api/v1/people/${both.id}/companies`, { companyId: merged.id, role: 'CEO' });
    const only = await makePerson(c, { firstName: 'Only', companies: [{ companyId: merged.id, role: 'CFO' }] });
    const pipeline = await salesPipeline(c);
    const deal = await makeDeal(c, pipeline.id, { companyId: merged.id });
    const note = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>Old note</p>',
      companyIds: [merged.id],
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    const survivorNote = await c.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>New note</p>',
      companyIds: [survivor.id],
    });
    const task = await c.post<{ id: string }>('/api/v1/tasks', { title: 'Visit', companyIds: [merged.id] });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    const project = await c.post<{ id: string }>('/api/v1/projects', { name: 'Pilot', companyIds: [merged.id] });
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const file = await uploadOk(env(), c, 'company', merged.id, 'contract.txt', Buffer.from('signed'));
    // Custom fields: the survivor's value wins where it has one; the merged company's others move.
    const tierId = newId();
    const regionId = newId();
    await inW(async (tx) => {
      await tx.insert(customFields).values([
        {
          workspaceId: w.workspaceId,
          fieldId: tierId,
          object: 'company',
          key: 'tier',
          label: 'Tier',
          type: 'text',
          personal: false,
        },
        {
          workspaceId: w.workspaceId,
          fieldId: regionId,
          object: 'company',
          key: 'region',
          label: 'Region',
          type: 'text',
          personal: false,
        },
      ]);
      await tx.insert(companyFieldValues).values([
        { workspaceId: w.workspaceId, fieldId: tierId, recordId: survivor.id, ordinal: 0, valueText: 'gold' },
        { workspaceId: w.workspaceId, fieldId: tierId, recordId: merged.id, ordinal: 0, valueText: 'bronze' },
        { workspaceId: w.workspaceId, fieldId: regionId, recordId: merged.id, ordinal: 0, valueText: 'North' },
      ]);
    });

    const res = await c.post<TCompanyMergeResult>('/api/v1/companies/merge', {
      survivorId: survivor.id,
      mergedId: merged.id,
      fields: { orgNumber: 'merged', size: 'merged', address: 'merged' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const kept = res.body.company;
    expect(kept.id).toBe(survivor.id);
    expect(kept.name).toBe('Havbruk AS');
    expect(kept.industry).toBe('Aquaculture');
    expect(kept.orgNumber).toBe('987654321');
    expect(kept.size).toBe('51-200');
    expect(kept.address.city).toBe('Tromsø');
    expect(kept.tags).toEqual(['Salmon', 'north', 'export']);

    expect((await c.get(`/api/v1/companies/${merged.id}`)).status).toBe(404);
    const onlyNow = await c.get<TPerson>(`/api/v1/people/${only.id}`);
    expect(onlyNow.body.companies).toEqual([{ companyId: survivor.id, name: 'Havbruk AS', role: 'CFO' }]);
    const bothNow = await c.get<TPerson>(`/api/v1/people/${both.id}`);
    expect(bothNow.body.companies.map((x) => x.companyId)).toEqual([survivor.id]);
    expect((await c.get<TDeal>(`/api/v1/deals/${deal.id}`)).body.companyId).toBe(survivor.id);
    const timeline = await c.get<{ items: { kind: string; id: string }[] }>(`/api/v1/timeline?company=${survivor.id}`);
    expect(
      timeline.body.items
        .filter((i) => i.kind === 'note')
        .map((i) => i.id)
        .sort(),
    ).toEqual([note.body.id, survivorNote.body.id].sort());
    const tasks = await c.get<{ items: { id: string }[] }>(`/api/v1/tasks?companyId=${survivor.id}`);
    expect(tasks.status, JSON.stringify(tasks.body)).toBe(200);
    expect(tasks.body.items.map((t) => t.id)).toContain(task.body.id);
    const proj = await c.get<{ companyIds: string[] }>(`/api/v1/projects/${project.body.id}`);
    expect(proj.body.companyIds).toEqual([survivor.id]);
    const files = await c.get<{ items: { id: string }[] }>(`/api/v1/files?kind=company&record=${survivor.id}`);
    expect(files.body.items.map((f) => f.id)).toContain(file.id);
    const values = await inW((tx) =>
      tx
        .select()
        .from(companyFieldValues)
        .where(and(eq(companyFieldValues.workspaceId, w.workspaceId), eq(companyFieldValues.recordId, survivor.id))),
    );
    expect(values.map((v) => `${v.fieldId === tierId ? 'tier' : 'region'}=${v.valueText}`).sort()).toEqual([
      'region=North',
      'tier=gold',
    ]);
    // Search finds the survivor by the merged company's words no more than by its own.
    const found = await c.get<{ items: { id: string }[] }>('/api/v1/search?q=Havbruk');
    expect(found.body.items.map((i) => i.id)).toEqual([survivor.id]);

    const [log] = await inW((tx) => tx.select().from(companyMerges).where(eq(companyMerges.mergeId, res.body.mergeId)));
    expect(log?.mergedId).toBe(merged.id);
    expect((log?.previous as TCompany | undefined)?.name).toBe('Havbruk');
    const [entry] = await inW((tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'company.merged'))),
    );
    expect(entry?.targetId).toBe(survivor.id);
  });

  it('re-points every foreign key to companies (a test fails when a new one is not covered)', async () => {
    const fks = await inW(async (tx) => {
      const res = await tx.execute(
        sql`select c.conrelid::regclass::text as table from pg_constraint c
            where c.contype = 'f' and c.confrelid = 'public.companies'::regclass`,
      );
      return (res as unknown as { rows: { table: string }[] }).rows.map((r) => r.table.replace(/"/g, ''));
    });
    const covered = new Set((await inW((tx) => companyReferences(tx))).map((r) => r.table));
    for (const t of fks) {
      if (['company_non_duplicates', 'company_merges'].includes(t)) continue;
      expect(covered.has(t), `${t} is not re-pointed by a company merge`).toBe(true);
    }
    expect(covered.has('files')).toBe(true);
  });
});

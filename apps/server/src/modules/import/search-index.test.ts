import type { TImport, TPersonList, TSearchResponse } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnv,
  databasesUnderTest,
  describeEachDatabase,
  type TestClient,
  type TestEnv,
} from '../../../test/harness.ts';
import { imports } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../people/people.test-helpers.ts';
import { rowsOf } from '../search/search.index.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { importIndexJob } from './import.jobs.ts';
import { processImport } from './import.run.ts';
import { createImport } from './import.service.ts';
import { upload, waitFor } from './import.test-helpers.ts';

/**
 * The search postings of an import's records are written by `import.index` once its batches
 * are done (decision 0009), not by the batches. These tests create imports through the
 * service and drive the runs by hand, so nothing indexes by itself.
 */
async function search(client: TestClient, q: string): Promise<string[]> {
  const res = await client.get<TSearchResponse>(`/api/v1/search?q=${encodeURIComponent(q)}&limit=25`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.map((i) => i.title);
}

async function listed(client: TestClient, q: string): Promise<string[]> {
  const res = await client.get<TPersonList>(`/api/v1/people?q=${encodeURIComponent(q)}&limit=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.map((p) => `${p.firstName} ${p.lastName}`);
}

describeEachDatabase('import: search postings written by import.index after the batches', (env) => {
  let ws: CrmWorkspace;
  let actor: Actor;
  beforeAll(async () => {
    ws = await crmWorkspace(env(), 'Index');
    actor = { workspaceId: ws.workspaceId, userId: ws.member.userId, role: 'member', twoFactorEnabled: false };
  });

  /** Uploads and runs an import to its end without indexing it. */
  async function runImport(
    e: TestEnv,
    csv: string,
    mapping: string[],
    duplicates: 'skip' | 'update' = 'skip',
    batchSize = 2,
  ): Promise<TImport> {
    const file = await upload(ws.member.client, 'index.csv', csv);
    const created = await createImport(e.services, actor, {
      fileId: file.id,
      mapping: mapping as never,
      duplicates,
      dryRun: false,
      defaults: { visibility: 'workspace', tags: [], subjectCategories: ['client'] },
    });
    expect(await processImport(e.services, ws.workspaceId, created.id, { batchSize })).toBe('done');
    return waitFor(ws.member.client, created.id);
  }

  /** Every posting of the import's people and companies, as sorted `id term` lines. */
  async function postingsOf(e: TestEnv, importId: string): Promise<string[]> {
    const rows = await withTenant(e.services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
      rowsOf<{ line: string }>(
        tx,
        sql`select p.person_id::text || ' ' || p.term as line from person_search_terms p
              join import_items i on i.workspace_id = p.workspace_id and i.record_id = p.person_id
              where i.workspace_id = ${ws.workspaceId} and i.import_id = ${importId}
            union all
            select c.company_id::text || ' ' || c.term from company_search_terms c
              join import_items i on i.workspace_id = c.workspace_id and i.record_id = c.company_id
              where i.workspace_id = ${ws.workspaceId} and i.import_id = ${importId}
            order by 1`,
      ),
    );
    return rows.map((r) => r.line);
  }

  async function words(e: TestEnv, list: string[]): Promise<string[]> {
    const rows = await withTenant(e.services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
      rowsOf<{ word: string }>(
        tx,
        sql`select distinct word::text as word from search_words
            where workspace_id = ${ws.workspaceId} and word = any(${`{${list.join(',')}}`}::text[]) order by 1`,
      ),
    );
    return rows.map((r) => r.word);
  }

  const state = async (id: string) => (await ws.member.client.get<TImport>(`/api/v1/imports/${id}`)).body.searchIndex;

  it('[P-CRM-10] an imported person is listed at once, and found by typo and by an email word once import.index ran', async () => {
    const e = env();
    const done = await runImport(
      e,
      'first,last,email,company\nZebulon,Quarrington,zq.1@wolfram.example,Quillmate\nYrsa,Quarrington,yq@wolfram.example,\n',
      ['firstName', 'lastName', 'email', 'company'],
    );
    expect(done).toMatchObject({ status: 'done', created: 2, companiesCreated: 1, searchIndex: 'pending' });
    // The lists and filters read the records: both are there.
    expect((await listed(ws.member.client, 'Quarrington')).sort()).toEqual(['Yrsa Quarrington', 'Zebulon Quarrington']);
    // The search's fuzzy and word matches read postings: none yet.
    expect(await search(ws.member.client, 'Quarington')).toEqual([]);
    expect(await search(ws.member.client, 'wolfram')).toEqual([]);
    expect(await search(ws.member.client, 'Quilmate')).toEqual([]);
    expect(await postingsOf(e, done.id)).toEqual([]);

    // The sweep finds the import (batches done, postings pending) and indexes it.
    expect(await runJob(e.services, importIndexJob, {})).toMatchObject({ imports: 1 });
    expect(await state(done.id)).toBe('done');
    expect((await search(ws.member.client, 'Quarington')).sort()).toEqual(['Yrsa Quarrington', 'Zebulon Quarrington']);
    expect((await search(ws.member.client, 'wolfram')).sort()).toEqual(['Yrsa Quarrington', 'Zebulon Quarrington']);
    expect(await search(ws.member.client, 'Quilmate')).toEqual(['Quillmate']);
    // Nothing waits any more: the next sweep has nothing to do.
    expect(await runJob(e.services, importIndexJob, {})).toMatchObject({ imports: 0 });
  });

  it('[P-CRM-10] import.index is resumable and idempotent: cut after one batch, run again, run once more from the start', async () => {
    const e = env();
    const rows = Array.from({ length: 5 }, (_, i) => `Resumo${'abcde'[i]},Indexby,resumo${i}@resume-index.example`);
    const done = await runImport(e, `first,last,email\n${rows.join('\n')}\n`, ['firstName', 'lastName', 'email']);
    expect(done.created).toBe(5);
    const one = { workspaceId: ws.workspaceId, importId: done.id, batchSize: 2, maxBatches: 1 };
    expect(await runJob(e.services, importIndexJob, one)).toEqual({ outcome: 'paused' });
    const partial = await postingsOf(e, done.id);
    // Two people of five: their words (first name, last name, email local part and its
    // number, the domain's label), the other three nothing yet.
    expect(new Set(partial.map((l) => l.split(' ')[0])).size).toBe(2);
    expect(await state(done.id)).toBe('pending');
    expect(await runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: done.id })).toEqual({
      outcome: 'done',
    });
    const full = await postingsOf(e, done.id);
    expect(new Set(full.map((l) => l.split(' ')[0])).size).toBe(5);
    expect(full).toEqual(expect.arrayContaining(partial));
    expect(await state(done.id)).toBe('done');
    // Done: running it again changes nothing.
    await runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: done.id });
    expect(await postingsOf(e, done.id)).toEqual(full);
    // From the start again (as if the resume point were lost): the same postings, none twice.
    await withTenant(e.services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
      tx
        .update(imports)
        .set({ searchIndexedAt: null, searchCursorKind: null, searchCursorId: null })
        .where(and(eq(imports.workspaceId, ws.workspaceId), eq(imports.importId, done.id))),
    );
    expect(await state(done.id)).toBe('pending');
    await runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: done.id, batchSize: 3 });
    expect(await postingsOf(e, done.id)).toEqual(full);
    expect(await state(done.id)).toBe('done');
  });

  it('[P-DSR-3] import.index gives no posting to a person erased or trashed before it ran, nor brings back their words', async () => {
    const e = env();
    const done = await runImport(
      e,
      'first,last,email\nErasmo,Vanishwood,erasmo@gone-index.example\nTrasha,Binnington,trasha@bin-index.example\nKeepa,Stayington,keepa@stay-index.example\n',
      ['firstName', 'lastName', 'email'],
    );
    const erased = (await ws.admin.client.get<TPersonList>('/api/v1/people?q=Vanishwood&limit=5')).body.items[0];
    const trashed = (await ws.admin.client.get<TPersonList>('/api/v1/people?q=Binnington&limit=5')).body.items[0];
    if (!erased || !trashed) throw new Error('the imported people are not listed');
    const erasure = await ws.admin.client.post(`/api/v1/people/${erased.id}/erase`, {
      reason: 'the person asked to be forgotten',
      confirm: 'ERASE',
    });
    expect(erasure.status, erasure.text).toBe(200);
    expect((await ws.admin.client.delete(`/api/v1/people/${trashed.id}`)).status).toBe(200);

    expect(await runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: done.id })).toEqual({
      outcome: 'done',
    });
    const lines = await postingsOf(e, done.id);
    expect(lines.some((l) => l.startsWith(erased.id) || l.startsWith(trashed.id))).toBe(false);
    expect(lines.some((l) => l.endsWith(' stayington'))).toBe(true);
    expect(await words(e, ['erasmo', 'vanishwood', 'trasha', 'binnington'])).toEqual([]);
    expect(await search(ws.admin.client, 'Vanishwod')).toEqual([]);
    expect(await search(ws.admin.client, 'Stayingtn')).toEqual(['Keepa Stayington']);
  });

  it('[P-CRM-10] an import undone before import.index ran: the job ends without writing, nothing comes back', async () => {
    const e = env();
    const done = await runImport(e, 'first,last,email\nUndina,Revertson,undina@undo-index.example\n', [
      'firstName',
      'lastName',
      'email',
    ]);
    expect(done.searchIndex).toBe('pending');
    expect((await ws.member.client.post(`/api/v1/imports/${done.id}/undo`, {})).status).toBe(202);
    const undone = await waitFor(ws.member.client, done.id);
    expect(undone).toMatchObject({ status: 'undone', searchIndex: 'done' });
    expect(await runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: done.id })).toEqual({
      outcome: 'done',
    });
    expect(await listed(ws.member.client, 'Revertson')).toEqual([]);
    expect(await search(ws.member.client, 'Revertsen')).toEqual([]);
    expect(await words(e, ['undina', 'revertson'])).toEqual([]);
  });

  it('[P-CRM-10] updated people are reindexed by the job, and undo puts their old words back in the index', async () => {
    const e = env();
    const before = await makePerson(ws.member.client, {
      firstName: 'Ottilie',
      lastName: 'Formerby',
      emails: [{ value: 'ottilie@update-index.example' }],
    });
    const done = await runImport(
      e,
      'first,last,email\nOttilie,Latterwick,ottilie@update-index.example\n',
      ['firstName', 'lastName', 'email'],
      'update',
    );
    expect(done).toMatchObject({ updated: 1, searchIndex: 'pending' });
    await runJob(e.services, importIndexJob, {});
    expect(await search(ws.member.client, 'Laterwick')).toEqual(['Ottilie Latterwick']);
    expect(await search(ws.member.client, 'Formerbi')).toEqual([]);
    expect(await words(e, ['formerby'])).toEqual([]);

    expect((await ws.member.client.post(`/api/v1/imports/${done.id}/undo`, {})).status).toBe(202);
    expect(await waitFor(ws.member.client, done.id)).toMatchObject({ status: 'undone' });
    expect(await search(ws.member.client, 'Formerbi')).toEqual(['Ottilie Formerby']);
    expect(await search(ws.member.client, 'Laterwick')).toEqual([]);
    expect(await words(e, ['latterwick'])).toEqual([]);
    expect(before.id).toBeTruthy();
  });
});

/**
 * The race the share lock is for, on PostgreSQL (PGlite has one connection: nothing runs
 * beside a transaction there). A person of the import is locked for update, as an erasure
 * locks them first, while the job starts on the import; the "erasure" then deletes them and
 * commits. The job waits, then indexes the others and gives the erased person nothing. Without
 * the lock it read the person as live, and its postings failed their foreign key.
 */
describe.runIf(databasesUnderTest().includes('postgres'))('import.index beside an erasure [postgres]', () => {
  let e: TestEnv;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestEnv('postgres');
    e = created.env;
    close = created.close;
  }, 60_000);
  afterAll(async () => close?.(), 60_000);

  it('[P-DSR-3] waits for an erasure under way, then writes nothing for the erased person and does not fail', async () => {
    const ws = await crmWorkspace(e, 'Race');
    const actor: Actor = {
      workspaceId: ws.workspaceId,
      userId: ws.member.userId,
      role: 'member',
      twoFactorEnabled: false,
    };
    const file = await upload(
      ws.member.client,
      'race.csv',
      'first,last,email\nRacer,Lockwood,racer@race.example\nStaya,Lockwood,staya@race.example\n',
    );
    const created = await createImport(e.services, actor, {
      fileId: file.id,
      mapping: ['firstName', 'lastName', 'email'],
      duplicates: 'skip',
      dryRun: false,
      defaults: { visibility: 'workspace', tags: [], subjectCategories: ['client'] },
    });
    expect(await processImport(e.services, ws.workspaceId, created.id)).toBe('done');
    const victim = (await ws.admin.client.get<TPersonList>('/api/v1/people?q=racer@race&limit=5')).body.items[0];
    if (!victim) throw new Error('the imported person is not listed');

    const target = e.services.database.jobs;
    if (!('connectionString' in target)) throw new Error('not PostgreSQL');
    const eraser = new pg.Client({ connectionString: target.connectionString });
    await eraser.connect();
    try {
      await eraser.query('begin');
      await eraser.query(`select set_config('app.workspace_id', $1, true), set_config('role', 'tillit_app', true)`, [
        ws.workspaceId,
      ]);
      await eraser.query('select 1 from people where workspace_id = $1 and person_id = $2 for update', [
        ws.workspaceId,
        victim.id,
      ]);
      let settled = false;
      const job = runJob(e.services, importIndexJob, { workspaceId: ws.workspaceId, importId: created.id }).finally(
        () => {
          settled = true;
        },
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      await eraser.query('delete from people where workspace_id = $1 and person_id = $2', [ws.workspaceId, victim.id]);
      await eraser.query('commit');
      expect(await job).toEqual({ outcome: 'done' });
    } finally {
      await eraser.end();
    }
    const rows = await withTenant(e.services.database.db, { workspaceId: ws.workspaceId }, (tx) =>
      rowsOf<{ person_id: string; term: string }>(
        tx,
        sql`select person_id::text, term::text from person_search_terms where workspace_id = ${ws.workspaceId} and term = 'lockwood'`,
      ),
    );
    expect(rows.map((r) => r.person_id)).toHaveLength(1);
    expect(rows.map((r) => r.person_id)).not.toContain(victim.id);
    expect((await ws.member.client.get<TImport>(`/api/v1/imports/${created.id}`)).body.searchIndex).toBe('done');
  }, 60_000);
});

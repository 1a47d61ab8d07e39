import type { TInteraction, TNote, TTrashList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, interactions, notes } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { purgeTrashedBatch, type TrashPurgeKey } from '../../privacy/retention/retention.trash-batch.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { purgeTrashJob } from '../people/trash.jobs.ts';

/** P-ACC-4 for notes: the shared trash lists them, restores them within 30 days, and the daily
 *  purge deletes them after that; notes and calls left about nobody by a purge go too. */
describeEachDatabase('notes: trash and purge', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Note trash');
  }, 60_000);
  const db = () => env().services.database.db;
  const noteExists = (id: string) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) =>
      Boolean(
        (
          await tx
            .select({ id: notes.noteId })
            .from(notes)
            .where(and(eq(notes.workspaceId, w.workspaceId), eq(notes.noteId, id)))
        )[0],
      ),
    );
  const interactionExists = (id: string) =>
    withTenant(db(), { workspaceId: w.workspaceId }, async (tx) =>
      Boolean(
        (
          await tx
            .select({ id: interactions.interactionId })
            .from(interactions)
            .where(and(eq(interactions.workspaceId, w.workspaceId), eq(interactions.interactionId, id)))
        )[0],
      ),
    );

  it('[P-CRM-9] lists deleted notes in the shared trash (name = start of the text), newest first, in pages', async () => {
    const p = await makePerson(w.member.client);
    const made: TNote[] = [];
    for (const body of ['<p>first   <b>note</b></p>', `<p>${'long '.repeat(40)}</p>`, 'third']) {
      made.push((await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: body, personIds: [p.id] })).body);
    }
    for (const n of made) {
      env().clock.advance(1000);
      expect((await w.member.client.delete(`/api/v1/notes/${n.id}`)).status).toBe(200);
    }
    const ids: string[] = [];
    const names: string[] = [];
    let after: string | null = null;
    do {
      const res: { status: number; body: TTrashList } = await w.member.client.get<TTrashList>(
        `/api/v1/trash?kind=note&limit=2${after ? `&after=${after}` : ''}`,
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((i) => i.id));
      names.push(...res.body.items.map((i) => i.name));
      after = res.body.nextCursor;
    } while (after);
    expect(ids).toEqual([...made].reverse().map((n) => n.id));
    expect(names[0]).toBe('third');
    expect(names[1]).toHaveLength(80);
    expect(names[1]?.endsWith('…')).toBe(true);
    expect(names[2]).toBe('first note');
    const all = await w.member.client.get<TTrashList>('/api/v1/trash?limit=200');
    expect(all.body.items.filter((i) => i.kind === 'note').map((i) => i.id)).toEqual(ids);
  });

  it('[P-CRM-9] purges notes 30 days after deletion, not before; a restored note stays; the chain records it', async () => {
    const p = await makePerson(w.member.client);
    const gone = (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'gone', personIds: [p.id] })).body;
    const back = (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'back', personIds: [p.id] })).body;
    expect((await w.member.client.delete(`/api/v1/notes/${gone.id}`)).status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/notes/${back.id}`)).status).toBe(200);
    env().clock.advance(29 * DAY_MS);
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(gone.id)).toBe(true);
    expect((await w.member.client.post(`/api/v1/trash/note/${back.id}/restore`, {})).status).toBe(200);
    env().clock.advance(2 * DAY_MS);
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(gone.id)).toBe(false);
    expect(await noteExists(back.id)).toBe(true);
    expect((await w.member.client.post(`/api/v1/trash/note/${gone.id}/restore`, {})).status).toBe(404);
    const entries = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, 'trash.purged'))),
    );
    // `gone` and the three notes of the first test.
    expect(entries.map((e) => (e.details as { notes?: number }).notes)).toEqual([4]);
    expect(
      await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId)),
    ).toMatchObject({
      ok: true,
    });
    // Safe to run again.
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(back.id)).toBe(true);
  });

  it('[P-CRM-9] a purged person takes the notes and calls only about them; those also about a live company stay', async () => {
    const p = await makePerson(w.member.client);
    const c = await makeCompany(w.member.client);
    const only = (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'only', personIds: [p.id] })).body;
    const shared = (
      await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'shared', personIds: [p.id], companyIds: [c.id] })
    ).body;
    const call = (
      await w.member.client.post<TInteraction>('/api/v1/interactions', {
        kind: 'call',
        occurredAt: '2026-01-01T10:00:00Z',
        personIds: [p.id],
      })
    ).body;
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(only.id)).toBe(false);
    expect(await interactionExists(call.id)).toBe(false);
    expect(await noteExists(shared.id)).toBe(true);
    const left = await w.member.client.get<TNote>(`/api/v1/notes/${shared.id}`);
    expect(left.body.personIds).toEqual([]);
    expect(left.body.companyIds).toEqual([c.id]);
  });

  it('[P-CRM-9] the purge goes in bounded batches, each starting after the last one removed, ties of the trash time included', async () => {
    const p = await makePerson(w.member.client);
    const make = async (body: string) =>
      (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: body, personIds: [p.id] })).body.id;
    const due: string[] = [];
    for (let i = 0; i < 5; i++) due.push(await make(`batch ${i}`));
    // Three moved to the trash in the same millisecond, then two a second later.
    for (const [i, id] of due.entries()) {
      if (i === 3) env().clock.advance(1000);
      expect((await w.member.client.delete(`/api/v1/notes/${id}`)).status).toBe(200);
    }
    env().clock.advance(31 * DAY_MS);
    const late = await make('late');
    expect((await w.member.client.delete(`/api/v1/notes/${late}`)).status).toBe(200);
    const cutoff = new Date(env().clock.now().getTime() - 30 * DAY_MS);
    const keys: string[] = [];
    let after: TrashPurgeKey | undefined;
    for (let calls = 0; calls < 50; calls++) {
      const r = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        purgeTrashedBatch(tx, 'notes', w.workspaceId, { cutoff, now: env().clock.now(), limit: 2, after }),
      );
      expect(r.count).toBeLessThanOrEqual(2);
      if (r.count === 0) break;
      if (!r.last) throw new Error('a batch that removed notes says where it stopped');
      keys.push(`${new Date(r.last.deletedAt).toISOString()} ${r.last.id}`);
      after = r.last;
    }
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const id of due) expect(await noteExists(id)).toBe(false);
    expect(await noteExists(late)).toBe(true);
  });

  it('[P-CRM-9] [P-RET-2] a note under a legal hold stays in the trash past the period; released, the next purge takes it', async () => {
    const p = await makePerson(w.member.client);
    const make = async (body: string) =>
      (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: body, personIds: [p.id] })).body.id;
    const held = await make('held');
    const free = await make('free');
    const hold = await w.admin.client.post<{ id: string }>('/api/v1/legal-holds', {
      personId: p.id,
      table: 'notes',
      recordId: held,
      reason: 'open_contract',
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await w.member.client.delete(`/api/v1/notes/${held}`)).status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/notes/${free}`)).status).toBe(200);
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(free)).toBe(false);
    expect(await noteExists(held)).toBe(true);
    expect((await w.admin.client.post(`/api/v1/legal-holds/${hold.body.id}/release`, {})).status).toBe(200);
    await runJob(env().services, purgeTrashJob, {});
    expect(await noteExists(held)).toBe(false);
  });
});

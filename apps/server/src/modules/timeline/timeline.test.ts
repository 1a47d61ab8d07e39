import type { TInteraction, TInteractionList, TNote, TPipeline, TTimeline, TTimelineItem } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, notes } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makeDeal,
  makePerson,
  salesPipeline,
  stageNamed,
} from '../deals/deals.test-helpers.ts';

/** Notes, interactions and the timeline on both databases (P-CRM-9). */
describeEachDatabase('timeline: notes, interactions and the merged stream', (env) => {
  let w: CrmWorkspace;
  let sales: TPipeline;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Timeline');
    sales = await salesPipeline(w.member.client);
  }, 60_000);

  const auditOf = (targetId: string) =>
    withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, targetId)))
        .orderBy(auditEntries.seq),
    );

  const timeline = async (query: string, client = w.member.client) => {
    const res = await client.get<TTimeline>(`/api/v1/timeline?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  /** Every item of a record's timeline, page by page. */
  const wholeTimeline = async (query: string, limit: number, client = w.member.client) => {
    const items: TTimelineItem[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: TTimeline = await timeline(`${query}&limit=${limit}${after ? `&after=${after}` : ''}`, client);
      items.push(...page.items);
      after = page.nextCursor;
      pages += 1;
    } while (after && pages < 100);
    return { items, pages };
  };

  describe('notes', () => {
    it('[P-CRM-9] writes a sanitised note about a person and their company, with plain text; audited without content', async () => {
      const p = await makePerson(w.member.client);
      const c = await makeCompany(w.member.client);
      const res = await w.member.client.post<TNote>('/api/v1/notes', {
        bodyHtml: '<p>Met <b>Kari</b> <script>alert(1)</script><a href="javascript:x()">here</a></p>',
        personIds: [p.id],
        companyIds: [c.id],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const n = res.body;
      expect(n.bodyHtml).toBe('<p>Met <strong>Kari</strong> here</p>');
      expect(n.bodyText).toBe('Met Kari here');
      expect(n.personIds).toEqual([p.id]);
      expect(n.companyIds).toEqual([c.id]);
      expect(n.authorId).toBe(w.member.userId);
      expect(n.visibility).toBe('workspace');
      const got = await w.viewer.client.get<TNote>(`/api/v1/notes/${n.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(n);
      const audit = await auditOf(n.id);
      expect(audit.map((a) => a.action)).toEqual(['note.created']);
      expect(JSON.stringify(audit[0]?.details)).not.toMatch(/Kari|Met/);
      expect(audit[0]?.details).toMatchObject({ people: 1, companies: 1, deals: 0 });
    });

    it('[P-CRM-9] edits a note (body re-sanitised, links replaced), deletes it to the trash and restores it', async () => {
      const p = await makePerson(w.member.client);
      const p2 = await makePerson(w.member.client);
      const n = (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'first', personIds: [p.id] })).body;
      env().clock.advance(1000);
      const upd = await w.member.client.patch<TNote>(`/api/v1/notes/${n.id}`, {
        bodyHtml: '<em>second</em><img src=x onerror=y>',
        personIds: [p2.id],
      });
      expect(upd.status, JSON.stringify(upd.body)).toBe(200);
      expect(upd.body.bodyHtml).toBe('<em>second</em>');
      expect(upd.body.personIds).toEqual([p2.id]);
      expect(upd.body.createdAt).toBe(n.createdAt);
      expect(upd.body.updatedAt > n.updatedAt).toBe(true);
      expect((await timeline(`person=${p.id}`)).items.map((i) => i.id)).not.toContain(n.id);
      expect((await timeline(`person=${p2.id}`)).items.map((i) => i.id)).toContain(n.id);

      const del = await w.member.client.delete<{ kind: string; name: string }>(`/api/v1/notes/${n.id}`);
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ kind: 'note', name: 'second' });
      expect((await w.member.client.get(`/api/v1/notes/${n.id}`)).status).toBe(404);
      expect((await timeline(`person=${p2.id}`)).items.map((i) => i.id)).not.toContain(n.id);
      const restored = await w.member.client.post<TNote>(`/api/v1/trash/note/${n.id}/restore`, {});
      expect(restored.status, JSON.stringify(restored.body)).toBe(200);
      expect(restored.body.deletedAt).toBeNull();
      expect((await timeline(`person=${p2.id}`)).items.map((i) => i.id)).toContain(n.id);
      expect((await auditOf(n.id)).map((a) => a.action)).toEqual([
        'note.created',
        'note.updated',
        'note.deleted',
        'note.restored',
      ]);
    });

    it('refuses bad input with 422 naming the field, and writes nothing', async () => {
      const p = await makePerson(w.member.client);
      const before = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
        tx.select({ id: notes.noteId }).from(notes).where(eq(notes.workspaceId, w.workspaceId)),
      );
      const cases: [unknown, string][] = [
        [{ bodyHtml: 'x' }, 'personIds'],
        [{ bodyHtml: '<script>only</script>  ', personIds: [p.id] }, 'bodyHtml'],
        [{ bodyHtml: 42, personIds: [p.id] }, 'bodyHtml'],
        [{ bodyHtml: 'x', personIds: ['nope'] }, 'personIds.0'],
        [{ bodyHtml: 'x', personIds: [p.id], visibility: 'everyone' }, 'visibility'],
        [{ bodyHtml: 'x', personIds: [p.id], visibility: 'team' }, 'teamId'],
        [{ bodyHtml: 'x', personIds: [p.id], extra: 1 }, 'extra'],
        [{ bodyHtml: 'x'.repeat(100_001), personIds: [p.id] }, 'bodyHtml'],
      ];
      for (const [body, field] of cases) {
        const res = await w.member.client.post<{ error: { code: string; fields?: Record<string, string> } }>(
          '/api/v1/notes',
          body,
        );
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
        expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(res.body)).toContain(field);
      }
      const n = (await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'x', personIds: [p.id] })).body;
      const emptied = await w.member.client.patch<{ error: { fields?: Record<string, string> } }>(
        `/api/v1/notes/${n.id}`,
        { personIds: [] },
      );
      expect(emptied.status).toBe(422);
      expect(Object.keys(emptied.body.error.fields ?? {})).toContain('personIds');
      const after = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
        tx.select({ id: notes.noteId }).from(notes).where(eq(notes.workspaceId, w.workspaceId)),
      );
      expect(after.length).toBe(before.length + 1);
      expect((await w.member.client.get<TNote>(`/api/v1/notes/${n.id}`)).body.personIds).toEqual([p.id]);
    });
  });

  describe('interactions', () => {
    it('[P-CRM-9] logs a call and a meeting by hand, lists them by record, edits and deletes; audited', async () => {
      const p = await makePerson(w.member.client);
      const call = await w.member.client.post<TInteraction>('/api/v1/interactions', {
        kind: 'call',
        direction: 'out',
        occurredAt: '2026-01-04T10:00:00Z',
        durationSeconds: 300,
        subject: 'Renewal',
        summary: 'Wants a quote by Friday',
        outcome: 'connected',
        personIds: [p.id],
      });
      expect(call.status, JSON.stringify(call.body)).toBe(201);
      expect(call.body).toMatchObject({
        kind: 'call',
        direction: 'out',
        occurredAt: '2026-01-04T10:00:00.000Z',
        durationSeconds: 300,
        outcome: 'connected',
        source: 'manual',
        ownerId: w.member.userId,
        personIds: [p.id],
      });
      const meeting = await w.member.client.post<TInteraction>('/api/v1/interactions', {
        kind: 'meeting',
        occurredAt: '2026-01-04T12:00:00+01:00',
        subject: 'Lunch',
        personIds: [p.id],
      });
      expect(meeting.status, JSON.stringify(meeting.body)).toBe(201);
      const list = await w.viewer.client.get<TInteractionList>(`/api/v1/interactions?person=${p.id}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((i) => i.id)).toEqual([meeting.body.id, call.body.id]);

      const moved = await w.member.client.patch<TInteraction>(`/api/v1/interactions/${call.body.id}`, {
        occurredAt: '2026-01-04T13:00:00Z',
        outcome: 'voicemail',
        summary: '',
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body).toMatchObject({ outcome: 'voicemail', summary: null });
      const again = await w.member.client.get<TInteractionList>(`/api/v1/interactions?person=${p.id}`);
      expect(again.body.items.map((i) => i.id)).toEqual([call.body.id, meeting.body.id]);

      expect((await w.member.client.delete(`/api/v1/interactions/${meeting.body.id}`)).status).toBe(204);
      expect((await w.member.client.get(`/api/v1/interactions/${meeting.body.id}`)).status).toBe(404);
      expect((await auditOf(call.body.id)).map((a) => a.action)).toEqual([
        'interaction.created',
        'interaction.updated',
      ]);
      const audit = await auditOf(meeting.body.id);
      expect(audit.map((a) => a.action)).toEqual(['interaction.created', 'interaction.deleted']);
      expect(JSON.stringify(audit)).not.toMatch(/Lunch|Renewal/);
    });

    it('refuses a direction on a meeting, an outcome on a non-call, a bad time, no link (422 naming the field)', async () => {
      const p = await makePerson(w.member.client);
      const cases: [unknown, string][] = [
        [{ kind: 'meeting', direction: 'in', occurredAt: '2026-01-01T10:00:00Z', personIds: [p.id] }, 'direction'],
        [{ kind: 'email', outcome: 'busy', occurredAt: '2026-01-01T10:00:00Z', personIds: [p.id] }, 'outcome'],
        [{ kind: 'call', occurredAt: 'yesterday', personIds: [p.id] }, 'occurredAt'],
        [{ kind: 'fax', occurredAt: '2026-01-01T10:00:00Z', personIds: [p.id] }, 'kind'],
        [{ kind: 'call', occurredAt: '2026-01-01T10:00:00Z' }, 'personIds'],
        [
          { kind: 'call', occurredAt: '2026-01-01T10:00:00Z', personIds: [p.id], durationSeconds: -1 },
          'durationSeconds',
        ],
        [{ kind: 'call', occurredAt: '2026-01-01T10:00:00Z', personIds: [p.id], source: 'sync:google' }, 'source'],
      ];
      for (const [body, field] of cases) {
        const res = await w.member.client.post<{ error: { fields?: Record<string, string> } }>(
          '/api/v1/interactions',
          body,
        );
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(res.body)).toContain(field);
      }
      for (const q of ['', `person=${p.id}&company=${p.id}`, 'person=nope']) {
        expect((await w.member.client.get(`/api/v1/timeline?${q}`)).status, q).toBe(422);
        expect((await w.member.client.get(`/api/v1/interactions?${q}`)).status, q).toBe(422);
      }
      expect((await w.member.client.get(`/api/v1/timeline?person=${p.id}&after=garbage`)).status).toBe(422);
      expect((await w.member.client.get(`/api/v1/interactions?person=${p.id}`)).body).toEqual({
        items: [],
        nextCursor: null,
      });
    });
  });

  describe('the timeline', () => {
    it('[P-CRM-9] merges notes, calls, meetings and stage changes newest first, and pages by keyset across kinds', async () => {
      const p = await makePerson(w.member.client);
      const c = await makeCompany(w.member.client);
      const expected: string[] = [];
      // A deal with the person (its creation is a stage change), then items interleaved in time.
      const deal = await makeDeal(w.member.client, sales.id, { personIds: [p.id], companyId: c.id });
      const created = await w.member.client.get<{ items: { movedAt: string }[] }>(`/api/v1/deals/${deal.id}/history`);
      expect(created.body.items).toHaveLength(1);
      for (let i = 0; i < 5; i++) {
        env().clock.advance(60_000);
        const n = await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: `note ${i}`, personIds: [p.id] });
        expect(n.status).toBe(201);
        expected.push(n.body.id);
        env().clock.advance(60_000);
        const at = env().clock.now().toISOString();
        const call = await w.member.client.post<TInteraction>('/api/v1/interactions', {
          kind: i % 2 ? 'meeting' : 'call',
          occurredAt: at,
          personIds: [p.id],
        });
        expect(call.status).toBe(201);
        expected.push(call.body.id);
        if (i === 2) {
          // A note and a call at the very same millisecond as a stage change: kind breaks the tie.
          const moved = await w.member.client.post(`/api/v1/deals/${deal.id}/move`, {
            stageId: stageNamed(sales, 'Qualified').id,
          });
          expect(moved.status).toBe(200);
          const sameMs = await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'same ms', personIds: [p.id] });
          expected.push(sameMs.body.id);
        }
      }
      const { items, pages } = await wholeTimeline(`person=${p.id}`, 3);
      const history = await w.member.client.get<{ items: { movedAt: string }[] }>(`/api/v1/deals/${deal.id}/history`);
      expect(history.body.items).toHaveLength(2);
      // Newest first by (at, kind, id).
      const keys = items.map((i) => `${i.at}|${i.kind}|${i.id}`);
      expect([...keys].sort().reverse()).toEqual(keys);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      expect(items).toHaveLength(expected.length + 2);
      expect(pages).toBe(Math.ceil(items.length / 3));
      expect(items.map((i) => i.kind)).toEqual(expect.arrayContaining(['note', 'interaction', 'stage_change']));
      const ids = items.map((i) => i.id);
      for (const id of expected) expect(ids).toContain(id);
      // Same millisecond: the stage change (kind 'stage_change') sorts above the note, above the call.
      const move = items.find((i) => i.kind === 'stage_change' && i.stageChange.fromStageId);
      expect(move?.kind === 'stage_change' && move.stageChange).toMatchObject({
        dealId: deal.id,
        dealName: deal.name,
        stageName: 'Qualified',
        fromStageName: 'Lead',
        movedBy: w.member.userId,
      });
      const sameMs = items.filter((i) => i.at === move?.at).map((i) => i.kind);
      expect(sameMs).toEqual(['stage_change', 'note', 'interaction']);
      // One page of everything equals the pages joined.
      const one = await timeline(`person=${p.id}&limit=100`);
      expect(one.items.map((i) => i.id)).toEqual(ids);
      expect(one.nextCursor).toBeNull();

      // The deal's timeline has its stage changes; the company's has them too (its deal), but
      // not the person's notes (a company shows what is linked to it, not all its people's items).
      const dealLine = await timeline(`deal=${deal.id}`);
      expect(dealLine.items.map((i) => i.kind)).toEqual(['stage_change', 'stage_change']);
      const companyLine = await timeline(`company=${c.id}`);
      expect(companyLine.items.map((i) => i.kind)).toEqual(['stage_change', 'stage_change']);
      const both = await w.member.client.post<TNote>('/api/v1/notes', {
        bodyHtml: 'about both',
        personIds: [p.id],
        companyIds: [c.id],
        dealIds: [deal.id],
      });
      for (const q of [`person=${p.id}`, `company=${c.id}`, `deal=${deal.id}`])
        expect((await timeline(q)).items[0]?.id, q).toBe(both.body.id);
      // A cursor of another list is refused.
      const page = await timeline(`person=${p.id}&limit=2`);
      const wrong = await w.member.client.get(`/api/v1/interactions?person=${p.id}&after=${page.nextCursor}`);
      expect(wrong.status).toBe(422);
    });

    it('[P-CRM-9] shows the tasks of a record when created and when completed, with task visibility', async () => {
      const p = await makePerson(w.member.client);
      const secret = await w.member.client.post<{ id: string }>('/api/v1/tasks', {
        title: 'Private errand',
        personIds: [p.id],
        visibility: 'private',
        assigneeId: null,
      });
      expect(secret.status, JSON.stringify(secret.body)).toBe(201);
      env().clock.advance(1000);
      const task = await w.member.client.post<{ id: string }>('/api/v1/tasks', {
        title: 'Send the quote',
        personIds: [p.id],
      });
      expect(task.status, JSON.stringify(task.body)).toBe(201);
      env().clock.advance(60_000);
      const n = await w.member.client.post<TNote>('/api/v1/notes', { bodyHtml: 'between', personIds: [p.id] });
      env().clock.advance(60_000);
      const done = await w.member.client.patch(`/api/v1/tasks/${task.body.id}`, { status: 'done' });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const line = await timeline(`person=${p.id}`);
      expect(line.items.map((i) => [i.kind, i.id])).toEqual([
        ['task_completed', task.body.id],
        ['note', n.body.id],
        ['task_created', task.body.id],
        ['task_created', secret.body.id],
      ]);
      const completed = line.items[0];
      expect(completed?.kind === 'task_completed' && completed.task).toMatchObject({
        title: 'Send the quote',
        status: 'done',
      });
      // Another member does not see the private task, in any page.
      const other = await wholeTimeline(`person=${p.id}`, 1, w.other.client);
      expect(other.items.map((i) => i.id)).not.toContain(secret.body.id);
      expect(other.items.map((i) => i.kind)).toEqual(['task_completed', 'note', 'task_created']);
    });

    it('an unknown or deleted record is 404', async () => {
      const p = await makePerson(w.member.client);
      expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
      expect((await w.member.client.get(`/api/v1/timeline?person=${p.id}`)).status).toBe(404);
      expect((await w.member.client.get(`/api/v1/timeline?deal=${crypto.randomUUID()}`)).status).toBe(404);
    });
  });
});

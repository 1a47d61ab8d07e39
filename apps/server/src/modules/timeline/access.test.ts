import type { TInteraction, TNote, TPerson, TPipeline, TTimeline, TTrashList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import {
  auditEntries,
  interactionPeople,
  interactions,
  noteCompanies,
  notePeople,
  notes,
} from '../../db/schema/index.ts';
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

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Call = [Method, string, unknown?];

const send = (client: TestClient, [method, url, body]: Call, headers?: Record<string, string>) =>
  client.request(method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), headers);

const note = async (client: TestClient, body: Record<string, unknown>) => {
  const res = await client.post<TNote>('/api/v1/notes', { bodyHtml: '<p>a <b>note</b></p>', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const logCall = async (client: TestClient, body: Record<string, unknown>) => {
  const res = await client.post<TInteraction>('/api/v1/interactions', {
    kind: 'call',
    direction: 'in',
    occurredAt: '2026-01-05T08:00:00Z',
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

describeEachDatabase('timeline: isolation, roles, visibility', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bPerson: TPerson;
  let bNote: TNote;
  let bTrashedNote: TNote;
  let bCall: TInteraction;
  let bSales: TPipeline;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    bSales = await salesPipeline(b.owner.client);
    bPerson = await makePerson(b.owner.client);
    bNote = await note(b.owner.client, { personIds: [bPerson.id] });
    bTrashedNote = await note(b.owner.client, { personIds: [bPerson.id] });
    expect((await b.owner.client.delete(`/api/v1/notes/${bTrashedNote.id}`)).status).toBe(200);
    bCall = await logCall(b.owner.client, { personIds: [bPerson.id] });
  }, 120_000);

  const snapshotB = () =>
    withTenant(env().services.database.db, { workspaceId: b.workspaceId }, async (tx) => ({
      notes: await tx.select().from(notes).where(eq(notes.workspaceId, b.workspaceId)).orderBy(notes.noteId),
      notePeople: await tx.select().from(notePeople).where(eq(notePeople.workspaceId, b.workspaceId)),
      noteCompanies: await tx.select().from(noteCompanies).where(eq(noteCompanies.workspaceId, b.workspaceId)),
      interactions: await tx
        .select()
        .from(interactions)
        .where(eq(interactions.workspaceId, b.workspaceId))
        .orderBy(interactions.interactionId),
      interactionPeople: await tx
        .select()
        .from(interactionPeople)
        .where(eq(interactionPeople.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));

  const everyEndpoint = (personId: string, noteId: string, trashedId: string, callId: string): Call[] => [
    ['GET', `/api/v1/timeline?person=${personId}`],
    ['POST', '/api/v1/notes', { bodyHtml: 'intruder', personIds: [personId] }],
    ['GET', `/api/v1/notes/${noteId}`],
    ['PATCH', `/api/v1/notes/${noteId}`, { bodyHtml: 'pwned' }],
    ['DELETE', `/api/v1/notes/${noteId}`],
    ['POST', `/api/v1/trash/note/${trashedId}/restore`, {}],
    ['GET', `/api/v1/interactions?person=${personId}`],
    ['POST', '/api/v1/interactions', { kind: 'call', occurredAt: '2026-01-01T00:00:00Z', personIds: [personId] }],
    ['GET', `/api/v1/interactions/${callId}`],
    ['PATCH', `/api/v1/interactions/${callId}`, { subject: 'pwned' }],
    ['DELETE', `/api/v1/interactions/${callId}`],
  ];

  describe('isolation', () => {
    it('[P-CRM-9] naming another workspace is refused on every endpoint (403), and B is unchanged', async () => {
      const before = await snapshotB();
      for (const user of [a.owner, a.member, a.viewer]) {
        for (const call of everyEndpoint(bPerson.id, bNote.id, bTrashedNote.id, bCall.id)) {
          const res = await send(user.client, call, { 'x-tillit-workspace': b.workspaceId });
          expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
        }
      }
      expect(await snapshotB()).toEqual(before);
    });

    it("[P-CRM-9] B's ids used from inside A are not found (404); A cannot link its notes to B's records; B is unchanged", async () => {
      const before = await snapshotB();
      for (const call of everyEndpoint(bPerson.id, bNote.id, bTrashedNote.id, bCall.id)) {
        const res = await send(a.owner.client, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(404);
      }
      const aPerson = await makePerson(a.owner.client);
      const aNote = await note(a.owner.client, { personIds: [aPerson.id] });
      expect((await a.owner.client.patch(`/api/v1/notes/${aNote.id}`, { personIds: [bPerson.id] })).status).toBe(404);
      const timeline = await a.owner.client.get<TTimeline>(`/api/v1/timeline?person=${aPerson.id}`);
      expect(timeline.body.items.map((i) => i.id)).toEqual([aNote.id]);
      const trash = await a.owner.client.get<TTrashList>('/api/v1/trash?kind=note');
      expect(trash.body.items.map((i) => i.id)).not.toContain(bTrashedNote.id);
      expect(await snapshotB()).toEqual(before);
    });

    it('a signed-out caller gets 401 on every endpoint', async () => {
      const anon = env().client();
      for (const call of everyEndpoint(bPerson.id, bNote.id, bTrashedNote.id, bCall.id)) {
        const res = await send(anon, call, { 'x-tillit-workspace': b.workspaceId });
        expect(res.status, `${call[0]} ${call[1]}`).toBe(401);
      }
    });
  });

  describe('roles', () => {
    it('[P-CRM-9] a viewer reads the timeline, notes and interactions but cannot write; nothing is written', async () => {
      const before = await snapshotB();
      const v = b.viewer.client;
      expect((await v.get(`/api/v1/timeline?person=${bPerson.id}`)).status).toBe(200);
      expect((await v.get(`/api/v1/notes/${bNote.id}`)).status).toBe(200);
      expect((await v.get(`/api/v1/interactions/${bCall.id}`)).status).toBe(200);
      expect((await v.get(`/api/v1/interactions?person=${bPerson.id}`)).status).toBe(200);
      for (const call of everyEndpoint(bPerson.id, bNote.id, bTrashedNote.id, bCall.id).filter(([m]) => m !== 'GET')) {
        const res = await send(v, call);
        expect(res.status, `${call[0]} ${call[1]}`).toBe(403);
      }
      expect(await snapshotB()).toEqual(before);
    });
  });

  describe('visibility', () => {
    it("[P-CRM-9] a private note, a private call and a private deal's stage changes are invisible to another member in every branch", async () => {
      const person = await makePerson(b.member.client);
      const company = await makeCompany(b.member.client);
      const open = await note(b.member.client, { personIds: [person.id], companyIds: [company.id] });
      const secretNote = await note(b.member.client, {
        personIds: [person.id],
        companyIds: [company.id],
        visibility: 'private',
      });
      const secretCall = await logCall(b.member.client, {
        personIds: [person.id],
        companyIds: [company.id],
        visibility: 'private',
      });
      const secretDeal = await makeDeal(b.member.client, bSales.id, {
        personIds: [person.id],
        companyId: company.id,
        visibility: 'private',
      });
      expect(
        (await b.member.client.post(`/api/v1/deals/${secretDeal.id}/move`, { stageId: stageNamed(bSales, 'Won').id }))
          .status,
      ).toBe(200);
      const openDeal = await makeDeal(b.member.client, bSales.id, { personIds: [person.id], companyId: company.id });
      const secret = [secretNote.id, secretCall.id];

      const idsFor = async (client: TestClient, q: string) => {
        const res = await client.get<TTimeline>(`/api/v1/timeline?${q}&limit=100`);
        expect(res.status).toBe(200);
        return res.body.items;
      };
      for (const q of [`person=${person.id}`, `company=${company.id}`]) {
        const others = await idsFor(b.other.client, q);
        expect(
          others.map((i) => i.id),
          q,
        ).toContain(open.id);
        for (const id of secret)
          expect(
            others.map((i) => i.id),
            q,
          ).not.toContain(id);
        const dealsSeen = others.flatMap((i) => (i.kind === 'stage_change' ? [i.stageChange.dealId] : []));
        expect(dealsSeen, q).toContain(openDeal.id);
        expect(dealsSeen, q).not.toContain(secretDeal.id);
        // The author and an admin see all of it (the secret deal: its creation and its move).
        for (const client of [b.member.client, b.admin.client]) {
          const mine = await idsFor(client, q);
          for (const id of secret)
            expect(
              mine.map((i) => i.id),
              q,
            ).toContain(id);
          expect(
            mine.filter((i) => i.kind === 'stage_change' && i.stageChange.dealId === secretDeal.id),
            q,
          ).toHaveLength(2);
        }
      }
      // The private deal's own timeline is not found for the other member.
      expect((await b.other.client.get(`/api/v1/timeline?deal=${secretDeal.id}`)).status).toBe(404);
      const other = await b.other.client.get<{ items: TInteraction[] }>(`/api/v1/interactions?person=${person.id}`);
      expect(other.body.items.map((i) => i.id)).not.toContain(secretCall.id);

      const before = await snapshotB();
      for (const res of [
        await b.other.client.get(`/api/v1/notes/${secretNote.id}`),
        await b.other.client.patch(`/api/v1/notes/${secretNote.id}`, { bodyHtml: 'pwned' }),
        await b.other.client.delete(`/api/v1/notes/${secretNote.id}`),
        await b.other.client.get(`/api/v1/interactions/${secretCall.id}`),
        await b.other.client.patch(`/api/v1/interactions/${secretCall.id}`, { subject: 'pwned' }),
        await b.other.client.delete(`/api/v1/interactions/${secretCall.id}`),
      ]) {
        expect(res.status).toBe(404);
      }
      expect(await snapshotB()).toEqual(before);
      // In the trash it stays hidden and cannot be restored by the other member.
      expect((await b.member.client.delete(`/api/v1/notes/${secretNote.id}`)).status).toBe(200);
      const trash = await b.other.client.get<TTrashList>('/api/v1/trash?kind=note&limit=200');
      expect(trash.body.items.map((i) => i.id)).not.toContain(secretNote.id);
      const mine = await b.member.client.get<TTrashList>('/api/v1/trash?kind=note&limit=200');
      expect(mine.body.items.map((i) => i.id)).toContain(secretNote.id);
      expect((await b.other.client.post(`/api/v1/trash/note/${secretNote.id}/restore`, {})).status).toBe(404);
    });

    it('[P-CRM-9] a team note is seen by the team only; a note never shows a record the reader cannot see', async () => {
      const person = await makePerson(b.member.client);
      const teamNote = await note(b.member.client, { personIds: [person.id], visibility: 'team', teamId: b.teamId });
      expect((await b.member.client.get(`/api/v1/notes/${teamNote.id}`)).status).toBe(200);
      expect((await b.other.client.get(`/api/v1/notes/${teamNote.id}`)).status).toBe(404);
      const otherLine = await b.other.client.get<TTimeline>(`/api/v1/timeline?person=${person.id}`);
      expect(otherLine.body.items.map((i) => i.id)).not.toContain(teamNote.id);

      // A private person: their timeline is not found for others, links to them are refused (404),
      // and a shared note about them and a company shows the company only.
      const hidden = await makePerson(b.member.client, { visibility: 'private' });
      const company = await makeCompany(b.member.client);
      const both = await note(b.member.client, { personIds: [hidden.id], companyIds: [company.id] });
      expect((await b.other.client.get(`/api/v1/timeline?person=${hidden.id}`)).status).toBe(404);
      const seen = await b.other.client.get<TNote>(`/api/v1/notes/${both.id}`);
      expect(seen.body.personIds).toEqual([]);
      expect(seen.body.companyIds).toEqual([company.id]);
      expect((await b.other.client.post('/api/v1/notes', { bodyHtml: 'x', personIds: [hidden.id] })).status).toBe(404);
      // Replacing the company links keeps the link to the person the other member cannot see.
      const company2 = await makeCompany(b.other.client);
      const changed = await b.other.client.patch<TNote>(`/api/v1/notes/${both.id}`, {
        personIds: [],
        companyIds: [company2.id],
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      const full = await b.member.client.get<TNote>(`/api/v1/notes/${both.id}`);
      expect(full.body.personIds).toEqual([hidden.id]);
      expect(full.body.companyIds).toEqual([company2.id]);
    });
  });
});

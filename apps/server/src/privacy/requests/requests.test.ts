import type { TCreatedApiKey, TPrivacyRequestDetail, TPrivacyRequestList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import { addMonthsUtc } from './requests.service.ts';

const BASE = '/api/v1/privacy/requests';

describe('addMonthsUtc', () => {
  it('moves by calendar months and keeps the day, or the last day of a shorter month', () => {
    expect(addMonthsUtc(new Date('2026-01-15T10:00:00Z'), 2).toISOString()).toBe('2026-03-15T10:00:00.000Z');
    expect(addMonthsUtc(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonthsUtc(new Date('2026-03-10T00:00:00Z'), -12).toISOString()).toBe('2025-03-10T00:00:00.000Z');
  });
});

describeEachDatabase('requests from data subjects: the workflow (/api/v1/privacy/requests)', (env) => {
  let w: CrmWorkspace;
  let elsewhere: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Requests');
    elsewhere = await crmWorkspace(env(), 'Elsewhere');
  });

  const create = async (personId: string, kind: string, extra: Record<string, unknown> = {}) => {
    const res = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId, kind, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  it('[P-DSR-1] a request is due 30 days after receipt, by the clock, and lists as overdue once that passes', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Due', lastName: 'Date' });
    const receivedAt = env().clock.now();
    const req = await create(person.id, 'rectification', { details: 'My surname is spelt wrong' });
    expect(req.status).toBe('received');
    expect(req.receivedAt).toBe(receivedAt.toISOString());
    expect(req.dueAt).toBe(new Date(receivedAt.getTime() + 30 * DAY_MS).toISOString());
    expect(req.overdue).toBe(false);
    expect(req.people).toEqual([{ id: person.id, name: 'Due Date' }]);
    // A correction pending: processing is restricted at once (P-DSR-2).
    expect(req.steps.map((s) => s.action)).toEqual(['received', 'restricted']);

    env().clock.advance(30 * DAY_MS + 1000);
    const overdue = await w.admin.client.get<TPrivacyRequestList>(`${BASE}?overdue=true`);
    expect(overdue.body.items.map((i) => i.id)).toContain(req.id);
    expect(overdue.body.items.find((i) => i.id === req.id)?.overdue).toBe(true);
    const notOverdue = await w.admin.client.get<TPrivacyRequestList>(`${BASE}?overdue=false`);
    expect(notOverdue.body.items.map((i) => i.id)).not.toContain(req.id);

    // A closed request is never overdue.
    const refused = await w.admin.client.post<TPrivacyRequestDetail>(`${BASE}/${req.id}/refuse`, {
      reason: 'The spelling on record matches the passport we were shown.',
    });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'refused', overdue: false });
    expect(refused.body.refusalReason).toContain('passport');
  });

  it('[P-DSR-1] the deadline is extended once, by up to two months, with the reason; not twice, not after it passed', async () => {
    const person = await makePerson(w.owner.client);
    const req = await create(person.id, 'access');
    const bad = await w.admin.client.post(`${BASE}/${req.id}/extend`, { months: 3, reason: 'Too long' });
    expect(bad.status).toBe(422);
    const ext = await w.admin.client.post<TPrivacyRequestDetail>(`${BASE}/${req.id}/extend`, {
      months: 2,
      reason: 'The request covers ten years of correspondence.',
    });
    expect(ext.status).toBe(200);
    expect(ext.body.status).toBe('extended');
    expect(ext.body.dueAt).toBe(addMonthsUtc(new Date(req.dueAt), 2).toISOString());
    expect(ext.body.extensionReason).toContain('ten years');
    expect(ext.body.steps.map((s) => s.action)).toEqual(['received', 'extended']);
    const again = await w.admin.client.post(`${BASE}/${req.id}/extend`, { months: 1, reason: 'Again' });
    expect(again.status).toBe(409);

    const late = await create(person.id, 'erasure');
    env().clock.advance(31 * DAY_MS);
    const tooLate = await w.admin.client.post(`${BASE}/${late.id}/extend`, { months: 1, reason: 'Late' });
    expect(tooLate.status).toBe(409);
  });

  it('[P-DSR-1] a second access request for the same person within 12 months is flagged; after 12 months it is not', async () => {
    const person = await makePerson(w.owner.client);
    const first = await create(person.id, 'access');
    expect(first.repeatExtract).toBe(false);
    env().clock.advance(100 * DAY_MS);
    const second = await create(person.id, 'access');
    expect(second.repeatExtract).toBe(true);
    // Other kinds are not extracts.
    expect((await create(person.id, 'rectification')).repeatExtract).toBe(false);
    env().clock.advance(366 * DAY_MS);
    const third = await create(person.id, 'access');
    expect(third.repeatExtract).toBe(false);
    const list = await w.admin.client.get<TPrivacyRequestList>(`${BASE}?personId=${person.id}&kind=access`);
    expect(list.body.items.map((i) => [i.id, i.repeatExtract])).toEqual([
      [first.id, false],
      [second.id, true],
      [third.id, false],
    ]);
  });

  it('steps: status, owner and notes are recorded in order, each in the audit chain', async () => {
    const person = await makePerson(w.owner.client);
    const req = await create(person.id, 'objection');
    const s1 = await w.admin.client.patch<TPrivacyRequestDetail>(`${BASE}/${req.id}`, {
      status: 'verifying',
      ownerId: w.member.userId,
    });
    expect(s1.status).toBe(200);
    expect(s1.body).toMatchObject({ status: 'verifying', ownerId: w.member.userId });
    const s2 = await w.admin.client.post<TPrivacyRequestDetail>(`${BASE}/${req.id}/notes`, {
      note: 'Called the person back to confirm.',
    });
    expect(s2.body.steps.map((s) => s.action)).toEqual(['received', 'status_changed', 'assigned', 'note']);
    expect(s2.body.steps[3]).toMatchObject({ note: 'Called the person back to confirm.' });
    expect(s2.body.steps[3]?.actor).toMatchObject({ kind: 'user', id: w.admin.userId, name: w.admin.name });
    const audit = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ action: auditEntries.action })
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.targetId, req.id)))
        .orderBy(auditEntries.seq),
    );
    expect(audit.map((a) => a.action)).toEqual([
      'privacy_request.received',
      'privacy_request.status_changed',
      'privacy_request.assigned',
      'privacy_request.note',
    ]);
    // The owner must be a member of the workspace.
    const stranger = await w.admin.client.patch(`${BASE}/${req.id}`, { ownerId: elsewhere.owner.userId });
    expect(stranger.status).toBe(422);
    // Fulfilled and refused are set by their own actions only.
    const closeByHand = await w.admin.client.patch(`${BASE}/${req.id}`, { status: 'fulfilled' });
    expect(closeByHand.status).toBe(422);
  });

  it('the inbox filters by status and kind, soonest due first, in keyset pages', async () => {
    const person = await makePerson(w.owner.client);
    const a = await create(person.id, 'withdrawal');
    env().clock.advance(1000);
    const b = await create(person.id, 'withdrawal');
    env().clock.advance(1000);
    const c = await create(person.id, 'withdrawal');
    await w.admin.client.patch(`${BASE}/${b.id}`, { status: 'in_progress' });
    const inProgress = await w.admin.client.get<TPrivacyRequestList>(`${BASE}?kind=withdrawal&status=in_progress`);
    expect(inProgress.body.items.map((i) => i.id)).toEqual([b.id]);
    const page1 = await w.admin.client.get<TPrivacyRequestList>(`${BASE}?kind=withdrawal&status=open&limit=2`);
    expect(page1.body.items.map((i) => i.id)).toEqual([a.id, b.id]);
    const page2 = await w.admin.client.get<TPrivacyRequestList>(
      `${BASE}?kind=withdrawal&status=open&limit=2&after=${page1.body.nextCursor}`,
    );
    expect(page2.body.items.map((i) => i.id)).toEqual([c.id]);
    expect(page2.body.nextCursor).toBeNull();
    expect((await w.admin.client.get(`${BASE}?after=forged`)).status).toBe(422);
    expect((await w.admin.client.get(`${BASE}?status=lost`)).status).toBe(422);
  });

  it('refuses a request received in the future and a person nobody can see', async () => {
    const person = await makePerson(w.owner.client);
    const future = new Date(env().clock.now().getTime() + DAY_MS).toISOString();
    const res = await w.admin.client.post(BASE, { personId: person.id, kind: 'access', receivedAt: future });
    expect(res.status).toBe(422);
    const missing = await w.admin.client.post(BASE, { personId: crypto.randomUUID(), kind: 'access' });
    expect(missing.status).toBe(422);
  });

  describe('isolation', () => {
    it("another workspace cannot read, list or change a workspace's requests", async () => {
      const person = await makePerson(w.owner.client);
      const req = await create(person.id, 'access');
      expect((await elsewhere.owner.client.get(`${BASE}/${req.id}`)).status).toBe(404);
      const list = await elsewhere.owner.client.get<TPrivacyRequestList>(BASE);
      expect(list.body.items.map((i) => i.id)).not.toContain(req.id);
      expect((await elsewhere.owner.client.post(`${BASE}/${req.id}/refuse`, { reason: 'x' })).status).toBe(404);
      expect((await elsewhere.owner.client.patch(`${BASE}/${req.id}`, { status: 'in_progress' })).status).toBe(404);
      expect((await elsewhere.owner.client.post(BASE, { personId: person.id, kind: 'access' })).status).toBe(422);
    });

    it('a viewer is refused; a member records and reads requests on a person they see, but does not work the inbox', async () => {
      const person = await makePerson(w.owner.client);
      expect((await w.viewer.client.post(BASE, { personId: person.id, kind: 'access' })).status).toBe(403);
      expect((await w.viewer.client.get(`${BASE}?personId=${person.id}`)).status).toBe(403);
      const mine = await w.member.client.post<TPrivacyRequestDetail>(BASE, { personId: person.id, kind: 'access' });
      expect(mine.status).toBe(201);
      expect((await w.member.client.get(`${BASE}/${mine.body.id}`)).status).toBe(200);
      const ofPerson = await w.member.client.get<TPrivacyRequestList>(`${BASE}?personId=${person.id}`);
      expect(ofPerson.body.items.map((i) => i.id)).toEqual([mine.body.id]);
      expect((await w.member.client.get(BASE)).status).toBe(403);
      expect((await w.member.client.post(`${BASE}/${mine.body.id}/refuse`, { reason: 'no' })).status).toBe(403);
      expect((await w.member.client.post(`${BASE}/${mine.body.id}/fulfil`, {})).status).toBe(403);
      expect((await w.member.client.post(`${BASE}/${mine.body.id}/extend`, { months: 1, reason: 'x' })).status).toBe(
        403,
      );
      expect((await w.viewer.client.get(`${BASE}/${mine.body.id}`)).status).toBe(403);
    });

    it('a private person stays private: another member cannot record, list or read requests on them', async () => {
      const secret = await makePerson(w.member.client, { firstName: 'Private', visibility: 'private' });
      const req = await w.member.client.post<TPrivacyRequestDetail>(BASE, { personId: secret.id, kind: 'erasure' });
      expect(req.status).toBe(201);
      expect((await w.other.client.post(BASE, { personId: secret.id, kind: 'access' })).status).toBe(422);
      expect((await w.other.client.get(`${BASE}?personId=${secret.id}`)).status).toBe(404);
      expect((await w.other.client.get(`${BASE}/${req.body.id}`)).status).toBe(404);
      // Admins see every request, with the person's name.
      const seen = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${req.body.id}`);
      expect(seen.body.people).toEqual([{ id: secret.id, name: `Private ${secret.lastName}`.trim() }]);
    });
  });

  describe('API keys (privacy:read, privacy:write, privacy:export)', () => {
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const makeKey = async (ws: CrmWorkspace, role: string, scopes: string[]) => {
      const res = await ws.owner.client.post<TCreatedApiKey>('/api/v1/api-keys', { name: 'DSR desk', role, scopes });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.key;
    };

    it('[P-SEC-5] a key with the privacy scopes and an admin role works the inbox like an admin', async () => {
      const key = await makeKey(w, 'admin', ['privacy:read', 'privacy:write']);
      const person = await makePerson(w.owner.client);
      const script = env().client();
      const made = await script.post<TPrivacyRequestDetail>(
        BASE,
        { personId: person.id, kind: 'objection' },
        bearer(key),
      );
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      // The key acts as its creator (the owner here): the step names them.
      expect(made.body.steps[0]?.actor.id).toBe(w.owner.userId);
      const inbox = await script.get<TPrivacyRequestList>(`${BASE}?kind=objection&status=open`, bearer(key));
      expect(inbox.status).toBe(200);
      expect(inbox.body.items.map((i) => i.id)).toContain(made.body.id);
      expect((await script.get(`${BASE}/${made.body.id}`, bearer(key))).status).toBe(200);
      const noted = await script.post<TPrivacyRequestDetail>(
        `${BASE}/${made.body.id}/notes`,
        { note: 'Checked by the ticket system.' },
        bearer(key),
      );
      expect(noted.status).toBe(200);
      expect(noted.body.steps.at(-1)).toMatchObject({ action: 'note', note: 'Checked by the ticket system.' });
      const refused = await script.post<TPrivacyRequestDetail>(
        `${BASE}/${made.body.id}/refuse`,
        { reason: 'Duplicate of an earlier request.' },
        bearer(key),
      );
      expect(refused.body.status).toBe('refused');
      expect((await script.get('/api/v1/privacy/request-settings', bearer(key))).status).toBe(200);
      // Bad input is still a 422 naming the field.
      const bad = await script.post<{ error: { fields: Record<string, string> } }>(
        BASE,
        { personId: person.id, kind: 'teleport' },
        bearer(key),
      );
      expect(bad.status).toBe(422);
      expect(bad.body.error.fields).toHaveProperty('kind');
    });

    it('[P-SEC-5] a missing scope is 403: read-only keys cannot change, other scopes cannot read, downloads need privacy:export', async () => {
      const person = await makePerson(w.owner.client);
      const req = await create(person.id, 'access');
      const script = env().client();
      const reader = await makeKey(w, 'admin', ['privacy:read']);
      expect((await script.get(`${BASE}/${req.id}`, bearer(reader))).status).toBe(200);
      for (const res of [
        await script.post(BASE, { personId: person.id, kind: 'access' }, bearer(reader)),
        await script.patch(`${BASE}/${req.id}`, { status: 'verifying' }, bearer(reader)),
        await script.post(`${BASE}/${req.id}/refuse`, { reason: 'x' }, bearer(reader)),
        await script.post(`${BASE}/${req.id}/fulfil`, {}, bearer(reader)),
        await script.put(
          '/api/v1/privacy/request-settings',
          { authorityName: null, authorityUrl: null },
          bearer(reader),
        ),
      ]) {
        expect(res.status).toBe(403);
        expect((res.body as { error: { message: string } }).error.message).toContain('privacy:write');
      }
      const download = `${BASE}/${req.id}/packages/${crypto.randomUUID()}/download`;
      expect((await script.get(download, bearer(reader))).status).toBe(403);
      // With the scope, the download reaches the service (no such package here).
      const exporter = await makeKey(w, 'admin', ['privacy:export']);
      expect((await script.get(download, bearer(exporter))).status).toBe(404);
      const peopleOnly = await makeKey(w, 'admin', ['people:read', 'people:update']);
      expect((await script.get(BASE, bearer(peopleOnly))).status).toBe(403);
      expect((await script.get(`${BASE}/${req.id}`, bearer(peopleOnly))).status).toBe(403);
      // Nothing changed.
      const after = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${req.id}`);
      expect(after.body.status).toBe('received');
    });

    it("[P-SEC-5] another workspace's request is 404 to a key; naming the other workspace is 403", async () => {
      const theirs = await makePerson(elsewhere.owner.client);
      const res = await elsewhere.admin.client.post<TPrivacyRequestDetail>(BASE, {
        personId: theirs.id,
        kind: 'access',
      });
      const key = await makeKey(w, 'admin', ['privacy:read', 'privacy:write']);
      const script = env().client();
      expect((await script.get(`${BASE}/${res.body.id}`, bearer(key))).status).toBe(404);
      expect((await script.post(`${BASE}/${res.body.id}/refuse`, { reason: 'x' }, bearer(key))).status).toBe(404);
      const list = await script.get<TPrivacyRequestList>(BASE, bearer(key));
      expect(list.body.items.map((i) => i.id)).not.toContain(res.body.id);
      expect((await script.post(BASE, { personId: theirs.id, kind: 'access' }, bearer(key))).status).toBe(422);
      const naming = { ...bearer(key), 'x-tillit-workspace': elsewhere.workspaceId };
      expect((await script.get(`${BASE}/${res.body.id}`, naming)).status).toBe(403);
    });

    it('[P-SEC-5] a lower role is refused as it would be signed in: a member key reads one person only, a viewer key nothing', async () => {
      const person = await makePerson(w.owner.client);
      const req = await create(person.id, 'access');
      const script = env().client();
      const memberKey = await makeKey(w, 'member', ['privacy:read', 'privacy:write', 'privacy:export']);
      expect((await script.get(BASE, bearer(memberKey))).status).toBe(403);
      const ofPerson = await script.get<TPrivacyRequestList>(`${BASE}?personId=${person.id}`, bearer(memberKey));
      expect(ofPerson.status).toBe(200);
      expect(ofPerson.body.items.map((i) => i.id)).toContain(req.id);
      expect((await script.post(`${BASE}/${req.id}/refuse`, { reason: 'no' }, bearer(memberKey))).status).toBe(403);
      expect((await script.post(`${BASE}/${req.id}/fulfil`, {}, bearer(memberKey))).status).toBe(403);
      expect(
        (
          await script.put(
            '/api/v1/privacy/request-settings',
            { authorityName: null, authorityUrl: null },
            bearer(memberKey),
          )
        ).status,
      ).toBe(403);
      const viewerKey = await makeKey(w, 'viewer', ['privacy:read', 'privacy:write']);
      expect((await script.get(`${BASE}/${req.id}`, bearer(viewerKey))).status).toBe(403);
      expect((await script.post(BASE, { personId: person.id, kind: 'access' }, bearer(viewerKey))).status).toBe(403);
    });

    it('the OpenAPI document names the scope of every staff route', async () => {
      const doc = await env().client().get<{
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
        components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
      }>('/api/openapi.json');
      expect(doc.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      const scopeOf = (path: string, method: string) =>
        doc.body.paths[path]?.[method]?.security?.find((s) => 'apiKey' in s)?.apiKey;
      expect(scopeOf('/api/v1/privacy/requests', 'get')).toEqual(['privacy:read']);
      expect(scopeOf('/api/v1/privacy/requests', 'post')).toEqual(['privacy:write']);
      expect(scopeOf('/api/v1/privacy/requests/{id}', 'get')).toEqual(['privacy:read']);
      expect(scopeOf('/api/v1/privacy/requests/{id}', 'patch')).toEqual(['privacy:write']);
      for (const action of ['notes', 'extend', 'refuse', 'fulfil']) {
        expect(scopeOf(`/api/v1/privacy/requests/{id}/${action}`, 'post'), action).toEqual(['privacy:write']);
      }
      expect(scopeOf('/api/v1/privacy/requests/{id}/packages/{packageId}/download', 'get')).toEqual(['privacy:export']);
      expect(scopeOf('/api/v1/privacy/request-settings', 'put')).toEqual(['privacy:write']);
    });
  });
});

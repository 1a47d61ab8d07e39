import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, invitations, members, teams, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { addMember, ownerWithWorkspace, type TestUser } from './workspaces.test-helpers.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** method, url, body (a string is sent as is), and the field the error must name. */
type Case = [Method, string, unknown, string];

const long = (n: number) => 'x'.repeat(n);

describeEachDatabase('workspace endpoints refuse bad input', (env) => {
  let owner: TestUser;
  let member: TestUser;
  let workspaceId: string;
  let teamId: string;

  beforeAll(async () => {
    const w = await ownerWithWorkspace(env(), 'Validated');
    owner = w.owner;
    workspaceId = w.workspaceId;
    teamId = (await owner.client.post<{ teamId: string }>('/api/teams', { name: 'Valid team' })).body.teamId;
    member = await addMember(env(), owner.client, 'member');
  }, 60_000);

  const snapshot = () =>
    withTenant(env().services.database.db, { workspaceId }, async (tx) => ({
      workspace: await tx.select().from(workspaces).where(eq(workspaces.workspaceId, workspaceId)),
      members: await tx.select().from(members).where(eq(members.workspaceId, workspaceId)).orderBy(members.userId),
      teams: await tx.select().from(teams).where(eq(teams.workspaceId, workspaceId)),
      invitations: await tx.select().from(invitations).where(eq(invitations.workspaceId, workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, workspaceId))).length,
    }));

  it('answers 422 naming the field for wrong types, unknown fields, long strings, bad emails and bad ids; writes nothing', async () => {
    const m = () => member.userId;
    const cases: Case[] = [
      ['POST', '/api/workspaces', { name: 5, country: 'NO', region: 'eu' }, 'name'],
      ['POST', '/api/workspaces', { name: long(101), country: 'NO', region: 'eu' }, 'name'],
      ['POST', '/api/workspaces', { name: '   ', country: 'NO', region: 'eu' }, 'name'],
      ['POST', '/api/workspaces', { name: 'X', country: 'XX', region: 'eu' }, 'country'],
      ['POST', '/api/workspaces', { name: 'X', country: 'XX', region: 'eu' }, 'country'],
      ['POST', '/api/workspaces', { name: 'X', country: 'NO', region: 'mars' }, 'region'],
      ['POST', '/api/workspaces', { name: 'X', country: 'NO' }, 'region'],
      ['POST', '/api/workspaces', { name: 'X', country: 'NO', region: 'eu', plan: 'free' }, 'plan'],
      ['POST', '/api/workspaces', [], 'body'],
      ['PATCH', '/api/workspaces/current', { requireTwoFactor: 'yes' }, 'requireTwoFactor'],
      ['PATCH', '/api/workspaces/current', { name: long(500) }, 'name'],
      ['PATCH', '/api/workspaces/current', { createdBy: m() }, 'createdBy'],
      ['POST', '/api/workspaces/switch', { workspaceId: 'not-a-uuid' }, 'workspaceId'],
      ['POST', '/api/workspaces/switch', { workspaceId: 12 }, 'workspaceId'],
      ['GET', '/api/members?after=nope', undefined, 'after'],
      ['GET', '/api/members?limit=abc', undefined, 'limit'],
      ['GET', '/api/members?limit=1.5', undefined, 'limit'],
      ['GET', '/api/members?sort=name', undefined, 'sort'],
      ['PATCH', '/api/members/not-a-uuid', { role: 'viewer' }, 'userId'],
      ['PATCH', `/api/members/${m()}`, { role: 'god' }, 'role'],
      ['PATCH', `/api/members/${m()}`, { role: 'viewer', email: 'x@example.test' }, 'email'],
      ['DELETE', '/api/members/123', undefined, 'userId'],
      ['POST', '/api/invitations', { email: 'not-an-email', role: 'member' }, 'email'],
      ['POST', '/api/invitations', { email: `${long(250)}@example.test`, role: 'member' }, 'email'],
      ['POST', '/api/invitations', { email: 'a@example.test', role: ['admin'] }, 'role'],
      ['POST', '/api/invitations', { email: 'a@example.test', role: 'member', teamId: 'sales' }, 'teamId'],
      ['POST', '/api/invitations', { email: 'a@example.test', role: 'member', message: 'hi' }, 'message'],
      ['DELETE', '/api/invitations/%27%20or%201%3D1', undefined, 'invitationId'],
      ['GET', `/api/invitations/lookup?token=${long(300)}`, undefined, 'token'],
      ['GET', '/api/invitations/lookup?token=abc', undefined, 'token'],
      ['POST', '/api/invitations/accept', { token: 42 }, 'token'],
      ['POST', '/api/invitations/accept', { token: 'short' }, 'token'],
      ['POST', '/api/teams', { name: long(81) }, 'name'],
      ['POST', '/api/teams', { name: null }, 'name'],
      ['POST', '/api/teams', { name: 'Ok', color: 'red' }, 'color'],
      ['PATCH', '/api/teams/abc', { name: 'Ok' }, 'teamId'],
      ['PATCH', `/api/teams/${teamId}`, { name: '' }, 'name'],
      ['DELETE', '/api/teams/abc', undefined, 'teamId'],
      ['PUT', `/api/teams/${teamId}/members/abc`, {}, 'userId'],
      ['DELETE', `/api/teams/abc/members/${m()}`, undefined, 'teamId'],
    ];
    const before = await snapshot();
    for (const [method, url, body, field] of cases) {
      const res = await owner.client.request<{ error: { code: string; fields?: Record<string, string> } }>(
        method,
        url,
        body,
      );
      const label = `${method} ${url} ${JSON.stringify(body)?.slice(0, 80)}`;
      expect(res.status, label).toBe(422);
      expect(res.body.error.code, label).toBe('validation_failed');
      const fields = res.body.error.fields ?? {};
      // The field is named either as the key or, for an unknown field, in the message.
      const named = field in fields || Object.values(fields).some((v) => v.includes(`"${field}"`));
      expect(named, `${label} → ${JSON.stringify(fields)}`).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers malformed JSON and a wrong content type with 400 and 415, never a 500', async () => {
    const before = await snapshot();
    const writes: [Method, string][] = [
      ['POST', '/api/workspaces'],
      ['PATCH', '/api/workspaces/current'],
      ['POST', '/api/workspaces/switch'],
      ['PATCH', `/api/members/${member.userId}`],
      ['POST', '/api/invitations'],
      ['POST', '/api/invitations/accept'],
      ['POST', '/api/teams'],
      ['PATCH', `/api/teams/${teamId}`],
    ];
    for (const [method, url] of writes) {
      const broken = await owner.client.request(method, url, '{"name": "unterminated');
      expect(broken.status, `${method} ${url}`).toBe(400);
      expect(broken.body, `${method} ${url}`).toMatchObject({
        error: { code: 'invalid_json', fields: { body: expect.any(String) } },
      });
      const text = await owner.client.request(method, url, undefined, { 'content-type': 'text/plain' });
      expect([400, 415, 422], `${method} ${url} text/plain`).toContain(text.status);
      const empty = await owner.client.request(method, url, 'null');
      expect(empty.status, `${method} ${url} null`).toBe(422);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a malformed X-Tillit-Workspace header naming it', async () => {
    const res = await owner.client.get('/api/members', { 'x-tillit-workspace': 'not-a-uuid' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { fields: { 'x-tillit-workspace': expect.any(String) } } });
  });
});
